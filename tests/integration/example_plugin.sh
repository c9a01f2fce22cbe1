#!/usr/bin/env bash
# example_plugin.sh - the out-of-tree example plugin builds against the
# *installed* headers found with pkg-config, loads by absolute path, and
# serves; and every plugin we ship exports exactly one symbol.
. "$(dirname "$0")/lib.sh"

# Symbols: only charon_plugin, as the ABI promises.
for so in "$BUILD"/plugins/*/.libs/*.so; do
    syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
    expect_eq "$(basename "$so") exports only charon_plugin" "$syms" "charon_plugin "
done

make -C "$BUILD" install DESTDIR="$T/dest" > "$T/install.log" 2>&1 \
    || { cat "$T/install.log"; echo "make install failed"; exit 1; }
pc=$(find "$T/dest" -name charon-fcgi.pc | head -1)
[ -n "$pc" ] && ok "charon-fcgi.pc is installed" || not_ok "charon-fcgi.pc is installed"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$T/dest
cflags=$(pkg-config --cflags charon-fcgi)
expect_contains "pkg-config points into the installed tree" "$cflags" "$T/dest"
for h in plugin.h err.h buf.h option.h token.h store.h cred.h; do
    inc=$(find "$T/dest" -path "*/include/charon/$h" | head -1)
    [ -n "$inc" ] && ok "include/charon/$h is installed" || not_ok "include/charon/$h is installed"
done
plugindir=$(pkg-config --variable=plugindir charon-fcgi)
expect_contains "pkg-config names the plugin dir" "$plugindir" "/lib/charon-fcgi"

if cc $cflags -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
      -o "$T/store_example.so" "$SRC/examples/store_example/store_example.c" -lpthread \
      2> "$T/cc.log"; then
    ok "the example builds with only the installed headers"
else
    not_ok "the example builds with only the installed headers" "$(cat "$T/cc.log")"
fi

make_secret
cat > "$T/charon.ini" <<INI
[charon]
token_issuer = https://example.test
base_secret_file = $T/secret
session_store = $T/store_example.so
token_factory = $BUILD/plugins/token_jwt/.libs/token_jwt.so
key_cache_dir = $T/keycache

[store_example]
max_sessions = 5
INI
out=$("$CTL" check-config -c "$T/charon.ini" 2>&1)
expect_contains "check-config loads the example by absolute path" "$out" "session store store_example from $T/store_example.so"
out=$("$CTL" -c "$T/charon.ini" session create --user bob 2>&1)
expect_contains "a session is created through the example store" "$out" '"lock_version":1'
sed -i 's/^max_sessions = 5/max_sesions = 5/' "$T/charon.ini"
out=$("$CTL" check-config -c "$T/charon.ini" 2>&1)
expect_contains "the example's own section is checked by the core" "$out" 'unknown key "max_sesions"'
out=$(env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET DOCUMENT_URI=/auth/health \
      "$DAEMON" -c "$T/charon.ini" 2>&1 < /dev/null)
expect_contains "the daemon refuses the broken section" "$out" "Status: 500"

finish
