/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TLS termination: one SSL_CTX per certificate; the SNI callback switches to the certificate
 * whose names match (exact or "*.suffix"), the first one is the default. Certificates are read
 * when a config is loaded, so SIGHUP reloads them; live sessions keep their old context. */
#include <cjson/cJSON.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw.h"

static bool name_matches(const char *pattern, const char *name)
{
    if (pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = strchr(name, '.');
        return dot && strcasecmp(dot, pattern + 1) == 0;
    }
    return strcasecmp(pattern, name) == 0;
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    struct gw_listener *l = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    (void)alert;
    if (!name)
        return SSL_TLSEXT_ERR_OK;
    for (size_t i = 0; i < l->n_certs; i++)
        for (char **n = l->certs[i].names; n && *n; n++)
            if (name_matches(*n, name)) {
                SSL_set_SSL_CTX(ssl, l->certs[i].ctx);
                return SSL_TLSEXT_ERR_OK;
            }
    return SSL_TLSEXT_ERR_OK; /* unknown name: the default certificate */
}

static void ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
    char e[256] = "";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, e, sizeof(e));
    snprintf(err, errlen, "tls: %s %s: %s", what, path, e);
    ERR_clear_error();
}

int gw_tls_load(struct gw_listener *l, cJSON *tls, char *err, size_t errlen)
{
    cJSON *certs = cJSON_GetObjectItemCaseSensitive(tls, "certificates");
    if (!cJSON_IsArray(certs) || cJSON_GetArraySize(certs) == 0) {
        snprintf(err, errlen, "listener %s: tls.certificates must be a non-empty array", l->name);
        return -1;
    }
    l->certs = calloc((size_t)cJSON_GetArraySize(certs), sizeof(*l->certs));
    if (!l->certs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cJSON *c;
    cJSON_ArrayForEach(c, certs)
    {
        cJSON *cert = cJSON_GetObjectItemCaseSensitive(c, "cert");
        cJSON *key = cJSON_GetObjectItemCaseSensitive(c, "key");
        cJSON *names = cJSON_GetObjectItemCaseSensitive(c, "server_names");
        if (!cJSON_IsString(cert) || !cJSON_IsString(key)) {
            snprintf(err, errlen, "listener %s: each certificate needs cert and key", l->name);
            return -1;
        }
        struct gw_tls_cert *tc = &l->certs[l->n_certs++];
        tc->ctx = SSL_CTX_new(TLS_server_method());
        if (!tc->ctx) {
            ssl_err(err, errlen, "context", "");
            return -1;
        }
        SSL_CTX_set_min_proto_version(tc->ctx, TLS1_2_VERSION);
        SSL_CTX_set_mode(tc->ctx,
                         SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (SSL_CTX_use_certificate_chain_file(tc->ctx, cert->valuestring) != 1) {
            ssl_err(err, errlen, "certificate", cert->valuestring);
            return -1;
        }
        if (SSL_CTX_use_PrivateKey_file(tc->ctx, key->valuestring, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(tc->ctx) != 1) {
            ssl_err(err, errlen, "key", key->valuestring);
            return -1;
        }
        SSL_CTX_set_tlsext_servername_callback(tc->ctx, on_servername);
        SSL_CTX_set_tlsext_servername_arg(tc->ctx, l);
        size_t n = (size_t)cJSON_GetArraySize(names);
        tc->names = calloc(n + 1, sizeof(char *));
        if (!tc->names) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        size_t k = 0;
        cJSON *nm;
        cJSON_ArrayForEach(nm, names) if (cJSON_IsString(nm)) tc->names[k++] =
            strdup(nm->valuestring);
    }
    return 0;
}

void gw_tls_free(struct gw_listener *l)
{
    for (size_t i = 0; i < l->n_certs; i++) {
        SSL_CTX_free(l->certs[i].ctx);
        gw_strv_free(l->certs[i].names);
    }
    free(l->certs);
    l->certs = NULL;
    l->n_certs = 0;
}

SSL *gw_tls_new(struct gw_listener *l, int fd)
{
    SSL *ssl = SSL_new(l->certs[0].ctx);
    if (!ssl)
        return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    return ssl;
}
