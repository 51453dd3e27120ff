/* procfs.c: the /proc readers of procfs.h. Each reads one small file with
 * one fopen; no allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

const char *
procfs_root(void)
{
	const char *r = getenv("CELLSTRESS_PROC");

	return r && *r ? r : "/proc";
}

static FILE *
open_in(const char *root, const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", root, name);
	return fopen(path, "r");
}

int
procfs_cpus(const char *root, struct proc_cpu *cpu, int max)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	char line[512];
	FILE *fp = open_in(root, "stat");
	int n = 0;

	if (fp == NULL)
		return -1;
	if (hz <= 0)
		hz = 100;
	while (fgets(line, sizeof line, fp) != NULL && n < max) {
		unsigned long long v[8];
		int id;

		if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
			continue;                       /* "cpu " is the sum; intr, ctxt... */
		if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &id, &v[0], &v[1],
		    &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 9) {
			fclose(fp);
			return -1;
		}
		cpu[n].cpu = id;
		cpu[n].user = (double)v[0] / hz;
		cpu[n].nice = (double)v[1] / hz;
		cpu[n].system = (double)v[2] / hz;
		cpu[n].idle = (double)v[3] / hz;
		cpu[n].iowait = (double)v[4] / hz;
		cpu[n].irq = (double)v[5] / hz;
		cpu[n].softirq = (double)v[6] / hz;
		cpu[n].steal = (double)v[7] / hz;
		n++;
	}
	fclose(fp);
	return n;
}

int
procfs_loadavg(const char *root, double load[3])
{
	FILE *fp = open_in(root, "loadavg");
	int n;

	if (fp == NULL)
		return -1;
	n = fscanf(fp, "%lf %lf %lf", &load[0], &load[1], &load[2]);
	fclose(fp);
	return n == 3 ? 0 : -1;
}

int
procfs_meminfo(const char *root, double *total, double *avail)
{
	char line[256];
	FILE *fp = open_in(root, "meminfo");
	unsigned long long kb;
	int got = 0;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL && got != 3) {
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
			*total = (double)kb * 1024;
			got |= 1;
		} else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			*avail = (double)kb * 1024;
			got |= 2;
		}
	}
	fclose(fp);
	return got == 3 ? 0 : -1;
}

double
procfs_rss(const char *root, const char *pid)
{
	char name[64];
	unsigned long long size, resident;
	FILE *fp;
	int n;

	snprintf(name, sizeof name, "%s/statm", pid);
	if ((fp = open_in(root, name)) == NULL)
		return -1;
	n = fscanf(fp, "%llu %llu", &size, &resident);
	fclose(fp);
	return n == 2 ? (double)resident * (double)sysconf(_SC_PAGESIZE) : -1;
}
