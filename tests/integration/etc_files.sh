#!/usr/bin/env bash
# etc_files.sh - the files in etc/ that the other tests do not run in a
# server: etc/charon.ini loads (charonctl check-config, paths moved into
# the temp dir), and the quickstart's templates for nginx, lighttpd and
# Apache pass each server's own config test once rendered as the script
# renders them (scripts/quickstart.sh runs them for real and checks the
# walkthrough against them).  etc/*/charon.conf are run in the real
# servers by server_*.sh; etc/systemd by systemd_units.sh.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/store_redis/.libs:$BUILD/plugins/cred_htpasswd/.libs

# etc/charon.ini as shipped, but for its paths.
make_secret
sed -e "s|^base_secret_file = .*|base_secret_file = $T/secret|" \
    -e "s|^path = /var/lib/charon-fcgi/sessions|path = $T/sessions|" \
    -e "s|^;key_cache_dir = .*|key_cache_dir = $T/keycache|" \
    "$SRC/etc/charon.ini" > "$T/charon.ini"
out=$("$CTL" check-config -c "$T/charon.ini" 2>&1)
rc=$?
expect_eq "etc/charon.ini loads (check-config exit 0)" "$rc" "0"
expect_not_contains "and has no warning" "$out" "warning"
# Every commented key=value line of it, uncommented, is a key charon-fcgi
# knows (the section it stands in decides): unknown keys are errors.
awk '
    /^;?\[/ { sub(/^;/, ""); print; next }
    /^;base_secret_env/ { next }      # one of the two secrets only
    /^;[a-z_.]+ *=/ { sub(/^;/, ""); print; next }
    /^[a-z_.]+ *=/ { print }
' "$T/charon.ini" > "$T/all-keys.ini"
# A plugin's keys are checked when it is loaded: once with each store.
for store in local redis; do
    sed -e "s|^session_store = .*|session_store = $store|" \
        -e "s|^credentials = .*|credentials = htpasswd|" \
        "$T/all-keys.ini" > "$T/all-$store.ini"
    out=$("$CTL" check-config -c "$T/all-$store.ini" 2>&1)
    expect_not_contains "every key etc/charon.ini mentions is known ($store)" "$out" "unknown key"
    expect_not_contains "and every section ($store)" "$out" "unknown section"
done
# The check can fail: a misspelt key in the same file is reported.
sed 's|^\[store_redis\]|&\nhots = 1|' "$T/all-redis.ini" > "$T/misspelt.ini"
out=$("$CTL" check-config -c "$T/misspelt.ini" 2>&1)
expect_contains "(a misspelt key would be reported)" "$out" 'unknown key "hots"'

render() { # TEMPLATE OUT
    sed -e "s|@DEMO@|$T/demo|g" -e "s|@DAEMON_PORT@|$(free_port)|g" "$SRC/$1" > "$2"
}
# The directories scripts/quickstart.sh makes before it starts a server.
mkdir -p "$T/demo/www" "$T/demo/tmp" "$T/demo/apache/run"
render etc/nginx/quickstart.conf.in "$T/demo/nginx.conf"
out=$(nginx -t -p "$T/demo/" -e "$T/demo/nginx-error.log" -c "$T/demo/nginx.conf" 2>&1)
expect_contains "etc/nginx/quickstart.conf.in passes nginx -t" "$out" "test is successful"
render etc/lighttpd/quickstart.conf.in "$T/demo/lighttpd.conf"
cp "$SRC/etc/lighttpd/quickstart-user.lua" "$T/demo/" 2>/dev/null
out=$(lighttpd -tt -f "$T/demo/lighttpd.conf" 2>&1); rc=$?
expect_eq "etc/lighttpd/quickstart.conf.in passes lighttpd -tt" "$rc" "0"
[ "$rc" = 0 ] || echo "$out" | sed 's/^/#   /'
render etc/apache2/quickstart.conf.in "$T/demo/apache2.conf"
out=$(apache2 -t -f "$T/demo/apache2.conf" 2>&1)
expect_contains "etc/apache2/quickstart.conf.in passes apache2 -t" "$out" "Syntax OK"
finish
