#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the build prerequisites and install the missing ones with apt-get
# when running as root.  With --source, also make sure Debian's
# linux-source-6.12 tarball is present.
set -euo pipefail

tools="flex:flex bison:bison bc:bc gcc:gcc make:make xz:xz-utils perl:perl clang:clang rsync:rsync tshark:tshark"
files="/usr/include/libelf.h:libelf-dev /usr/lib/llvm-14/lib/libclang.so:libclang-dev /usr/lib/python3/dist-packages/ply:python3-ply /usr/lib/python3/dist-packages/git:python3-git"
missing=()

for t in $tools; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
done
for f in $files; do
	[ -e "${f%%:*}" ] || missing+=("${f#*:}")
done
if [ "${1:-}" = "--source" ] && [ ! -f /usr/src/linux-source-6.12.tar.xz ]; then
	missing+=(linux-source-6.12)
fi

if ! command -v cargo >/dev/null 2>&1; then
	echo "warning: cargo (the Rust toolchain) is not on PATH: the host, tests and demo need it" >&2
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing build prerequisites: ${missing[*]}" >&2
	echo "install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "  APT     ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
