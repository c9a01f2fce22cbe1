#!/bin/bash
# cgi_environment.sh - in CGI mode the web server builds the environment
# (even from .htaccess SetEnv), so it must not choose code that runs:
# OPENSSL_CONF naming a provider module, OPENSSL_MODULES, and relative
# paths in the config (resolved against the CGI script's directory).
. "$(dirname "$0")/lib.sh"

make_secret
{ base_config | sed "s|^session_store = dummy|session_store = $BUILD/plugins/store_dummy/.libs/store_dummy.so\ntoken_factory = $BUILD/plugins/token_jwt/.libs/token_jwt.so|"; } > "$T/cgi.ini"

# A planted OpenSSL provider: its init writes a marker file.
mkdir "$T/modules"
cat > "$T/evil.c" <<C
#include <stdio.h>
#include <openssl/core.h>
int OSSL_provider_init(const OSSL_CORE_HANDLE *h, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **ctx);
int OSSL_provider_init(const OSSL_CORE_HANDLE *h, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **ctx)
{
    FILE *f = fopen("$T/marker", "a");
    (void)h; (void)in; (void)out; (void)ctx;
    if (f != NULL) { fputs("planted provider ran\n", f); fclose(f); }
    return 0;
}
C
${CC:-cc} -shared -fPIC -o "$T/modules/evil.so" "$T/evil.c" ||
    not_ok "the planted provider builds"

# openssl_conf MODULE: a config that loads MODULE as a provider.
openssl_conf() {
    cat <<CNF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
evil = evil_sect
default = default_sect
[evil_sect]
module = $1
activate = 1
[default_sect]
activate = 1
CNF
}
openssl_conf "$T/modules/evil.so" > "$T/absolute.cnf"
openssl_conf "evil.so" > "$T/relative.cnf"

# The planted module does run in a program that honours the environment,
# so a missing marker below means charon-fcgi did not load it.
rm -f "$T/marker"
OPENSSL_CONF=$T/absolute.cnf openssl list -providers >/dev/null 2>&1
[ -f "$T/marker" ] && ok "the planted provider runs under openssl(1)" ||
    not_ok "the planted provider runs under openssl(1)"
rm -f "$T/marker"

# cgi CONFIG VAR=VALUE...: one CGI request for /auth/health.
cgi() {
    local ini=$1
    shift
    (cd "$T" && env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
        DOCUMENT_URI=/auth/health "$@" "$DAEMON" -c "$ini" \
        < /dev/null 2> "$T/cgi.err")
}

out=$(cgi "$T/cgi.ini" OPENSSL_CONF="$T/absolute.cnf")
expect_contains "CGI with OPENSSL_CONF: the request is served" "$out" \
    "Status: 200"
[ -f "$T/marker" ] &&
    not_ok "CGI: a provider named by OPENSSL_CONF does not run" \
        "$(cat "$T/marker")" ||
    ok "CGI: a provider named by OPENSSL_CONF does not run"
rm -f "$T/marker"

out=$(cgi "$T/cgi.ini" OPENSSL_CONF="$T/relative.cnf" \
      OPENSSL_MODULES="$T/modules")
expect_contains "CGI with OPENSSL_MODULES: the request is served" "$out" \
    "Status: 200"
[ -f "$T/marker" ] &&
    not_ok "CGI: a provider found through OPENSSL_MODULES does not run" \
        "$(cat "$T/marker")" ||
    ok "CGI: a provider found through OPENSSL_MODULES does not run"
rm -f "$T/marker"

# Relative paths in the config: a config error naming file and line, not
# a file looked up in the CGI script's directory.
mkdir "$T/sessions"
chmod 700 "$T/sessions"
cp -p "$T/secret" "$T/relsecret"
base_config | sed -e "s|^base_secret_file = .*|base_secret_file = relsecret|" \
    > "$T/relsecret.ini"
{ base_config | sed -e "s|^session_store = dummy|session_store = $BUILD/plugins/store_local/.libs/store_local.so\ntoken_factory = $BUILD/plugins/token_jwt/.libs/token_jwt.so|"
  printf '[store_local]\npath = sessions\n'; } > "$T/relstore.ini"
for c in relsecret relstore; do
    out=$(cgi "$T/$c.ini")
    expect_contains "CGI: a relative path in $c.ini is a 500" "$out" \
        "Status: 500"
    cp "$T/cgi.err" "$T/$c.err"
done
expect_contains "CGI: a relative base_secret_file is refused with file:line" \
    "$(cat "$T/relsecret.err")" \
    "$T/relsecret.ini:3: [charon] base_secret_file = \"relsecret\": not an absolute path"
expect_contains "CGI: a relative [store_local] path is refused with file:line" \
    "$(cat "$T/relstore.err")" \
    "$T/relstore.ini:8: [store_local] path = \"sessions\": not an absolute path"

finish
