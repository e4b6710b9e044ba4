#!/usr/bin/env bash
# Benchmark: kamal-ecr against what users do today, a shell step calling the
# AWS CLI, on the same local ECR-protocol endpoint.
#   bench/run.sh [runs]   (default 7 runs of each, alternating)
# Needs go; the AWS CLI (aws) for the baseline. Talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/kamal-ecr" .
go build -o "$work/ecrserver" ./bench/ecrserver
size=$(stat -c %s "$work/kamal-ecr")
printf 'binary: %.1f MB (static, stripped)\n' "$(echo "$size / 1048576" | bc -l)"
file "$work/kamal-ecr" 2>/dev/null | grep -q 'statically linked' || echo "warning: binary is not static"

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
have_aws=1; command -v aws >/dev/null || { have_aws=0; echo "aws CLI not found: no baseline"; }

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print m}'; }

# workspace with a config that has a registry cache (2 repositories)
mkdir -p "$work/ws/config"
cat > "$work/ws/config/deploy.yml" <<'YAML'
service: shop
image: acme/shop
servers:
  - 10.0.0.10
registry:
  server: 123456789012.dkr.ecr.us-east-1.amazonaws.com
  username: AWS
  password:
    - KAMAL_REGISTRY_PASSWORD
builder:
  arch: amd64
  cache:
    type: registry
    options: mode=max
accessories:
  db:
    image: mysql:8.4
    host: 10.0.0.10
YAML
cp "$work/ws/config/deploy.yml" "$work/deploy.orig.yml"

# run_action URL EXTRA [LOGIN]: the action as the runner starts it
run_action() {
  cp "$work/deploy.orig.yml" "$work/ws/config/deploy.yml"
  : > "$work/out"; : > "$work/summary"
  env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$work/ws" GITHUB_OUTPUT="$work/out" GITHUB_STEP_SUMMARY="$work/summary" \
    AWS_ENDPOINT_URL_ECR="$1" AWS_ENDPOINT_URL_STS="$1" "INPUT_EXTRA-REPOSITORIES=$2" "INPUT_LOGIN=${3:-false}" "INPUT_VERIFY-IMAGES=false" \
    "$work/kamal-ecr" > "$work/action.log" || { cat "$work/action.log"; exit 1; }
}

# run_cli URL REPOS...: the shell-step recipe users write today
run_cli() {
  local url=$1; shift
  for r in "$@"; do
    aws ecr describe-repositories --endpoint-url "$url" --repository-names "$r" >/dev/null 2>&1 ||
      aws ecr create-repository --endpoint-url "$url" --repository-name "$r" >/dev/null
  done
  aws ecr put-lifecycle-policy --endpoint-url "$url" --repository-name acme/shop-build-cache --lifecycle-policy-text \
    '{"rules":[{"rulePriority":1,"description":"Expire untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}' >/dev/null
  aws ecr describe-pull-through-cache-rules --endpoint-url "$url" >/dev/null
}

calls() { curl -s "$1/_calls"; }
diff_calls() { # before after runs -> "Op=n per run, ..."
  python3 -c 'import json,sys; b=json.loads(sys.argv[1]); a=json.loads(sys.argv[2]); n=int(sys.argv[3]); print(", ".join(f"{k}={(a[k]-b.get(k,0))/n:g}" for k in sorted(a) if a[k]-b.get(k,0)))' "$1" "$2" "$3"
}

bench() { # latency repo-count fresh|existing [login]
  local latency=$1 count=$2 state=${3:-fresh} login=false
  [ "${4:-}" = login ] && login=true
  "$work/ecrserver" -latency "$latency" > "$work/url" & local pid=$!
  for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.05; done
  local url; url=$(head -1 "$work/url")
  local extra="" repos=(acme/shop acme/shop-build-cache)
  for i in $(seq 3 "$count"); do extra+="acme/extra-$i"$'\n'; repos+=("acme/extra-$i"); done
  local ta=() tc=()
  reset() { [ "$state" = fresh ] && curl -s -X POST "$url/_reset" || true; }
  run_action "$url" "$extra" "$login"; reset # warm-up (and, for "existing", the first deploy)
  [ $have_aws = 1 ] && [ "$state" = existing ] && run_cli "$url" "${repos[@]}"
  local before_a after_a before_c after_c ca=0 cc=0
  for _ in $(seq "$runs"); do
    before_a=$(calls "$url"); local s; s=$(now_ms); run_action "$url" "$extra" "$login"; ta+=($(( $(now_ms) - s ))); after_a=$(calls "$url")
    reset
    if [ $have_aws = 1 ]; then
      before_c=$(calls "$url"); s=$(now_ms); run_cli "$url" "${repos[@]}"; tc+=($(( $(now_ms) - s ))); after_c=$(calls "$url")
      reset
    fi
  done
  local ma mc; ma=$(printf '%s\n' "${ta[@]}" | median)
  printf '\nlatency %s, %d repositories, %s registry%s, %d runs each\n' "$latency" "$count" "$state" "$([ $login = true ] && echo ', login')" "$runs"
  printf '  kamal-ecr      median %6s ms   calls per run: %s\n' "$ma" "$(diff_calls "$before_a" "$after_a" 1)"
  if [ $have_aws = 1 ]; then
    mc=$(printf '%s\n' "${tc[@]}" | median)
    printf '  aws CLI recipe median %6s ms   calls per run: %s\n' "$mc" "$(diff_calls "$before_c" "$after_c" 1)"
    printf '  ratio (CLI / kamal-ecr): %.1fx\n' "$(echo "$mc / $ma" | bc -l)"
  fi
  if [ "$latency" != 0 ]; then
    local ms=${latency%ms}
    printf '  target: within 2 round trips + 30 ms = %d ms: %s\n' $((2 * ms + 30)) "$([ "${ma%.*}" -le $((2 * ms + 30)) ] && echo met || echo MISSED)"
  else
    printf '  target: under 50 ms median: %s\n' "$([ "${ma%.*}" -lt 50 ] && echo met || echo MISSED)"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

bench 100ms 2 fresh
bench 100ms 20 fresh
bench 100ms 2 existing
bench 100ms 2 fresh login
bench 0 2 fresh
bench 0 2 existing
