#!/usr/bin/env bash
# user_ids.sh - a user id reaches the backend unchanged, or not at all.
# Web servers trim spaces around header values (X-Charon-User-Id) and
# Variable-* values (REMOTE_USER), and cut or replace control
# characters, so the daemon refuses such ids: at login (400, nothing
# stored), for the issuer key's user_id, for what the credentials plugin
# returns and for charonctl session create, and in a token's "sub"
# minted elsewhere with the same secret (401 "bearer token claim sub
# invalid", /check and AUTHORIZER).
# The checks are in user_ids.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/login_daemon.sh"

# "bob " (a trailing space) is a name the htpasswd file may hold.
EXTRA_USERS=("bob :")
login_daemon_start local
login_daemon_run user_ids.py
login_daemon_stop
finish
