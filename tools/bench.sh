#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: print the benchmark table from real runs.  The figures come
# from the lkl-bench program (boot time, system call latency next to the
# host's own, memory) and from the build itself.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/out

cd "$top/rust"
cargo build --quiet --release -p lkl-bench
"$top/rust/target/release/lkl-bench"

echo
echo "| build | value |"
echo "|---|---|"
if [ -f "$out/.full-build-seconds" ]; then
	echo "| kernel full build (last one, $(nproc) CPUs) | $(cat "$out/.full-build-seconds") s |"
else
	echo "| kernel full build | not measured (build started from an existing tree) |"
fi
start=$(date +%s.%N)
make -s -C "$top" ARCH=lkl kernel >/dev/null
end=$(date +%s.%N)
printf '| kernel no-op rebuild | %.1f s |\n' "$(echo "$end - $start" | bc)"
