#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the object file format the compiler produces (e.g. elf64-x86-64).
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'void lkl_probe(void) {}' > "$tmp/probe.c"
"$@" -c -o "$tmp/probe.o" "$tmp/probe.c"
objdump -f "$tmp/probe.o" | sed -n 's/.*file format \([^ ]*\).*/\1/p'
