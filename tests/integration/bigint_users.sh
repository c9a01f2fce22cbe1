#!/usr/bin/env bash
# bigint_users.sh - integer user ids of any size (a Snowflake id such as
# 9007199254740993, a 30-digit bigint) stay exact end to end: issuer
# login, token sub, X-Charon-User-Id, Variable-REMOTE_USER, the store's
# keys, the session list, refresh and charonctl verify.  The checks are
# in bigint_users.py.
. "$(dirname "$0")/lib.sh"

issuer_daemon <<INI

[authorizer]
require_session = true
INI
"$PY" "$SRC/tests/integration/bigint_users.py" "unix:$SOCK" "$FCGI_REQ" \
    "$CTL" "$T/charon.ini" "$(cat "$T/issuer.key")"
