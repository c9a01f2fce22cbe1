#!/bin/sh
# charon_vectors.sh - every case of tests/data/charon/charon-vectors.json
# (tokens of the real Charon 4.3.0 and ours, and what each side answered)
# replayed against charonctl and the daemon's /check; Charon's answer is
# expected, but for the deliberate differences of README.md ("Charon").
# The checks are in charon_vectors.py.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${CHARON_TEST_BUILDDIR:-$(cd "$here/../.." && pwd)}
src=${CHARON_TEST_SRCDIR:-$(cd "$here/../.." && pwd)}
py=${PYTHON3:-/usr/bin/python3}

CHARON_PLUGIN_PATH=$build/plugins/token_jwt/.libs:$build/plugins/store_dummy/.libs:$build/plugins/store_local/.libs
export CHARON_PLUGIN_PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/charon-vectors.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$py" "$here/charon_vectors.py" "$src/tests/data/charon/charon-vectors.json" \
    "$build/src/charonctl" "$build/src/charon-fcgi" "$work"
