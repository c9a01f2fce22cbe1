#!/usr/bin/env bash
# guardian.sh - lessons from Guardian's advisories (2.4.1, 2.5.0): a time
# claim that is not a number ("exp":"17") or is absurd (1e300) is refused,
# and logout and revocation verify the token first, so a forged token
# revokes nothing.  The checks are in guardian.py.
. "$(dirname "$0")/lib.sh"

issuer_daemon < /dev/null
"$PY" "$SRC/tests/integration/guardian.py" "unix:$SOCK" "$FCGI_REQ" \
    "$CTL" "$T/charon.ini" "$(cat "$T/issuer.key")" "$T/secret"
