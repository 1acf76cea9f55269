#!/usr/bin/env bash
# How much of Pouch's cost over the hop is its ledger's writes (issue 22, seventh round): builds
# this checkout's HEAD with bench/ledger-floor.patch, which lets POUCH_BENCH_LEDGER switch off part
# of SqliteBudgetLedger's writes and logs the p50 / p90 / p99 of each 10,000 reserves and settles,
# then runs bench/run.sh on that build once per setting:
#
#   full          the ledger as shipped (the patch only adds the timing)
#   staged-log-row  the settlement writes its request-log row into a table without an index, and a
#                 thread of its own moves those rows into request_log (its indexes, the hourly
#                 totals) every 100 ms in one write: a staged request log, its move included
#   no-log-row    the settlement charges and releases, but writes no request-log row
#   journal       each reservation and each settlement only appends one row (its record as text)
#                 to a table without an index, in its own group-committed transaction synced as
#                 the ledger's: the write a journaled ledger would make on the request's path
#   none          no ledger write: every reservation granted, every settlement dropped
#
# Every other stage runs as shipped: key check, JSON, quote, budgets from memory, middlewares,
# metering, the upstream call. Every setting but "full" breaks the accounting or its reads (nothing
# reads the staged rows): the patched build is a measurement, never a build to run. The first
# setting's run also measures direct and the hop (BENCH_TARGETS of run.sh), the others only Pouch.
#
#   bench/ledger-floor.sh [--out DIR]        # ~20 minutes on a quiet machine
#
# Knobs (environment): LEDGER_FLOOR_SETTINGS="full staged-log-row no-log-row journal none",
# LEDGER_FLOOR_TARGET=pouch-jdk25-later (or pouch-jdk25, pouch-jdk25-plain), and every knob of
# bench/run.sh (defaults here: BENCH_SCENARIOS="c50 c1 slow200 stream50 stream1 open1000",
# BENCH_DURATION=10, BENCH_JVM_FIRST_WARMUP=40).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
SETTINGS=${LEDGER_FLOOR_SETTINGS:-"full staged-log-row no-log-row journal none"}
TARGET=${LEDGER_FLOOR_TARGET:-pouch-jdk25-later}
export BENCH_SCENARIOS=${BENCH_SCENARIOS:-"c50 c1 slow200 stream50 stream1 open1000"}
export BENCH_DURATION=${BENCH_DURATION:-10}
export BENCH_JVM_FIRST_WARMUP=${BENCH_JVM_FIRST_WARMUP:-40}

TMP=$(mktemp -d /tmp/pouch-ledger-floor.XXXXXX)
OUT=$(realpath -m "${OUT:-$TMP/results}")
mkdir -p "$OUT"
cleanup() { git -C "$ROOT" worktree remove --force "$TMP/src" >/dev/null 2>&1 || true; }
trap cleanup EXIT
log() { echo "[ledger-floor $(date +%H:%M:%S)] $*" >&2; }

log "building HEAD ($(git -C "$ROOT" rev-parse --short HEAD)) with bench/ledger-floor.patch in $TMP/src"
git -C "$ROOT" worktree add --detach "$TMP/src" HEAD >/dev/null 2>&1
git -C "$TMP/src" apply "$ROOT/bench/ledger-floor.patch" ||
  { echo "bench/ledger-floor.patch no longer applies to HEAD: refresh it" >&2; exit 1; }
(cd "$TMP/src" && mvn -B -q package -DskipTests -Dspotless.check.skip=true \
  -pl pouch-admin-ui,pouch-server-javalin -am) >"$TMP/build.log" 2>&1 ||
  { tail -40 "$TMP/build.log" >&2; exit 1; }
cp "$TMP/src/pouch-server-javalin/target/pouch.jar" "$TMP/pouch-floor.jar"

first=1
for setting in $SETTINGS; do
  targets=$TARGET
  [ "$first" = 1 ] && targets="direct hop $TARGET"
  first=0
  log "POUCH_BENCH_LEDGER=$setting: targets [$targets]"
  POUCH_BENCH_LEDGER=$setting BENCH_POUCH_JAR="$TMP/pouch-floor.jar" BENCH_TARGETS="$targets" \
    BENCH_KEEP_TMP=1 "$ROOT/bench/run.sh" --out "$OUT/$setting.md" >"$OUT/$setting.log" 2>&1 ||
    { tail -20 "$OUT/$setting.log" >&2; exit 1; }
  kept=$(grep -o '/tmp/pouch-bench\.[A-Za-z0-9]*' "$OUT/$setting.log" | tail -1)
  grep -E '^\[bench [0-9:]+\] (c50|c1|slow|open|stream)' "$OUT/$setting.log" | sed "s/^/$setting: /"
  # the last complete window of each stage: the measured runs, past the JIT's warm-up
  for stage in reserve settle; do
    grep -h "ledger-floor times" "$kept"/"$TARGET"*.log 2>/dev/null | grep "stage=\"$stage\"" |
      tail -1 | grep -o 'p50_us.*p99_us="[0-9]*"' | sed "s/^/$setting: $stage /" || true
  done
  rm -rf "$kept"
done
log "tables in $OUT"
