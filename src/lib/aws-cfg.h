/* aws-cfg.h: where the EC2 client's credentials, region and endpoint come
 * from: the standard AWS chain (environment, shared credentials and config
 * files, profile). Secrets are never printed, logged or written anywhere. */
#ifndef CS_AWS_CFG_H
#define CS_AWS_CFG_H

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

#endif
