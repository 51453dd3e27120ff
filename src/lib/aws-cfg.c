/* aws-cfg.c: where credentials, region and endpoint come from, in the order
 * the AWS CLI uses: environment, then the shared credentials file, then the
 * config file, for the profile AWS_PROFILE (or "default"). Only static keys
 * (and session tokens) are supported: no SSO, roles or credential_process. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "aws-cfg.h"
#include "ealloc.h"
#include "lines.h"

static const char *
env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* The file named by variable var, else ~/.aws/name (malloc'd). */
static char *
aws_file(const char *var, const char *name)
{
	const char *v = env(var), *home = env("HOME");

	if (v != NULL && strncmp(v, "~/", 2) != 0)
		return estrdup(v);
	if (home == NULL)
		return NULL;
	if (v != NULL)
		return easprintf("%s/%s", home, v + 2);
	return easprintf("%s/.aws/%s", home, name);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Value of key in [section] of the INI file path, malloc'd, or NULL when the
 * file, section or key is missing. Indented lines (nested settings) are
 * skipped; any other line that is not a section, key = value or comment
 * exits 1 naming file and line. Values are never echoed in messages. */
static char *
ini_get(const char *path, const char *section, const char *key)
{
	struct lines l;
	FILE *fp;
	char *line, *val = NULL;
	int in = 0;

	if (path == NULL)
		return NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return NULL;
		err(1, "%s", path);
	}
	lines_init(&l, fp, path, 8192);
	while (lines_next(&l, &line) >= 0) {
		char *s = line, *eq;
		if (*s == ' ' || *s == '\t')
			continue;       /* nested setting (e.g. an "s3 =" block) */
		s = trim(s);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e == NULL)
				lines_die(&l, "section header without ']'");
			*e = '\0';
			in = strcmp(trim(s + 1), section) == 0;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL)
			lines_die(&l, "line is neither [section] nor key = value");
		*eq = '\0';
		if (in && strcmp(trim(s), key) == 0 && val == NULL)
			val = estrdup(trim(eq + 1));
		OPENSSL_cleanse(line, strlen(line));
	}
	lines_free(&l);
	fclose(fp);
	return val;
}

/* A credentials file others may read is worth a warning, as ssh does. */
static void
check_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		warnx("warning: %s is readable by others (mode %04o); chmod 600 it",
		    path, (unsigned)(st.st_mode & 07777));
}

void
aws_cfg_load(struct aws_cfg *c, const char *region_flag)
{
	const char *profile = env("AWS_PROFILE") ? env("AWS_PROFILE") : "default";
	char *cred = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	char *conf = aws_file("AWS_CONFIG_FILE", "config");
	char *csec, *v;

	memset(c, 0, sizeof *c);
	if (strcmp(profile, "default") == 0)
		csec = estrdup("default");
	else
		csec = easprintf("profile %s", profile);

	if (env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
		c->access_key = estrdup(env("AWS_ACCESS_KEY_ID"));
		c->secret_key = estrdup(env("AWS_SECRET_ACCESS_KEY"));
		c->token = env("AWS_SESSION_TOKEN") ? estrdup(env("AWS_SESSION_TOKEN")) : NULL;
		c->source = estrdup("environment");
	} else if (env("AWS_ACCESS_KEY_ID") || env("AWS_SECRET_ACCESS_KEY")) {
		errx(1, "credentials: %s is set but %s is not",
		    env("AWS_ACCESS_KEY_ID") ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    env("AWS_ACCESS_KEY_ID") ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	} else {
		const char *file = cred, *sec = profile;
		int pass;
		for (pass = 0; pass < 2 && c->access_key == NULL; pass++) {
			if (pass == 1) {
				file = conf;
				sec = csec;
			}
			if ((c->access_key = ini_get(file, sec, "aws_access_key_id")) == NULL)
				continue;
			if ((c->secret_key = ini_get(file, sec, "aws_secret_access_key")) == NULL)
				errx(1, "credentials: %s [%s] has aws_access_key_id but no "
				    "aws_secret_access_key", file, sec);
			c->token = ini_get(file, sec, "aws_session_token");
			c->source = easprintf("%s [%s]", file, sec);
			check_mode(file);
		}
		if (c->access_key == NULL)
			errx(1, "credentials: none found: set AWS_ACCESS_KEY_ID and "
			    "AWS_SECRET_ACCESS_KEY, or profile \"%s\" in %s or %s",
			    profile, cred ? cred : "~/.aws/credentials",
			    conf ? conf : "~/.aws/config");
	}

	if (region_flag != NULL && *region_flag != '\0')
		c->region = estrdup(region_flag);
	else if (env("AWS_REGION"))
		c->region = estrdup(env("AWS_REGION"));
	else if (env("AWS_DEFAULT_REGION"))
		c->region = estrdup(env("AWS_DEFAULT_REGION"));
	else
		c->region = ini_get(conf, csec, "region");
	if (c->region == NULL || *c->region == '\0')
		errx(1, "region: none set: use AWS_REGION, AWS_DEFAULT_REGION, "
		    "region in profile \"%s\" of %s, or the region flag",
		    profile, conf ? conf : "~/.aws/config");
	for (v = c->region; *v != '\0'; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') || *v == '-'))
			errx(1, "region: not a region name: \"%s\"", c->region);

	if (env("AWS_ENDPOINT_URL_EC2"))
		c->endpoint = estrdup(env("AWS_ENDPOINT_URL_EC2"));
	else if (env("AWS_ENDPOINT_URL"))
		c->endpoint = estrdup(env("AWS_ENDPOINT_URL"));
	else
		c->endpoint = easprintf("https://ec2.%s.amazonaws.com%s", c->region,
		    strncmp(c->region, "cn-", 3) == 0 ? ".cn" : "");
	free(cred);
	free(conf);
	free(csec);
}

static void
wipe(char **s)
{
	if (*s != NULL) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void
aws_cfg_free(struct aws_cfg *c)
{
	wipe(&c->secret_key);
	wipe(&c->token);
	free(c->access_key);
	free(c->region);
	free(c->endpoint);
	free(c->source);
	memset(c, 0, sizeof *c);
}
