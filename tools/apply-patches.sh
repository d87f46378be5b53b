#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Apply patches/series to a pristine kernel tree, once.
set -euo pipefail
src=$1
dir=$2
stamp="$src/.lkl-patches-applied"
[ -f "$stamp" ] && exit 0
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	echo "  PATCH   $p"
	patch -d "$src" -p1 -s --forward < "$dir/$p"
done < "$dir/series"
touch "$stamp"
