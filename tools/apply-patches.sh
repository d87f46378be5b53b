#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Apply patches/series to a kernel tree.  The tree keeps a copy of what was
# applied (.lkl-patches/); when patches/ changes, the old series is
# reverted, last patch first, and the new one applied, so that an
# incremental build follows patches/ without extracting the source again.
set -euo pipefail
src=$1
dir=$2
applied=$src/.lkl-patches
# A tree patched before the copy was kept had an empty series.
if [ -f "$src/.lkl-patches-applied" ] && [ ! -d "$applied" ]; then
	mkdir -p "$applied"
	: > "$applied/series"
fi
rm -f "$src/.lkl-patches-applied"

# The series' patch names, in order.
names() {
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		echo "$p"
	done < "$1/series"
}

# Nothing to do if the tree carries exactly this series.
same=1
if [ -d "$applied" ] && [ "$(names "$applied")" = "$(names "$dir")" ]; then
	for p in $(names "$dir"); do
		cmp -s "$dir/$p" "$applied/$p" || same=0
	done
else
	same=0
fi
[ $same = 1 ] && exit 0

if [ -d "$applied" ]; then
	for p in $(names "$applied" | tac); do
		echo "  REVERT  $p"
		patch -d "$src" -p1 -s -R < "$applied/$p"
	done
	rm -rf "$applied"
fi
mkdir -p "$applied.new"
for p in $(names "$dir"); do
	echo "  PATCH   $p"
	patch -d "$src" -p1 -s --forward < "$dir/$p"
	cp "$dir/$p" "$applied.new/"
done
cp "$dir/series" "$applied.new/series"
mv "$applied.new" "$applied"
