#!/usr/bin/env bash
# JMH microbenchmarks of Pouch's hot path (bench/jmh, a separate Maven project outside the reactor).
#
#   bench/jmh.sh                      # install the modules, build benchmarks.jar, run all (~5 min)
#   bench/jmh.sh 'EstimateBench'      # only benchmarks matching a regular expression
#   JMH_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/jmh.sh    # on another JDK
#
# JMH_ARGS overrides the short default settings (1 fork, 3×2 s warm-up, 5×2 s measurement, and the
# gc profiler for allocation per operation). JMH_SKIP_BUILD=1 reuses the last build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAVA=${JMH_JAVA:-java}
JMH_ARGS=${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc}
JAR="$ROOT/bench/jmh/target/benchmarks.jar"

if [ "${JMH_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$JAR" ]; then
  echo "[jmh] mvn install at the root (tests skipped)" >&2
  (cd "$ROOT" && mvn -B -q install -DskipTests -Dspotless.check.skip=true)
  echo "[jmh] building bench/jmh/target/benchmarks.jar" >&2
  (cd "$ROOT/bench/jmh" && mvn -B -q package -DskipTests -Dspotless.check.skip=true)
fi

echo "[jmh] $("$JAVA" -version 2>&1 | head -1); settings: $JMH_ARGS" >&2
# shellcheck disable=SC2086
exec timeout -k 10 "${JMH_TIMEOUT:-1800}" "$JAVA" -jar "$JAR" $JMH_ARGS "$@"
