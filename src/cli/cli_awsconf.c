/* SPDX-License-Identifier: MIT */
/* AWS credentials and region; see cli_awsconf.h. The files are INI: "[section]" lines and
 * "key = value" lines; '#' and ';' start comments; keys are case-sensitive as in botocore. */
#include "cli_awsconf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of s[0..len) without trailing blanks. */
static size_t trim_right(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    return len;
}

/* Whether "[ name ]" (line starts at '[') is section. */
static bool is_section(const char *line, const char *section)
{
    const char *end = strchr(line, ']');
    const char *name = line + 1 + strspn(line + 1, " \t");
    size_t len = end && end > name ? trim_right(name, (size_t)(end - name)) : 0;
    return end && len == strlen(section) && strncmp(name, section, len) == 0;
}

/* When line is "key = value", copies value into out (cap bytes); true then. */
static bool key_value(const char *line, const char *key, char *out, size_t cap)
{
    const char *eq = strchr(line, '=');
    if (eq == NULL) {
        return false;
    }
    size_t klen = trim_right(line, (size_t)(eq - line));
    if (klen != strlen(key) || strncmp(line, key, klen) != 0) {
        return false;
    }
    const char *v = eq + 1 + strspn(eq + 1, " \t");
    size_t vlen = trim_right(v, strlen(v));
    if (vlen >= cap) {
        return false;
    }
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return true;
}

/* Copies the value of key in section of the INI file path into out (cap bytes).
 * true when found. */
static bool ini_get(const char *path, const char *section, const char *key, char *out, size_t cap)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return false;
    }
    char line[8192];
    bool in_section = false;
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        char *s = line + strspn(line, " \t");
        s[strcspn(s, "\r\n")] = '\0';
        if (*s == '[') {
            in_section = is_section(s, section);
        } else if (in_section && *s != '#' && *s != ';') {
            found = key_value(s, key, out, cap);
        }
    }
    (void)fclose(f);
    return found;
}

static void file_path(const char *env, const char *leaf, char *out, size_t cap)
{
    const char *e = getenv(env);
    const char *home = getenv("HOME");
    if (e && *e) {
        (void)snprintf(out, cap, "%s", e);
    } else {
        (void)snprintf(out, cap, "%s/.aws/%s", home ? home : "", leaf);
    }
}

static void copy_env(const char *name, char *out, size_t cap)
{
    const char *v = getenv(name);
    (void)snprintf(out, cap, "%s", v ? v : "");
}

/* Reads profile p's keys from the credentials file, else from the config file. */
static bool from_profile(const char *p, struct cli_awsconf *out)
{
    char creds[4096], config[4096], section[160];
    file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", creds, sizeof(creds));
    file_path("AWS_CONFIG_FILE", "config", config, sizeof(config));
    (void)snprintf(section, sizeof(section), strcmp(p, "default") == 0 ? "%s" : "profile %s", p);
    (void)snprintf(out->profile, sizeof(out->profile), "%s", p);
    const char *files[] = {creds, config};
    const char *sections[] = {p, section};
    for (int i = 0; i < 2; i++) {
        if (ini_get(files[i], sections[i], "aws_access_key_id", out->access_key,
                    sizeof(out->access_key)) &&
            ini_get(files[i], sections[i], "aws_secret_access_key", out->secret,
                    sizeof(out->secret))) {
            (void)ini_get(files[i], sections[i], "aws_session_token", out->session_token,
                          sizeof(out->session_token));
            (void)snprintf(out->source, sizeof(out->source), "%s [%s]", files[i], sections[i]);
            return true;
        }
    }
    return false;
}

static void find_region(const char *region, struct cli_awsconf *out)
{
    char config[4096], section[160];
    const char *p = out->profile[0] ? out->profile : getenv("AWS_PROFILE");
    p = p && *p ? p : "default";
    if (region && *region) {
        (void)snprintf(out->region, sizeof(out->region), "%s", region);
        return;
    }
    copy_env("AWS_REGION", out->region, sizeof(out->region));
    if (out->region[0] == '\0') {
        copy_env("AWS_DEFAULT_REGION", out->region, sizeof(out->region));
    }
    if (out->region[0] == '\0') {
        file_path("AWS_CONFIG_FILE", "config", config, sizeof(config));
        (void)snprintf(section, sizeof(section), strcmp(p, "default") == 0 ? "%s" : "profile %s",
                       p);
        (void)ini_get(config, section, "region", out->region, sizeof(out->region));
    }
}

int cli_awsconf_load(const char *profile, const char *region, struct cli_awsconf *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *env_key = getenv("AWS_ACCESS_KEY_ID");
    const char *env_secret = getenv("AWS_SECRET_ACCESS_KEY");
    bool found = false;
    const char *p = profile;
    if (p == NULL && env_key && *env_key && env_secret && *env_secret) {
        copy_env("AWS_ACCESS_KEY_ID", out->access_key, sizeof(out->access_key));
        copy_env("AWS_SECRET_ACCESS_KEY", out->secret, sizeof(out->secret));
        copy_env("AWS_SESSION_TOKEN", out->session_token, sizeof(out->session_token));
        (void)snprintf(out->source, sizeof(out->source), "environment (AWS_ACCESS_KEY_ID)");
        found = true;
    } else {
        p = p ? p : getenv("AWS_PROFILE");
        p = p && *p ? p : "default";
        found = from_profile(p, out);
    }
    find_region(region, out);
    if (!found) {
        (void)snprintf(err, errlen,
                       "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                       "put aws_access_key_id and aws_secret_access_key under [%s] in "
                       "~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE) or ~/.aws/config "
                       "(AWS_CONFIG_FILE); `aws configure` writes them",
                       p ? p : "default");
        cli_awsconf_wipe(out);
        return -ENOENT;
    }
    return 0;
}

void cli_awsconf_wipe(struct cli_awsconf *c)
{
    volatile char *s = c->secret;
    for (size_t i = 0; i < sizeof(c->secret); i++) {
        s[i] = 0;
    }
    volatile char *t = c->session_token;
    for (size_t i = 0; i < sizeof(c->session_token); i++) {
        t[i] = 0;
    }
}
