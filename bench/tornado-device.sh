#!/usr/bin/env bash
# The TornadoVM backend on a real device: every model of the device corpus
# (compiler/src/test/resources/tornado-corpus) and the samples, run on TornadoVM's default
# device and compared with the JVM backend on the same seeded weights and inputs, plus
# TornadoVM's per-kernel times for the samples. Prints one table.
#
#   TORNADOVM_HOME=<sdk> bench/tornado-device.sh [--samples-only | --corpus-only] [--seq N] [--repeat N]
#
# Needs a TornadoVM SDK (TORNADOVM_HOME, with its tornado-argfile) and the JDK it was built for
# (21 or newer; JAVA_HOME, else java on PATH). Builds attnc with Maven first unless
# ATTNC_SKIP_BUILD=1. All models run in one JVM per group, so TornadoVM starts twice.
# Device times: "warm" is the best of --repeat calls after the first (which compiles the
# kernels); kernel times are TornadoVM's profiler's TASK_KERNEL_TIME, the smallest over the warm
# calls (-Dtornado.profiler=True, written to a scratch file, not the console).
# Exit status: 0 when every model matches, 1 when one does not (or fails), 2 for a missing
# TORNADOVM_HOME, argfile or JDK 21+ (with the fix printed).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seq=128
repeat=3
groups="corpus samples"

die() {
    echo "tornado-device.sh: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --samples-only) groups="samples" ;;
        --corpus-only) groups="corpus" ;;
        --seq) [ $# -ge 2 ] || die "--seq needs a number"; seq="$2"; shift ;;
        --repeat) [ $# -ge 2 ] || die "--repeat needs a number"; repeat="$2"; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
case "$seq$repeat" in *[!0-9]*) die "--seq and --repeat take whole numbers" ;; esac

# --- what must be there, each missing piece with its fix -----------------------------------
if [ -z "${TORNADOVM_HOME:-}" ]; then
    die "TORNADOVM_HOME is not set. Install TornadoVM for your GPU (its installer, or a build from
  https://github.com/beehive-lab/TornadoVM), then: source <tornadovm>/setvars.sh
  (or export TORNADOVM_HOME=<tornadovm>/dist/tornadovm-<version>-<backend>/tornadovm-<version>-<backend>)"
fi
argfile="$TORNADOVM_HOME/tornado-argfile"
if [ ! -f "$argfile" ]; then
    die "no tornado-argfile in TORNADOVM_HOME=$TORNADOVM_HOME. Fix: PATH=\$TORNADOVM_HOME/bin:\$PATH tornado --generate-argfile
  (or point TORNADOVM_HOME at the SDK folder that holds tornado-argfile, bin/ and share/java/tornado)"
fi
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/java}"
[ -n "$java_bin" ] && [ -x "$java_bin" ] || java_bin="$(command -v java || true)"
if [ -z "$java_bin" ]; then
    die "no JDK found. Fix: install the JDK your TornadoVM SDK was built for (21 or newer; 25 for a -jdk25 SDK)
  and export JAVA_HOME=<that jdk>"
fi
java_version="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)"
if ! [ "${java_version%%.*}" -ge 21 ] 2>/dev/null; then
    die "$java_bin is Java ${java_version:-of unknown version}; TornadoVM and attnc need a JDK 21 or newer.
  Fix: export JAVA_HOME=<the JDK your TornadoVM SDK was built for (21, or 25 for a -jdk25 SDK)>"
fi

# --- build attnc (the runner is in the compiler's test classes) -----------------------------
cd "$root"
if [ "${ATTNC_SKIP_BUILD:-0}" != "1" ]; then
    # -P '!tornadovm': the tornadovm profile (on when TORNADOVM_HOME is set) is only for the unit
    # tests; the runner compiles against the API TornadoVM loads.
    echo "building attnc (mvn -q -B -DskipTests package -pl compiler -am; ATTNC_SKIP_BUILD=1 skips this)" >&2
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java_bin")")")" \
        mvn -q -B -DskipTests -P '!tornadovm' ${ATTNC_MVN_FLAGS:-} package -pl compiler -am >&2 \
        || die "the Maven build failed (above); fix it, or run with ATTNC_SKIP_BUILD=1 on a built tree"
fi
for needed in compiler/target/attnc-compiler.jar compiler/target/test-classes/dev/attnc/compiler/codegen/tornadovm/DeviceCorpusRunner.class; do
    [ -e "$needed" ] || die "$needed is missing: build with mvn -DskipTests package -pl compiler -am"
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/attnc-tornado-device.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/classes" # before the JVM starts, or it is never searched
profile="$scratch/profile.json"

run_group() { # run_group NAME ARGS... : one JVM on the device, RESULT and KERNEL lines into $scratch/NAME.out
    local name="$1"
    shift
    "$java_bin" @"$argfile" -Dtornado.recover.bailout=False \
        -Dtornado.profiler=True -Dtornado.log.profiler=True -Dtornado.profiler.dump.dir="$profile" \
        -Dattnc.tornado.classes="$scratch/classes" \
        -cp "$scratch/classes:compiler/target/test-classes:compiler/target/attnc-compiler.jar:compiler/target/lib/*" \
        dev.attnc.compiler.codegen.tornadovm.DeviceCorpusRunner "$@" --compare \
        > "$scratch/$name.out" 2> "$scratch/$name.err" || true
    if ! grep -q '^RESULT ' "$scratch/$name.out"; then
        echo "tornado-device.sh: the $name run produced no result; its output:" >&2
        cat "$scratch/$name.out" "$scratch/$name.err" >&2
        exit 1
    fi
}

started=$(date +%s)
for group in $groups; do
    if [ "$group" = corpus ]; then
        run_group corpus compiler/src/test/resources/tornado-corpus/*.attn --repeat 2
    else
        samples=()
        for sample in samples/*/*.attn; do
            case "$sample" in */minilm.attn | */llama.attn | */gpt2.attn) continue ;; esac # need a checkpoint: embed, generate
            samples+=("$sample")
        done
        run_group samples "${samples[@]}" --seq "$seq" --repeat "$repeat" --profile "$profile"
    fi
done
elapsed=$(( $(date +%s) - started ))

# --- one table -------------------------------------------------------------------------------
device="$(grep -ho '"DEVICE": "[^"]*"' "$profile" 2>/dev/null | head -n 1 | cut -d'"' -f4 || true)"
echo
echo "TornadoVM backend on TornadoVM's default device${device:+ ($device)}, against the JVM backend (same seeded weights and inputs)"
printf '%-44s %10s %11s  %s\n' "model / kernel" "first ms" "device ms" "vs JVM backend (max error / scale)"
table() { # table FILE: the runner's RESULT and KERNEL lines as rows
    awk '
    /^RESULT / {
        first = "-"; warm = "-"; rel = ""; tol = ""
        for (f = 4; f <= NF; f++) {
            if ($f ~ /^first_ms=/) first = substr($f, 10)
            if ($f ~ /^warm_ms=/) warm = substr($f, 9)
            if ($f ~ /^rel_error=/) rel = substr($f, 11)
            if ($f ~ /^tolerance=/) tol = substr($f, 11)
        }
        if ($3 == "ok") verdict = "match " rel " (tolerance " tol ")"
        else if ($3 == "mismatch") verdict = "MISMATCH " rel " (tolerance " tol ")"
        else {
            line = $0; sub(/^RESULT [^ ]+ error /, "", line); sub(/^CompilationException: [^ ]*\.attn: error: /, "refused: ", line)
            sub(/ <- .*/, "", line); sub(/^[A-Za-z]*Error: [a-z.]*\./, "", line)
            verdict = "ERROR " substr(line, 1, 100); first = "-"; warm = "-"
        }
        printf "%-44s %10s %11s  %s\n", $2, first, warm, verdict
        next
    }
    /^KERNEL / {
        task = $3; for (f = 4; f < NF; f++) task = task " " $f
        printf "  %-42s %10s %11.3f\n", task, "", $NF
    }' "$1"
}
if [ -f "$scratch/corpus.out" ]; then
    echo "-- device corpus (compiler/src/test/resources/tornado-corpus), each file's calls; device ms: best of 2 warm runs"
    table "$scratch/corpus.out"
fi
if [ -f "$scratch/samples.out" ]; then
    echo "-- samples at T = $seq; device ms: best of $repeat warm forwards; kernel rows: TornadoVM's TASK_KERNEL_TIME (best)"
    table "$scratch/samples.out"
fi
matched=$(cat "$scratch"/*.out | grep -c '^RESULT [^ ]* ok' || true)
total=$(cat "$scratch"/*.out | grep -c '^RESULT ' || true)
echo
echo "$matched of $total models match the JVM backend; ${elapsed} s on the device (TornadoVM started once per group)."
# The budget on a GPU machine is five minutes; a CPU OpenCL device (PoCL) takes longer.
if [ "$elapsed" -gt 300 ]; then
    echo "(over the 5-minute budget meant for a GPU: expected on a CPU OpenCL device such as PoCL)"
fi
[ "$matched" -eq "$total" ]
