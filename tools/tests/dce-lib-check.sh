#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Check the ELF properties ns-3-dce's CoojaLoader needs of the kernel
# library (Documentation/dce/abi.rst, "What the library must be",
# "Checklist") and report the size of the RW segment it
# copies on every switch between nodes.  Run by "make test" (dce-lib-test).
#
#   tools/tests/dce-lib-check.sh [out/lib/liblkl.so]
#
# Exits non-zero if any property is violated.

set -u
lib=${1:-out/lib/liblkl.so}
READELF=${READELF:-readelf}
fail=0

bad() { echo "dce-lib-check: FAIL: $*" >&2; fail=1; }
ok() { echo "dce-lib-check: ok: $*"; }

[ -f "$lib" ] || { echo "dce-lib-check: $lib not found (make dce-lib)" >&2; exit 1; }
command -v "$READELF" >/dev/null 2>&1 || { echo "dce-lib-check: $READELF not found" >&2; exit 1; }

hdr=$($READELF -hW "$lib") || exit 1
phdrs=$($READELF -lW "$lib") || exit 1
dyn=$($READELF -dW "$lib") || exit 1
dsyms=$($READELF --dyn-syms -W "$lib") || exit 1
secs=$($READELF -SW "$lib") || exit 1

echo "$hdr" | grep -Eq 'Type:[[:space:]]+DYN' && ok "ET_DYN" || bad "not ET_DYN"
echo "$hdr" | grep -Eq 'Machine:[[:space:]]+Advanced Micro Devices X86-64' &&
	ok "x86-64" || bad "not x86-64"
echo "$phdrs" | grep -Eq '^[[:space:]]*DYNAMIC[[:space:]]' && ok "PT_DYNAMIC" || bad "no PT_DYNAMIC"

# No DT_NEEDED: DCE would remap it to its per-process libc emulation.
n=$(echo "$dyn" | grep -c '(NEEDED)')
[ "$n" -eq 0 ] && ok "no DT_NEEDED" || bad "$n DT_NEEDED entries: $(echo "$dyn" | grep '(NEEDED)')"

# DCE rewrites the first 4 characters of DT_SONAME.
son=$(echo "$dyn" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "${#son}" -ge 4 ] && ok "DT_SONAME $son" || bad "DT_SONAME '$son' shorter than 4 characters"

# No TLS: PT_TLS is neither swapped nor per node.
echo "$phdrs" | grep -Eq '^[[:space:]]*TLS[[:space:]]' && bad "PT_TLS present" || ok "no PT_TLS"

# Exactly one writable PT_LOAD (the one DCE swaps).
rw=$(echo "$phdrs" | awk '$1 == "LOAD" && $7 ~ /W/')
nrw=$(echo "$rw" | grep -c LOAD)
[ "$nrw" -eq 1 ] && ok "one RW PT_LOAD" || bad "$nrw writable PT_LOAD segments"

# RELRO, if any, must start where the RW PT_LOAD starts.
relro=$(echo "$phdrs" | awk '$1 == "GNU_RELRO" { print $3 }')
if [ -n "$relro" ]; then
	rwva=$(echo "$rw" | awk '{ print $3; exit }')
	[ "$relro" = "$rwva" ] && ok "PT_GNU_RELRO at the start of the RW PT_LOAD" ||
		bad "PT_GNU_RELRO at $relro, RW PT_LOAD at $rwva"
else
	ok "no PT_GNU_RELRO"
fi

# Non-executable stack.
echo "$phdrs" | awk '$1 == "GNU_STACK" && $7 ~ /E/ { e = 1 } END { exit !e }' &&
	bad "executable stack" || ok "no executable stack"

# No undefined symbols; exactly one exported symbol, sim_init.
undef=$(echo "$dsyms" | awk '$7 == "UND" && $8 != "" { print $8 }')
[ -z "$undef" ] && ok "no undefined symbols" || bad "undefined symbols: $undef"
exports=$(echo "$dsyms" | awk '$7 != "UND" && $7 != "Ndx" && $5 != "LOCAL" && $8 != "" { print $8 }' | sort -u)
[ "$exports" = "sim_init" ] && ok "exports only sim_init" ||
	bad "exported symbols: $(echo $exports)"
echo "$dsyms" | awk '$8 == "sim_init" && $4 == "FUNC" { f = 1 } END { exit !f }' ||
	bad "sim_init is not a function"

# Size of what DCE copies: .data + .bss, and the whole RW PT_LOAD.
# (readelf prints hex; mawk has no strtonum, so the shell converts.)
sz() {
	h=$(echo "$secs" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v n="$1" '$1 == n { print $5; exit }')
	echo $((0x${h:-0}))
}
data=$(sz .data)
bss=$(sz .bss)
memsz=$(($(echo "$rw" | awk '{ print $6; exit }')))
[ "$memsz" -gt 0 ] || bad "cannot read the RW PT_LOAD size"
# DCE swaps the RW PT_LOAD from the end of a PT_GNU_RELRO at its start.
relsz=$(($(echo "$phdrs" | awk '$1 == "GNU_RELRO" { print $6; exit }')))
echo "dce-lib-check: .data $data + .bss $bss = $((data + bss)) bytes;" \
	"RW PT_LOAD MemSiz $memsz bytes, RELRO $relsz;" \
	"$((memsz - relsz)) bytes copied twice per node switch"

[ "$fail" -eq 0 ] && echo "dce-lib-check: $lib: all properties hold" ||
	echo "dce-lib-check: $lib: FAILED" >&2
exit "$fail"
