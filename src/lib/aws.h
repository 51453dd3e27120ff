/* aws.h: a small EC2 Query API client (version 2016-11-15): credentials and
 * region from the standard AWS chain, SigV4-signed POSTs over HTTPS with
 * libcurl (certificates checked; AWS_CA_BUNDLE names a custom CA), retries
 * with exponential backoff and full jitter, responses parsed with libxml2.
 * Secrets are never printed, logged or written anywhere. */
#ifndef CS_AWS_H
#define CS_AWS_H

#include <stddef.h>
#include <libxml/tree.h>

#define AWS_EC2_VERSION "2016-11-15"

/* aws-cfg.c: the credential and region chain. */
struct aws_cfg {
	char *access_key;
	char *secret_key;           /* secret: never printed */
	char *token;                /* session token or NULL; secret too */
	char *region;
	char *endpoint;             /* base URL of the EC2 endpoint */
	char *source;               /* where the credentials came from, for messages */
};

/* Fill c from, in order: region_flag (may be NULL), the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL), the profile
 * AWS_PROFILE (or "default") of AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
 * and AWS_CONFIG_FILE (~/.aws/config, sections "[default]"/"[profile NAME]").
 * Exits 1 with a message saying what is missing. */
void aws_cfg_load(struct aws_cfg *c, const char *region_flag);

/* Wipe the secrets and free everything. */
void aws_cfg_free(struct aws_cfg *c);

/* aws-query.c: request parameters, the client, errors. */
struct aws_params {
	char   **kv;                /* kv[2i] = key, kv[2i+1] = value (raw) */
	size_t   n, cap;
};

/* Append Key=value (value printf-formatted). */
void aws_param(struct aws_params *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append the TagSpecification.N group for resource type rtype: the project
 * tag (AWS_TAG_KEY = run) and, when name is not NULL, Name = name. */
void aws_param_tags(struct aws_params *p, int n, const char *rtype, const char *run,
                    const char *name);

/* Append Filter.N: tag:AWS_TAG_KEY = run, or tag-key = AWS_TAG_KEY when run is NULL. */
void aws_param_run_filter(struct aws_params *p, int n, const char *run);

void aws_params_free(struct aws_params *p);

/* The project's tag key; its value is the run id. */
#define AWS_TAG_KEY  "cellstress:run"
#define AWS_ROLE_KEY "cellstress:role"

/* The form-encoded body of a call: Action=A&Version=V&k=v..., malloc'd. */
char *aws_body(const char *action, const struct aws_params *p);

struct aws_error {
	char code[128];
	char message[512];
	char request_id[128];
	long http;                  /* HTTP status */
};

struct aws;

/* A client for tool (messages say "tool: ACTION: ..."); loads aws_cfg. */
struct aws *aws_open(const char *region_flag);
const struct aws_cfg *aws_config(const struct aws *a);

/* One call, retried on throttling (RequestLimitExceeded, Throttling...),
 * 5xx and connection errors, with full-jitter exponential backoff: at most
 * AWS_MAX_ATTEMPTS tries (default 8) and 120 s. On success the parsed
 * response; on an AWS error NULL with e filled. A transport failure that
 * outlives the retries exits 1. */
xmlDoc *aws_try(struct aws *a, const char *action, const struct aws_params *p,
                struct aws_error *e);

/* aws_try, but an AWS error exits 1 with "tool: ACTION: CODE: message (request id X)". */
xmlDoc *aws_call(struct aws *a, const char *action, const struct aws_params *p);

/* Exit 1 with the message for e. */
void aws_die(const char *action, const struct aws_error *e) __attribute__((noreturn));

void aws_close(struct aws *a);

/* The headers of a signed request for body at time amzdate (YYYYMMDDTHHMMSSZ):
 * what aws_try sends, exposed for tests against botocore. Returns the
 * Authorization value, malloc'd. */
char *aws_authorization(const struct aws_cfg *c, const char *amzdate, const char *body);

/* aws-xml.c: walking EC2 responses by local element names. */

/* First child element of n named name (namespace ignored), or NULL. */
xmlNode *aws_child(xmlNode *n, const char *name);

/* Next sibling element of n with the same name, or NULL. */
xmlNode *aws_next(xmlNode *n);

/* The node at path "a/b/c" below n, or NULL. */
xmlNode *aws_path(xmlNode *n, const char *path);

/* Text of the node at path below n copied into buf (size len, truncated
 * safely); "" when absent. Returns buf. */
char *aws_text(xmlNode *n, const char *path, char *buf, size_t len);

/* The value of tag key among n's tagSet, into buf; "" when absent. */
char *aws_tag(xmlNode *n, const char *key, char *buf, size_t len);

#endif

/* aws-ec2.c: what the EC2 tools share. */

/* Exit 2 (usage) unless run is a valid run id: 1-40 of [A-Za-z0-9._-]. */
void aws_check_run(const char *run);

/* Call action with p (NextToken added per page, at most 100 pages) and call
 * fn on every element at path set (e.g. "vpcSet/item") of each page. */
void aws_each(struct aws *a, const char *action, struct aws_params *p, const char *set,
              void (*fn)(xmlNode *item, void *arg), void *arg);

/* Waiter pacing: sleep *delay_ms, then double it up to 15 s. Returns 0
 * (without sleeping) once deadline_ms (cs_now_ms() of clock.h) has passed. */
int aws_pause(int *delay_ms, long long deadline_ms);

/* Exit 1 (like aws_die) unless e's code is one of the NULL-terminated codes:
 * errors that mean "already done" for idempotent tools. */
void aws_allow(const char *action, const struct aws_error *e, const char *const *codes);

/* The options the EC2 tools share: -r run, -A (every run), -R region,
 * -w seconds to wait. */
struct aws_opts {
	const char *run;            /* NULL unless -r */
	int         all;            /* -A */
	const char *region;         /* NULL: from the AWS chain */
	long long   wait;           /* -w, seconds (1..7200) */
};

/* Take option ch with argument arg into o (a bad -w exits 2); returns 0 when
 * ch is not one of the shared options. */
int aws_opt(struct aws_opts *o, int ch, const char *arg);

/* After getopt: 1 when exactly one of -r and -A was given (and the run id is
 * valid, else exit 2), 0 otherwise. */
int aws_one_selection(const struct aws_opts *o);

/* aws_try/aws_call for a call naming resources created moments ago: EC2 is
 * eventually consistent, so an Invalid...NotFound answer is retried (pausing
 * from 0.5 s, doubling) for up to 30 s before it counts. */
xmlDoc *aws_try_fresh(struct aws *a, const char *action, const struct aws_params *p,
                      struct aws_error *e);
xmlDoc *aws_call_fresh(struct aws *a, const char *action, const struct aws_params *p);
