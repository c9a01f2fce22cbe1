#!/bin/sh
# test_pyjwt.sh - token_jwt tokens checked both ways against PyJWT
# (Debian python3-jwt + python3-cryptography): charonctl mints, PyJWT
# verifies; PyJWT mints, charonctl verifies; for HS256 and EdDSA; and
# PyJWT's alg "none" is refused.  One line per check, then
# "N passed, N failed"; exits 1 on any mismatch.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${CHARON_TEST_BUILDDIR:-$(cd "$here/../.." && pwd)}
py=${PYTHON3:-/usr/bin/python3}

if ! "$py" -c 'import jwt, cryptography' 2>/dev/null; then
    echo "not ok - $py cannot import jwt and cryptography" \
         "(apt-get install python3-jwt python3-cryptography)"
    echo "0 passed, 1 failed"
    exit 1
fi
plugins=$build/plugins/token_jwt/.libs:$build/plugins/store_dummy/.libs
CHARON_PLUGIN_PATH=${CHARON_PLUGIN_PATH:-$plugins}
export CHARON_PLUGIN_PATH
exec "$py" "$here/pyjwt_interop.py" "$build/src/charonctl"
