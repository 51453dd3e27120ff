/* ec2-kill: terminate every instance of a run (found by its tag cellstress:run,
 * not by any local file), or with -A of every run (any instance carrying the
 * tag key), and wait until they are terminated. Lists what it terminates
 * before acting, and ends with the instance-hours per instance type and, with
 * -p PRICES (data/ec2-prices.tsv: region type usd-per-hour), the estimated
 * cost. Idempotent: nothing left to kill is success. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws-ec2.h"
#include "aws-opt.h"
#include "aws-query.h"
#include "aws-xml.h"
#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "lines.h"
#include "opt.h"

#define LIVE_STATES 5
static const char *const live[LIVE_STATES] = {
	"pending", "running", "stopping", "stopped", "shutting-down"
};

static struct config {
	struct aws_opts o;          /* -r/-A, -R, -w */
	const char     *prices;     /* price table, or NULL */
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = { { NULL, 0, NULL, 600 }, NULL };

struct inst {
	char   id[32];
	char   type[32];
	char   state[32];
	char   run[64];
	char   role[32];
	char   launched[40];
	double hours;
};

static struct inst *list;
static size_t nlist, caplist;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ec2-kill (-r run | -A) [-p prices.tsv] [-w wait-seconds=%lld] "
	    "[-R region=AWS-chain]\n", defaults.o.wait);
	exit(status);
}

/* Hours from an ISO 8601 launchTime to now; billing's 60 s minimum. */
static double
hours_since(const char *iso)
{
	struct tm tm;
	time_t t;
	double s;

	memset(&tm, 0, sizeof tm);
	if (strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	t = timegm(&tm);
	s = difftime(time(NULL), t);
	return (s < 60 ? 60 : s) / 3600.0;
}

static void
collect(xmlNode *res, void *arg)
{
	xmlNode *it;
	(void)arg;

	for (it = aws_path(res, "instancesSet/item"); it != NULL; it = aws_next(it)) {
		struct inst *x;

		if (nlist == caplist) {
			caplist = caplist ? caplist * 2 : 64;
			list = ereallocarray(list, caplist, sizeof *list);
		}
		x = &list[nlist++];
		aws_text(it, "instanceId", x->id, sizeof x->id);
		aws_text(it, "instanceType", x->type, sizeof x->type);
		aws_text(it, "instanceState/name", x->state, sizeof x->state);
		aws_text(it, "launchTime", x->launched, sizeof x->launched);
		aws_tag(it, AWS_TAG_KEY, x->run, sizeof x->run);
		aws_tag(it, AWS_ROLE_KEY, x->role, sizeof x->role);
		x->hours = hours_since(x->launched);
	}
}

/* Every instance of the run (or of any run) not yet terminated. */
static void
survey(struct aws *a)
{
	struct aws_params p = { 0 };
	int i;

	nlist = 0;
	aws_param_run_filter(&p, 1, cfg.o.run);
	aws_param(&p, "Filter.2.Name", "instance-state-name");
	for (i = 0; i < LIVE_STATES; i++) {
		char k[32];
		snprintf(k, sizeof k, "Filter.2.Value.%d", i + 1);
		aws_param(&p, k, "%s", live[i]);
	}
	aws_each(a, "DescribeInstances", &p, "reservationSet/item", collect, NULL);
	aws_params_free(&p);
}

struct hours {
	char   type[32];
	double hours;
	double usd;                 /* per hour; < 0 when not in the table */
};

static struct hours *price;     /* the table's rows for our region */
static size_t nprice;

/* Read the table (before anything is terminated: a bad table must not stop
 * a destroy half way); bad rows exit 1 with FILE:LINE. */
static void
load_prices(const char *path, const char *region)
{
	struct lines l;
	FILE *fp;
	char *line;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	lines_init(&l, fp, path, 0);
	while (lines_next(&l, &line) >= 0) {
		char *f[4], *save = NULL, *end;
		int nf = 0;
		double usd;

		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		for (char *t = strtok_r(line, " \t", &save); t != NULL;
		    t = strtok_r(NULL, " \t", &save))
			if (nf < 4)
				f[nf++] = t;
			else
				nf++;
		if (nf != 3)
			lines_die(&l, "want 3 fields (region type usd-per-hour), got %d", nf);
		usd = strtod(f[2], &end);
		if (*end != '\0' || end == f[2] || !(usd >= 0 && usd < 1000))
			lines_die(&l, "price is not a number from 0 to 1000: \"%s\"", f[2]);
		if (strcmp(f[0], region) != 0)
			continue;
		price = ereallocarray(price, nprice + 1, sizeof *price);
		snprintf(price[nprice].type, sizeof price[0].type, "%s", f[1]);
		price[nprice++].usd = usd;
	}
	lines_free(&l);
	fclose(fp);
}

int
main(int argc, char *argv[])
{
	struct hours *sum = NULL;
	size_t nsum = 0, i, j, done;
	long long deadline;
	int ch, delay = 1000;
	struct aws *a;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "Ahp:R:r:w:", cs_longopts, NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 'p')
			cfg.prices = optarg;
		else if (!aws_opt(&cfg.o, ch, optarg))
			usage(stderr, 2);
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || !aws_one_selection(&cfg.o))
		usage(stderr, 2);
	a = aws_open(cfg.o.region);
	if (cfg.prices != NULL)
		load_prices(cfg.prices, aws_config(a)->region);

	survey(a);
	for (i = 0; i < nlist; i++)
		printf("terminate %s run %s role %s type %s state %s launched %s\n",
		    list[i].id, list[i].run, list[i].role[0] ? list[i].role : "-",
		    list[i].type, list[i].state, list[i].launched);
	fflush(stdout);
	sum = ecalloc(nlist + 1, sizeof *sum);
	for (i = 0; i < nlist; i++) {
		for (j = 0; j < nsum && strcmp(sum[j].type, list[i].type) != 0; j++)
			;
		if (j == nsum)
			snprintf(sum[nsum++].type, sizeof sum[0].type, "%s", list[i].type);
		sum[j].hours += list[i].hours;
	}
	/* TerminateInstances takes up to 1000 ids a call. */
	for (i = 0; i < nlist; i += 1000) {
		struct aws_params p = { 0 };
		char k[32];
		for (j = i; j < nlist && j < i + 1000; j++) {
			snprintf(k, sizeof k, "InstanceId.%zu", j - i + 1);
			aws_param(&p, k, "%s", list[j].id);
		}
		xmlFreeDoc(aws_call(a, "TerminateInstances", &p));
		aws_params_free(&p);
	}
	done = nlist;

	/* Wait until none is left: poll from 1 s, doubling to 15 s. */
	deadline = cs_now_ms() + cfg.o.wait * 1000;
	for (;;) {
		survey(a);
		if (nlist == 0)
			break;
		if (!aws_pause(&delay, deadline))
			errx(1, "DescribeInstances: %zu instances not terminated after %lld s "
			    "(first %s, %s)", nlist, cfg.o.wait, list[0].id, list[0].state);
	}
	printf("terminated %zu\n", done);
	if (cfg.prices != NULL) {
		double th = 0, tu = 0;
		int unpriced = 0;

		for (j = 0; j < nsum; j++) {
			sum[j].usd = -1;
			for (i = 0; i < nprice; i++)
				if (strcmp(price[i].type, sum[j].type) == 0)
					sum[j].usd = price[i].usd;
			th += sum[j].hours;
			if (sum[j].usd < 0) {
				unpriced++;
				printf("hours %s %.4f usd -\n", sum[j].type, sum[j].hours);
				continue;
			}
			tu += sum[j].hours * sum[j].usd;
			printf("hours %s %.4f usd %.4f\n", sum[j].type, sum[j].hours,
			    sum[j].hours * sum[j].usd);
		}
		printf("total hours %.4f usd %.4f unpriced %d\n", th, tu, unpriced);
	} else
		for (j = 0; j < nsum; j++)
			printf("hours %s %.4f\n", sum[j].type, sum[j].hours);
	free(sum);
	free(price);
	free(list);
	aws_close(a);
	fshut(stdout, "<stdout>");
	return 0;
}
