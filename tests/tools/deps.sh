#!/bin/sh
# Installs the Debian packages quiescent needs to build, run the lab and run every test,
# only those that are missing (so `make run` on a ready machine never asks for root).
set -eu

PACKAGES="gcc clang make pkg-config libc6-dev
libncurses-dev libcurl4-openssl-dev libxml2-dev libssl-dev libreadline-dev
libsqlite3-dev libzip-dev libcmocka-dev
golang-go golang-github-vmware-govmomi-dev
python3 python3-pyvmomi tmux valgrind ca-certificates openssl
clang-tidy cppcheck libclang-rt-14-dev
dpkg-dev man-db lintian
chromium"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "quiescent: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "quiescent: need root to install:$missing (run 'make deps' as root)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
