#!/usr/bin/env bash
# bench/open-streams.sh: how many concurrent open streams Pouch holds, and with how much heap.
#
# Starts a slow fake upstream (each stream: BENCH_OPEN_WORDS events, BENCH_OPEN_DELAY_MS apart),
# Pouch's fat jar on JDK 25 with a capped heap (-Xmx, BENCH_OPEN_XMX) and a key with a budget and
# a rate_limit middleware, then opens BENCH_OPEN_STREAMS streams with bench/StreamLoad.java (--once:
# one stream per connection, on virtual threads), started evenly over BENCH_OPEN_RAMP seconds (40;
# 0 starts them all at the same instant). The fake upstream runs its handlers on virtual threads.
# While they are all open it counts Pouch's client sockets, forces a full GC and reads the live
# heap (jcmd GC.heap_info), and at the end prints whether every stream ended with [DONE]. All on
# 127.0.0.1; every process started is ended on exit.
#
#   bench/open-streams.sh                       # default: as many streams as the fd limit allows
#   BENCH_OPEN_STREAMS=2000 bench/open-streams.sh
#   BENCH_OPEN_RAMP=0 bench/open-streams.sh     # every stream at the same instant (a thundering herd)
#   BENCH_OPEN_DIRECT=1 bench/open-streams.sh   # the same load straight to the fake upstream (the
#                                               # floor: what the harness itself manages)
#
# Each stream holds two sockets in Pouch (client and upstream), so the per-process open-file limit
# (ulimit -n) caps the count: the default is (limit - 400) / 2, at most 10,000.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
JAR="$ROOT/pouch-server-javalin/target/pouch.jar"
JDK25=${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
FD_LIMIT=$(ulimit -n)
DEFAULT_STREAMS=$(((FD_LIMIT - 400) / 2))
[ "$DEFAULT_STREAMS" -gt 10000 ] && DEFAULT_STREAMS=10000
STREAMS=${BENCH_OPEN_STREAMS:-$DEFAULT_STREAMS}
WORDS=${BENCH_OPEN_WORDS:-45}
DELAY_MS=${BENCH_OPEN_DELAY_MS:-2000}
XMX=${BENCH_OPEN_XMX:-1g}
WARMUP=${BENCH_OPEN_WARMUP:-30}
# seconds over which the streams start (0: all at once). 9,800 starts in 20 s overflowed the accept
# queues of Pouch and of the fake upstream on 2 saturated cores (33 errors); 40 s gave none
RAMP=${BENCH_OPEN_RAMP:-40}
PORT_BASE=${BENCH_PORT_BASE:-18800}
P_UP=$PORT_BASE P_POUCH=$((PORT_BASE + 1)) P_UP_FAST=$((PORT_BASE + 2))
ADMIN_TOKEN="pt-admin-bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

log() { printf '[open-streams %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$JDK25" ] || die "JDK 25 not found at $JDK25 (BENCH_JDK25)"
JCMD="$(dirname "$JDK25")/jcmd"
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -ntp install -DskipTests) || die "cannot build the fat jar"

TMP=$(mktemp -d /tmp/pouch-open-streams.XXXXXX)
declare -a CHILDREN=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${CHILDREN[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CHILDREN[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "${BENCH_KEEP_TMP:-0}" = 1 ] || [ $rc -ne 0 ]; then log "logs kept in $TMP"; else rm -rf "$TMP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
spawn() { local logfile=$1; shift; "$@" >"$logfile" 2>&1 & SPAWNED=$!; CHILDREN+=("$SPAWNED"); }
wait_http() { # wait_http URL PID SECONDS
  for _ in $(seq 1 $(($3 * 5))); do
    kill -0 "$2" 2>/dev/null || return 1
    curl -s -o /dev/null -m 1 "$1" && return 0
    sleep 0.2
  done
  return 1
}
open_sockets() { # established client connections of Pouch's port
  ss -Htn state established "( sport = :$TARGET_PORT )" | wc -l
}

TEXT=$(for ((i = 1; i <= WORDS; i++)); do printf 'word%d ' "$i"; done)
# shellcheck disable=SC2086 # BENCH_OPEN_UPSTREAM_OPTS: extra JVM options, split on spaces
spawn "$TMP/upstream.log" "$JDK25" -Dsun.net.httpserver.nodelay=true -Dpouch.fake.virtualThreads=true \
  -Dsun.net.httpserver.maxIdleConnections=20000 ${BENCH_OPEN_UPSTREAM_OPTS:-} -cp "$JAR" \
  dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream --port "$P_UP" \
  --chunk-delay-ms "$DELAY_MS" --response-text "${TEXT% }"
PID_UP=$SPAWNED
wait_http "http://127.0.0.1:$P_UP/v1/models" "$PID_UP" 60 || die "the fake upstream did not start"
# a fast upstream for the warm-up: a cold JVM spends the burst compiling (JIT ~30 % of its CPU)
spawn "$TMP/upstream-fast.log" "$JDK25" -Dsun.net.httpserver.nodelay=true -cp "$JAR" \
  dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream --port "$P_UP_FAST" --chunk-delay-ms 5
wait_http "http://127.0.0.1:$P_UP_FAST/v1/models" "$SPAWNED" 60 || die "the fast fake upstream did not start"
mkdir -p "$TMP/data"
spawn "$TMP/pouch.log" env POUCH_ADMIN_TOKEN="$ADMIN_TOKEN" POUCH_LOG_LEVEL=WARN \
  "$JDK25" "-Xmx$XMX" --enable-native-access=ALL-UNNAMED -jar "$JAR" \
  --host 127.0.0.1 --port "$P_POUCH" --data "$TMP/data"
PID_POUCH=$SPAWNED
wait_http "http://127.0.0.1:$P_POUCH/healthz" "$PID_POUCH" 120 || die "Pouch did not start (see $TMP/pouch.log)"
new_key() { # new_key UPSTREAM_PORT: a key with a budget and a rate_limit middleware
  local answer
  answer=$(curl -s -m 10 "http://127.0.0.1:$P_POUCH/api/keys" -H "Authorization: Bearer $ADMIN_TOKEN" -d "{
    \"name\": \"open-streams-$1\",
    \"provider\": {\"id\": \"openai\", \"config\": {\"base_url\": \"http://127.0.0.1:$1/v1\", \"api_key\": \"sk-bench\"}},
    \"middlewares\": [{\"id\": \"rate_limit\", \"config\": {\"limit\": 1000000000, \"period\": 1}}],
    \"allowed_models\": [\"gpt-4o-mini\"],
    \"budget_limit_micros\": 1000000000000,
    \"reset_period_seconds\": 0
  }")
  [[ $answer == *'"key":"pa-'* ]] || die "cannot create a key: $answer"
  sed -E 's/.*"key":"(pa-[^"]+)".*/\1/' <<<"$answer"
}
KEY=$(new_key "$P_UP")
WARM_KEY=$(new_key "$P_UP_FAST")
printf '{"model":"gpt-4o-mini","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Hello"}]}' >"$TMP/stream.json"
javac_out="$TMP/classes"
"$(dirname "$JDK25")/javac" -d "$javac_out" "$BENCH/StreamLoad.java"

live_heap_kib() { # forces a full GC, then reads the used heap
  "$JCMD" "$TARGET_PID" GC.run >/dev/null
  "$JCMD" "$TARGET_PID" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | tr -dc '0-9'
}
target_cpu_ticks() { # user+system clock ticks of the measured process (Pouch or the fake upstream)
  local stat
  stat=$(cat "/proc/$TARGET_PID/stat")
  read -r -a f <<<"${stat##*) }"
  echo $((f[11] + f[12]))
}
TARGET_NAME="Pouch (JDK 25, -Xmx$XMX)" TARGET_PORT=$P_POUCH TARGET_PID=$PID_POUCH
TARGET_URL="http://127.0.0.1:$P_POUCH/v1/chat/completions"
if [ "${BENCH_OPEN_DIRECT:-0}" = 1 ]; then
  TARGET_NAME="the fake upstream directly" TARGET_PORT=$P_UP TARGET_PID=$PID_UP
  TARGET_URL="http://127.0.0.1:$P_UP/v1/chat/completions"
fi
if [ "${BENCH_OPEN_DIRECT:-0}" != 1 ] && [ "$WARMUP" -gt 0 ]; then
  log "warming Pouch up: ${WARMUP} s of 50 concurrent short streams"
  "$JDK25" -cp "$javac_out" StreamLoad --url "http://127.0.0.1:$P_POUCH/v1/chat/completions" \
    --body-file "$TMP/stream.json" --header "Authorization: Bearer $WARM_KEY" --connections 50 \
    --warmup 0 --duration "$WARMUP" >"$TMP/warmup.log" 2>&1 || die "the warm-up failed: $(tail -3 "$TMP/warmup.log")"
fi
base=$(live_heap_kib)
STREAM_SECONDS=$((WORDS * DELAY_MS / 1000))
log "opening $STREAMS streams of ~${STREAM_SECONDS} s each over ${RAMP} s to $TARGET_NAME (fd limit $FD_LIMIT)"
cpu0=$(target_cpu_ticks) t0=$(date +%s%N)
spawn "$TMP/load.log" "$JDK25" -cp "$javac_out" StreamLoad \
  --url "$TARGET_URL" --body-file "$TMP/stream.json" \
  --header "Authorization: Bearer $KEY" --connections "$STREAMS" --once --virtual-threads --ramp "$RAMP" \
  --warmup 0 --duration $((STREAM_SECONDS * 3 + 60)) --timeout $((STREAM_SECONDS + 60))
PID_LOAD=$SPAWNED

# wait until every stream is open (or the first ones are about to end)
peak=0
for _ in $(seq 1 $((STREAM_SECONDS * 2 / 3))); do
  sleep 1
  n=$(open_sockets)
  [ "$n" -gt "$peak" ] && peak=$n
  [ "$n" -ge "$STREAMS" ] && break
done
log "open client connections: $peak"
heap=$(live_heap_kib)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$TARGET_PID/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$TARGET_PID/status")
log "after a full GC: live heap $((heap / 1024)) MiB ($((base / 1024)) MiB before the streams), RSS $((rss / 1024)) MiB, $threads platform threads"

for _ in $(seq 1 $((STREAM_SECONDS * 3 + 120))); do kill -0 "$PID_LOAD" 2>/dev/null || break; sleep 1; done
cpu1=$(target_cpu_ticks) t1=$(date +%s%N)
result=$(grep STREAM_RESULT "$TMP/load.log" || true)
[ -n "$result" ] || die "the load client gave no result: $(tail -3 "$TMP/load.log")"
field() { sed -E "s/.*[ ]$1=([0-9]+).*/\1/" <<<"$result"; }
completed=$(field completed_all) errors=$(field errors)
printf '\n| streams asked | open at once (peak) | completed with [DONE] | errors | TTFB p50 ms | TTFB p99 ms | live heap after full GC | before the streams | heap cap | RSS | per stream |\n'
printf '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n'
printf '| %d | %d | %d | %d | %.1f | %.1f | %d MiB | %d MiB | %s | %d MiB | %d KiB |\n' \
  "$STREAMS" "$peak" "$completed" "$errors" \
  "$(awk "BEGIN {print $(field ttfb_p50_us) / 1000}")" "$(awk "BEGIN {print $(field ttfb_p99_us) / 1000}")" \
  $((heap / 1024)) $((base / 1024)) "$XMX" $((rss / 1024)) $(((heap - base) / (peak > 0 ? peak : 1)))
# CPU from the first stream opened to the last one ended, the full GC above included: per
# stream (its request, reservation, events and settlement) and as cores busy while they were open
clk=$(getconf CLK_TCK)
log "$TARGET_NAME's CPU while the streams ran: $(awk -v t=$((cpu1 - cpu0)) -v c="$clk" -v n="$STREAMS" -v w=$(((t1 - t0) / 1000000)) \
  'BEGIN { printf "%.1f s in %.1f s (%.2f cores), %.1f ms per stream", t / c, w / 1000, t / c / (w / 1000), 1000 * t / c / n }')"
if [ "$errors" -ne 0 ]; then
  log "errors by kind: $(grep STREAM_ERRORS "$TMP/load.log" | cut -c15-)"
  log "Pouch's warnings: $(grep -c WARN "$TMP/pouch.log" || true) (in $TMP/pouch.log)"
fi
[ "$errors" -eq 0 ] && [ "$completed" -eq "$STREAMS" ] || exit 1
