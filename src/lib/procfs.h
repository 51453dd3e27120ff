/* procfs.h: what a host's /proc says about its CPUs, load and memory and a
 * process's resident memory, read as node_exporter reads it, for the
 * node_* metrics cellsrv serves. The root is /proc, or the directory in
 * CELLSTRESS_PROC: the hook that lets a test give a recorded /proc/stat
 * (a burstable instance losing its CPU to steal) to a real cellsrv. */
#ifndef CS_PROCFS_H
#define CS_PROCFS_H

#include <stddef.h>

/* One CPU's time since boot by mode, in seconds (node_cpu_seconds_total). */
struct proc_cpu {
	int    cpu;                                 /* N of the line "cpuN" */
	double user, nice, system, idle, iowait, irq, softirq, steal;
};

/* $CELLSTRESS_PROC, or "/proc". */
const char *procfs_root(void);

/* The per-CPU lines of ROOT/stat into cpu[0..max): the count, or -1 when
 * the file cannot be read or a cpuN line is malformed. */
int procfs_cpus(const char *root, struct proc_cpu *cpu, int max);

/* ROOT/loadavg: the 1, 5 and 15 minute load. 0, or -1. */
int procfs_loadavg(const char *root, double load[3]);

/* ROOT/meminfo: MemTotal and MemAvailable in bytes. 0, or -1. */
int procfs_meminfo(const char *root, double *total, double *avail);

/* Resident memory of process pid ("self" for this one) in bytes, from
 * ROOT/PID/statm; -1 when unknown. */
double procfs_rss(const char *root, const char *pid);

#endif
