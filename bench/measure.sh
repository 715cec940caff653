#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and runs every benchmark of docs/performance.md, then
# prints its tables (also written to bench/target/results/report.md).
#
# The attention cases run one at a time, each engine right after the other, so that both see
# the same load on a shared machine; the ceilings run first and last. JMH options come from
# JMH_OPTS (default: the reduced settings of docs/performance.md); extra arguments are passed
# to every JMH run (for example -prof gc).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$root/bench/target/results}"
opts=(${JMH_OPTS:--f 1 -wi 3 -w 1 -i 5 -r 1})

java_version() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}
find_java() {
    local candidate version
    for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java /opt/*/bin/java; do
        [ -x "$candidate" ] || continue
        version="$(java_version "$candidate")"
        if [ -n "$version" ] && [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
java_bin="$(find_java)" || { echo "measure.sh: needs a JDK 21 or newer (set JAVA_HOME)" >&2; exit 2; }

if [ "${SKIP_BUILD:-}" != 1 ]; then
    mvn -q -B -f "$root/pom.xml" -pl bench -am package -Dmaven.test.skip=true
fi
jar="${JAR:-$root/bench/target/benchmarks.jar}"
mkdir -p "$out"
rm -f "$out"/*.json

run() {
    local name="$1"
    shift
    echo "== $name  (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$java_bin" -jar "$jar" "$@" "${opts[@]}" -rf json -rff "$out/$name.json" "${EXTRA[@]}" > "$out/$name.log" 2>&1 \
        || { tail -n 30 "$out/$name.log" >&2; exit 1; }
    grep -E '^[A-Za-z]+Bench\.' "$out/$name.log" >&2 || true
}
EXTRA=("$@")

run peak-first 'PeakBench'
for testCase in full-512 full-2048 full-8192 causal-512 causal-2048 causal-8192 window-8192 alibi_softcap-2048 gqa-2048; do
    case "$testCase" in
        full-8192) engines='attnc|ortAttention23|ortMha' ;;
        full-*) engines='attnc|ortAttention23|ortMha|ortMatmul' ;;
        causal-8192|window-8192) engines='attnc|ortAttention23|ortMha|ortGqa' ;;
        causal-*) engines='attnc|ortAttention23|ortMha|ortGqa|ortMatmul' ;;
        alibi_softcap-*) engines='attnc|ortAttention23|ortMatmul' ;;
        gqa-*) engines='attnc|ortAttention23|ortGqa|ortMatmul' ;;
    esac
    run "attention-$testCase" "AttentionBench\.($engines)\$" -p "testCase=$testCase"
done
run blocks 'BlockBench'
run linear 'LinearBench'
run peak-last 'PeakBench'

"$java_bin" --add-modules jdk.incubator.vector -cp "$jar" dev.attnc.bench.Report "$out"/*.json | tee "$out/report.md"
