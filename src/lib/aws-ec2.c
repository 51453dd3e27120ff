/* aws-ec2.c: helpers shared by vpc-make, ec2-run, ec2-kill and vpc-delete:
 * the run's tags and filters, paginated Describe* walks, tolerated errors. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws-ec2.h"
#include "aws-xml.h"

void
aws_param_tags(struct aws_params *p, int n, const char *rtype, const char *run,
    const char *name)
{
	char k[64];

	snprintf(k, sizeof k, "TagSpecification.%d.ResourceType", n);
	aws_param(p, k, "%s", rtype);
	snprintf(k, sizeof k, "TagSpecification.%d.Tag.1.Key", n);
	aws_param(p, k, "%s", AWS_TAG_KEY);
	snprintf(k, sizeof k, "TagSpecification.%d.Tag.1.Value", n);
	aws_param(p, k, "%s", run);
	if (name != NULL) {
		snprintf(k, sizeof k, "TagSpecification.%d.Tag.2.Key", n);
		aws_param(p, k, "Name");
		snprintf(k, sizeof k, "TagSpecification.%d.Tag.2.Value", n);
		aws_param(p, k, "%s", name);
	}
}

void
aws_param_filter(struct aws_params *p, int n, const char *name, const char *value)
{
	char k[64];

	snprintf(k, sizeof k, "Filter.%d.Name", n);
	aws_param(p, k, "%s", name);
	snprintf(k, sizeof k, "Filter.%d.Value.1", n);
	aws_param(p, k, "%s", value);
}

void
aws_param_run_filter(struct aws_params *p, int n, const char *run)
{
	if (run != NULL)
		aws_param_filter(p, n, "tag:" AWS_TAG_KEY, run);
	else
		aws_param_filter(p, n, "tag-key", AWS_TAG_KEY);
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

void
aws_each_run(struct aws *a, const char *action, const char *set, const char *run,
    const char *name, const char *value, void (*fn)(xmlNode *item, void *arg), void *arg)
{
	struct aws_params p = { 0 };

	aws_param_run_filter(&p, 1, run);
	if (name != NULL)
		aws_param_filter(&p, 2, name, value);
	aws_each(a, action, &p, set, fn, arg);
	aws_params_free(&p);
}

void
aws_allow(const char *action, const struct aws_error *e, const char *const *codes)
{
	for (; *codes != NULL; codes++)
		if (strcmp(e->code, *codes) == 0)
			return;
	aws_die(action, e);
}
