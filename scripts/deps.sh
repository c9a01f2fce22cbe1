#!/usr/bin/env bash
# Installs every Debian package charon-fcgi needs to build, test and run its
# demo. Safe to run again; needs root (or sudo) and Debian 12's apt.
set -euo pipefail

PKGS=(
  build-essential autoconf automake libtool pkg-config
  libfcgi-dev libssl-dev libjson-c-dev libinih-dev libcunit1-dev
  libhiredis-dev liblmdb-dev libcrypt-dev
  libfcgi-bin spawn-fcgi nginx redis-server curl procps openssl systemd
  python3 python3-jwt python3-cryptography
  valgrind clang libclang-rt-14-dev
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
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
