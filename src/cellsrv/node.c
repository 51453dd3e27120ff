/* node.c: the host cellsrv runs on, for /metrics, named as node_exporter
 * names it: each CPU's time by mode (user, nice, system, idle, iowait, irq,
 * softirq, steal: what a burstable instance out of CPU credits loses, the
 * seed's lesson), the load, the memory. Read from /proc at each scrape
 * (three small files, a few microseconds), or from the directory
 * CELLSTRESS_PROC names, which is how a test gives a real cellsrv a
 * recorded /proc/stat (tests/data/proc). */
#include <stdio.h>

#include <event2/buffer.h>

#include "cellsrv.h"
#include "procfs.h"
#include "promout.h"

#define CPUS_MAX 1024

void
node_text(struct evbuffer *b)
{
	static const char *const mode[] = { "user", "nice", "system", "idle", "iowait", "irq",
		"softirq", "steal" };
	static struct proc_cpu cpu[CPUS_MAX];
	const char *root = procfs_root();
	double load[3], total, avail;
	char labels[64];
	int n = procfs_cpus(root, cpu, CPUS_MAX), i, m;

	if (n > 0) {
		prom_head(b, "node_cpu_seconds_total", "counter",
		    "Seconds each CPU spent in each mode since boot (/proc/stat).");
		for (i = 0; i < n; i++) {
			const double v[] = { cpu[i].user, cpu[i].nice, cpu[i].system, cpu[i].idle,
				cpu[i].iowait, cpu[i].irq, cpu[i].softirq, cpu[i].steal };
			for (m = 0; m < 8; m++) {
				snprintf(labels, sizeof labels, "cpu=\"%d\",mode=\"%s\"", cpu[i].cpu, mode[m]);
				prom_val(b, "node_cpu_seconds_total", labels, v[m]);
			}
		}
	}
	if (procfs_loadavg(root, load) == 0) {
		prom_one(b, "node_load1", "gauge", "1-minute load average.", load[0]);
		prom_one(b, "node_load5", "gauge", "5-minute load average.", load[1]);
		prom_one(b, "node_load15", "gauge", "15-minute load average.", load[2]);
	}
	if (procfs_meminfo(root, &total, &avail) == 0) {
		prom_one(b, "node_memory_total_bytes", "gauge", "Memory of the host (MemTotal).", total);
		prom_one(b, "node_memory_available_bytes", "gauge",
		    "Memory available for new work without swapping (MemAvailable).", avail);
	}
}
