#!/usr/bin/env bash
# Installs every Debian package charon-fcgi needs to build, test and run its
# demo. Safe to run again; needs root (or sudo) and Debian 12's apt.
set -euo pipefail

PKGS=(
  build-essential autoconf automake libtool pkg-config
  libfcgi-dev libssl-dev libjson-c-dev libinih-dev libcunit1-dev
  libhiredis-dev liblmdb-dev libcrypt-dev
  libfcgi-bin spawn-fcgi nginx lighttpd apache2 fcgiwrap redis-server
  lighttpd-modules-lua    # mod_magnet: the lighttpd demo, charon-strip-headers.lua
  curl procps openssl systemd
  python3 python3-jwt python3-cryptography
  valgrind clang libclang-rt-14-dev
  hyperfine               # bench/cgi_bench.sh
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # Debian starts a server package's service as it installs it: nginx's
  # and apache2's default sites would fight over port 80 (nginx's install
  # then fails), and redis-server would hold 6379.  The tests and the demo
  # start their own servers, so none is started here (policy-rc.d 101:
  # "action forbidden"; invoke-rc.d and deb-systemd-invoke honour it).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" > /dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
