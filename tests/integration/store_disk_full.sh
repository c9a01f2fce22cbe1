#!/usr/bin/env bash
# store_disk_full.sh - store_local on a real full file system: a 4 MiB
# tmpfs mounted under the test's temp dir holds [store_local] path, and a
# filler file takes its space.  store_disk_full.py checks that every
# endpoint answers a clean status while the disk is full (writes 503 with
# the store's JSON error, reads 200), that nothing is half-written, and
# that the same daemon recovers by itself once the filler is gone; then
# the daemon is restarted on the same store and every session is still
# there.  Run once with sync = full (the default) and once with
# sync = none.  Mounting needs root (scripts/test.sh runs as root): as
# another user the test is skipped; as root it must run.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs

if [ "$(id -u)" != 0 ]; then
    echo "ok - store_local on a full disk # SKIP not root (mount -t tmpfs needs root)"
    exit 77
fi

# The tmpfs mounts go before lib.sh's cleanup removes $T (a lazy umount if
# something still holds them).
disk_full_cleanup() {
    local p m
    for p in $PIDS; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    PIDS=""
    for m in "$T"/mnt-*; do
        if mountpoint -q "$m"; then
            umount "$m" 2>/dev/null || umount -l "$m"
        fi
    done
    cleanup
}
trap disk_full_cleanup EXIT

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
echo >> "$T/issuer.key"
chmod 600 "$T/issuer.key"
: > "$T/tokens.txt"

# start_daemon INI: starts charon-fcgi on $SOCK, its PID in $DPID
start_daemon() {
    rm -f "$SOCK"
    "$DAEMON" -c "$1" --listen "unix:$SOCK" --threads 4 2>> "$LOGF" &
    DPID=$!; PIDS="$PIDS $DPID"
    if ! wait_for_socket "$SOCK"; then
        not_ok "$SYNC: the daemon starts" "$(tail -20 "$LOGF")"
        return 1
    fi
}
# stop_daemon WHAT: SIGTERM, and it must exit 0
stop_daemon() {
    kill -TERM "$DPID" 2>/dev/null
    expect_exit_0 "$DPID" "$SYNC: the daemon" " $1"
}

for SYNC in full none; do
    MNT=$T/mnt-$SYNC
    mkdir "$MNT"
    if ! mount -t tmpfs -o size=4m,mode=0700 charon-disk-full "$MNT"; then
        not_ok "$SYNC: mount a 4 MiB tmpfs on $MNT (as root this must work)"
        continue
    fi
    STORE=$MNT/sessions
    INI=$T/charon-$SYNC.ini
    { base_config | sed 's/^session_store = dummy/session_store = local/'
      cat <<INI

[endpoints]
issuer_key_file = $T/issuer.key

[authorizer]
require_session = true

[store_local]
path = $STORE
sync = $SYNC
INI
    } > "$INI"
    # The same, on a store not created yet (for charonctl on the full disk).
    sed "s|^path = .*|path = $MNT/new-store|" "$INI" > "$T/new-store-$SYNC.ini"
    SOCK=$T/$SYNC.sock
    LOGF=$T/daemon-$SYNC.log
    : > "$LOGF"
    start_daemon "$INI" || continue

    drive() {
        CHARON_IT_ADDR=unix:$SOCK CHARON_IT_FCGI_REQ=$FCGI_REQ \
        CHARON_IT_ISSUER_KEY=$T/issuer.key CHARON_IT_LOG=$LOGF \
        CHARON_IT_PID=$DPID CHARON_IT_STORE=$STORE CHARON_IT_MOUNT=$MNT \
        CHARON_IT_CTL=$CTL CHARON_IT_CONFIG=$INI \
        CHARON_IT_NEW_STORE_CONFIG=$T/new-store-$SYNC.ini \
        CHARON_IT_STATE=$T/state-$SYNC.json CHARON_IT_TOKENS=$T/tokens.txt \
            "$PY" "$SRC/tests/integration/store_disk_full.py" "$1" | sed "s/^\(not \)\{0,1\}ok - /&$SYNC: /"
        return "${PIPESTATUS[0]}"
    }
    drive fill
    rc=$?
    [ "$rc" -eq 0 ] && ok "$SYNC: the full disk and the recovery (store_disk_full.py fill)" \
        || not_ok "$SYNC: the full disk and the recovery (store_disk_full.py fill, exit $rc)"
    # lock.mdb is written through a shared mapping: every page of it must
    # be on disk, or a reader slot touched on a full disk raises SIGBUS.
    read -r size blocks bsize < <(stat -c '%s %b %B' "$STORE/lock.mdb")
    if [ $((blocks * bsize)) -ge "$size" ]; then
        ok "$SYNC: lock.mdb is fully allocated ($size bytes)"
    else
        not_ok "$SYNC: lock.mdb is fully allocated" "$((blocks * bsize)) of $size bytes on disk"
    fi
    if kill -0 "$DPID" 2>/dev/null; then ok "$SYNC: the daemon is still running"
    else not_ok "$SYNC: the daemon is still running" "$(tail -20 "$LOGF")"; fi
    stop_daemon "after the full disk"

    start_daemon "$INI" || continue
    drive restarted
    rc=$?
    [ "$rc" -eq 0 ] && ok "$SYNC: restarted on the same store (store_disk_full.py restarted)" \
        || not_ok "$SYNC: restarted on the same store (store_disk_full.py restarted, exit $rc)"
    stop_daemon "after the restart"

    # The master restarts a worker that dies (a SIGBUS, say): none may.
    if grep -Eq 'worker [0-9]+ .*; starting another' "$LOGF"; then
        not_ok "$SYNC: no worker died" "$(grep -E 'worker [0-9]+ ' "$LOGF" | head -5)"
    else
        ok "$SYNC: no worker died"
    fi
    expect_no_sanitizer_report "$SYNC: no sanitizer report" "$LOGF"
    if [ -s "$T/tokens.txt" ] && grep -qF -f "$T/tokens.txt" "$LOGF"; then
        not_ok "$SYNC: the daemon never logs a token" "$(grep -F -f "$T/tokens.txt" "$LOGF" | head -5)"
    else
        ok "$SYNC: the daemon never logs a token"
    fi
    umount "$MNT" 2>/dev/null || umount -l "$MNT"
done
finish
