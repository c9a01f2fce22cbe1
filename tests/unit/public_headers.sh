#!/bin/sh
# public_headers.sh - each installed header (include/charon/*.h, the plugin
# ABI) compiles on its own as strict ISO C99, so that an out-of-tree plugin
# built with -std=c99 -pedantic -Werror can include any one of them; and
# as C++ when g++ is installed (the headers promise extern "C").
set -u

SRC=${CHARON_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CHARON_TEST_CC:-cc}
T=$(mktemp -d "${TMPDIR:-/tmp}/charon-headers.XXXXXX")
trap 'rm -rf "$T"' EXIT
PASSED=0
FAILED=0

# check NAME COMMAND...: runs the compiler, counts and shows the result.
check() {
    name=$1
    shift
    if "$@" >"$T/out" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok - $name"
    else
        FAILED=$((FAILED + 1))
        echo "not ok - $name"
        sed 's/^/#   /' "$T/out"
    fi
}

CXX=
command -v g++ >/dev/null 2>&1 && CXX=g++
[ -n "$CXX" ] || echo "# g++ is not installed: C++ checks not run"

n=0
for h in "$SRC"/include/charon/*.h; do
    base=$(basename "$h")
    n=$((n + 1))
    printf '#include <charon/%s>\n' "$base" >"$T/one.c"
    check "charon/$base alone: $CC -std=c99 -pedantic -Wall -Wextra -Werror" \
        $CC -std=c99 -pedantic -Wall -Wextra -Werror -I"$SRC/include" \
        -c "$T/one.c" -o "$T/one.o"
    if [ -n "$CXX" ]; then
        cp "$T/one.c" "$T/one.cc"
        check "charon/$base alone: $CXX -std=c++11 -pedantic -Wall -Wextra -Werror" \
            $CXX -std=c++11 -pedantic -Wall -Wextra -Werror -I"$SRC/include" \
            -c "$T/one.cc" -o "$T/one.o"
    fi
done
if [ "$n" -lt 7 ]; then
    FAILED=$((FAILED + 1))
    echo "not ok - found $n headers under $SRC/include/charon, expected 7"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
