#!/bin/bash
# trusted_files.sh - every file the daemon trusts is read by one reader
# (lib/trusted_file.c) with one set of rules.  For each kind of file
# (base secret, raw JWT key, EdDSA public key, htpasswd, Redis password)
# charonctl check-config must accept the good file and refuse, with a
# clear message, a 0666 copy, one of a foreign owner (uid 12345), a
# symbolic link to a good file, a directory and a FIFO.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_redis/.libs:$BUILD/plugins/cred_htpasswd/.libs

make_secret
head -c 32 /dev/urandom > "$T/good.raw"
chmod 600 "$T/good.raw"
"$CTL" keygen ed25519 -o "$T/ed.priv.pem" >/dev/null
openssl pkey -in "$T/ed.priv.pem" -pubout -out "$T/good.pem" 2>/dev/null
chmod 644 "$T/good.pem"
printf 'alice:%s\n' "$(openssl passwd -6 -salt abcdefgh wonderland)" \
    > "$T/good.htpasswd"
chmod 644 "$T/good.htpasswd"
printf 'redis-password\n' > "$T/good.redispw"
chmod 600 "$T/good.redispw"
cp -p "$T/secret" "$T/good.secret"

# config KIND FILE: a config that reads FILE as KIND.
config() {
    local secret=$T/good.secret
    [ "$1" = secret ] && secret=$2
    cat <<INI
[charon]
token_issuer = https://it.test
base_secret_file = $secret
key_cache_dir = $T/keycache
INI
    case $1 in
        redispw) printf 'session_store = redis\n[store_redis]\n'
                 printf 'socket = %s/no-redis.sock\npassword_file = %s\n' \
                     "$T" "$2" ;;
        *) printf 'session_store = dummy\n' ;;
    esac
    case $1 in
        raw) printf '[token_jwt]\nsigning_key = r\nkey.r = HS256:file:%s\n' \
                 "$2" ;;
        pem) printf '[token_jwt]\nkey.default = HS256:derived\n'
             printf 'key.p = EdDSA:%s\n' "$2" ;;
        htpasswd) printf '[endpoints]\ncredentials = htpasswd\n'
                  printf '[cred_htpasswd]\nfile = %s\n' "$2" ;;
    esac
}

# check KIND FILE: charonctl check-config's exit status and output (a
# reader that opens a FIFO without O_NONBLOCK hangs: 124 after 20 s).
check() {
    config "$1" "$2" > "$T/$1.ini"
    OUT=$(timeout 20 "$CTL" check-config -c "$T/$1.ini" 2>&1)
    STATUS=$?
}

# variant KIND WHAT: makes $T/bad.KIND the WHAT variant of the good file.
variant() {
    local bad=$T/bad.$1
    rm -rf "$bad"
    case $2 in
        0666) cp -p "$T/good.$1" "$bad"; chmod 666 "$bad" ;;
        foreign) cp -p "$T/good.$1" "$bad"; chown 12345:12345 "$bad" ;;
        symlink) ln -s "$T/good.$1" "$bad" ;;
        directory) mkdir "$bad" ;;
        fifo) mkfifo -m 600 "$bad" ;;
    esac
}

for kind in secret raw pem htpasswd redispw; do
    check "$kind" "$T/good.$kind"
    expect_eq "$kind: the good file is accepted" "$STATUS" 0
    [ "$STATUS" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
    for what in 0666 foreign symlink directory fifo; do
        variant "$kind" "$what"
        case $what in
            0666) case $kind in
                      pem|htpasswd) want="writable by group or others" ;;
                      *) want="readable by group or others" ;;
                  esac ;;
            foreign) want="belongs to uid 12345" ;;
            symlink) want="symbolic link" ;;
            directory) want="directory" ;;
            fifo) want="not a regular file" ;;
        esac
        check "$kind" "$T/bad.$kind"
        if [ "$STATUS" -eq 0 ]; then
            not_ok "$kind: a $what file is refused" "$OUT"
        else
            ok "$kind: a $what file is refused"
        fi
        expect_contains "$kind: the $what refusal says why" "$OUT" "$want"
        expect_contains "$kind: the $what refusal names the file" "$OUT" \
            "$T/bad.$kind"
    done
done

finish
