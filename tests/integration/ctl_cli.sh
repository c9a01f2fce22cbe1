#!/usr/bin/env bash
# ctl_cli.sh - charonctl's command line: each command refuses options that
# mean nothing to it (exit 64), --help shows every command line the
# README and docs/CONTRACT.md show, and verify takes its token from stdin or --token-file so
# that it stays out of the process list (a TOKEN operand still works,
# with a warning).
. "$(dirname "$0")/lib.sh"

make_secret
base_config > "$T/charon.ini"
INI=$T/charon.ini

# --- options a command does not take ---
refused() {   # refused NAME OPTION ARGS...: exit 64 naming the option
    local name=$1 opt=$2 out st
    shift 2
    out=$("$CTL" "$@" 2>&1); st=$?
    expect_eq "$name: exit 64" "$st" "64"
    expect_contains "$name: says which option" "$out" "does not take --$opt"
}
refused "jwks --user" user jwks -c "$INI" --user alice
refused "check-config -o" output check-config -c "$INI" -o "$T/x"
refused "verify --session" session verify -c "$INI" --session s x.y.z
refused "verify --type" type verify -c "$INI" --type full x.y.z
refused "session list --transport" transport session list -c "$INI" --user a --transport cookie
refused "session list --session" session session list -c "$INI" --user a --session s
refused "session list --profile" profile session list -c "$INI" --user a --profile p
refused "session revoke-all --session" session session revoke-all -c "$INI" --user a --session s
refused "session create --session" session session create -c "$INI" --user a --session s
refused "session create --token-file" token-file session create -c "$INI" --user a --token-file "$T/x"
refused "keygen -c" config keygen ed25519 -o "$T/k.pem" -c "$INI"
[ -e "$T/k.pem" ] && not_ok "a refused keygen writes no key" || ok "a refused keygen writes no key"
out=$("$CTL" session revoke -c "$INI" --user a 2>&1); st=$?
expect_eq "session revoke without --session: exit 64" "$st" "64"
expect_contains "and says what it needs" "$out" "session revoke needs --session SID"
out=$("$CTL" session -c "$INI" --user a 2>&1); st=$?
expect_eq "session alone: exit 64" "$st" "64"
expect_contains "and names the subcommands" "$out" "create list revoke revoke-all"
out=$("$CTL" jwks -c "$INI" extra 2>&1); st=$?
expect_eq "jwks with an operand: exit 64" "$st" "64"

# --- --help and the README agree ---
help=$("$CTL" --help); st=$?
expect_eq "charonctl --help: exit 0" "$st" "0"
n=0
while IFS= read -r line; do
    n=$((n + 1))
    expect_contains "--help shows the README's \"$line\"" "$help" "  ${line#charonctl }"
done < <(sed -n '/^## charonctl/,/^## /p' "$SRC/README.md" | grep '^charonctl ')
expect_eq "the README shows all 8 command lines" "$n" "8"
n=0
while IFS= read -r line; do
    n=$((n + 1))
    expect_contains "--help shows docs/CONTRACT.md's \"$line\"" "$help" "  ${line#charonctl }"
done < <(sed -n '/^### 2.2 charonctl/,/^## /p' "$SRC/docs/CONTRACT.md" |
         sed -n 's/^    \(charonctl .*\)$/\1/p')
expect_eq "docs/CONTRACT.md shows all 8 command lines" "$n" "8"

# --- verify: where the token comes from ---
tok=$("$CTL" -c "$INI" session create --user carol 2>/dev/null |
      "$PY" -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["access_token"])')
[ -n "$tok" ] || not_ok "session create printed a token"

out=$(printf '%s\n' "$tok" | "$CTL" -c "$INI" verify 2>"$T/err"); st=$?
expect_eq "verify reads the token from stdin: exit 0" "$st" "0"
expect_contains "and prints its claims" "$out" '"sub":"carol"'
expect_eq "and warns of nothing" "$(cat "$T/err")" ""
out=$(printf '%s' "$tok" | "$CTL" -c "$INI" verify - 2>"$T/err"); st=$?
expect_eq "verify - reads stdin: exit 0" "$st" "0"
expect_contains "verify - prints the claims" "$out" '"sub":"carol"'
printf '%s\n' "$tok" > "$T/token"
out=$("$CTL" -c "$INI" verify --token-file "$T/token" 2>"$T/err" </dev/null); st=$?
expect_eq "verify --token-file: exit 0" "$st" "0"
expect_contains "verify --token-file prints the claims" "$out" '"sub":"carol"'
expect_eq "verify --token-file warns of nothing" "$(cat "$T/err")" ""
out=$("$CTL" -c "$INI" verify "$tok" 2>"$T/err"); st=$?
expect_eq "verify TOKEN still works: exit 0" "$st" "0"
expect_contains "verify TOKEN prints the claims" "$out" '"sub":"carol"'
expect_contains "verify TOKEN warns that the process list shows it" "$(cat "$T/err")" \
    "visible to every local user (ps, /proc/PID/cmdline)"
out=$(printf '%s' "$(tamper "$tok")" | "$CTL" -c "$INI" verify 2>&1); st=$?
expect_eq "a damaged token on stdin is refused (exit 1)" "$st" "1"
out=$("$CTL" -c "$INI" verify </dev/null 2>&1); st=$?
expect_eq "empty stdin: exit 1" "$st" "1"
expect_contains "and says so" "$out" "no token in stdin"
out=$("$CTL" -c "$INI" verify --token-file "$T/token" "$tok" 2>&1); st=$?
expect_eq "--token-file and TOKEN together: exit 64" "$st" "64"
out=$("$CTL" -c "$INI" verify --token-file "$T/none" 2>&1); st=$?
expect_eq "a missing --token-file: exit 1" "$st" "1"
expect_contains "and names it" "$out" "$T/none"

# While verify waits for its stdin, its command line holds no token.
mkfifo "$T/fifo"
exec 3<>"$T/fifo"                  # a writer, so the reader's open returns
"$CTL" -c "$INI" verify < "$T/fifo" > "$T/fifo.out" 2>&1 3>&- &
VPID=$!; PIDS="$PIDS $VPID"
cmdline=
for i in $(seq 1 100); do
    cmdline=$(tr '\0' ' ' < "/proc/$VPID/cmdline" 2>/dev/null)
    case "$cmdline" in *verify*) break ;; esac
    sleep 0.1
done
expect_contains "the waiting verify is charonctl" "$cmdline" "verify"
expect_not_contains "its /proc/PID/cmdline holds no token" "$cmdline" "${tok%%.*}"
printf '%s\n' "$tok" >&3
exec 3>&-
wait_for_exit "$VPID" 10 && st=$EXIT_STATUS || st=timeout
expect_eq "it verifies the token it then reads: exit 0" "$st" "0"
expect_contains "and prints its claims" "$(cat "$T/fifo.out")" '"sub":"carol"'

finish
