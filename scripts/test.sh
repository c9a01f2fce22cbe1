#!/usr/bin/env bash
# Sets everything up and runs every test, on a fresh Debian 12 as root:
# installs the packages (scripts/deps.sh), then
#   autoreconf -fi && ./configure && make && make check
# then make distcheck, then the same suite again under AddressSanitizer +
# UndefinedBehaviorSanitizer (../configure --enable-sanitizers, in _build-san/).
# Env: SANITIZERS=0 skips the sanitizer pass, DISTCHECK=0 skips distcheck,
# JOBS=N sets make's parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
JOBS=${JOBS:-$(nproc)}
SANITIZERS=${SANITIZERS:-1}
DISTCHECK=${DISTCHECK:-1}

bash scripts/deps.sh

summary=()
tally() {   # tally LABEL DIR: adds up automake's test-suite.log totals
    local log pass=0 fail=0 n
    for log in "$2"/tests/test-suite.log "$2"/fuzz/test-suite.log; do
        [ -f "$log" ] || continue
        n=$(sed -n 's/^# PASS: *//p' "$log" | head -1); pass=$((pass + ${n:-0}))
        n=$(sed -n 's/^# FAIL: *//p' "$log" | head -1); fail=$((fail + ${n:-0}))
        n=$(sed -n 's/^# ERROR: *//p' "$log" | head -1); fail=$((fail + ${n:-0}))
    done
    summary+=("$1: $pass passed, $fail failed")
}
run_check() {   # run_check LABEL DIR: make check, printing failed logs
    local label=$1 dir=$2
    if ! make -C "$dir" -j"$JOBS" check; then
        find "$dir/tests" "$dir/fuzz" -name '*.trs' -print0 2>/dev/null |
            xargs -0 grep -l -E ':test-result: (FAIL|ERROR)' |
            while read -r t; do echo "===== ${t%.trs}.log"; cat "${t%.trs}.log"; done
        tally "$label" "$dir"
        printf '%s\n' "${summary[@]}"
        exit 1
    fi
    tally "$label" "$dir"
}

autoreconf -fi
./configure --enable-silent-rules
make -j"$JOBS"
run_check "make check" "$top"

if [ "$DISTCHECK" = 1 ]; then
    make -j"$JOBS" distcheck
    summary+=("make distcheck: 1 passed, 0 failed")
fi

if [ "$SANITIZERS" = 1 ]; then
    # A tree configured in place cannot also be built out of place.
    make distclean > /dev/null
    rm -rf _build-san && mkdir _build-san
    (cd _build-san && ../configure --enable-sanitizers --enable-silent-rules)
    make -C _build-san -j"$JOBS"
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        run_check "make check (ASan+UBSan)" "$top/_build-san"
fi

echo
printf '%s\n' "${summary[@]}"
total_pass=0; total_fail=0
for s in "${summary[@]}"; do
    p=$(echo "$s" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$s" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    total_pass=$((total_pass + ${p:-0})); total_fail=$((total_fail + ${f:-0}))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
