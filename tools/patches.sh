#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make patches: the port as a git format-patch series against the pristine
# 6.12 tree (Debian's linux-source-6.12), with a cover letter:
#
#   first  the generic patches of patches/series, as they are
#   then   lkl: add an architecture to run Linux as a library  (arch/lkl)
#          lkl: mount procfs at /proc during the boot          (its own patch)
#          tools/lkl: add a host for ns-3-dce                   (tools/lkl/dce)
#
# make patches-check: applies the series with git am to a fresh copy of
# the pristine tree, checks that the result is exactly the source the main
# build compiles (arch/lkl = arch-dce/, tools/lkl/dce = the DCE host), and
# runs checkpatch.pl --strict on every patch: any error fails.
#
# Usage: patches.sh {series|check|build} TARBALL
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=$1
tarball=$2
out=$top/out/patches
tree=$out/tree
series=$out/series
msgs=$top/tools/patches

export GIT_AUTHOR_NAME="LKL DCE developers" GIT_AUTHOR_EMAIL="dev@lkl-dce.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
# Fixed dates: the same sources give the same patches.
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
git_t() { git -C "$tree" -c core.autocrlf=false -c advice.detachedHead=false "$@"; }

# The pristine tree as a git repository, committed once and tagged "base".
base_tree() {
	if [ -f "$out/.base" ] && [ "$out/.base" -nt "$tarball" ]; then
		return
	fi
	echo "  PRISTINE $tarball"
	rm -rf "$tree" "$out/.base"
	mkdir -p "$out/extract"
	tar -C "$out/extract" -xf "$tarball"
	mv "$out/extract"/linux-source-6.12 "$tree"
	rmdir "$out/extract"
	git_t init -q
	git_t add -A -f
	git_t commit -q -m "Linux 6.12 (Debian linux-source-6.12)"
	git_t tag -f base >/dev/null
	touch "$out/.base"
}

fresh_branch() {
	git_t checkout -q -f -B "$1" base
	git_t clean -q -fdx
}

# Removes one exact, whole line from a file; fails if it is not there.
drop_line() {
	local file=$1 line=$2
	grep -qxF -- "$line" "$file" || { echo "patches: '$line' not in $file" >&2; exit 1; }
	grep -vxF -- "$line" "$file" > "$file.tmp"
	mv "$file.tmp" "$file"
}

# arch-dce as of patch 1: without the /proc mount of patch 2.
arch_without_proc() {
	local a=$tree/arch/lkl
	rm -f "$a/kernel/proc.c"
	drop_line "$a/kernel/Makefile" 'obj-$(CONFIG_PROC_FS) += proc.o'
}

copy_arch() {
	rm -rf "$tree/arch/lkl"
	mkdir -p "$tree/arch/lkl"
	cp -a "$top/arch-dce/." "$tree/arch/lkl/"
}

copy_dce_host() {
	local d=$tree/tools/lkl/dce
	rm -rf "$d"
	mkdir -p "$d/include"
	cp -a "$top"/include/sim.h "$top"/include/sim-init.h "$top"/include/sim-types.h "$d/include/"
	for crate in lkl-sys dce-abi lkl-dce; do
		mkdir -p "$d/$crate"
		(cd "$top/rust/$crate" && git -C "$top" ls-files -z "rust/$crate" |
			sed -z "s|^rust/$crate/||" | xargs -0 cp --parents -t "$d/$crate")
	done
	# lkl-sys's build script runs bindgen through it.
	mkdir -p "$d/build-support"
	cp -a "$top/rust/build-support/bindings.rs" "$d/build-support/"
	sed -e 's/^members = .*/members = ["lkl-sys", "dce-abi", "lkl-dce"]/' \
	    -e '/^lkl-posix-host = /d' \
	    "$top/rust/Cargo.toml" > "$d/Cargo.toml"
	cat > "$d/README" <<'TXT'
A host for ns-3-dce (Direct Code Execution): liblkl.so = lkl.o + lkl-dce.

Build the kernel first (make ARCH=lkl O=<kbuild> defconfig all) and
install its headers renamed LKL-style (lkl.h and lkl/, made by
arch/lkl/scripts/headers_install.py and syscall_defs.py from
headers_install's output, as the project's Makefile target "headers"
does), then, from this directory, with a Rust toolchain and libclang:

  LKL_INCLUDE=<absolute path of the installed headers> \
  DCE_SIM_INCLUDE=$PWD/include \
  cargo build --profile dce-lib -p lkl-dce

(relative paths in these variables are taken from each crate's own
directory, so give them absolute).

and link target/dce-lib/liblkl_dce.a with <kbuild>/lkl.o into a shared
object that exports only sim_init (see the Makefile of the project this
series comes from, target dce-lib).  ns-3-dce loads it as liblinux.so
or libsim-linux.so; the ABI is described in include/sim-init.h.
TXT
}

commit_all() {
	local msg=$1
	git_t add -A -f
	git_t commit -q -F "$msg"
}

# The patches of patches/series, in order.
generic_patches() {
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		echo "$top/patches/$p"
	done < "$top/patches/series"
}

# The series' patches, in order, without the cover letter.
series_patches() {
	find "$series" -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort
}

make_series() {
	base_tree
	fresh_branch lkl
	for p in $(generic_patches); do
		git_t am -q "$p"
	done
	copy_arch
	arch_without_proc
	commit_all "$msgs/0001-arch.msg"
	copy_arch
	commit_all "$msgs/0002-proc.msg"
	copy_dce_host
	commit_all "$msgs/0003-dce.msg"
	rm -rf "$series"
	git_t format-patch -q --cover-letter -o "$series" base..lkl
	python3 - "$series"/0000-cover-letter.patch "$msgs/cover.msg" <<'PY'
import sys
p, msg = sys.argv[1], open(sys.argv[2]).read()
subject, _, body = msg.partition('\n\n')
s = open(p).read()
s = s.replace('*** SUBJECT HERE ***', subject.strip())
s = s.replace('*** BLURB HERE ***', body.strip())
open(p, 'w').write(s)
PY
	echo "  SERIES  $series ($(ls "$series" | wc -l) files)"
}

check_series() {
	[ -d "$series" ] || { echo "patches: no series; run make patches" >&2; exit 1; }
	base_tree
	fresh_branch check
	# shellcheck disable=SC2046 # one argument per file name
	git_t am -q $(series_patches)
	echo "  GIT-AM  $(series_patches | wc -l) patches applied to the pristine tree"
	# The result is what the main build compiles.
	diff -r "$top/arch-dce" "$tree/arch/lkl"
	for crate in lkl-sys dce-abi lkl-dce build-support/bindings.rs; do
		git -C "$top" ls-files "rust/$crate" | while read -r f; do
			cmp -s "$top/$f" "$tree/tools/lkl/dce/${f#rust/}" ||
				{ echo "patches: tools/lkl/dce/${f#rust/} differs from $f" >&2; exit 1; }
		done
	done
	echo "  SAME    arch/lkl and tools/lkl/dce equal the sources"
	local errors=0 p res
	for p in $(series_patches); do
		# Debian's python3 has python3-ply for checkpatch's SPDX check.
		res=$(PATH=/usr/bin:$PATH "$tree/scripts/checkpatch.pl" --strict --root="$tree" "$p" |
			grep '^total:' || true)
		res=${res:-total: ? errors}
		echo "  CHECK   $(basename "$p"): ${res#total: }"
		case $res in
		"total: 0 errors"*) ;;
		*) errors=1 ;;
		esac
	done
	[ $errors = 0 ] || { echo "patches: checkpatch found errors" >&2; exit 1; }
}

build_series() {
	check_series
	echo "  BUILD   the patched tree (ARCH=lkl defconfig all)"
	make -s -C "$tree" ARCH=lkl O="$out/kbuild" defconfig >/dev/null
	make -s -C "$tree" ARCH=lkl O="$out/kbuild" -j"$(nproc)" all
	ls -l "$out/kbuild/lkl.o"
}

case $mode in
series) make_series ;;
check) check_series ;;
build) build_series ;;
*) echo "usage: $0 {series|check|build} TARBALL" >&2; exit 2 ;;
esac
