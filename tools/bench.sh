#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: print the benchmark table from real runs.  The figures come
# from the lkl-bench program (boot time, system call latency next to the
# host's own, memory), from dce-sim and dce-net-bench (nodes, traffic next
# to the host kernel's) and from the build itself.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/out

cd "$top/rust"
cargo build --quiet --release -p lkl-bench -p dce-sim
"$top/rust/target/release/lkl-bench"

# The ns-3-dce library under dce-sim: boot wall time and memory per node,
# the RW segment ns-3-dce copies on every node switch, idle cost.
sim="$top/rust/target/release/dce-sim"
lib="$out/lib/liblkl.so"
echo
echo "| dce-sim (liblkl.so) | value |"
echo "|---|---|"
for n in 1 10 100; do
	line=$("$sim" --library "$lib" --nodes $n --until 1 --tail 0 --stats | grep '^stats:')
	per_boot=$(echo "$line" | sed -n 's/.*(\([0-9.]*\) ms per node).*/\1/p')
	per_rss=$(echo "$line" | sed -n 's/.*(\([0-9]*\) KiB per node).*/\1/p')
	echo "| $n nodes: boot wall time per node | $per_boot ms |"
	echo "| $n nodes: peak RSS per node | $per_rss KiB |"
done
# A thousand nodes: boot, then 100 simulated seconds of idle.
line=$("$sim" --library "$lib" --nodes 1000 --until 100 --tail 0 --stats | grep '^stats:')
# "run" is the whole simulation, boot included.
run_ms=$(echo "$line" | sed -n 's/.*run \([0-9.]*\) ms wall.*/\1/p')
rss=$(echo "$line" | sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
echo "| 1000 nodes: boot wall time per node | $(echo "$line" | sed -n 's/.*(\([0-9.]*\) ms per node).*/\1/p') ms |"
echo "| 1000 nodes: peak RSS per node | $(echo "$line" | sed -n 's/.*(\([0-9]*\) KiB per node).*/\1/p') KiB |"
echo "| 1000 nodes: boot, then 100 s of idle: wall time | $(echo "scale=1; $run_ms / 1000" | bc) s |"
echo "| 1000 nodes: peak RSS | $((rss / 1024)) MiB |"
# Two idle nodes for 2 x 10^6 simulated seconds.
line=$("$sim" --library "$lib" --nodes 2 --until 2000000 --tail 0 --stats | grep '^stats:')
run_ms=$(echo "$line" | sed -n 's/.*run \([0-9.]*\) ms wall.*/\1/p')
echo "| 2 idle nodes, 2 x 10^6 s of virtual time: wall time | $(echo "scale=1; $run_ms / 1000" | bc) s |"
# ns-3-dce copies the RW PT_LOAD from the end of a PT_GNU_RELRO at its
# start; the largest objects in that range are the next levers.
phdrs=$(readelf -lW "$lib")
rwva=$(echo "$phdrs" | awk '$1 == "LOAD" && $7 ~ /W/ { print $3 }')
rw=$(echo "$phdrs" | awk '$1 == "LOAD" && $7 ~ /W/ { print $6 }')
relro=$(echo "$phdrs" | awk '$1 == "GNU_RELRO" { print $6 }')
relro=$((${relro:-0}))
echo "| RW PT_LOAD | $((rw)) bytes |"
echo "| of which RELRO (not swapped) | $relro bytes |"
echo "| swapped per node switch (copied twice by ns-3-dce) | $((rw - relro)) bytes |"
from=$((rwva + relro))
to=$((rwva + rw))
nm -S --size-sort "$lib" | while read -r addr size type name; do
	a=$((0x$addr))
	[ "$a" -ge "$from" ] && [ "$a" -lt "$to" ] && echo "$((0x$size)) $name"
done | sort -n | tail -8 | tac | while read -r size name; do
	echo "| largest swapped: \`$name\` | $size bytes |"
done
e10=$("$sim" --library "$lib" --until 10 --tail 0 | sed -n 's/^node 0: \([0-9]*\) events.*/\1/p')
e1000=$("$sim" --library "$lib" --until 1000 --tail 0 | sed -n 's/^node 0: \([0-9]*\) events.*/\1/p')
echo "| idle node: events from 10 s to 1000 s of virtual time | $((e1000 - e10)) ($(echo "scale=3; ($e1000 - $e10) / 990" | bc) per virtual second) |"

# Traffic through two simulated kernels, next to the host's own kernel
# over loopback in the same run.
echo
"$top/rust/target/release/dce-net-bench" --library "$lib"

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
