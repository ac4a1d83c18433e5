/* SPDX-License-Identifier: MIT */
/* FunctionConfiguration JSON; see func_json.h. Member order follows AWS's responses, so the
 * output reads like theirs (botocore itself does not care about order). */
#include "control/func_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/arn.h"
#include "auth/sigv4.h"
#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/lifecycle.h"

void func_json_time(long long ms, char *out)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, FUNC_JSON_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
    int frac = (int)(((ms % 1000) + 1000) % 1000);
    if (n + 10 > FUNC_JSON_TIME_LEN) {
        n = FUNC_JSON_TIME_LEN - 10; /* years beyond 9999 only */
    }
    out[n] = '.';
    out[n + 1] = (char)('0' + frac / 100);
    out[n + 2] = (char)('0' + frac / 10 % 10);
    out[n + 3] = (char)('0' + frac % 10);
    memcpy(out + n + 4, "+0000", 6);
}

static void set(json_t *o, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(o, key, v) < 0) {
        /* json_string() fails only on invalid UTF-8, which validated fields never hold */
        json_decref(v);
        (void)json_object_set_new(o, key, json_string("(invalid UTF-8)"));
    }
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v) {
        set(o, key, json_string(v));
    }
}

static json_t *environment(const struct function_config *cfg)
{
    json_t *vars = json_object();
    for (size_t i = 0; i < cfg->n_env; i++) {
        const char *eq = strchr(cfg->env[i], '=');
        if (eq) {
            char *k = xstrndup(cfg->env[i], (size_t)(eq - cfg->env[i]));
            set(vars, k, json_string(eq + 1));
            free(k);
        }
    }
    return json_pack("{s:o}", "Variables", vars);
}

static json_t *logging(const char *name)
{
    char *group = xasprintf("/aws/lambda/%s", name);
    json_t *o = json_pack("{s:s, s:s}", "LogFormat", "Text", "LogGroup", group);
    free(group);
    return o;
}

/* State and LastUpdateStatus with their reasons: $LATEST is Pending right after CreateFunction
 * (no LastUpdateStatus yet) and InProgress right after an update, as AWS answers
 * (catalog/lifecycle.h); versions are Active and Successful. */
static void set_state(json_t *o, const struct function_config *cfg, const struct func_meta *m)
{
    bool latest = m->version == NULL || strcmp(m->version, "$LATEST") == 0;
    bool pending = latest && (m->creating || lifecycle_pending(cfg->name));
    bool updating = latest && !pending && (m->updating || lifecycle_updating(cfg->name));
    if (pending) {
        set_str(o, "State", "Pending");
        set_str(o, "StateReason", LIFECYCLE_REASON);
        set_str(o, "StateReasonCode", LIFECYCLE_REASON_CODE);
        return;
    }
    set_str(o, "State", m->state ? m->state : "Active");
    set_str(o, "StateReason", m->state_reason);
    set_str(o, "StateReasonCode", m->state_reason_code);
    if (updating) {
        set_str(o, "LastUpdateStatus", "InProgress");
        set_str(o, "LastUpdateStatusReason", LIFECYCLE_REASON);
        set_str(o, "LastUpdateStatusReasonCode", LIFECYCLE_REASON_CODE);
        return;
    }
    set_str(o, "LastUpdateStatus", m->last_update_status ? m->last_update_status : "Successful");
}

/* {"RuntimeVersionArn": "arn:aws:lambda:REGION::runtime:<64 hex>"}: AWS names the runtime's
 * build; clambda has one build per runtime, named by the SHA-256 of the runtime's name. */
static json_t *runtime_version(const char *region, const char *runtime)
{
    char hex[65];
    sigv4_sha256_hex(runtime, strlen(runtime), hex);
    char *arn = xasprintf("arn:aws:lambda:%s::runtime:%s", region, hex);
    json_t *o = json_pack("{s:s}", "RuntimeVersionArn", arn);
    free(arn);
    return o;
}

json_t *func_json_config(const struct function_config *cfg, const struct func_meta *m,
                         const char *region, const char *account, bool qualified)
{
    const char *version = m->version ? m->version : "$LATEST";
    char *arn = arn_function(region, account, cfg->name, qualified ? version : NULL);
    char when[FUNC_JSON_TIME_LEN];
    func_json_time(m->last_modified_ms, when);
    json_t *o = json_object();
    set_str(o, "FunctionName", cfg->name);
    set_str(o, "FunctionArn", arn);
    free(arn);
    set_str(o, "Runtime", cfg->runtime);
    set_str(o, "Role", m->role);
    set_str(o, "Handler", cfg->handler);
    set(o, "CodeSize", json_integer(m->code_size));
    set_str(o, "Description", m->description ? m->description : "");
    set(o, "Timeout", json_integer(cfg->timeout_s));
    set(o, "MemorySize", json_integer(cfg->memory_mb));
    set_str(o, "LastModified", m->last_modified ? m->last_modified : when);
    set_str(o, "CodeSha256", m->code_sha256 ? m->code_sha256 : "");
    set_str(o, "Version", version);
    if (cfg->n_env > 0) {
        set(o, "Environment", environment(cfg));
    }
    if (cfg->layers) {
        set(o, "Layers", json_loads(cfg->layers, 0, NULL));
    }
    set(o, "TracingConfig", json_pack("{s:s}", "Mode", "PassThrough"));
    set_str(o, "RevisionId", m->revision_id);
    set_state(o, cfg, m);
    set_str(o, "PackageType", m->package_type ? m->package_type : "Zip");
    set(o, "Architectures", json_pack("[s]", cfg->arch ? cfg->arch : "x86_64"));
    set(o, "EphemeralStorage", json_pack("{s:i}", "Size", cfg->ephemeral_mb));
    set(o, "SnapStart", json_pack("{s:s, s:s}", "ApplyOn", "None", "OptimizationStatus", "Off"));
    set(o, "LoggingConfig", logging(cfg->name));
    if (cfg->runtime) {
        set(o, "RuntimeVersionConfig", runtime_version(region, cfg->runtime));
    }
    return o;
}
