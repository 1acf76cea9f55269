#!/usr/bin/env bash
# Pouch's benchmark harness (issue 8): in one run, on 127.0.0.1 only, it starts the fake OpenAI
# upstream, nginx, the Portkey gateway, a bare Javalin + OkHttp hop (bench/BareHop.java: Pouch's
# stack without its accounting) and Pouch (JDK 25 and JDK 17), measures each side by side with wrk
# (plain answers, closed loop), bench/OpenLoop.java (plain answers at a fixed rate, open loop) and
# bench/StreamLoad.java (streams), and prints one table.
#
# Scenarios: c50 / c1 (fast upstream, 50 / 1 connections), slow200 (50 ms upstream, 200 connections),
# openN, e.g. open100 open500 open1000 (50 ms upstream, N requests/s on a fixed schedule, each timed
# from its scheduled start: what users feel below saturation, issue 22), stream50 / stream1.
# Targets: direct, nginx, portkey, hop, pouch-jdk25, pouch-jdk17, and pouch-jdk25-plain: the same
# JDK 25 process through a second key whose openai provider has "stream_plain_requests": false
# (plain requests go upstream plain, not as streams; no process of its own). Streams are the same
# for both keys, so pouch-jdk25-plain skips the stream scenarios. pouch-jdk25-later: a JDK 25
# process of its own with both opt-ins, --reservation-sync later (a reservation's fsync joins the
# next group commit: survives kill -9, not a power loss) and keys that send plain requests plain.
#
#   bench/run.sh [--out FILE.md]          # full run, ~25 minutes on a quiet machine
#   BENCH_QUICK=1 bench/run.sh            # quick run, ~3 minutes (short runs: noisy figures)
#
# Knobs (environment; defaults for the full run, quick run in brackets):
#   BENCH_DURATION=10 [2]      measured seconds per run
#   BENCH_WARMUP=5 [1]         warm-up seconds before each run (not measured)
#   BENCH_FIRST_WARMUP=15 [2]  warm-up of a target's first run (JIT)
#   BENCH_JVM_FIRST_WARMUP=60 [2]  the same for the JVMs (hop, Pouch): C2 keeps compiling Pouch's path for
#                              well over 15 s, and the CPU per request counts the compiler threads
#   BENCH_CONNS=50             connections of the throughput runs
#   BENCH_SLOW_CONNS=200       connections of the slow-upstream run
#   BENCH_SLOW_LATENCY_MS=50   upstream latency of the slow-upstream run
#   BENCH_STREAMS=50           concurrent streams of the streaming run
#   BENCH_STREAM_WORDS=48      answer words (one content event each) of a stream
#   BENCH_STREAM_CHUNK_DELAY_MS=5  upstream pause before each stream event
#   BENCH_PROMPT_BYTES=1024    size of the user message of every request
#   BENCH_OPEN_CLIENT_WARMUP=2 [1]  first seconds of an open-loop run left out of its figures (the
#                              generator's own JVM warming up; its CPU still counts them)
#   BENCH_TARGETS="direct nginx portkey hop pouch-jdk25 pouch-jdk25-plain pouch-jdk25-later pouch-jdk17"
#   BENCH_SCENARIOS="c50 c1 slow200 open100 open500 open1000 stream50 stream1"
#                              [quick: "c50 c1 slow200 open1000 stream50 stream1"]
#   BENCH_JDK25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java  BENCH_JDK17=java
#   BENCH_POUCH_JAR=…/pouch.jar  the Pouch build to measure (default: this checkout's; A/B two builds)
#   BENCH_POUCH_JAVA_OPTS=""   extra JVM options of both Pouch processes, e.g. a CPU profile:
#                              -XX:StartFlightRecording=filename=/tmp/jfr/,settings=profile
#   BENCH_OTHERS_MAX=10        % of the machine's CPU that other processes (not this run's) may
#                              use before a run; above it the run waits, then warns
#   BENCH_QUIET_WAIT=20 [5]    most seconds one run waits for that (in all: at most 8× this)
#   BENCH_PORT_BASE=18700      ports BASE..BASE+40 on 127.0.0.1 must be free
#   BENCH_KEEP_TMP=1           keep the temporary folder (logs, raw results)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
JAR=${BENCH_POUCH_JAR:-"$ROOT/pouch-server-javalin/target/pouch.jar"}
OUT=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  : "${BENCH_DURATION:=2}" "${BENCH_WARMUP:=1}" "${BENCH_FIRST_WARMUP:=2}" "${BENCH_JVM_FIRST_WARMUP:=2}" "${BENCH_QUIET_WAIT:=5}"
  : "${BENCH_OPEN_CLIENT_WARMUP:=1}" "${BENCH_SCENARIOS:=c50 c1 slow200 open1000 stream50 stream1}"
  QUIET_WINDOW=0.5
fi
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-5}
FIRST_WARMUP=${BENCH_FIRST_WARMUP:-15}
JVM_FIRST_WARMUP=${BENCH_JVM_FIRST_WARMUP:-60}
first_warmup() { case "$1" in hop|pouch-*) echo "$JVM_FIRST_WARMUP" ;; *) echo "$FIRST_WARMUP" ;; esac; }
CONNS=${BENCH_CONNS:-50}
SLOW_CONNS=${BENCH_SLOW_CONNS:-200}
SLOW_LATENCY_MS=${BENCH_SLOW_LATENCY_MS:-50}
STREAMS=${BENCH_STREAMS:-50}
STREAM_WORDS=${BENCH_STREAM_WORDS:-48}
STREAM_CHUNK_DELAY_MS=${BENCH_STREAM_CHUNK_DELAY_MS:-5}
PROMPT_BYTES=${BENCH_PROMPT_BYTES:-1024}
OPEN_CLIENT_WARMUP=${BENCH_OPEN_CLIENT_WARMUP:-2}
TARGETS=${BENCH_TARGETS:-"direct nginx portkey hop pouch-jdk25 pouch-jdk25-plain pouch-jdk25-later pouch-jdk17"}
SCENARIOS=${BENCH_SCENARIOS:-"c50 c1 slow200 open100 open500 open1000 stream50 stream1"}
JDK25=${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JDK17=${BENCH_JDK17:-java}
POUCH_JAVA_OPTS=${BENCH_POUCH_JAVA_OPTS:-}
OTHERS_MAX=${BENCH_OTHERS_MAX:-10}
QUIET_WAIT=${BENCH_QUIET_WAIT:-20}
QUIET_WAIT_BUDGET=$((QUIET_WAIT * 8))
PORT_BASE=${BENCH_PORT_BASE:-18700}

P_UP_FAST=$PORT_BASE P_UP_SLOW=$((PORT_BASE + 1)) P_UP_STREAM=$((PORT_BASE + 2))
P_NGINX_FAST=$((PORT_BASE + 10)) P_NGINX_SLOW=$((PORT_BASE + 11)) P_NGINX_STREAM=$((PORT_BASE + 12))
P_PORTKEY=$((PORT_BASE + 20)) P_HOP=$((PORT_BASE + 25)) P_POUCH25=$((PORT_BASE + 30)) P_POUCH17=$((PORT_BASE + 31))
P_POUCH25L=$((PORT_BASE + 32))
ADMIN_TOKEN="pt-admin-bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
UPSTREAM_KEY="sk-bench-upstream"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- every child is remembered and ended on exit -----------------------------------------------
TMP=$(mktemp -d /tmp/pouch-bench.XXXXXX)
declare -a CHILDREN=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid i
  for ((i = ${#CHILDREN[@]} - 1; i >= 0; i--)); do
    pid=${CHILDREN[i]}
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${CHILDREN[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${BENCH_KEEP_TMP:-0}" = 1 ] || [ $rc -ne 0 ]; then
    log "logs and raw results kept in $TMP"
  else
    rm -rf "$TMP"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
spawn() { # spawn LOGFILE CMD...: starts CMD in the background, remembers it; pid in SPAWNED
  local logfile=$1; shift
  "$@" >"$logfile" 2>&1 &
  SPAWNED=$!
  CHILDREN+=("$SPAWNED")
}

# --- tools ---------------------------------------------------------------------------------------
apt_install() {
  log "installing Debian packages: $*"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q >"$TMP/apt.log" 2>&1 && apt-get install -y -q "$@" >>"$TMP/apt.log" 2>&1 \
      || die "apt-get install $* failed (see $TMP/apt.log)"
  else
    sudo -n apt-get update -q >"$TMP/apt.log" 2>&1 && sudo -n apt-get install -y -q "$@" >>"$TMP/apt.log" 2>&1 \
      || die "cannot install $* (need root or sudo)"
  fi
}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ " $TARGETS " == *" nginx "* ]] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && missing+=(nginx)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v curl >/dev/null || die "curl is needed"
command -v node >/dev/null || die "node is needed (Portkey and the report)"
command -v javac >/dev/null || die "javac (JDK 17) is needed for the streaming client"
has_target() { [[ " $TARGETS " == *" $1 "* ]]; }
drop_target() { # drop_target NAME: TARGETS without that exact name
  local t kept=()
  for t in $TARGETS; do [ "$t" = "$1" ] || kept+=("$t"); done
  TARGETS=${kept[*]}
}
if { has_target pouch-jdk25 || has_target pouch-jdk25-plain || has_target pouch-jdk25-later || has_target hop; } && [ ! -x "$JDK25" ]; then
  log "WARNING: $JDK25 not found: pouch-jdk25, pouch-jdk25-plain, pouch-jdk25-later and hop skipped"
  drop_target pouch-jdk25; drop_target pouch-jdk25-plain; drop_target pouch-jdk25-later; drop_target hop
fi
if [[ " $TARGETS " == *" portkey "* ]] && [ ! -f "$BENCH/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
  log "installing the Portkey gateway (npm ci in bench/)"
  (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error >"$TMP/npm.log" 2>&1) \
    || die "npm ci failed (see $TMP/npm.log)"
fi
if [ ! -f "$JAR" ]; then
  log "building $JAR"
  # package, not install: install would replace the SNAPSHOT jars in ~/.m2 that other builds use
  (cd "$ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip=true -pl pouch-server-javalin -am >"$TMP/mvn.log" 2>&1) \
    || die "the build failed (see $TMP/mvn.log)"
fi
for port in $P_UP_FAST $P_UP_SLOW $P_UP_STREAM $P_NGINX_FAST $P_NGINX_SLOW $P_NGINX_STREAM \
  $P_PORTKEY $P_HOP $P_POUCH25 $P_POUCH17 $P_POUCH25L; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use: set BENCH_PORT_BASE"
  fi
done
mkdir -p "$TMP/classes"
javac -d "$TMP/classes" "$BENCH/StreamLoad.java" "$BENCH/OpenLoop.java"

# --- measuring helpers ---------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
tree_ticks() { # user+system clock ticks of the given processes and all their descendants
  # A process may end between the glob and the read: cat then fails, which must not end the run.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v roots="$*" '
    { pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      parent[pid] = f[2]; ticks[pid] = f[12] + f[13] }
    END {
      n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1
      for (p in parent) {
        for (q = p; q in parent; q = parent[q]) { if (q in want) { total += ticks[p]; break } }
      }
      print total + 0
    }'
}
cpu_ticks() { tree_ticks "$1"; }
descendants() { # a pid and all its descendants
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) for (q = p; q in parent; q = parent[q]) if (q == root) { print p; break } }'
}
machine_ticks() { # busy and total clock ticks of all CPUs since boot
  local a total=0 i
  read -r -a a < <(grep '^cpu ' /proc/stat)
  for i in 1 2 3 4 5 6 7 8; do total=$((total + a[i])); done
  echo "$((total - a[4] - a[5])) $total"
}
our_ticks() { # CPU ticks of this script, its finished children (load generators) and its servers
  local stat rest total
  stat=$(cat "/proc/$$/stat")
  rest=${stat##*) }
  read -r -a f <<<"$rest"
  total=$((f[11] + f[12] + f[13] + f[14]))
  echo $((total + $(tree_ticks "${CHILDREN[@]}")))
}
WINDOW=()
window_start() { WINDOW=($(machine_ticks) $(our_ticks)); }
others_pct() { # share of the machine's CPU used by other processes since window_start, in percent
  local now ours
  read -r -a now < <(machine_ticks)
  ours=$(our_ticks)
  local total=$((now[1] - WINDOW[1])) others=$((now[0] - WINDOW[0] - (ours - WINDOW[2])))
  [ $others -lt 0 ] && others=0
  echo $((total > 0 ? 100 * others / total : 0))
}
busiest() { # the three busiest processes that are not ours
  local ours=" " pid
  for pid in "${CHILDREN[@]}"; do ours+="$(descendants "$pid" | tr '\n' ' ')"; done
  top -b -n 1 -w 200 2>/dev/null | sed -n '8,30p' \
    | awk -v ours="$ours" 'index(ours, " " $1 " ") == 0 && $9 + 0 > 1 { printf "%s %s(%s%%) ", $1, $12, $9; if (++n == 3) exit }'
}
OTHERS_BEFORE=0 OTHERS_DURING=0
wait_for_quiet() { # measures others' CPU over 1 s (quick: 0.5 s); waits (bounded) while it is above the limit
  local waited=0
  while :; do
    window_start
    sleep "${QUIET_WINDOW:-1}"
    OTHERS_BEFORE=$(others_pct)
    [ "$OTHERS_BEFORE" -le "$OTHERS_MAX" ] && return 0
    if [ $waited -ge "$QUIET_WAIT" ] || [ "$QUIET_WAIT_BUDGET" -le 0 ]; then
      log "WARNING: measuring while other processes use ${OTHERS_BEFORE}% of the machine: $(busiest)"
      return 0
    fi
    [ $waited -eq 0 ] && log "other processes use ${OTHERS_BEFORE}% of the machine ($(busiest)); waiting up to ${QUIET_WAIT}s"
    waited=$((waited + 1))
    QUIET_WAIT_BUDGET=$((QUIET_WAIT_BUDGET - 1))
  done
}
wait_http() { # wait_http URL PID SECONDS
  local url=$1 pid=$2 seconds=$3 i
  for ((i = 0; i < seconds * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -s -o /dev/null -m 2 "$url"; then return 0; fi
    sleep 0.2
  done
  return 1
}

# --- request bodies ------------------------------------------------------------------------------
PROMPT=""
while [ ${#PROMPT} -lt "$PROMPT_BYTES" ]; do
  PROMPT+="The quick brown fox jumps over the lazy dog while the budget ledger settles every request exactly once. "
done
PROMPT=${PROMPT:0:$PROMPT_BYTES}
printf '{"model":"gpt-4o-mini","max_tokens":256,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"%s"}]}' \
  "$PROMPT" >"$TMP/plain.json"
printf '{"model":"gpt-4o-mini","max_tokens":256,"stream":true,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"%s"}]}' \
  "$PROMPT" >"$TMP/stream.json"
STREAM_TEXT=$(for ((i = 1; i <= STREAM_WORDS; i++)); do printf 'word%d ' "$i"; done)
STREAM_TEXT=${STREAM_TEXT% }

# --- the servers ---------------------------------------------------------------------------------
# The JDK's HTTP server leaves Nagle's algorithm on by default: a body written after its headers
# then waits for the client's delayed ACK (~40 ms). No real upstream behaves so: turn it off.
# It also closes idle keep-alive connections past 200 at once, racing the proxies that reuse them:
# Pouch then answered ~8 % of the slow-upstream run with 502 (it never retries a POST that may
# have reached the upstream). Real upstreams close idle connections after a timeout of seconds,
# which OkHttp's health check on reuse covers; the harness raises the limit.
UPSTREAM_JAVA=(java -Dsun.net.httpserver.nodelay=true -Dsun.net.httpserver.maxIdleConnections=4096
  -cp "$JAR" dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream)
spawn "$TMP/upstream-fast.log" "${UPSTREAM_JAVA[@]}" --port "$P_UP_FAST"; PID_UP_FAST=$SPAWNED
spawn "$TMP/upstream-slow.log" "${UPSTREAM_JAVA[@]}" --port "$P_UP_SLOW" --latency-ms "$SLOW_LATENCY_MS"; PID_UP_SLOW=$SPAWNED
spawn "$TMP/upstream-stream.log" "${UPSTREAM_JAVA[@]}" --port "$P_UP_STREAM" \
  --chunk-delay-ms "$STREAM_CHUNK_DELAY_MS" --response-text "$STREAM_TEXT"; PID_UP_STREAM=$SPAWNED
for p in "$P_UP_FAST:$PID_UP_FAST" "$P_UP_SLOW:$PID_UP_SLOW" "$P_UP_STREAM:$PID_UP_STREAM"; do
  wait_http "http://127.0.0.1:${p%%:*}/v1/models" "${p##*:}" 60 || die "fake upstream on ${p%%:*} did not start"
done
log "fake upstreams on $P_UP_FAST (fast), $P_UP_SLOW (${SLOW_LATENCY_MS} ms), $P_UP_STREAM (stream)"

PID_NGINX="" PID_PORTKEY="" PID_HOP="" PID_POUCH25="" PID_POUCH17=""
if [[ " $TARGETS " == *" nginx "* ]]; then
  mkdir -p "$TMP/nginx"
  sed -e "s|@TMP@|$TMP|g" -e "s|@UP_FAST@|$P_UP_FAST|g" -e "s|@UP_SLOW@|$P_UP_SLOW|g" \
    -e "s|@UP_STREAM@|$P_UP_STREAM|g" -e "s|@NGINX_FAST@|$P_NGINX_FAST|g" \
    -e "s|@NGINX_SLOW@|$P_NGINX_SLOW|g" -e "s|@NGINX_STREAM@|$P_NGINX_STREAM|g" \
    "$BENCH/nginx.conf.template" >"$TMP/nginx/nginx.conf"
  cp /etc/nginx/mime.types "$TMP/nginx/" 2>/dev/null || true
  spawn "$TMP/nginx.log" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log"
  PID_NGINX=$SPAWNED
  wait_http "http://127.0.0.1:$P_NGINX_FAST/v1/models" "$PID_NGINX" 30 || die "nginx did not start (see $TMP/nginx/error.log)"
  log "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') on $P_NGINX_FAST/$P_NGINX_SLOW/$P_NGINX_STREAM"
fi
if [[ " $TARGETS " == *" portkey "* ]]; then
  spawn "$TMP/portkey.log" bash -c "cd '$BENCH' && exec node -r ./portkey-loopback.cjs \
    node_modules/@portkey-ai/gateway/build/start-server.js --port=$P_PORTKEY --headless"
  PID_PORTKEY=$SPAWNED
  wait_http "http://127.0.0.1:$P_PORTKEY/" "$PID_PORTKEY" 60 || die "Portkey did not start (see $TMP/portkey.log)"
  log "Portkey gateway $(node -p "require('$BENCH/node_modules/@portkey-ai/gateway/package.json').version") on $P_PORTKEY"
fi
if [[ " $TARGETS " == *" hop "* ]]; then
  # Pouch's stack (JDK 25, virtual threads) with no accounting: what Pouch's own work adds is
  # the difference between it and Pouch.
  spawn "$TMP/hop.log" "$JDK25" -cp "$JAR" "$BENCH/BareHop.java" "$P_HOP" "$P_UP_FAST" "$P_UP_SLOW" "$P_UP_STREAM"
  PID_HOP=$SPAWNED
  wait_http "http://127.0.0.1:$P_HOP/healthz" "$PID_HOP" 60 || die "the hop did not start (see $TMP/hop.log)"
  log "bare Javalin + OkHttp hop on $P_HOP"
fi

declare -A POUCH_KEY=()
KEY_MIDDLEWARES="none"
# start_pouch NAME JAVA PORT [PLAIN_NAME] [OPTIONS] -> PID in SPAWNED, keys in
# POUCH_KEY[NAME-fast|slow|stream] and, with PLAIN_NAME, keys that send plain requests upstream plain
# in POUCH_KEY[PLAIN_NAME-fast|slow]; OPTIONS: more of Pouch's command-line options
start_pouch() {
  local name=$1 java=$2 port=$3 plain_name=${4:-} options=${5:-}
  mkdir -p "$TMP/$name-data"
  # shellcheck disable=SC2086
  spawn "$TMP/$name.log" env POUCH_ADMIN_TOKEN="$ADMIN_TOKEN" POUCH_LOG_LEVEL=WARN \
    "$java" --enable-native-access=ALL-UNNAMED $POUCH_JAVA_OPTS -jar "$JAR" \
    --host 127.0.0.1 --port "$port" --data "$TMP/$name-data" $options
  local pid=$SPAWNED
  wait_http "http://127.0.0.1:$port/healthz" "$pid" 120 || die "$name did not start (see $TMP/$name.log)"
  # Issue 8 asks for the full accounting path: a budget and a rate_limit middleware on the key.
  # The limit is far above any benchmark's rate, so it never refuses. Builds without middlewares
  # (before rate_limit existed) get a key without it, and the report says so.
  local middlewares='[]'
  if curl -s "http://127.0.0.1:$port/api/plugins" -H "Authorization: Bearer $ADMIN_TOKEN" | grep -q '"rate_limit"'; then
    middlewares='[{"id": "rate_limit", "config": {"limit": 1000000000, "period": 1}}]'
    KEY_MIDDLEWARES="rate_limit (10⁹ requests/s)"
  else
    log "WARNING: $name has no rate_limit middleware: its keys carry none"
    KEY_MIDDLEWARES="none (this build has no rate_limit middleware)"
  fi
  local keys=("$name:fast:$P_UP_FAST:" "$name:slow:$P_UP_SLOW:" "$name:stream:$P_UP_STREAM:") key
  [ -n "$plain_name" ] && keys+=("$plain_name:fast:$P_UP_FAST:false" "$plain_name:slow:$P_UP_SLOW:false")
  for key in "${keys[@]}"; do
    local owner kind up_port stream_plain answer extra=""
    IFS=: read -r owner kind up_port stream_plain <<<"$key"
    [ -n "$stream_plain" ] && extra=", \"stream_plain_requests\": $stream_plain"
    answer=$(curl -s -m 10 "http://127.0.0.1:$port/api/keys" -H "Authorization: Bearer $ADMIN_TOKEN" -d "{
      \"name\": \"bench-$owner-$kind\",
      \"provider\": {\"id\": \"openai\", \"config\": {\"base_url\": \"http://127.0.0.1:$up_port/v1\", \"api_key\": \"$UPSTREAM_KEY\"$extra}},
      \"middlewares\": $middlewares,
      \"allowed_models\": [\"gpt-4o-mini\"],
      \"budget_limit_micros\": 1000000000000,
      \"reset_period_seconds\": 0
    }")
    [[ $answer == *'"key":"pa-'* ]] || die "$name: cannot create a key: $answer"
    POUCH_KEY[$owner-$kind]=$(sed -E 's/.*"key":"(pa-[^"]+)".*/\1/' <<<"$answer")
  done
  SPAWNED=$pid
}
if has_target pouch-jdk25 || has_target pouch-jdk25-plain; then
  start_pouch pouch-jdk25 "$JDK25" "$P_POUCH25" "$(has_target pouch-jdk25-plain && echo pouch-jdk25-plain)"
  PID_POUCH25=$SPAWNED
  log "Pouch on $("$JDK25" -version 2>&1 | head -1) at $P_POUCH25"
fi
if has_target pouch-jdk25-later; then
  # its plain keys are its fast and slow ones; streams use its stream key
  start_pouch pouch-jdk25-later-streamed "$JDK25" "$P_POUCH25L" pouch-jdk25-later "--reservation-sync later"
  PID_POUCH25L=$SPAWNED
  POUCH_KEY[pouch-jdk25-later-stream]=${POUCH_KEY[pouch-jdk25-later-streamed-stream]}
  log "Pouch with --reservation-sync later and plain keys at $P_POUCH25L"
fi
if [[ " $TARGETS " == *" pouch-jdk17 "* ]]; then
  start_pouch pouch-jdk17 "$JDK17" "$P_POUCH17"; PID_POUCH17=$SPAWNED
  log "Pouch on $("$JDK17" -version 2>&1 | head -1) at $P_POUCH17"
fi

# --- runs ----------------------------------------------------------------------------------------
RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
declare -A WARMED=()

# endpoint TARGET KIND(fast|slow|stream): sets URL, PROXY_PID, HEADERS (array)
endpoint() {
  local target=$1 kind=$2 up_port
  case $kind in fast) up_port=$P_UP_FAST ;; slow) up_port=$P_UP_SLOW ;; stream) up_port=$P_UP_STREAM ;; esac
  HEADERS=("Authorization: Bearer $UPSTREAM_KEY")
  case $target in
    direct) URL="http://127.0.0.1:$up_port/v1/chat/completions"; PROXY_PID="" ;;
    nginx)
      local p
      case $kind in fast) p=$P_NGINX_FAST ;; slow) p=$P_NGINX_SLOW ;; stream) p=$P_NGINX_STREAM ;; esac
      URL="http://127.0.0.1:$p/v1/chat/completions"; PROXY_PID=$PID_NGINX ;;
    portkey)
      URL="http://127.0.0.1:$P_PORTKEY/v1/chat/completions"; PROXY_PID=$PID_PORTKEY
      HEADERS+=("x-portkey-provider: openai" "x-portkey-custom-host: http://127.0.0.1:$up_port/v1") ;;
    hop) URL="http://127.0.0.1:$P_HOP/$kind/v1/chat/completions"; PROXY_PID=$PID_HOP ;;
    pouch-jdk25|pouch-jdk25-plain|pouch-jdk25-later|pouch-jdk17)
      local p=$P_POUCH25 pid=$PID_POUCH25
      [ "$target" = pouch-jdk17 ] && p=$P_POUCH17 pid=$PID_POUCH17
      [ "$target" = pouch-jdk25-later ] && p=$P_POUCH25L pid=$PID_POUCH25L
      URL="http://127.0.0.1:$p/v1/chat/completions"; PROXY_PID=$pid
      HEADERS=("Authorization: Bearer ${POUCH_KEY[$target-$kind]}") ;;
  esac
  case $kind in fast) UP_PID=$PID_UP_FAST ;; slow) UP_PID=$PID_UP_SLOW ;; stream) UP_PID=$PID_UP_STREAM ;; esac
}

kv() { # kv "k1=v1 k2=v2" KEY: the value of KEY, 0 when absent
  awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) { print substr($i, n + 1); f = 1 } } } END { if (!f) print 0 }' <<<"$1"
}

run_wrk() { # run_wrk SCENARIO TARGET KIND THREADS CONNECTIONS
  local scenario=$1 target=$2 kind=$3 threads=$4 conns=$5
  endpoint "$target" "$kind"
  local warm=$WARMUP
  [ -z "${WARMED[$target]:-}" ] && warm=$(first_warmup "$target") && WARMED[$target]=1
  local wrk=(wrk -t"$threads" -c"$conns" --timeout 10s -s "$BENCH/wrk-post.lua" "$URL" -- "$TMP/plain.json" "${HEADERS[@]}")
  timeout -k 5 $((warm + 30)) "${wrk[@]:0:3}" -d"${warm}s" "${wrk[@]:3}" >/dev/null 2>&1 || true
  wait_for_quiet
  local c0=0 u0 c1=0 u1 out
  [ -n "$PROXY_PID" ] && c0=$(cpu_ticks "$PROXY_PID")
  u0=$(cpu_ticks "$UP_PID")
  window_start
  out=$(timeout -k 5 $((DURATION + 30)) "${wrk[@]:0:3}" -d"${DURATION}s" "${wrk[@]:3}" 2>&1) || true
  OTHERS_DURING=$(others_pct)
  [ -n "$PROXY_PID" ] && c1=$(cpu_ticks "$PROXY_PID")
  u1=$(cpu_ticks "$UP_PID")
  local line
  line=$(grep '^WRK_RESULT' <<<"$out" || true)
  if [ -z "$line" ]; then
    log "WARNING: $scenario/$target: wrk gave no result: $(tail -3 <<<"$out" | tr '\n' ' ')"
    line="WRK_RESULT requests=0 duration_us=1 p50_us=0 p99_us=0 connect=0 read=0 write=0 status=0 timeout=0"
  fi
  local requests errors
  requests=$(kv "$line" requests)
  errors=$(($(kv "$line" connect) + $(kv "$line" read) + $(kv "$line" write) + $(kv "$line" status) + $(kv "$line" timeout)))
  printf '{"scenario":"%s","kind":"wrk","target":"%s","connections":%d,"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"errors":%d,"proxy_cpu_ticks":%s,"upstream_cpu_ticks":%d,"clk_tck":%d,"others_before_pct":%d,"others_during_pct":%d}\n' \
    "$scenario" "$target" "$conns" "$requests" "$(kv "$line" duration_us)" "$(kv "$line" p50_us)" \
    "$(kv "$line" p90_us)" "$(kv "$line" p99_us)" "$errors" "$([ -n "$PROXY_PID" ] && echo $((c1 - c0)) || echo null)" \
    $((u1 - u0)) "$CLK_TCK" "$OTHERS_BEFORE" "$OTHERS_DURING" >>"$RESULTS"
  log "$(printf '%-8s %-12s %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d  (others: %d%% before, %d%% during)' \
    "$scenario" "$target" "$(echo "$requests $(kv "$line" duration_us)" | awk '{print $1 * 1e6 / $2}')" \
    "$(echo "$(kv "$line" p50_us)" | awk '{print $1 / 1000}')" "$(echo "$(kv "$line" p99_us)" | awk '{print $1 / 1000}')" \
    "$errors" "$OTHERS_BEFORE" "$OTHERS_DURING")"
}

run_stream() { # run_stream SCENARIO TARGET CONNECTIONS
  local scenario=$1 target=$2 conns=$3
  endpoint "$target" stream
  local warm=$WARMUP
  [ -z "${WARMED[$target]:-}" ] && warm=$(first_warmup "$target") && WARMED[$target]=1
  local args=(--url "$URL" --body-file "$TMP/stream.json" --connections "$conns" --timeout 30)
  local h
  for h in "${HEADERS[@]}"; do args+=(--header "$h"); done
  timeout -k 5 $((warm + 60)) java -cp "$TMP/classes" StreamLoad "${args[@]}" --warmup 0 --duration "$warm" >/dev/null 2>&1 || true
  wait_for_quiet
  local c0=0 u0 c1=0 u1 out
  [ -n "$PROXY_PID" ] && c0=$(cpu_ticks "$PROXY_PID")
  u0=$(cpu_ticks "$UP_PID")
  window_start
  # 1 s of the measured run is ramp-up (all streams start together): not in the percentiles.
  out=$(timeout -k 5 $((DURATION + 60)) java -cp "$TMP/classes" StreamLoad "${args[@]}" --warmup 1 --duration "$DURATION" 2>&1) || true
  OTHERS_DURING=$(others_pct)
  [ -n "$PROXY_PID" ] && c1=$(cpu_ticks "$PROXY_PID")
  u1=$(cpu_ticks "$UP_PID")
  local line
  line=$(grep '^STREAM_RESULT' <<<"$out" || true)
  if [ -z "$line" ]; then
    log "WARNING: $scenario/$target: the stream client gave no result: $(tail -3 <<<"$out" | tr '\n' ' ')"
    line="STREAM_RESULT streams=0 completed_all=0 duration_us=1 errors=0 ttfb_p50_us=0 ttfb_p99_us=0 total_p50_us=0 total_p99_us=0"
  fi
  printf '{"scenario":"%s","kind":"stream","target":"%s","connections":%d,"requests":%d,"completed_all":%d,"duration_us":%d,"ttfb_p50_us":%d,"ttfb_p99_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"proxy_cpu_ticks":%s,"upstream_cpu_ticks":%d,"clk_tck":%d,"others_before_pct":%d,"others_during_pct":%d}\n' \
    "$scenario" "$target" "$conns" "$(kv "$line" streams)" "$(kv "$line" completed_all)" "$(kv "$line" duration_us)" \
    "$(kv "$line" ttfb_p50_us)" "$(kv "$line" ttfb_p99_us)" "$(kv "$line" total_p50_us)" "$(kv "$line" total_p99_us)" \
    "$(kv "$line" errors)" "$([ -n "$PROXY_PID" ] && echo $((c1 - c0)) || echo null)" $((u1 - u0)) "$CLK_TCK" "$OTHERS_BEFORE" "$OTHERS_DURING" >>"$RESULTS"
  log "$(printf '%-8s %-12s %6s streams  TTFB p50 %6.2f ms  p99 %7.2f ms  total p50 %7.2f ms  errors %s  (others: %d%% before, %d%% during)' \
    "$scenario" "$target" "$(kv "$line" streams)" "$(awk '{print $1 / 1000}' <<<"$(kv "$line" ttfb_p50_us)")" \
    "$(awk '{print $1 / 1000}' <<<"$(kv "$line" ttfb_p99_us)")" "$(awk '{print $1 / 1000}' <<<"$(kv "$line" total_p50_us)")" \
    "$(kv "$line" errors)" "$OTHERS_BEFORE" "$OTHERS_DURING")"
}

run_open() { # run_open SCENARIO TARGET RATE: plain requests at RATE/s on a fixed schedule, 50 ms upstream
  local scenario=$1 target=$2 rate=$3
  endpoint "$target" slow
  local warm=$WARMUP
  [ -z "${WARMED[$target]:-}" ] && warm=$(first_warmup "$target") && WARMED[$target]=1
  local args=(--url "$URL" --body-file "$TMP/plain.json" --rate "$rate" --timeout 30)
  local h
  for h in "${HEADERS[@]}"; do args+=(--header "$h"); done
  timeout -k 5 $((warm + 60)) java -cp "$TMP/classes" OpenLoop "${args[@]}" --warmup 0 --duration "$warm" >/dev/null 2>&1 || true
  wait_for_quiet
  local c0=0 u0 c1=0 u1 out
  [ -n "$PROXY_PID" ] && c0=$(cpu_ticks "$PROXY_PID")
  u0=$(cpu_ticks "$UP_PID")
  window_start
  # The generator's first seconds (its own JIT) are sent but left out of the percentiles.
  out=$(timeout -k 5 $((OPEN_CLIENT_WARMUP + DURATION + 60)) java -cp "$TMP/classes" OpenLoop "${args[@]}" \
    --warmup "$OPEN_CLIENT_WARMUP" --duration "$DURATION" 2>&1) || true
  OTHERS_DURING=$(others_pct)
  [ -n "$PROXY_PID" ] && c1=$(cpu_ticks "$PROXY_PID")
  u1=$(cpu_ticks "$UP_PID")
  local line
  line=$(grep '^OPENLOOP_RESULT' <<<"$out" || true)
  if [ -z "$line" ]; then
    log "WARNING: $scenario/$target: the open-loop client gave no result: $(tail -3 <<<"$out" | tr '\n' ' ')"
    line="OPENLOOP_RESULT sent=0 completed=0 errors=0 completed_all=0 duration_us=1"
  elif [ "$(kv "$line" errors)" != 0 ]; then
    log "$scenario/$target: $(grep '^OPENLOOP_ERRORS' <<<"$out" || true)"
  fi
  printf '{"scenario":"%s","kind":"open","target":"%s","rate":%s,"sent":%d,"requests":%d,"completed_all":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"send_lag_p50_us":%d,"send_lag_p99_us":%d,"send_lag_max_us":%d,"client_connections":%d,"errors":%d,"proxy_cpu_ticks":%s,"upstream_cpu_ticks":%d,"clk_tck":%d,"others_before_pct":%d,"others_during_pct":%d}\n' \
    "$scenario" "$target" "$rate" "$(kv "$line" sent)" "$(kv "$line" completed)" "$(kv "$line" completed_all)" \
    "$(kv "$line" duration_us)" "$(kv "$line" p50_us)" "$(kv "$line" p90_us)" "$(kv "$line" p99_us)" \
    "$(kv "$line" p999_us)" "$(kv "$line" max_us)" "$(kv "$line" send_lag_p50_us)" "$(kv "$line" send_lag_p99_us)" \
    "$(kv "$line" send_lag_max_us)" "$(kv "$line" connections)" "$(kv "$line" errors)" \
    "$([ -n "$PROXY_PID" ] && echo $((c1 - c0)) || echo null)" $((u1 - u0)) "$CLK_TCK" "$OTHERS_BEFORE" "$OTHERS_DURING" >>"$RESULTS"
  log "$(printf '%-8s %-17s %5s req/s  p50 %6.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  send lag p99 %5.2f ms  errors %s  (others: %d%% before, %d%% during)' \
    "$scenario" "$target" "$rate" "$(awk '{print $1 / 1000}' <<<"$(kv "$line" p50_us)")" \
    "$(awk '{print $1 / 1000}' <<<"$(kv "$line" p99_us)")" "$(awk '{print $1 / 1000}' <<<"$(kv "$line" p999_us)")" \
    "$(awk '{print $1 / 1000}' <<<"$(kv "$line" send_lag_p99_us)")" "$(kv "$line" errors)" "$OTHERS_BEFORE" "$OTHERS_DURING")"
}

log "measuring: scenarios [$SCENARIOS], targets [$TARGETS], ${DURATION}s runs after ${WARMUP}s warm-up"
START=$(date +%s)
for scenario in $SCENARIOS; do
  for target in $TARGETS; do
    # The plain key differs from pouch-jdk25's on plain requests only: its streams are the same.
    [[ $target == pouch-jdk25-plain && $scenario == stream* ]] && continue
    case $scenario in
      c50) run_wrk c50 "$target" fast 2 "$CONNS" ;;
      c1) run_wrk c1 "$target" fast 1 1 ;;
      slow200) run_wrk slow200 "$target" slow 2 "$SLOW_CONNS" ;;
      stream50) run_stream stream50 "$target" "$STREAMS" ;;
      stream1) run_stream stream1 "$target" 1 ;;
      open[1-9]*)
        [[ ${scenario#open} =~ ^[0-9]+$ ]] || die "unknown scenario $scenario"
        run_open "$scenario" "$target" "${scenario#open}" ;;
      *) die "unknown scenario $scenario" ;;
    esac
  done
done
log "measured in $(($(date +%s) - START)) s"

pom_version() { sed -n "s|.*<$1.version>\\(.*\\)</$1.version>.*|\\1|p" "$ROOT/pom.xml"; }
versions() { # what ran, for the report
  local v=()
  [ -n "$PID_POUCH25" ] && v+=("JDK 25: $("$JDK25" -version 2>&1 | sed -n 2p)")
  [ -n "$PID_POUCH17" ] && v+=("JDK 17: $("$JDK17" -version 2>&1 | sed -n 2p)")
  v+=("fake upstream on JDK $(java -version 2>&1 | head -1 | sed -E 's/.*"([^"]+)".*/\1/')")
  [ -n "$PID_NGINX" ] && v+=("nginx $("$NGINX" -v 2>&1 | sed 's/.*\///')")
  [ -n "$PID_HOP" ] && v+=("hop: Javalin $(pom_version javalin) + OkHttp $(pom_version okhttp) on JDK 25")
  [ -n "$PID_PORTKEY" ] && v+=("Portkey gateway $(node -p "require('$BENCH/node_modules/@portkey-ai/gateway/package.json').version") on Node $(node -v)")
  v+=("$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)")
  local IFS=';'
  echo "${v[*]}" | sed 's/"/\\"/g'
}

# --- the table -----------------------------------------------------------------------------------
cat >"$TMP/meta.json" <<EOF
{"date":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","commit":"$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench' ':!docs' 2>/dev/null || echo '+changes')",
 "nproc":$(nproc),"mem_gib":$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo),"kernel":"$(uname -r)",
 "duration_s":$DURATION,"warmup_s":$WARMUP,"first_warmup_s":$FIRST_WARMUP,"jvm_first_warmup_s":$JVM_FIRST_WARMUP,"conns":$CONNS,"slow_conns":$SLOW_CONNS,
 "slow_latency_ms":$SLOW_LATENCY_MS,"streams":$STREAMS,"stream_words":$STREAM_WORDS,
 "stream_chunk_delay_ms":$STREAM_CHUNK_DELAY_MS,"prompt_bytes":$PROMPT_BYTES,"quick":${BENCH_QUICK:-0},"open_client_warmup_s":$OPEN_CLIENT_WARMUP,
 "versions":"$(versions)","key_middlewares":"$KEY_MIDDLEWARES"}
EOF
node "$BENCH/report.mjs" "$RESULTS" "$TMP/meta.json" >"$TMP/table.md"
cat "$TMP/table.md"
if [ -n "$OUT" ]; then
  cp "$TMP/table.md" "$OUT"
  log "table written to $OUT"
fi
