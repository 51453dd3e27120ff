/* test-procfs.c: unit tests of src/lib/procfs.c against the recorded /proc
 * of tests/data/proc (argv[1]) and this machine's own, TAP output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "helper/testhelp.h"

/* copy FROM to DIR/stat */
static void
put_stat(const char *data, const char *dir, const char *from)
{
	char src[512], dst[512], buf[4096];
	size_t n;
	FILE *in, *out;

	snprintf(src, sizeof src, "%s/%s", data, from);
	snprintf(dst, sizeof dst, "%s/stat", dir);
	in = fopen(src, "r");
	out = fopen(dst, "w");
	if (in == NULL || out == NULL) {
		perror(in ? dst : src);
		exit(1);
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

int
main(int argc, char *argv[])
{
	struct proc_cpu a[8], b[8];
	double load[3], total, avail, stolen = 0, all = 0;
	const char *data, *dir;
	char what[128];
	int n, m, i;

	if (argc != 3) {
		fprintf(stderr, "usage: test-procfs tests/data/proc scratch-dir\n");
		return 2;
	}
	data = argv[1];
	dir = argv[2];

	put_stat(data, dir, "stat.1");
	n = procfs_cpus(dir, a, 8);
	ok(n == 2, "stat.1: the 2 cpuN lines (not the \"cpu \" sum, not intr...)");
	ok(a[0].cpu == 0 && a[1].cpu == 1, "their numbers");
	snprintf(what, sizeof what, "cpu0 user %.2f s = 2260866 ticks / USER_HZ", a[0].user);
	ok(fabs(a[0].user - 2260866.0 / (double)sysconf(_SC_CLK_TCK)) < 1e-6, what);
	put_stat(data, dir, "stat.2");
	m = procfs_cpus(dir, b, 8);
	ok(m == 2, "stat.2: 2 CPUs");
	for (i = 0; i < n && i < m; i++) {
		stolen += b[i].steal - a[i].steal;
		all += (b[i].user + b[i].nice + b[i].system + b[i].idle + b[i].iowait + b[i].irq +
		    b[i].softirq + b[i].steal) - (a[i].user + a[i].nice + a[i].system + a[i].idle +
		    a[i].iowait + a[i].irq + a[i].softirq + a[i].steal);
	}
	snprintf(what, sizeof what, "between the two: %.0f%% of the CPU stolen (%.2f of %.2f s)",
	    100 * stolen / all, stolen, all);
	ok(fabs(stolen / all - 0.30) < 1e-9, what);
	ok(procfs_cpus(dir, a, 1) == 1, "max: at most that many CPUs");

	ok(procfs_loadavg(data, load) == 0 && load[0] == 3.87 && load[2] == 2.64, "loadavg: 3.87 3.12 2.64");
	ok(procfs_meminfo(data, &total, &avail) == 0 && total == 3959184.0 * 1024 &&
	    avail == 1874120.0 * 1024, "meminfo: MemTotal and MemAvailable, in bytes");
	ok(procfs_rss("/proc", "self") > 100 * 1024, "this process's RSS from /proc/self/statm");
	ok(procfs_rss(data, "4242") < 0, "no such process: -1");
	ok(procfs_loadavg(dir, load) < 0 && procfs_meminfo(dir, &total, &avail) < 0,
	    "files missing: -1");
	{
		char p[512];
		FILE *fp;
		snprintf(p, sizeof p, "%s/stat", dir);
		fp = fopen(p, "w");
		fputs("cpu  1 2 3\ncpu0 1 2 x 4 5 6 7 8 0 0\n", fp);
		fclose(fp);
		ok(procfs_cpus(dir, a, 8) == -1, "a malformed cpuN line: -1");
	}
	setenv("CELLSTRESS_PROC", dir, 1);
	ok(strcmp(procfs_root(), dir) == 0, "CELLSTRESS_PROC names the root");
	unsetenv("CELLSTRESS_PROC");
	ok(strcmp(procfs_root(), "/proc") == 0, "else /proc");
	return done_testing();
}
