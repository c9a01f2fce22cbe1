#!/bin/sh
# wycheproof_jose.sh - the HS and EdDSA cases of Wycheproof's JOSE suites
# (data/wycheproof, C2SP Wycheproof, Apache-2.0) through token_jwt by
# charonctl verify; the checks and the listed differences are in
# wycheproof_jose.py.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${CHARON_TEST_BUILDDIR:-$(cd "$here/../.." && pwd)}
src=${CHARON_TEST_SRCDIR:-$(cd "$here/../.." && pwd)}
py=${PYTHON3:-/usr/bin/python3}

CHARON_PLUGIN_PATH=$build/plugins/token_jwt/.libs:$build/plugins/store_dummy/.libs
export CHARON_PLUGIN_PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/charon-wycheproof.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$py" "$here/wycheproof_jose.py" "$src/tests/data/wycheproof" \
    "$build/src/charonctl" "$work"
