/* vpc-make: the network of a run on EC2, as the seed built it with boto: VPC
 * 10.0.0.0/16 (DNS hostnames on), an internet gateway, a public subnet
 * 10.0.1.0/24 routed 0.0.0.0/0 -> gateway, a private subnet 10.0.2.0/24, and
 * one security group: ssh only from the operator's CIDR, all traffic between
 * its members. Every resource is tagged cellstress:run=RUN when created, and
 * found by that tag first, so a second run (after a half-failed one) reuses
 * what exists instead of creating it twice. Prints "key id" lines. */
#include <arpa/inet.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws-ec2.h"
#include "aws-opt.h"
#include "aws-query.h"
#include "aws-xml.h"
#include "fshut.h"
#include "num.h"
#include "opt.h"

#define VPC_CIDR     "10.0.0.0/16"
#define PUBLIC_CIDR  "10.0.1.0/24"
#define PRIVATE_CIDR "10.0.2.0/24"

static struct config {
	struct aws_opts o;          /* -r run id (the value of the tag), -R region */
	const char *cidr;           /* operator's CIDR, the only ssh source */
	const char *zone;           /* availability zone, NULL: EC2 picks */
} cfg;

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: vpc-make -r run -c operator-cidr [-R region=AWS-chain] [-z zone]\n");
	exit(status);
}

struct found {
	const char *field;          /* id element, e.g. "vpcId" */
	char        id[64];         /* the first one found */
	char        extra[64];      /* zone of a subnet / gateway's attached vpc */
	int         n;
};

static void
take(xmlNode *it, void *arg)
{
	struct found *f = arg;

	if (f->n++ == 0) {
		aws_text(it, f->field, f->id, sizeof f->id);
		if (strcmp(f->field, "subnetId") == 0)
			aws_text(it, "availabilityZone", f->extra, sizeof f->extra);
		if (strcmp(f->field, "internetGatewayId") == 0)
			aws_text(it, "attachmentSet/item/vpcId", f->extra, sizeof f->extra);
	}
}

/* The first resource of action tagged with the run (and filter name=value
 * when name is not NULL): its id in f->id, "" when there is none. */
static void
find(struct aws *a, const char *action, const char *set, const char *field,
    const char *name, const char *value, struct found *f)
{
	memset(f, 0, sizeof *f);
	f->field = field;
	aws_each_run(a, action, set, cfg.o.run, name, value, take, f);
	if (f->n > 1)
		warnx("%s: %d resources tagged %s=%s, using %s", action, f->n,
		    AWS_TAG_KEY, cfg.o.run, f->id);
}

/* Call action and copy the text at path of its answer into id. */
static void
create(struct aws *a, const char *action, struct aws_params *p, const char *path,
    char *id, size_t len)
{
	xmlDoc *doc = aws_call_fresh(a, action, p);

	aws_text(xmlDocGetRootElement(doc), path, id, len);
	xmlFreeDoc(doc);
	if (id[0] == '\0')
		errx(1, "%s: no %s in the answer", action, path);
	aws_params_free(p);
}

static void
subnet(struct aws *a, const char *vpc, const char *cidr, const char *zone,
    const char *role, struct found *f)
{
	struct aws_params p = { 0 };
	char name[96];
	xmlDoc *doc;

	find(a, "DescribeSubnets", "subnetSet/item", "subnetId", "cidr-block", cidr, f);
	if (f->id[0] != '\0')
		return;
	snprintf(name, sizeof name, "cellstress-%s-%s", cfg.o.run, role);
	aws_param(&p, "VpcId", "%s", vpc);
	aws_param(&p, "CidrBlock", "%s", cidr);
	if (zone != NULL && *zone != '\0')
		aws_param(&p, "AvailabilityZone", "%s", zone);
	aws_param_tags(&p, 1, "subnet", cfg.o.run, name);
	doc = aws_call_fresh(a, "CreateSubnet", &p);
	aws_text(xmlDocGetRootElement(doc), "subnet/subnetId", f->id, sizeof f->id);
	aws_text(xmlDocGetRootElement(doc), "subnet/availabilityZone", f->extra, sizeof f->extra);
	xmlFreeDoc(doc);
	aws_params_free(&p);
	if (f->id[0] == '\0')
		errx(1, "CreateSubnet: no subnet id in the answer");
	f->n = 1;
}

/* An ingress rule; InvalidPermission.Duplicate means it is there already. */
static void
ingress(struct aws *a, const char *group, const char *proto, int port,
    const char *cidr, const char *peer)
{
	static const char *const dup[] = { "InvalidPermission.Duplicate", NULL };
	struct aws_params p = { 0 };
	struct aws_error e;
	xmlDoc *doc;

	aws_param(&p, "GroupId", "%s", group);
	aws_param(&p, "IpPermissions.1.IpProtocol", "%s", proto);
	if (port > 0) {
		aws_param(&p, "IpPermissions.1.FromPort", "%d", port);
		aws_param(&p, "IpPermissions.1.ToPort", "%d", port);
	}
	if (cidr != NULL)
		aws_param(&p, "IpPermissions.1.IpRanges.1.CidrIp", "%s", cidr);
	if (peer != NULL)
		aws_param(&p, "IpPermissions.1.Groups.1.GroupId", "%s", peer);
	if ((doc = aws_try_fresh(a, "AuthorizeSecurityGroupIngress", &p, &e)) == NULL)
		aws_allow("AuthorizeSecurityGroupIngress", &e, dup);
	xmlFreeDoc(doc);
	aws_params_free(&p);
}

static void
check_cidr(const char *s)
{
	char addr[64];
	const char *slash = strchr(s, '/'), *e;
	struct in_addr in;
	long long bits;

	if (slash == NULL || (size_t)(slash - s) >= sizeof addr)
		errx(2, "-c: not an IPv4 CIDR (a.b.c.d/n): \"%s\"", s);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	bits = cs_strtonum(slash + 1, 0, 32, &e);
	if (e != NULL || inet_pton(AF_INET, addr, &in) != 1)
		errx(2, "-c: not an IPv4 CIDR (a.b.c.d/n): \"%s\"", s);
	if (bits == 0)
		errx(2, "-c: %s would open ssh to every address; give the operator's "
		    "own network (e.g. 203.0.113.7/32)", s);
}

int
main(int argc, char *argv[])
{
	struct aws_params p = { 0 };
	struct found vpc, igw, pub, priv, rt, sg;
	struct aws *a;
	char name[96];
	int ch;

	while ((ch = getopt_long(argc, argv, "c:hR:r:z:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfg.cidr = optarg;
			break;
		case 'z':
			cfg.zone = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			if (!aws_opt(&cfg.o, ch, optarg))
				usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || cfg.o.run == NULL || cfg.cidr == NULL)
		usage(stderr, 2);
	check_cidr(cfg.cidr);
	a = aws_open(cfg.o.region);

	/* VPC, DNS hostnames on. */
	find(a, "DescribeVpcs", "vpcSet/item", "vpcId", NULL, NULL, &vpc);
	if (vpc.id[0] == '\0') {
		snprintf(name, sizeof name, "cellstress-%s", cfg.o.run);
		aws_param(&p, "CidrBlock", VPC_CIDR);
		aws_param_tags(&p, 1, "vpc", cfg.o.run, name);
		create(a, "CreateVpc", &p, "vpc/vpcId", vpc.id, sizeof vpc.id);
	}
	aws_param(&p, "VpcId", "%s", vpc.id);
	aws_param(&p, "EnableDnsHostnames.Value", "true");
	xmlFreeDoc(aws_call_fresh(a, "ModifyVpcAttribute", &p));
	aws_params_free(&p);

	/* Internet gateway, attached. */
	find(a, "DescribeInternetGateways", "internetGatewaySet/item", "internetGatewayId",
	    NULL, NULL, &igw);
	if (igw.id[0] == '\0') {
		snprintf(name, sizeof name, "cellstress-%s", cfg.o.run);
		aws_param_tags(&p, 1, "internet-gateway", cfg.o.run, name);
		create(a, "CreateInternetGateway", &p, "internetGateway/internetGatewayId",
		    igw.id, sizeof igw.id);
	}
	if (strcmp(igw.extra, vpc.id) != 0) {
		aws_param(&p, "InternetGatewayId", "%s", igw.id);
		aws_param(&p, "VpcId", "%s", vpc.id);
		xmlFreeDoc(aws_call_fresh(a, "AttachInternetGateway", &p));
		aws_params_free(&p);
	}

	/* Subnets, both in the public one's zone. */
	subnet(a, vpc.id, PUBLIC_CIDR, cfg.zone, "public", &pub);
	subnet(a, vpc.id, PRIVATE_CIDR, pub.extra[0] ? pub.extra : cfg.zone, "private", &priv);

	/* Route table of the public subnet: 0.0.0.0/0 -> gateway. */
	find(a, "DescribeRouteTables", "routeTableSet/item", "routeTableId", NULL, NULL, &rt);
	if (rt.id[0] == '\0') {
		snprintf(name, sizeof name, "cellstress-%s-public", cfg.o.run);
		aws_param(&p, "VpcId", "%s", vpc.id);
		aws_param_tags(&p, 1, "route-table", cfg.o.run, name);
		create(a, "CreateRouteTable", &p, "routeTable/routeTableId", rt.id, sizeof rt.id);
	}
	{
		static const char *const exists[] = { "RouteAlreadyExists", NULL };
		static const char *const assoc[] = { "Resource.AlreadyAssociated", NULL };
		struct aws_error e;
		xmlDoc *doc;

		aws_param(&p, "RouteTableId", "%s", rt.id);
		aws_param(&p, "DestinationCidrBlock", "0.0.0.0/0");
		aws_param(&p, "GatewayId", "%s", igw.id);
		if ((doc = aws_try_fresh(a, "CreateRoute", &p, &e)) == NULL)
			aws_allow("CreateRoute", &e, exists);
		xmlFreeDoc(doc);
		aws_params_free(&p);
		aws_param(&p, "RouteTableId", "%s", rt.id);
		aws_param(&p, "SubnetId", "%s", pub.id);
		if ((doc = aws_try_fresh(a, "AssociateRouteTable", &p, &e)) == NULL)
			aws_allow("AssociateRouteTable", &e, assoc);
		xmlFreeDoc(doc);
		aws_params_free(&p);
	}

	/* Security group: ssh from the operator, everything between members. */
	find(a, "DescribeSecurityGroups", "securityGroupInfo/item", "groupId", "vpc-id",
	    vpc.id, &sg);
	if (sg.id[0] == '\0') {
		snprintf(name, sizeof name, "cellstress-%s", cfg.o.run);
		aws_param(&p, "GroupName", "%s", name);
		aws_param(&p, "GroupDescription", "cellstress run %s: ssh from the operator, "
		    "all traffic between members", cfg.o.run);
		aws_param(&p, "VpcId", "%s", vpc.id);
		aws_param_tags(&p, 1, "security-group", cfg.o.run, name);
		create(a, "CreateSecurityGroup", &p, "groupId", sg.id, sizeof sg.id);
	}
	ingress(a, sg.id, "tcp", 22, cfg.cidr, NULL);
	ingress(a, sg.id, "-1", 0, NULL, sg.id);

	printf("vpc %s\n", vpc.id);
	printf("gateway %s\n", igw.id);
	printf("public-subnet %s\n", pub.id);
	printf("private-subnet %s\n", priv.id);
	printf("route-table %s\n", rt.id);
	printf("group %s\n", sg.id);
	printf("zone %s\n", pub.extra[0] ? pub.extra : (cfg.zone ? cfg.zone : "-"));
	aws_close(a);
	fshut(stdout, "<stdout>");
	return 0;
}
