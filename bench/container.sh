#!/usr/bin/env bash
# Benchmark of the container users run, on this machine's podman:
#   - the image's compressed size (what a runner downloads),
#   - start-to-exit of a dry run in the container,
#   - a cold build of the Dockerfile then a run (image: Dockerfile, every job)
#     against a pull of the prebuilt image by digest then a run (a release),
#     side by side, with the ratio.
#   bench/container.sh [runs]   (default 5)
# Builds with buildah and a stand-in for the golang base image (see
# .ci/container-lib.sh); the registry is a local docker-registry on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
workdir=$(mktemp -d)
image=localhost/kamal-ecr:bench
. .ci/container-lib.sh
base=$(base_image)
cleanup() {
  stop_registry
  buildah manifest rm "$image" >/dev/null 2>&1 || true
  podman rmi -f "$image" localhost/kamal-ecr:cold ${pulled:+"$pulled"} >/dev/null 2>&1 || true
  remove_standin "$base"
  buildah rm --all >/dev/null 2>&1 || true
  podman image prune -f >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
container_tools
standin_base "$base"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print m}'; }

echo "building the prebuilt image (linux/amd64, linux/arm64) and pushing it to a local registry"
build_image "$image" linux/amd64,linux/arm64
start_registry
buildah manifest push --all --tls-verify=false --digestfile "$workdir/digest" "$image" "docker://$REGISTRY/kamal-ecr:bench" >"$workdir/push.log" 2>&1 ||
  { cat "$workdir/push.log"; exit 1; }
pulled="$REGISTRY/kamal-ecr@$(cat "$workdir/digest")"
buildah manifest rm "$image" >/dev/null
podman image prune -f >/dev/null

# Compressed size: the amd64 manifest's config and layers, as pulled.
size=$(python3 - "$REGISTRY" "$(cat "$workdir/digest")" <<'PY'
import json, sys, urllib.request
reg, digest = sys.argv[1], sys.argv[2]
def get(ref):
    req = urllib.request.Request(f"http://{reg}/v2/kamal-ecr/manifests/{ref}", headers={"Accept": "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"})
    return json.load(urllib.request.urlopen(req))
index = get(digest)
m = get(next(d["digest"] for d in index["manifests"] if d["platform"]["architecture"] == "amd64"))
print(m["config"]["size"] + sum(l["size"] for l in m["layers"]))
PY
)

# A dry run in the container on a small workspace, the runner's way.
mkdir -p "$workdir/ws" "$workdir/fc"
cp -r testdata/demo/config "$workdir/ws/"
dry_run() { # image
  podman run --rm --workdir /github/workspace --read-only "${podman_quirks[@]}" \
    -e GITHUB_ACTIONS=true -e GITHUB_WORKSPACE=/github/workspace -e INPUT_DRY-RUN=true \
    -e INPUT_PULL-THROUGH-CACHE=docker.io=docker-hub \
    -v "$workdir/fc:/github/file_commands" -v "$workdir/ws:/github/workspace" "$1" >/dev/null
}

podman pull -q "$pulled" >/dev/null
dry_run "$pulled" # warm
starts=()
for _ in $(seq "$runs"); do
  t0=$(now_ms); dry_run "$pulled"; starts+=($(($(now_ms) - t0)))
done

echo "measuring: $runs cold builds and $runs pulls, alternating"
cold=() prebuilt=()
for _ in $(seq "$runs"); do
  podman rmi -f localhost/kamal-ecr:cold >/dev/null 2>&1 || true
  podman image prune -f >/dev/null
  t0=$(now_ms)
  buildah bud --pull=never --no-cache --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    --platform linux/amd64 -t localhost/kamal-ecr:cold -f Dockerfile . >/dev/null 2>&1
  dry_run localhost/kamal-ecr:cold
  cold+=($(($(now_ms) - t0)))

  podman rmi -f "$pulled" >/dev/null 2>&1 || true
  t0=$(now_ms)
  podman pull -q "$pulled" >/dev/null
  dry_run "$pulled"
  prebuilt+=($(($(now_ms) - t0)))
done

start_ms=$(printf '%s\n' "${starts[@]}" | median)
cold_ms=$(printf '%s\n' "${cold[@]}" | median)
pre_ms=$(printf '%s\n' "${prebuilt[@]}" | median)
printf 'image, linux/amd64, compressed: %.1f MB\n' "$(echo "$size / 1000000" | bc -l)"
echo "dry run in the container, start to exit (median of $runs): ${start_ms} ms"
echo "cold build of the Dockerfile + run (median of $runs): ${cold_ms} ms   [${cold[*]}]"
echo "pull of the prebuilt image by digest + run (median of $runs): ${pre_ms} ms   [${prebuilt[*]}]"
printf 'prebuilt is %.0fx faster\n' "$(echo "$cold_ms / $pre_ms" | bc -l)"
