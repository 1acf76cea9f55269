#!/usr/bin/env bash
# Scale-out figures of docs/SCALING.md (issue 21), in one run on 127.0.0.1: Pouch on SQLite, one
# Pouch on PostgreSQL, and two Pouch instances on one PostgreSQL schema, each behind the same nginx
# round-robin balancer, in front of one fake OpenAI upstream. Measures plain chat completions with
# wrk: throughput at 50 connections and latency at 1 connection. Every key has a budget and a
# rate_limit middleware (far above the load), so the whole accounting path runs.
#
#   bench/scaleout.sh                     # ~4 minutes on a quiet machine (needs target/pouch.jar)
#
# Knobs: BENCH_DURATION=10 (measured s), BENCH_WARMUP=20 (s, per target), BENCH_CONNS=50,
# BENCH_POSTGRES_URL (a server to use; else a private cluster is started, as bin/test does),
# BENCH_REDIS_URL (passed as --redis to the PostgreSQL instances when set), BENCH_PORT_BASE=18800,
# BENCH_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java, BENCH_TARGETS="sqlite pg1 pg2".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
JAR="$ROOT/pouch-server-javalin/target/pouch.jar"
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-20}
CONNS=${BENCH_CONNS:-50}
JAVA=${BENCH_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PORT_BASE=${BENCH_PORT_BASE:-18800}
P_UP=$PORT_BASE P_SQLITE=$((PORT_BASE + 1)) P_PG1=$((PORT_BASE + 2)) P_PG2A=$((PORT_BASE + 3))
P_PG2B=$((PORT_BASE + 4)) P_LB_SQLITE=$((PORT_BASE + 10)) P_LB_PG1=$((PORT_BASE + 11)) P_LB_PG2=$((PORT_BASE + 12))
ADMIN_TOKEN="pt-admin-bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
MASTER_KEY=$(head -c 32 /dev/urandom | base64)

log() { printf '[scaleout %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ -f "$JAR" ] || die "no $JAR: run 'mvn -B package -DskipTests' first"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "${missing[@]}" >/dev/null
  else sudo -n apt-get install -y -qq "${missing[@]}" >/dev/null || die "cannot install ${missing[*]}"; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

TMP=$(mktemp -d /tmp/pouch-scaleout.XXXXXX)
declare -a CHILDREN=()
PG_STOP=""
cleanup() {
  local rc=$? pid
  trap - EXIT
  for pid in "${CHILDREN[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CHILDREN[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ -n "$PG_STOP" ] && eval "$PG_STOP"
  [ $rc -ne 0 ] && log "logs kept in $TMP" || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
spawn() { local logfile=$1; shift; "$@" >"$logfile" 2>&1 & SPAWNED=$!; CHILDREN+=("$SPAWNED"); }
wait_http() { # wait_http URL SECONDS
  for _ in $(seq 1 $(($2 * 10))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" != 000 ] && return 0
    sleep 0.1
  done
  return 1
}

# --- PostgreSQL ---------------------------------------------------------------------------------
PG_URL=${BENCH_POSTGRES_URL:-}
if [ -z "$PG_URL" ]; then
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$pg_bin" ] || die "no PostgreSQL: install Debian's postgresql or set BENCH_POSTGRES_URL"
  pg_port=$((PORT_BASE + 30))
  PG_DIR=$(mktemp -d /tmp/pouch-scaleout-pg.XXXXXX) # its own: initdb refuses root, and 'postgres' must reach it
  as_pg=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$PG_DIR/data" -A trust -U pouch -E UTF8 >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $pg_port -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  PG_STOP="${as_pg[*]} $pg_bin/pg_ctl -D $PG_DIR/data -m fast -w stop >/dev/null 2>&1 || true; rm -rf $PG_DIR"
  "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U pouch pouch_bench
  PG_URL="postgresql://pouch@127.0.0.1:$pg_port/pouch_bench"
  log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (synchronous_commit on, fsync on)"
fi
# this run's own schemas (a server given in BENCH_POSTGRES_URL keeps other runs' ones apart)
SCHEMA_ONE="bench_one_$$" SCHEMA_TWO="bench_two_$$"
schema_url() { echo "$PG_URL$([[ $PG_URL == *\?* ]] && echo '&' || echo '?')currentSchema=$1"; }
if [ -z "$PG_STOP" ] && command -v psql >/dev/null; then
  PG_STOP="psql -q '$PG_URL' -c 'DROP SCHEMA IF EXISTS $SCHEMA_ONE CASCADE; DROP SCHEMA IF EXISTS $SCHEMA_TWO CASCADE' >/dev/null 2>&1 || true"
fi
REDIS_ARGS=()
[ -n "${BENCH_REDIS_URL:-}" ] && REDIS_ARGS=(--redis "$BENCH_REDIS_URL")

# --- the upstream, the instances, the balancer -------------------------------------------------
spawn "$TMP/upstream.log" java -Dsun.net.httpserver.nodelay=true -Dsun.net.httpserver.maxIdleConnections=4096 \
  -cp "$JAR" dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream --port "$P_UP"
wait_http "http://127.0.0.1:$P_UP/v1/models" 60 || die "the fake upstream did not start"

start_pouch() { # start_pouch NAME PORT [ARGS...]
  local name=$1 port=$2; shift 2
  mkdir -p "$TMP/$name-data"
  spawn "$TMP/$name.log" env POUCH_ADMIN_TOKEN="$ADMIN_TOKEN" POUCH_MASTER_KEY="$MASTER_KEY" POUCH_LOG_LEVEL=WARN \
    "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" --host 127.0.0.1 --port "$port" --data "$TMP/$name-data" "$@"
  wait_http "http://127.0.0.1:$port/healthz" 120 || die "$name did not start (see $TMP/$name.log)"
}
start_pouch sqlite "$P_SQLITE"
start_pouch pg1 "$P_PG1" --store "$(schema_url "$SCHEMA_ONE")" "${REDIS_ARGS[@]}"
start_pouch pg2a "$P_PG2A" --store "$(schema_url "$SCHEMA_TWO")" "${REDIS_ARGS[@]}"
start_pouch pg2b "$P_PG2B" --store "$(schema_url "$SCHEMA_TWO")" "${REDIS_ARGS[@]}"

mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  keepalive_requests 1000000;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffering off;
  upstream sqlite { server 127.0.0.1:$P_SQLITE; keepalive 128; }
  upstream pg1 { server 127.0.0.1:$P_PG1; keepalive 128; }
  upstream pg2 { server 127.0.0.1:$P_PG2A; server 127.0.0.1:$P_PG2B; keepalive 128; }
  server { listen 127.0.0.1:$P_LB_SQLITE; location / { proxy_pass http://sqlite; } }
  server { listen 127.0.0.1:$P_LB_PG1; location / { proxy_pass http://pg1; } }
  server { listen 127.0.0.1:$P_LB_PG2; location / { proxy_pass http://pg2; } }
}
EOF
spawn "$TMP/nginx.log" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log"
wait_http "http://127.0.0.1:$P_LB_SQLITE/healthz" 30 || die "nginx did not start"

create_key() { # create_key PORT -> the key's secret
  local answer
  answer=$(curl -s -m 10 "http://127.0.0.1:$1/api/keys" -H "Authorization: Bearer $ADMIN_TOKEN" -d "{
    \"name\": \"bench\",
    \"provider\": {\"id\": \"openai\", \"config\": {\"base_url\": \"http://127.0.0.1:$P_UP/v1\", \"api_key\": \"sk-bench\"}},
    \"middlewares\": [{\"id\": \"rate_limit\", \"config\": {\"limit\": 1000000000, \"period\": 1}}],
    \"budget_limit_micros\": 1000000000000
  }")
  [[ $answer == *'"key":"pa-'* ]] || die "cannot create a key: $answer"
  sed -E 's/.*"key":"(pa-[^"]+)".*/\1/' <<<"$answer"
}
declare -A KEY=([sqlite]=$(create_key "$P_SQLITE") [pg1]=$(create_key "$P_PG1") [pg2]=$(create_key "$P_PG2A"))
declare -A PORT=([sqlite]=$P_LB_SQLITE [pg1]=$P_LB_PG1 [pg2]=$P_LB_PG2)

printf '{"model":"gpt-4o-mini","max_tokens":256,"messages":[{"role":"user","content":"%s"}]}' \
  "$(head -c 600 /dev/zero | tr '\0' 'x')" >"$TMP/plain.json"

# --- runs ---------------------------------------------------------------------------------------
kv() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' <<<"$1"; }
measure() { # measure TARGET CONNECTIONS SECONDS -> "req/s p50_ms p99_ms errors"
  local out line
  out=$(wrk -t"$(( $2 > 1 ? 2 : 1 ))" -c"$2" -d"$3s" --timeout 10s -s "$BENCH/wrk-post.lua" \
    "http://127.0.0.1:${PORT[$1]}/v1/chat/completions" -- "$TMP/plain.json" "Authorization: Bearer ${KEY[$1]}" 2>&1)
  line=$(grep '^WRK_RESULT' <<<"$out") || die "wrk gave no result: $out"
  awk -v r="$(kv "$line" requests)" -v d="$(kv "$line" duration_us)" -v p50="$(kv "$line" p50_us)" \
    -v p99="$(kv "$line" p99_us)" -v e="$(( $(kv "$line" status) + $(kv "$line" timeout) + $(kv "$line" read) + $(kv "$line" connect) ))" \
    'BEGIN { printf "%.0f %.2f %.2f %d", r * 1e6 / d, p50 / 1000, p99 / 1000, e }'
}
declare -A RESULT=()
TARGETS=${BENCH_TARGETS:-"sqlite pg1 pg2"}
for target in $TARGETS; do
  log "$target: warming up ${WARMUP} s"
  measure "$target" "$CONNS" "$WARMUP" >/dev/null
  RESULT[$target-c50]=$(measure "$target" "$CONNS" "$DURATION")
  RESULT[$target-c1]=$(measure "$target" 1 "$DURATION")
  log "$target: c$CONNS ${RESULT[$target-c50]} | c1 ${RESULT[$target-c1]}"
done

cores=$(nproc)
echo
echo "Scale-out, $(date -u +%Y-%m-%d), $cores cores, $("$JAVA" -version 2>&1 | head -1 | tr -d '"'), every instance and PostgreSQL on this machine, each target behind one nginx worker:"
echo
echo "| target | c$CONNS req/s | c$CONNS p50 / p99 ms | c1 p50 / p99 ms | errors |"
echo "|---|---|---|---|---|"
for target in $TARGETS; do
  read -r rps p50 p99 e <<<"${RESULT[$target-c50]}"
  read -r _ l50 l99 e1 <<<"${RESULT[$target-c1]}"
  label=$target
  case $target in sqlite) label="1 instance, SQLite" ;; pg1) label="1 instance, PostgreSQL" ;; pg2) label="2 instances, one PostgreSQL" ;; esac
  echo "| $label | $rps | $p50 / $p99 | $l50 / $l99 | $((e + e1)) |"
done
