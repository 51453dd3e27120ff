/* aws-query.h: a small EC2 Query API client (version 2016-11-15): credentials
 * and region from the standard AWS chain (aws-cfg.h), SigV4-signed POSTs over
 * HTTPS with libcurl (certificates checked; AWS_CA_BUNDLE names a custom CA),
 * retries with exponential backoff and full jitter, responses parsed with
 * libxml2 (walk them with aws-xml.h). Secrets are never printed, logged or
 * written anywhere. */
#ifndef CS_AWS_QUERY_H
#define CS_AWS_QUERY_H

#include <stddef.h>
#include <libxml/tree.h>

#include "aws-cfg.h"

#define AWS_EC2_VERSION "2016-11-15"

/* Request parameters. */
struct aws_params {
	char   **kv;                /* kv[2i] = key, kv[2i+1] = value (raw) */
	size_t   n, cap;
};

/* Append Key=value (value printf-formatted). */
void aws_param(struct aws_params *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void aws_params_free(struct aws_params *p);

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

/* aws_try/aws_call for a call naming resources created moments ago: EC2 is
 * eventually consistent, so an Invalid...NotFound answer is retried (pausing
 * from 0.5 s, doubling) for up to 30 s before it counts. */
xmlDoc *aws_try_fresh(struct aws *a, const char *action, const struct aws_params *p,
                      struct aws_error *e);
xmlDoc *aws_call_fresh(struct aws *a, const char *action, const struct aws_params *p);

/* Exit 1 with the message for e. */
void aws_die(const char *action, const struct aws_error *e) __attribute__((noreturn));

/* Waiter pacing: sleep *delay_ms, then double it up to 15 s. Returns 0
 * (without sleeping) once deadline_ms (cs_now_ms() of clock.h) has passed. */
int aws_pause(int *delay_ms, long long deadline_ms);

void aws_close(struct aws *a);

/* The headers of a signed request for body at time amzdate (YYYYMMDDTHHMMSSZ):
 * what aws_try sends, exposed for tests against botocore. Returns the
 * Authorization value, malloc'd. */
char *aws_authorization(const struct aws_cfg *c, const char *amzdate, const char *body);

#endif
