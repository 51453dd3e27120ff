#!/bin/sh
# machine.sh: one line naming the machine a benchmark ran on, so figures from
# different machines of the same size are not compared as one: CPU model and
# clock, cores, memory, kernel, and whether each system call switches page
# tables (Meltdown's page-table isolation, which makes each costlier), then
# the load. `make bench-NAME` prints it first.
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mhz=$(awk -F': ' '/^cpu MHz/ { printf "%.0f", $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
pti=$(cat /sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null)
echo "machine: ${model:-unknown CPU}${mhz:+ at $mhz MHz}, $(nproc) cores, $mem GiB," \
	"Linux $(uname -r), meltdown: ${pti:-unknown}; load $(cut -d' ' -f1-3 /proc/loadavg)"
