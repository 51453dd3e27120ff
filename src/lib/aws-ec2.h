/* aws-ec2.h: what the EC2 tools (vpc-make, ec2-run, ec2-kill, vpc-delete)
 * share on top of the Query client: the run's tag on everything they create,
 * filters, paginated Describe* walks, errors that mean "already done". */
#ifndef CS_AWS_EC2_H
#define CS_AWS_EC2_H

#include <libxml/tree.h>

#include "aws-query.h"

/* The project's tag key; its value is the run id. */
#define AWS_TAG_KEY  "cellstress:run"
#define AWS_ROLE_KEY "cellstress:role"

/* Append the TagSpecification.N group for resource type rtype: the project
 * tag (AWS_TAG_KEY = run) and, when name is not NULL, Name = name. */
void aws_param_tags(struct aws_params *p, int n, const char *rtype, const char *run,
                    const char *name);

/* Append Filter.N: name = value. */
void aws_param_filter(struct aws_params *p, int n, const char *name, const char *value);

/* Append Filter.N: tag:AWS_TAG_KEY = run, or tag-key = AWS_TAG_KEY when run is NULL. */
void aws_param_run_filter(struct aws_params *p, int n, const char *run);

/* Call action with p (NextToken added per page, at most 100 pages) and call
 * fn on every element at path set (e.g. "vpcSet/item") of each page. */
void aws_each(struct aws *a, const char *action, struct aws_params *p, const char *set,
              void (*fn)(xmlNode *item, void *arg), void *arg);

/* aws_each over the resources of run (aws_param_run_filter) that also have
 * name = value when name is not NULL. */
void aws_each_run(struct aws *a, const char *action, const char *set, const char *run,
                  const char *name, const char *value,
                  void (*fn)(xmlNode *item, void *arg), void *arg);

/* Exit 1 (like aws_die) unless e's code is one of the NULL-terminated codes:
 * errors that mean "already done" for idempotent tools. */
void aws_allow(const char *action, const struct aws_error *e, const char *const *codes);

#endif
