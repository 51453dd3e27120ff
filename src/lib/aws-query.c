/* aws-query.c: EC2 Query API calls: form-encoded POST bodies signed with
 * SigV4, sent with libcurl (peer and host verified; AWS_CA_BUNDLE for a
 * custom CA), retried with full-jitter exponential backoff, answered in XML.
 * Errors come back as <Response><Errors><Error><Code/><Message/></Error>
 * </Errors><RequestID/></Response> and become one line naming the action.
 * Calls on resources made moments ago (aws_try_fresh) are also retried while
 * EC2 says they do not exist yet, paced like every waiter (aws_pause). */
#include <err.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "aws-query.h"
#include "aws-xml.h"
#include "clock.h"
#include "ealloc.h"
#include "num.h"
#include "pct.h"
#include "sigv4.h"

#define RETRY_BASE_MS   500     /* first backoff ceiling */
#define RETRY_CAP_MS    20000   /* largest backoff ceiling */
#define RETRY_BUDGET_MS 120000  /* no new attempt after this long */
#define BODY_MAX        (16 << 20)

struct aws {
	struct aws_cfg  cfg;
	CURL           *curl;
	char           *host;       /* Host header: host[:port] */
	char           *path;       /* request path of the endpoint */
	int             attempts;   /* AWS_MAX_ATTEMPTS */
};

void
aws_param(struct aws_params *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = evasprintf(fmt, ap);
	va_end(ap);
	if (p->n + 2 > p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->kv = ereallocarray(p->kv, p->cap, sizeof *p->kv);
	}
	p->kv[p->n] = estrdup(key);
	p->kv[p->n + 1] = v;
	p->n += 2;
}

void
aws_params_free(struct aws_params *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->kv[i]);
	free(p->kv);
	memset(p, 0, sizeof *p);
}

/* application/x-www-form-urlencoded as botocore writes it (Python's
 * urlencode): SigV4's encoding, but a space becomes '+'. */
static void
form_encode(FILE *fp, const char *s)
{
	pct_fencode(fp, s, strlen(s), 1);
}

char *
aws_body(const char *action, const struct aws_params *p)
{
	char *s = NULL;
	size_t n = 0, i;
	FILE *fp;

	if ((fp = open_memstream(&s, &n)) == NULL)
		err(1, "open_memstream");
	fputs("Action=", fp);
	form_encode(fp, action);
	fputs("&Version=" AWS_EC2_VERSION, fp);
	for (i = 0; p != NULL && i < p->n; i += 2) {
		putc('&', fp);
		form_encode(fp, p->kv[i]);
		putc('=', fp);
		form_encode(fp, p->kv[i + 1]);
	}
	if (ferror(fp) || fclose(fp) == EOF)
		errx(1, "out of memory");
	return s;
}

/* Host header and path of the endpoint URL, as curl will send them. */
static void
split_endpoint(const char *url, char **host, char **path)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *port = NULL, *pa = NULL;

	if (u == NULL)
		errx(1, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
		errx(1, "endpoint: not a URL: \"%s\"", url);
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		errx(1, "endpoint: \"%s\": scheme must be https", url);
	if (strcmp(scheme, "http") == 0)
		warnx("warning: endpoint %s is plain http: requests are not encrypted", url);
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &pa, 0) != CURLUE_OK)
		pa = NULL;
	if (port != NULL && !(strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0) &&
	    !(strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0))
		*host = easprintf("%s:%s", h, port);
	else
		*host = estrdup(h);
	*path = estrdup(pa != NULL ? pa : "/");
	curl_free(scheme);
	curl_free(h);
	curl_free(port);
	curl_free(pa);
	curl_url_cleanup(u);
}

struct aws *
aws_open(const char *region_flag)
{
	struct aws *a;
	const char *ca = getenv("AWS_CA_BUNDLE"), *ma = getenv("AWS_MAX_ATTEMPTS");
	const char *e;

	a = ecalloc(1, sizeof *a);
	aws_cfg_load(&a->cfg, region_flag);
	a->attempts = 8;
	if (ma != NULL && *ma != '\0') {
		a->attempts = (int)cs_strtonum(ma, 1, 50, &e);
		if (e != NULL)
			errx(1, "AWS_MAX_ATTEMPTS must be between 1 and 50: \"%s\"", ma);
	}
	split_endpoint(a->cfg.endpoint, &a->host, &a->path);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (a->curl = curl_easy_init()) == NULL)
		errx(1, "curl initialisation failed");
	curl_easy_setopt(a->curl, CURLOPT_URL, a->cfg.endpoint);
	curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(a->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(a->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(a->curl, CURLOPT_USERAGENT, "cellstress/1");
	curl_easy_setopt(a->curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (ca != NULL && *ca != '\0') {
		if (access(ca, R_OK) != 0)
			err(1, "AWS_CA_BUNDLE: %s", ca);
		curl_easy_setopt(a->curl, CURLOPT_CAINFO, ca);
	}
	return a;
}

const struct aws_cfg *
aws_config(const struct aws *a)
{
	return &a->cfg;
}

void
aws_close(struct aws *a)
{
	if (a == NULL)
		return;
	curl_easy_cleanup(a->curl);
	aws_cfg_free(&a->cfg);
	free(a->host);
	free(a->path);
	free(a);
}

/* Sign body for host/path at amzdate: the Authorization value, malloc'd. */
static char *
sign(const struct aws_cfg *c, const char *host, const char *path, const char *amzdate,
    const char *body)
{
	struct sigv4_hdr h[4] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		{ "Host", host },
		{ "X-Amz-Date", amzdate },
		{ "X-Amz-Security-Token", c->token },
	};
	struct sigv4_req r = { "POST", path, "", h, c->token ? 4 : 3, body, strlen(body) };
	struct sigv4_key k = { c->access_key, c->secret_key, c->region, "ec2", amzdate };
	struct sigv4_out o;
	char *authz;

	if (sigv4_sign(&r, &k, &o) != 0)
		errx(1, "bad request date %s", amzdate);
	authz = o.authz;
	o.authz = NULL;
	sigv4_out_free(&o);
	return authz;
}

char *
aws_authorization(const struct aws_cfg *c, const char *amzdate, const char *body)
{
	char *host, *path, *a;

	split_endpoint(c->endpoint, &host, &path);
	a = sign(c, host, path, amzdate, body);
	free(host);
	free(path);
	return a;
}

struct resp {
	char   *buf;
	size_t  len;
	int     over;
	char    rid[128];           /* x-amzn-RequestId header, when sent */
};

/* Keep the request id header: some error bodies (moto's AuthFailure) lack one. */
static size_t
header(char *p, size_t sz, size_t nm, void *arg)
{
	struct resp *r = arg;
	size_t n = sz * nm, k = sizeof "x-amzn-requestid:" - 1;

	if (n > k && strncasecmp(p, "x-amzn-requestid:", k) == 0) {
		size_t i = k, j = 0;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (i < n && p[i] != '\r' && p[i] != '\n' && j + 1 < sizeof r->rid)
			r->rid[j++] = p[i++];
		r->rid[j] = '\0';
	}
	return n;
}

static size_t
collect(char *p, size_t sz, size_t nm, void *arg)
{
	struct resp *r = arg;
	size_t n = sz * nm;

	if (r->len + n > BODY_MAX) {
		r->over = 1;
		return 0;
	}
	r->buf = erealloc(r->buf, r->len + n + 1);
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static int
retryable_code(const char *code)
{
	static const char *const codes[] = {
		"RequestLimitExceeded", "Throttling", "ThrottlingException",
		"RequestThrottled", "RequestThrottledException", "EC2ThrottledException",
		"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable",
	};
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))] ms. */
static long long
backoff_ms(int attempt)
{
	long long ceil = RETRY_BASE_MS;
	int i;

	for (i = 1; i < attempt && ceil < RETRY_CAP_MS; i++)
		ceil *= 2;
	if (ceil > RETRY_CAP_MS)
		ceil = RETRY_CAP_MS;
	return (long long)arc4random_uniform((uint32_t)ceil + 1);
}

/* Control characters (a newline in a Message) would break the one-line
 * error message: make them spaces. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Fill e from an error document (or from the status when it is not one). */
static void
parse_error(const struct resp *r, long http, struct aws_error *e)
{
	xmlDoc *doc = NULL;
	xmlNode *root;

	memset(e, 0, sizeof *e);
	e->http = http;
	if (r->buf != NULL)
		doc = xmlReadMemory(r->buf, (int)r->len, NULL, NULL,
		    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc != NULL && (root = xmlDocGetRootElement(doc)) != NULL) {
		xmlNode *er = aws_path(root, "Errors/Error");
		if (er == NULL)
			er = aws_child(root, "Error");  /* some services omit <Errors> */
		if (er != NULL) {
			aws_text(er, "Code", e->code, sizeof e->code);
			aws_text(er, "Message", e->message, sizeof e->message);
		}
		aws_text(root, "RequestID", e->request_id, sizeof e->request_id);
		if (e->request_id[0] == '\0')
			aws_text(root, "RequestId", e->request_id, sizeof e->request_id);
	}
	if (e->code[0] == '\0') {
		snprintf(e->code, sizeof e->code, "HTTP%ld", http);
		snprintf(e->message, sizeof e->message, "unexpected %s response",
		    doc == NULL ? "non-XML" : "XML");
	}
	one_line(e->code);
	one_line(e->message);
	one_line(e->request_id);
	xmlFreeDoc(doc);
}

/* CELLSTRESS_AWS_TRACE=FILE appends "action<TAB>x-amz-date<TAB>body" of each
 * request to FILE (created 0600): what the tests re-sign with botocore. The
 * body holds no secret; the signature and the token are never written. */
static void
trace(const char *action, const char *amzdate, const char *body)
{
	const char *path = getenv("CELLSTRESS_AWS_TRACE");
	int fd;

	if (path == NULL || *path == '\0')
		return;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		err(1, "CELLSTRESS_AWS_TRACE: %s", path);
	if (dprintf(fd, "%s\t%s\t%s\n", action, amzdate, body) < 0 || close(fd) != 0)
		err(1, "CELLSTRESS_AWS_TRACE: %s", path);
}

xmlDoc *
aws_try(struct aws *a, const char *action, const struct aws_params *p, struct aws_error *e)
{
	char *body = aws_body(action, p), errbuf[CURL_ERROR_SIZE];
	long long start = cs_now_ms(), wait;
	int attempt;

	for (attempt = 1;; attempt++) {
		struct curl_slist *hl = NULL;
		struct resp r = { NULL, 0, 0, "" };
		char amzdate[17], *authz, *line;
		time_t t = time(NULL);
		struct tm tm;
		CURLcode rc;
		long http = 0;
		int retry = 0;

		gmtime_r(&t, &tm);
		strftime(amzdate, sizeof amzdate, "%Y%m%dT%H%M%SZ", &tm);
		authz = sign(&a->cfg, a->host, a->path, amzdate, body);
		trace(action, amzdate, body);
#define HDR(...) do { line = easprintf(__VA_ARGS__); \
	hl = curl_slist_append(hl, line); free(line); } while (0)
		HDR("Content-Type: application/x-www-form-urlencoded; charset=utf-8");
		HDR("Host: %s", a->host);
		HDR("X-Amz-Date: %s", amzdate);
		if (a->cfg.token != NULL)
			HDR("X-Amz-Security-Token: %s", a->cfg.token);
		HDR("Authorization: %s", authz);
		HDR("Expect:");
#undef HDR
		free(authz);
		errbuf[0] = '\0';
		curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &r);
		curl_easy_setopt(a->curl, CURLOPT_HEADERFUNCTION, header);
		curl_easy_setopt(a->curl, CURLOPT_HEADERDATA, &r);
		curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, errbuf);
		rc = curl_easy_perform(a->curl);
		curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, NULL);
		/* the header list held the token and signature */
		for (struct curl_slist *s = hl; s != NULL; s = s->next)
			memset(s->data, 0, strlen(s->data));
		curl_slist_free_all(hl);
		if (rc == CURLE_OK)
			curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &http);

		if (rc != CURLE_OK) {
			if (r.over)
				errx(1, "%s: response larger than %d bytes", action, BODY_MAX);
			if (!retryable_curl(rc) || attempt >= a->attempts ||
			    cs_now_ms() - start >= RETRY_BUDGET_MS)
				errx(1, "%s: %s: %s (attempt %d)", action, a->cfg.endpoint,
				    errbuf[0] ? errbuf : curl_easy_strerror(rc), attempt);
			retry = 1;
		} else if (http == 200) {
			xmlDoc *doc = xmlReadMemory(r.buf ? r.buf : "", (int)r.len, NULL,
			    NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
			xmlNode *root;
			size_t al = strlen(action);

			free(r.buf);
			if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL)
				errx(1, "%s: response is not XML", action);
			/* EC2 answers <ActionResponse>: anything else (an error
			 * document, a proxy's page) must not pass for an empty
			 * answer (ec2-kill would find nothing to terminate). */
			if (strncmp((const char *)root->name, action, al) != 0 ||
			    strcmp((const char *)root->name + al, "Response") != 0)
				errx(1, "%s: unexpected response <%.60s> (want <%sResponse>)",
				    action, (const char *)root->name, action);
			free(body);
			return doc;
		} else {
			parse_error(&r, http, e);
			if (e->request_id[0] == '\0')
				snprintf(e->request_id, sizeof e->request_id, "%s", r.rid);
			if ((http >= 500 || retryable_code(e->code)) && attempt < a->attempts &&
			    cs_now_ms() - start < RETRY_BUDGET_MS)
				retry = 1;
		}
		free(r.buf);
		if (!retry) {
			free(body);
			return NULL;
		}
		wait = backoff_ms(attempt);
		if (cs_now_ms() - start + wait > RETRY_BUDGET_MS)
			wait = RETRY_BUDGET_MS - (cs_now_ms() - start);
		if (wait > 0)
			usleep((useconds_t)(wait * 1000));
	}
}

void
aws_die(const char *action, const struct aws_error *e)
{
	errx(1, "%s: %s: %s (request id %s)", action, e->code,
	    e->message[0] ? e->message : "no message",
	    e->request_id[0] ? e->request_id : "none");
}

/* The answer of an aws_try-like call, or exit 1 with its error. */
static xmlDoc *
must(xmlDoc *doc, const char *action, const struct aws_error *e)
{
	if (doc == NULL)
		aws_die(action, e);
	return doc;
}

xmlDoc *
aws_call(struct aws *a, const char *action, const struct aws_params *p)
{
	struct aws_error e;

	return must(aws_try(a, action, p, &e), action, &e);
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

	return must(aws_try_fresh(a, action, p, &e), action, &e);
}
