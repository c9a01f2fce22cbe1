#!/usr/bin/env bash
# Sets everything up and runs every test, on a fresh Debian 12 as root:
# installs the packages (scripts/deps.sh), then runs the whole suite twice:
#  1. autoreconf -fi && ./configure --enable-werror && make && make check
#  2. make distcheck, its tarball configured with --enable-sanitizers: the
#     distributed tree, built out of its read-only source tree, runs the
#     suite again under AddressSanitizer + UndefinedBehaviorSanitizer, and
#     is installed, uninstalled and cleaned as distcheck does.
# The last line adds up the tests of both passes: "N passed, N failed".
# Env: SANITIZERS=0 makes pass 2 a plain distcheck, DISTCHECK=0 skips
# pass 2, JOBS=N sets make's parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
JOBS=${JOBS:-$(nproc)}
SANITIZERS=${SANITIZERS:-1}
DISTCHECK=${DISTCHECK:-1}

bash scripts/deps.sh

summary=()
finish() {   # prints the summary; the last line adds it all up
    local s p f total_pass=0 total_fail=0
    echo
    printf '%s\n' "${summary[@]}"
    for s in "${summary[@]}"; do
        p=$(echo "$s" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
        f=$(echo "$s" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
        total_pass=$((total_pass + ${p:-0})); total_fail=$((total_fail + ${f:-0}))
    done
    echo "$total_pass passed, $total_fail failed"
}
tally() {   # tally LABEL FILE...: adds up automake's test suite summaries
    local f files=() pass fail
    for f in "${@:2}"; do [ -f "$f" ] && files+=("$f"); done
    pass=$(cat "${files[@]}" /dev/null | sed -n 's/^# PASS: *//p' | awk '{n += $1} END {print n + 0}')
    fail=$(cat "${files[@]}" /dev/null | sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' |
        awk '{n += $1} END {print n + 0}')
    summary+=("$1: $pass passed, $fail failed")
}
show_failed() {   # show_failed DIR...: the logs of the tests that failed
    find "$@" -name '*.trs' -print0 2>/dev/null |
        xargs -0 -r grep -l -E ':test-result: (FAIL|ERROR|XPASS)' |
        while read -r t; do echo "===== ${t%.trs}.log"; cat "${t%.trs}.log"; done || true
}

autoreconf -fi
./configure --enable-silent-rules --enable-werror
make -j"$JOBS"
if ! make -j"$JOBS" check; then
    show_failed tests fuzz
    tally "make check" tests/test-suite.log fuzz/test-suite.log
    finish
    exit 1
fi
tally "make check" tests/test-suite.log fuzz/test-suite.log

if [ "$DISTCHECK" = 1 ]; then
    label="make distcheck"
    flags=
    if [ "$SANITIZERS" = 1 ]; then
        label="make distcheck (ASan+UBSan)"
        flags=--enable-sanitizers
    fi
    # distcheck deletes its build tree when it succeeds: its test totals
    # are taken from the test suite summaries in its output.
    out=$top/distcheck.log
    if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
         UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
         make -j"$JOBS" distcheck DISTCHECK_CONFIGURE_FLAGS="$flags" 2>&1 | tee "$out"; then
        show_failed "$top"/charon-fcgi-*/_build
        tally "$label" "$out"
        summary+=("make distcheck itself: 0 passed, 1 failed")
        finish
        exit 1
    fi
    tally "$label" "$out"
    summary+=("make distcheck itself (dist, build, install, clean): 1 passed, 0 failed")
fi

finish
