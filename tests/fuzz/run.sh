#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh — runs the libFuzzer targets for make fuzz-run and make fuzz-regress.
#
#   run.sh run SECONDS BUILD TARGET...   fuzz each target SECONDS on a copy of its corpus
#                                        (the repository is never written), then replay its
#                                        regression inputs
#   run.sh regress 0 BUILD TARGET...     replay every corpus and regression input once
#
# A target named <t>_msan is <t> built under MemorySanitizer: it shares <t>'s corpus,
# dictionary and regression inputs. Prints one line per target; exits 1 when any target crashed, leaked, timed out, ran out
# of memory or failed a regression input. Findings are kept in BUILD/findings/<target>/,
# logs in BUILD/logs/<target>.log.
set -u

mode=$1
seconds=$2
build=$3
shift 3
here=$(dirname "$0")
opts="-rss_limit_mb=2048 -timeout=10"
failed=0

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
mkdir -p "$build/logs"

# replay TARGET LOG DIR...: runs the binary once on every file under the given directories.
# File arguments (not directories): libFuzzer runs each once and writes nothing. Names go
# NUL-separated, so no file name is ever split or unescaped on the way.
replay() {
    bin=$build/fuzz_$1
    log=$2
    shift 2
    n=$(find "$@" -type f ! -name '.*' 2>/dev/null | wc -l | tr -d ' ')
    if [ "$n" = 0 ]; then
        echo 0
        return 0
    fi
    if ! find "$@" -type f ! -name '.*' -print0 2>/dev/null | sort -z |
        xargs -0 "$bin" $opts >>"$log" 2>&1; then
        echo fail
        return 1
    fi
    echo "$n"
}

for t in "$@"; do
    bin=$build/fuzz_$t
    log=$build/logs/$t.log
    base=${t%_msan}
    corpus=$here/corpus/$base
    regress=$here/regress/$base
    : >"$log"
    if [ ! -x "$bin" ]; then
        echo "fuzz_$t: FAIL: $bin is missing (make fuzz)"
        failed=1
        continue
    fi
    if [ "$mode" = regress ]; then
        n=$(replay "$t" "$log" "$corpus" "$regress")
        if [ "$n" = fail ]; then
            echo "fuzz_$t: FAIL: a corpus or regression input crashed; see $log"
            grep '^Running: ' "$log" | tail -n 1 | sed 's/^/    /'
            grep -E '(==[0-9]+==(ERROR|WARNING)|SUMMARY|runtime error|^fuzz_[a-z_]*: )' "$log" |
                head -n 10 | sed 's/^/    /'
            failed=1
        else
            echo "fuzz_$t: $n inputs replayed clean"
        fi
        continue
    fi

    work=$(mktemp -d "${TMPDIR:-/tmp}/rw_fuzz_$t.XXXXXX")
    mkdir -p "$work/corpus" "$work/artifacts"
    if [ -d "$corpus" ]; then
        cp -R "$corpus/." "$work/corpus/"
    fi
    n0=$(find "$work/corpus" -type f | wc -l | tr -d ' ')
    dict=
    if [ -f "$here/fuzz_$base.dict" ]; then
        dict=-dict=$here/fuzz_$base.dict
    fi
    # shellcheck disable=SC2086
    "$bin" $opts $dict -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >>"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep ' cov: ' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
    n1=$(find "$work/corpus" -type f | wc -l | tr -d ' ')
    found=$(find "$work/artifacts" -type f | wc -l | tr -d ' ')
    if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
        mkdir -p "$build/findings/$t"
        cp "$work/artifacts/"* "$build/findings/$t/" 2>/dev/null
        echo "fuzz_$t: FAIL: exit $rc, $found finding(s) in $build/findings/$t after ${execs:-?} execs"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzzhost:|fuzz_[a-z]*:)' "$log" |
            head -n 10 | sed 's/^/    /'
        failed=1
    else
        echo "fuzz_$t: ${execs:-?} execs in ${seconds}s, ${cov:-cov ?}, corpus $n0 -> $n1 inputs, nothing found"
    fi
    rm -rf "$work"

    n=$(replay "$t" "$log" "$regress")
    if [ "$n" = fail ]; then
        echo "fuzz_$t: FAIL: a regression input crashed; see $log"
        failed=1
    elif [ "$n" != 0 ]; then
        echo "fuzz_$t: $n regression inputs replayed clean"
    fi
done
exit $failed
