/* ec2-run: the machines of a run, in the network vpc-make built (found by
 * the run's tag): one bastion in the public subnet at 10.0.1.11 with a public
 * address, and HOSTS cell hosts in the private subnet at 10.0.2.20... with
 * none. Imports the operator's ssh public key as key pair cellstress-RUN if
 * it is missing. Instances already there (found by tag and role) are kept;
 * each launch carries ClientToken cellstress-RUN-ROLE (-N for the Nth
 * replacement of a terminated one), so a retried call never launches twice. Waits until all run, then prints the inventory:
 * "name addr cell lo hi instance-id public-addr" (the bastion as a comment). */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aws-ec2.h"
#include "aws-opt.h"
#include "aws-query.h"
#include "aws-xml.h"
#include "cells.h"
#include "clock.h"
#include "ealloc.h"
#include "fshut.h"
#include "invwrite.h"
#include "num.h"
#include "opt.h"

#define MAX_HOSTS   235         /* 10.0.2.20 .. 10.0.2.254 */
#define BASTION_IP  "10.0.1.11"
#define DEBIAN_OWNER "136693071363"   /* Debian's official AMI account */
#define DEBIAN_NAME  "debian-12-amd64-*"

static struct config {
	struct aws_opts o;          /* -r run, -R region, -w seconds to wait for "running" */
	long long   hosts;
	long long   users;
	const char *key;            /* ssh public key file ("~/" is $HOME/) */
	const char *type;           /* cell host instance type */
	const char *btype;          /* bastion instance type */
	const char *ami;            /* NULL: newest Debian 12 amd64 */
	int         spot;
} cfg;

/* What cfg starts as, and what usage() shows. */
static const struct config defaults = { { NULL, 0, NULL, 600 }, 0, 0,
	"~/.ssh/id_ed25519.pub", "c5.large", "t3.micro", NULL, 0 };

struct inst {
	char id[32];
	char state[32];
	char priv[48];
	char pub[48];
	char type[32];
	char dead[32];              /* a terminated instance of the role, if seen */
	int  ndead;                 /* how many of those are still listed */
};

static struct inst *roles;      /* roles[0] bastion, roles[k] host k */
static char (*launched)[32];    /* ids this call launched, by role */

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: ec2-run -r run -n hosts -u users [-k pubkey=%s] [-t type=%s] "
	    "[-T bastion-type=%s] [-a ami=newest-debian-12] [-s] [-w wait-seconds=%lld] "
	    "[-R region=AWS-chain]\n",
	    defaults.key, defaults.type, defaults.btype, defaults.o.wait);
	exit(status);
}

static void
role_name(long long k, char *buf, size_t len)
{
	if (k == 0)
		snprintf(buf, len, "bastion");
	else
		snprintf(buf, len, "h%02lld", k);
}

static void
private_ip(long long k, char *buf, size_t len)
{
	if (k == 0)
		snprintf(buf, len, BASTION_IP);
	else
		snprintf(buf, len, "10.0.2.%lld", 19 + k);
}

/* Record a live instance of the run under its role. */
static void
note(xmlNode *res, void *arg)
{
	xmlNode *it;
	(void)arg;

	for (it = aws_path(res, "instancesSet/item"); it != NULL; it = aws_next(it)) {
		char role[32], state[32];
		long long k;
		const char *e;

		aws_tag(it, AWS_ROLE_KEY, role, sizeof role);
		aws_text(it, "instanceState/name", state, sizeof state);
		if (strcmp(role, "bastion") == 0)
			k = 0;
		else if (role[0] == 'h' && (k = cs_strtonum(role + 1, 1, cfg.hosts, &e), e == NULL))
			;
		else
			continue;       /* another size of run, or not ours */
		if (strcmp(state, "terminated") == 0 || strcmp(state, "shutting-down") == 0) {
			aws_text(it, "instanceId", roles[k].dead, sizeof roles[k].dead);
			roles[k].ndead++;
			continue;
		}
		if (roles[k].id[0] != '\0') {
			char other[32];
			aws_text(it, "instanceId", other, sizeof other);
			warnx("role %s has two instances, %s and %s; using the first",
			    role, roles[k].id, other);
			continue;
		}
		aws_text(it, "instanceId", roles[k].id, sizeof roles[k].id);
		snprintf(roles[k].state, sizeof roles[k].state, "%s", state);
		aws_text(it, "privateIpAddress", roles[k].priv, sizeof roles[k].priv);
		aws_text(it, "ipAddress", roles[k].pub, sizeof roles[k].pub);
		aws_text(it, "instanceType", roles[k].type, sizeof roles[k].type);
	}
}

static void
survey(struct aws *a)
{
	long long k;

	for (k = 0; k <= cfg.hosts; k++)
		memset(&roles[k], 0, sizeof roles[k]);
	aws_each_run(a, "DescribeInstances", "reservationSet/item", cfg.o.run, NULL, NULL,
	    note, NULL);
}

struct idfind {
	char id[64];
	char when[64];              /* creationDate, newest wins (images) */
};

static void
take_subnet(xmlNode *it, void *arg)
{
	aws_text(it, "subnetId", ((struct idfind *)arg)->id, sizeof ((struct idfind *)arg)->id);
}

static void
take_group(xmlNode *it, void *arg)
{
	aws_text(it, "groupId", ((struct idfind *)arg)->id, sizeof ((struct idfind *)arg)->id);
}

static void
take_image(xmlNode *it, void *arg)
{
	struct idfind *f = arg;
	char when[64];

	aws_text(it, "creationDate", when, sizeof when);
	if (f->id[0] == '\0' || strcmp(when, f->when) > 0) {
		aws_text(it, "imageId", f->id, sizeof f->id);
		snprintf(f->when, sizeof f->when, "%s", when);
	}
}

/* A resource of the run by tag (and cidr-block when cidr is not NULL). */
static void
by_tag(struct aws *a, const char *action, const char *set, const char *cidr,
    void (*fn)(xmlNode *, void *), char *id, size_t len)
{
	struct idfind f = { "", "" };

	aws_each_run(a, action, set, cfg.o.run, cidr != NULL ? "cidr-block" : NULL, cidr,
	    fn, &f);
	if (f.id[0] == '\0')
		errx(1, "%s: nothing tagged %s=%s%s%s: run vpc-make first", action,
		    AWS_TAG_KEY, cfg.o.run, cidr ? " with cidr " : "", cidr ? cidr : "");
	snprintf(id, len, "%s", f.id);
}

static void
default_ami(struct aws *a, char *id, size_t len)
{
	struct aws_params p = { 0 };
	struct idfind f = { "", "" };

	aws_param(&p, "Owner.1", DEBIAN_OWNER);
	aws_param_filter(&p, 1, "name", DEBIAN_NAME);
	aws_param_filter(&p, 2, "architecture", "x86_64");
	aws_param_filter(&p, 3, "state", "available");
	aws_each(a, "DescribeImages", &p, "imagesSet/item", take_image, &f);
	aws_params_free(&p);
	if (f.id[0] == '\0')
		errx(1, "DescribeImages: no image %s of owner %s in region %s; give one with -a",
		    DEBIAN_NAME, DEBIAN_OWNER, aws_config(a)->region);
	snprintf(id, len, "%s", f.id);
}

/* The public key file: one line "type base64 [comment]". */
static char *
read_key(const char *path)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	if ((n = getline(&line, &cap, fp)) < 0)
		errx(1, "%s:1: empty key file", path);
	fclose(fp);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n > 16384 || (strncmp(line, "ssh-", 4) != 0 && strncmp(line, "ecdsa-", 6) != 0))
		errx(1, "%s:1: not an ssh public key (want \"ssh-ed25519 AAAA...\")", path);
	return line;
}

/* Key pair cellstress-RUN, imported from the key file unless it exists. */
static void
key_pair(struct aws *a, const char *name)
{
	static const char *const missing[] = { "InvalidKeyPair.NotFound", NULL };
	struct aws_params p = { 0 };
	struct aws_error e;
	xmlDoc *doc;
	char *key, *b64;
	size_t n;

	aws_param(&p, "KeyName.1", "%s", name);
	doc = aws_try(a, "DescribeKeyPairs", &p, &e);
	aws_params_free(&p);
	if (doc != NULL) {
		int found = aws_path(xmlDocGetRootElement(doc), "keySet/item") != NULL;
		xmlFreeDoc(doc);
		if (found)
			return;
	} else
		aws_allow("DescribeKeyPairs", &e, missing);
	key = read_key(cfg.key);
	n = strlen(key);
	b64 = emalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)key, (int)n);
	aws_param(&p, "KeyName", "%s", name);
	aws_param(&p, "PublicKeyMaterial", "%s", b64);
	aws_param_tags(&p, 1, "key-pair", cfg.o.run, name);
	xmlFreeDoc(aws_call(a, "ImportKeyPair", &p));
	aws_params_free(&p);
	free(b64);
	free(key);
}

static void
launch(struct aws *a, long long k, const char *ami, const char *subnet, const char *group,
    const char *keyname)
{
	struct aws_params p = { 0 };
	char role[32], ip[48], name[96], state[32], token[96];
	xmlDoc *doc;
	xmlNode *it;

	role_name(k, role, sizeof role);
	private_ip(k, ip, sizeof ip);
	snprintf(name, sizeof name, "cellstress-%s-%s", cfg.o.run, role);
	aws_param(&p, "ImageId", "%s", ami);
	aws_param(&p, "InstanceType", "%s", k == 0 ? cfg.btype : cfg.type);
	aws_param(&p, "MinCount", "1");
	aws_param(&p, "MaxCount", "1");
	aws_param(&p, "KeyName", "%s", keyname);
	/* The token of a role's first launch is cellstress-RUN-ROLE; a role whose
	 * instance was terminated (and is still listed) gets -N appended, N the
	 * number of such instances: a replacement, yet a retried call is the
	 * same call. */
	if (roles[k].ndead == 0)
		snprintf(token, sizeof token, "cellstress-%s-%s", cfg.o.run, role);
	else
		snprintf(token, sizeof token, "cellstress-%s-%s-%d", cfg.o.run, role,
		    roles[k].ndead);
	aws_param(&p, "ClientToken", "%s", token);
	aws_param(&p, "NetworkInterface.1.DeviceIndex", "0");
	aws_param(&p, "NetworkInterface.1.SubnetId", "%s", subnet);
	aws_param(&p, "NetworkInterface.1.PrivateIpAddress", "%s", ip);
	aws_param(&p, "NetworkInterface.1.AssociatePublicIpAddress", "%s", k == 0 ? "true" : "false");
	aws_param(&p, "NetworkInterface.1.SecurityGroupId.1", "%s", group);
	aws_param(&p, "NetworkInterface.1.DeleteOnTermination", "true");
	aws_param_tags(&p, 1, "instance", cfg.o.run, name);
	aws_param(&p, "TagSpecification.1.Tag.3.Key", AWS_ROLE_KEY);
	aws_param(&p, "TagSpecification.1.Tag.3.Value", "%s", role);
	aws_param_tags(&p, 2, "volume", cfg.o.run, name);
	if (cfg.spot) {
		aws_param(&p, "InstanceMarketOptions.MarketType", "spot");
		aws_param(&p, "InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time");
		aws_param(&p, "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior",
		    "terminate");
	}
	doc = aws_call_fresh(a, "RunInstances", &p);
	aws_params_free(&p);
	it = aws_path(xmlDocGetRootElement(doc), "instancesSet/item");
	if (it == NULL)
		errx(1, "RunInstances: %s: no instance in the answer", role);
	aws_text(it, "instanceId", roles[k].id, sizeof roles[k].id);
	snprintf(launched[k], sizeof launched[k], "%s", roles[k].id);
	aws_text(it, "instanceState/name", state, sizeof state);
	xmlFreeDoc(doc);
	if (strcmp(state, "terminated") == 0 || strcmp(state, "shutting-down") == 0)
		errx(1, "RunInstances: ClientToken %s already belongs to %s instance %s: "
		    "use a new run id", token, state, roles[k].id);
	fprintf(stderr, "ec2-run: launched %s %s %s\n", role, roles[k].id, ip);
}

int
main(int argc, char *argv[])
{
	char ami[64], pub[64], priv[64], group[64], keyname[64], role[32], *keydef = NULL, *what;
	long long k, deadline;
	int ch, delay = 1000, pending;
	struct aws *a;
	const char *why;

	cfg = defaults;
	while ((ch = getopt_long(argc, argv, "a:hk:n:R:r:sT:t:u:w:", cs_longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			cfg.ami = optarg;
			break;
		case 'k':
			cfg.key = optarg;
			break;
		case 'n':
			cfg.hosts = cs_optnum(ch, optarg, 1, MAX_HOSTS);
			break;
		case 's':
			cfg.spot = 1;
			break;
		case 'T':
			cfg.btype = optarg;
			break;
		case 't':
			cfg.type = optarg;
			break;
		case 'u':
			cfg.users = cs_optnum(ch, optarg, 1, CELLS_MAX_USERS);
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
	if (argc != 0 || cfg.o.run == NULL || cfg.hosts == 0 || cfg.users == 0)
		usage(stderr, 2);
	if ((why = cells_check(cfg.users, cfg.hosts)) != NULL)
		errx(2, "-u %lld -n %lld: %s", cfg.users, cfg.hosts, why);
	if (strncmp(cfg.key, "~/", 2) == 0) {
		const char *home = getenv("HOME");
		if (home == NULL)
			errx(2, "no HOME for %s: give the public key with -k", cfg.key);
		cfg.key = keydef = easprintf("%s/%s", home, cfg.key + 2);
	}
	if (strlen(cfg.key) < 4 || strcmp(cfg.key + strlen(cfg.key) - 4, ".pub") != 0) {
		/* a private key path: its .pub beside it */
		char *pub = easprintf("%s.pub", cfg.key);
		free(keydef);
		cfg.key = keydef = pub;
	}
	roles = ecalloc((size_t)cfg.hosts + 1, sizeof *roles);
	launched = ecalloc((size_t)cfg.hosts + 1, sizeof *launched);

	a = aws_open(cfg.o.region);
	by_tag(a, "DescribeSubnets", "subnetSet/item", "10.0.1.0/24", take_subnet, pub, sizeof pub);
	by_tag(a, "DescribeSubnets", "subnetSet/item", "10.0.2.0/24", take_subnet, priv, sizeof priv);
	by_tag(a, "DescribeSecurityGroups", "securityGroupInfo/item", NULL, take_group,
	    group, sizeof group);
	snprintf(keyname, sizeof keyname, "cellstress-%s", cfg.o.run);
	key_pair(a, keyname);

	survey(a);
	for (k = 0; k <= cfg.hosts; k++)
		if (roles[k].id[0] == '\0')
			break;
	if (k <= cfg.hosts) {
		if (cfg.ami != NULL)
			snprintf(ami, sizeof ami, "%s", cfg.ami);
		else
			default_ami(a, ami, sizeof ami);
		for (k = 0; k <= cfg.hosts; k++)
			if (roles[k].id[0] == '\0')
				launch(a, k, ami, k == 0 ? pub : priv, group, keyname);
	}

	/* Wait until every role runs: poll from 1 s, doubling to 15 s. EC2 is
	 * eventually consistent: an instance just launched may not be listed
	 * yet, so a missing one we launched is pending, unless it was seen
	 * terminated (spot capacity, a bad AMI); a missing one we did not
	 * launch was terminated since the first look. */
	deadline = cs_now_ms() + cfg.o.wait * 1000;
	for (;;) {
		survey(a);
		pending = 0;
		for (k = 0; k <= cfg.hosts; k++) {
			role_name(k, role, sizeof role);
			if (roles[k].id[0] == '\0' && (launched[k][0] == '\0' ||
			    strcmp(roles[k].dead, launched[k]) == 0))
				errx(1, "%s: instance %s terminated (spot capacity reclaimed, "
				    "or it failed to start); run ec2-run again", role,
				    launched[k][0] ? launched[k] : roles[k].dead[0] ? roles[k].dead : "-");
			if (strcmp(roles[k].state, "running") != 0)
				pending++;
		}
		if (pending == 0)
			break;
		if (!aws_pause(&delay, deadline))
			errx(1, "DescribeInstances: %d instances not running after %lld s",
			    pending, cfg.o.wait);
	}

	what = easprintf("run %s, region %s", cfg.o.run, aws_config(a)->region);
	inventory_head(stdout, cfg.users, cfg.hosts, what);
	free(what);
	printf("# bastion %s %s %s\n", roles[0].priv, roles[0].id,
	    roles[0].pub[0] ? roles[0].pub : "-");
	for (k = 1; k <= cfg.hosts; k++)
		inventory_host(stdout, cfg.users, cfg.hosts, k, roles[k].priv, roles[k].id, roles[k].pub);
	aws_close(a);
	free(roles);
	free(launched);
	free(keydef);
	fshut(stdout, "<stdout>");
	return 0;
}
