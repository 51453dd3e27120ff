/* aws-ec2.c: helpers shared by vpc-make, ec2-run, ec2-kill and vpc-delete:
 * run-id checks, paginated Describe* walks, waiter pacing, tolerated errors. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "clock.h"
#include "num.h"

void
aws_check_run(const char *run)
{
	size_t i, n = strlen(run);

	if (n == 0 || n > 40)
		errx(2, "run id must be 1 to 40 characters: \"%s\"", run);
	for (i = 0; i < n; i++) {
		char c = run[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			errx(2, "run id may hold only A-Z a-z 0-9 . _ -: \"%s\"", run);
	}
}

void
aws_each(struct aws *a, const char *action, struct aws_params *p, const char *set,
    void (*fn)(xmlNode *item, void *arg), void *arg)
{
	char token[4096] = "";
	size_t base = p->n;
	int page;

	for (page = 0; page < 100; page++) {
		xmlDoc *doc;
		xmlNode *it, *root;

		if (token[0] != '\0')
			aws_param(p, "NextToken", "%s", token);
		doc = aws_call(a, action, p);
		root = xmlDocGetRootElement(doc);
		for (it = aws_path(root, set); it != NULL; it = aws_next(it))
			fn(it, arg);
		aws_text(root, "nextToken", token, sizeof token);
		xmlFreeDoc(doc);
		/* drop this page's NextToken before the next one */
		while (p->n > base) {
			free(p->kv[--p->n]);
		}
		if (token[0] == '\0')
			return;
	}
	errx(1, "%s: more than 100 pages of results", action);
}

int
aws_pause(int *delay_ms, long long deadline_ms)
{
	long long left = deadline_ms - cs_now_ms();

	if (left <= 0)
		return 0;
	usleep((useconds_t)((*delay_ms < left ? *delay_ms : left) * 1000));
	*delay_ms = *delay_ms * 2 > 15000 ? 15000 : *delay_ms * 2;
	return 1;
}

void
aws_allow(const char *action, const struct aws_error *e, const char *const *codes)
{
	for (; *codes != NULL; codes++)
		if (strcmp(e->code, *codes) == 0)
			return;
	aws_die(action, e);
}

int
aws_opt(struct aws_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'A':
		o->all = 1;
		return 1;
	case 'R':
		o->region = arg;
		return 1;
	case 'r':
		aws_check_run(arg);
		o->run = arg;
		return 1;
	case 'w':
		o->wait = cs_optnum(ch, arg, 1, 7200);
		return 1;
	default:
		return 0;
	}
}

int
aws_one_selection(const struct aws_opts *o)
{
	return (o->run != NULL) != (o->all != 0);
}

xmlDoc *
aws_try_fresh(struct aws *a, const char *action, const struct aws_params *p,
    struct aws_error *e)
{
	long long deadline = cs_now_ms() + 30000;
	int delay = 500;

	for (;;) {
		xmlDoc *doc = aws_try(a, action, p, e);
		size_t n = strlen(e->code);

		if (doc != NULL)
			return doc;
		if (strncmp(e->code, "Invalid", 7) != 0 || n < 9 ||
		    strcmp(e->code + n - 9, ".NotFound") != 0 || !aws_pause(&delay, deadline))
			return NULL;
	}
}

xmlDoc *
aws_call_fresh(struct aws *a, const char *action, const struct aws_params *p)
{
	struct aws_error e;
	xmlDoc *doc = aws_try_fresh(a, action, p, &e);

	if (doc == NULL)
		aws_die(action, &e);
	return doc;
}
