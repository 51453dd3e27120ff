/* vpc-delete: give back the network of a run (or with -A of every run), all
 * found by the tag cellstress:run, in dependency order: security groups,
 * subnets, route tables (non-main), internet gateways (detached first), the
 * VPC; then gateways and key pairs of the run left outside any VPC.
 * DependencyViolation (network interfaces of terminated instances still
 * draining) is retried with backoff, bounded; "not found" counts as done, so
 * it is idempotent and finishes what a half-failed provision left. Refuses
 * while instances still live in a VPC: run ec2-kill first. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws-ec2.h"
#include "aws-opt.h"
#include "aws-query.h"
#include "aws-xml.h"
#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "opt.h"

static struct config {
	struct aws_opts o;          /* -r/-A, -R, -w: how long DependencyViolation is retried */
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = { { NULL, 0, NULL, 600 } };

static long long deadline;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: vpc-delete (-r run | -A) [-w wait-seconds=%lld] "
	    "[-R region=AWS-chain]\n", defaults.o.wait);
	exit(status);
}

/* A list of ids (plus one extra field each) from a Describe call. */
struct ids {
	const char *field, *extra;  /* element names under each item */
	char      (*id)[2][64];
	size_t      n, cap;
};

static void
grab(xmlNode *it, void *arg)
{
	struct ids *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->id = ereallocarray(l->id, l->cap, sizeof *l->id);
	}
	aws_text(it, l->field, l->id[l->n][0], sizeof l->id[l->n][0]);
	l->id[l->n][1][0] = '\0';
	if (l->extra != NULL)
		aws_text(it, l->extra, l->id[l->n][1], sizeof l->id[l->n][1]);
	l->n++;
}

/* Describe action's set, filtered by name=value, or by the run tag when
 * name is NULL. */
static void
list(struct aws *a, const char *action, const char *set, const char *name,
    const char *value, struct ids *l)
{
	struct aws_params p = { 0 };

	l->n = 0;
	if (name == NULL)
		aws_param_run_filter(&p, 1, cfg.o.run);
	else
		aws_param_filter(&p, 1, name, value);
	aws_each(a, action, &p, set, grab, l);
	aws_params_free(&p);
}

/* One delete-like call: done, already gone (codes in gone), or retried while
 * DependencyViolation lasts, up to the deadline. */
static void
del(struct aws *a, const char *action, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *const *gone)
{
	int delay = 1000;

	for (;;) {
		struct aws_params p = { 0 };
		struct aws_error e;
		xmlDoc *doc;

		aws_param(&p, k1, "%s", v1);
		if (k2 != NULL)
			aws_param(&p, k2, "%s", v2);
		doc = aws_try(a, action, &p, &e);
		aws_params_free(&p);
		if (doc != NULL) {
			xmlFreeDoc(doc);
			printf("%s %s\n", action, v1);
			return;
		}
		if (strcmp(e.code, "DependencyViolation") == 0 && aws_pause(&delay, deadline))
			continue;
		aws_allow(action, &e, gone);
		return;
	}
}

static const char *const gone_group[] = { "InvalidGroup.NotFound", NULL };
static const char *const gone_subnet[] = { "InvalidSubnetID.NotFound", NULL };
static const char *const gone_rt[] = { "InvalidRouteTableID.NotFound",
	"InvalidAssociationID.NotFound", NULL };
static const char *const gone_igw[] = { "InvalidInternetGatewayID.NotFound",
	"Gateway.NotAttached", NULL };
static const char *const gone_vpc[] = { "InvalidVpcID.NotFound", NULL };
static const char *const gone_key[] = { "InvalidKeyPair.NotFound", NULL };

static void
live_instances(xmlNode *res, void *arg)
{
	xmlNode *it;
	char state[32];

	for (it = aws_path(res, "instancesSet/item"); it != NULL; it = aws_next(it)) {
		aws_text(it, "instanceState/name", state, sizeof state);
		if (strcmp(state, "terminated") != 0 && strcmp(state, "shutting-down") != 0) {
			aws_text(it, "instanceId", arg, 32);
			return;
		}
	}
}

/* Route tables: associations and main flag per table. */
static void
route_tables(xmlNode *it, void *arg)
{
	struct aws *a = arg;
	xmlNode *as;
	char id[64], assoc[64], main_[16];
	int is_main = 0;

	aws_text(it, "routeTableId", id, sizeof id);
	for (as = aws_path(it, "associationSet/item"); as != NULL; as = aws_next(as)) {
		aws_text(as, "main", main_, sizeof main_);
		if (strcmp(main_, "true") == 0) {
			is_main = 1;
			continue;
		}
		aws_text(as, "routeTableAssociationId", assoc, sizeof assoc);
		if (assoc[0] != '\0')
			del(a, "DisassociateRouteTable", "AssociationId", assoc, NULL, NULL, gone_rt);
	}
	if (!is_main)
		del(a, "DeleteRouteTable", "RouteTableId", id, NULL, NULL, gone_rt);
}

static void
one_vpc(struct aws *a, const char *vpc)
{
	struct ids l = { 0 };
	struct aws_params p = { 0 };
	char busy[32] = "";
	size_t i;

	/* Live instances keep everything; that is ec2-kill's job. */
	aws_param_filter(&p, 1, "vpc-id", vpc);
	aws_each(a, "DescribeInstances", &p, "reservationSet/item", live_instances, busy);
	aws_params_free(&p);
	if (busy[0] != '\0')
		errx(1, "%s still holds instance %s (and maybe more): run ec2-kill first",
		    vpc, busy);

	l.field = "groupId";
	l.extra = "groupName";
	list(a, "DescribeSecurityGroups", "securityGroupInfo/item", "vpc-id", vpc, &l);
	for (i = 0; i < l.n; i++)
		if (strcmp(l.id[i][1], "default") != 0)
			del(a, "DeleteSecurityGroup", "GroupId", l.id[i][0], NULL, NULL, gone_group);

	l.field = "subnetId";
	l.extra = NULL;
	list(a, "DescribeSubnets", "subnetSet/item", "vpc-id", vpc, &l);
	for (i = 0; i < l.n; i++)
		del(a, "DeleteSubnet", "SubnetId", l.id[i][0], NULL, NULL, gone_subnet);

	aws_param_filter(&p, 1, "vpc-id", vpc);
	aws_each(a, "DescribeRouteTables", &p, "routeTableSet/item", route_tables, a);
	aws_params_free(&p);

	l.field = "internetGatewayId";
	list(a, "DescribeInternetGateways", "internetGatewaySet/item", "attachment.vpc-id",
	    vpc, &l);
	for (i = 0; i < l.n; i++) {
		del(a, "DetachInternetGateway", "InternetGatewayId", l.id[i][0], "VpcId", vpc,
		    gone_igw);
		del(a, "DeleteInternetGateway", "InternetGatewayId", l.id[i][0], NULL, NULL,
		    gone_igw);
	}
	del(a, "DeleteVpc", "VpcId", vpc, NULL, NULL, gone_vpc);
	free(l.id);
}

int
main(int argc, char *argv[])
{
	struct ids vpcs = { "vpcId", NULL, NULL, 0, 0 };
	struct ids l = { 0 };
	struct aws *a;
	size_t i;
	int ch;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "AhR:r:w:", cs_longopts, NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (!aws_opt(&cfg.o, ch, optarg))
			usage(stderr, 2);
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || !aws_one_selection(&cfg.o))
		usage(stderr, 2);
	a = aws_open(cfg.o.region);
	deadline = cs_now_ms() + cfg.o.wait * 1000;

	list(a, "DescribeVpcs", "vpcSet/item", NULL, NULL, &vpcs);
	for (i = 0; i < vpcs.n; i++)
		printf("vpc %s\n", vpcs.id[i][0]);
	fflush(stdout);
	for (i = 0; i < vpcs.n; i++)
		one_vpc(a, vpcs.id[i][0]);

	/* Tagged leftovers outside a VPC: a gateway created but never attached. */
	l.field = "internetGatewayId";
	l.extra = "attachmentSet/item/vpcId";
	list(a, "DescribeInternetGateways", "internetGatewaySet/item", NULL, NULL, &l);
	for (i = 0; i < l.n; i++) {
		if (l.id[i][1][0] != '\0')
			del(a, "DetachInternetGateway", "InternetGatewayId", l.id[i][0], "VpcId",
			    l.id[i][1], gone_igw);
		del(a, "DeleteInternetGateway", "InternetGatewayId", l.id[i][0], NULL, NULL,
		    gone_igw);
	}
	l.field = "keyName";
	l.extra = NULL;
	list(a, "DescribeKeyPairs", "keySet/item", NULL, NULL, &l);
	for (i = 0; i < l.n; i++)
		del(a, "DeleteKeyPair", "KeyName", l.id[i][0], NULL, NULL, gone_key);
	printf("deleted %zu vpc\n", vpcs.n);
	free(l.id);
	free(vpcs.id);
	aws_close(a);
	fshut(stdout, "<stdout>");
	return 0;
}
