# Shared by .ci/container and bench/container.sh: build and run the action's
# image without a Docker engine, with Debian's buildah, podman and
# docker-registry. Sourced, not run.

# This host's quirks (FACTS.md 6): crun cannot run here, rlimits cannot be raised.
podman_quirks=(--runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# container_tools installs what a fresh machine lacks.
container_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v busybox >/dev/null || missing+=(busybox-static)
  command -v python3 >/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# base_image is the builder stage's image, as the Dockerfile names it.
base_image() {
  local name
  name=$(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; exit } }' Dockerfile)
  case "$name" in */*) ;; *) name="docker.io/library/$name" ;; esac
  echo "$name"
}

# standin_base builds a stand-in for the builder's base image, which cannot
# be pulled here, from this machine's Go toolchain (static), busybox's shell
# and CA certificates: a manifest list with an amd64 and an arm64 entry, so a
# --platform linux/arm64 build finds it. It is the only stand-in; the
# Dockerfile is built unchanged.
standin_base() {
  local name="$1" ctr mnt
  if buildah manifest inspect "$name" >/dev/null 2>&1; then return; fi
  echo "stand-in for $name from $(go env GOROOT) ($(go env GOVERSION))"
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt/usr/local" "$mnt/bin" "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/root"
  cp -a "$(go env GOROOT)" "$mnt/usr/local/go"
  cp "$(command -v busybox)" "$mnt/bin/busybox"
  ln -s busybox "$mnt/bin/sh"
  cp /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/"
  chmod 1777 "$mnt/tmp"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/go/bin:/bin --env GOPATH=/go --env GOTOOLCHAIN=local --env HOME=/root --arch amd64 "$ctr"
  buildah commit -q "$ctr" localhost/kamal-ecr-standin:amd64 >/dev/null
  buildah config --arch arm64 "$ctr"
  buildah commit -q "$ctr" localhost/kamal-ecr-standin:arm64 >/dev/null
  buildah rm "$ctr" >/dev/null
  buildah manifest create "$name" >/dev/null
  buildah manifest add "$name" containers-storage:localhost/kamal-ecr-standin:amd64 >/dev/null
  buildah manifest add "$name" containers-storage:localhost/kamal-ecr-standin:arm64 >/dev/null
}

# remove_standin undoes standin_base.
remove_standin() {
  buildah manifest rm "$1" >/dev/null 2>&1 || true
  podman rmi -f localhost/kamal-ecr-standin:amd64 localhost/kamal-ecr-standin:arm64 >/dev/null 2>&1 || true
}

# build_image NAME PLATFORMS [buildah flags] builds the Dockerfile into a
# manifest list.
build_image() {
  local name="$1" platforms="$2"
  shift 2
  buildah manifest rm "$name" >/dev/null 2>&1 || true
  buildah bud --pull=never --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    --platform "$platforms" --manifest "$name" "$@" -f Dockerfile . >"$workdir/build.log" 2>&1 ||
    { tail -40 "$workdir/build.log"; return 1; }
}

# start_registry runs a real OCI distribution registry on 127.0.0.1 and sets
# REGISTRY (localhost:port) and CONTAINERS_REGISTRIES_CONF, which lets podman
# pull from it over plain HTTP without changing the pull command.
start_registry() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$workdir/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $workdir/registry
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$workdir/registry.yml" >"$workdir/registry.log" 2>&1 &
  registry_pid=$!
  REGISTRY="localhost:$port"
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$workdir/registries.conf"
  export CONTAINERS_REGISTRIES_CONF="$workdir/registries.conf"
  for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://$REGISTRY/v2/', timeout=1)" 2>/dev/null && return
    sleep 0.1
  done
  echo "the registry did not start:"; cat "$workdir/registry.log"; return 1
}

stop_registry() { if [ -n "${registry_pid:-}" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi; }
