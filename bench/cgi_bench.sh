#!/bin/bash
# cgi_bench.sh - charon-fcgi run as a plain CGI (one process per request,
# as mod_cgi or fcgiwrap runs it) answering GET /auth/check with a warm key
# cache, against `openssl version` (a process that loads the same
# libcrypto and does nothing), in one hyperfine run; prints hyperfine's
# table and the ratio of the mean wall times (target <= 1.2).
#
#   bash bench/cgi_bench.sh                       # BUILDDIR found, or "."
#   BUILDDIR=/tmp/build RUNS=500 bash bench/cgi_bench.sh
#   KEYSET=rotation bash bench/cgi_bench.sh       # 9 keys of every kind
#
# Env: RUNS (300) runs of each command, WARMUP (30), MAX_RATIO (1.2),
# KEYSET (default: Charon's one HS256 key | rotation: HS256/384/512,
# two Ed25519, one Ed448 and two Poly1305 keys, the token signed by the
# HS256 one).  Everything lives in a mktemp -d directory.  Needs
# hyperfine (scripts/deps.sh).  See bench/README.md "## cgi_bench".
set -euo pipefail

RUNS=${RUNS:-300}
WARMUP=${WARMUP:-30}
MAX_RATIO=${MAX_RATIO:-1.2}
KEYSET=${KEYSET:-default}
PYTHON3=${PYTHON3:-/usr/bin/python3}

die() { echo "cgi_bench: $*" >&2; exit 2; }

for v in RUNS WARMUP; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
case $KEYSET in default|rotation) ;; *) die "KEYSET: default or rotation" ;; esac
command -v hyperfine >/dev/null || die "hyperfine is not installed (scripts/deps.sh)"

here=$(cd "$(dirname "$0")" && pwd)
if [[ -z ${BUILDDIR:-} ]]; then
    for d in "$here/.." . ..; do
        if [[ -x $d/src/charon-fcgi ]]; then BUILDDIR=$d; break; fi
    done
fi
BUILDDIR=$(cd "${BUILDDIR:-.}" && pwd)
CHARON=$BUILDDIR/src/charon-fcgi
CHARONCTL=$BUILDDIR/src/charonctl
[[ -x $CHARON && -x $CHARONCTL ]] \
    || die "no src/charon-fcgi in $BUILDDIR: run make there, or set BUILDDIR"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cgi_bench.XXXXXX")
pids=()
BENCH=cgi_bench
. "$here/bench_lib.sh"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

bench_stateless_config
mkdir -m 700 "$tmp/plugins"
# A CGI ignores CHARON_PLUGIN_PATH: the plugins come from plugin_dir.
for p in token_jwt store_dummy; do
    ln -s "$BUILDDIR/plugins/$p/.libs/$p.so" "$tmp/plugins/$p.so"
done
cat >>"$tmp/charon.ini" <<INI
plugin_dir = $tmp/plugins
log_level = warn

[token_jwt]
INI
if [[ $KEYSET = rotation ]]; then
    for k in ed1 ed2; do "$CHARONCTL" keygen ed25519 -o "$tmp/$k.pem" >/dev/null; done
    "$CHARONCTL" keygen ed448 -o "$tmp/ed448.pem" >/dev/null
    cat >>"$tmp/charon.ini" <<INI
signing_key = default
key.default = HS256:derived
key.hs384 = HS384:derived:bench_hs384
key.hs512 = HS512:derived:bench_hs512
key.ed1 = EdDSA:$tmp/ed1.pem
key.ed2 = EdDSA:$tmp/ed2.pem
key.ed448 = EdDSA:$tmp/ed448.pem
key.p1305 = Poly1305:derived
key.p1305b = Poly1305:derived:bench_p1305
INI
fi
# The token; this also fills the key cache (the CGI finds it warm).
"$CHARONCTL" -c "$tmp/charon.ini" session create --user bench \
    | "$PYTHON3" -c 'import json,sys;print(json.load(sys.stdin)["tokens"]["access_token"])' \
    >"$tmp/token" || die "charonctl session create failed"

export GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SCRIPT_NAME=/auth/check
HTTP_AUTHORIZATION="Bearer $(cat "$tmp/token")"
export HTTP_AUTHORIZATION
out=$("$CHARON" -c "$tmp/charon.ini" 2>"$tmp/cgi.log")
[[ $out == "Status: 200 OK"* ]] || { cat "$tmp/cgi.log" >&2; die "the CGI /check is not 200: $out"; }
[[ ! -s $tmp/cgi.log ]] || { cat "$tmp/cgi.log" >&2; die "the CGI wrote to stderr"; }

hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$tmp/h.json" \
    -n "openssl version" "openssl version" \
    -n "charon-fcgi CGI /check" "$CHARON -c $tmp/charon.ini"
"$PYTHON3" - "$tmp/h.json" "$MAX_RATIO" "$KEYSET" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
o, c = r["openssl version"], r["charon-fcgi CGI /check"]
ratio = c["mean"] / o["mean"]
print("cgi_bench (keyset %s): openssl version %.2f ms, CGI /check %.2f ms "
      "(means; medians %.2f / %.2f ms): ratio %.2f (target <= %s)"
      % (sys.argv[3], o["mean"] * 1e3, c["mean"] * 1e3, o["median"] * 1e3,
         c["median"] * 1e3, ratio, sys.argv[2]))
sys.exit(0 if ratio <= float(sys.argv[2]) else 1)
PY
