/* SPDX-License-Identifier: MIT */
/* Credentials and region found the way the AWS SDKs and CLI find them:
 *  1. --profile P: the profile's keys (credentials file, then config file);
 *  2. else AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) from the environment;
 *  3. else the profile AWS_PROFILE (default "default"): [P] in the shared credentials file
 *     (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials), then [profile P] ([default]
 *     for "default") in the config file (AWS_CONFIG_FILE, default ~/.aws/config).
 * Region: --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile's "region" in the config
 * file. Role assumption, SSO and credential_process are not supported (a clear error names
 * the profile). */
#ifndef CLAMBDA_CLI_CLI_AWSCONF_H
#define CLAMBDA_CLI_CLI_AWSCONF_H

#include <stddef.h>

/* What was found. */
struct cli_awsconf {
    char access_key[129];
    char secret[256];
    char session_token[4096];
    char region[64];
    char profile[128]; /* the profile used, "" for the environment */
    char source[512];  /* where the keys came from, for messages ("environment", a file) */
};

/* Finds credentials and region. profile and region are the command line's (NULL when not
 * given). A missing region is not an error here (region[0] == '\0'): the caller decides.
 * OUT: *out. 0, or -ENOENT with what to do in err (errlen bytes). */
int cli_awsconf_load(const char *profile, const char *region, struct cli_awsconf *out, char *err,
                     size_t errlen);

/* Wipes the secrets in c. */
void cli_awsconf_wipe(struct cli_awsconf *c);

#endif /* CLAMBDA_CLI_CLI_AWSCONF_H */
