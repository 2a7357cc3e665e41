/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the service readers: the first byte picks the reader
 * (Kubernetes JSON/YAML, the table's own JSON, one service object), the rest
 * is the input. Accepted input is also saved and reloaded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lcont/lcont.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lcont_service_table *t = NULL;
    if (size < 1 || size > (1u << 20) || lcont_service_table_new(0, &t, NULL) < 0)
        return 0;
    char *text = malloc(size);
    if (!text) {
        lcont_service_table_unref(t);
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    lcont_error *err = NULL;
    int r;
    switch (data[0] % 3) {
    case 0:
        r = lcont_service_table_apply_k8s(t, text, size - 1, 0, &err);
        break;
    case 1:
        r = lcont_service_table_load_json(t, text, 0, &err);
        break;
    default:
        r = lcont_service_add_json(t, text, 0, NULL, &err);
        break;
    }
    lcont_error_free(err);
    if (r >= 0) {
        char *saved = NULL;
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        lcont_service_pick(t, 1ULL << 32, NULL, 0, NULL, 0, 0, &p);
        if (lcont_service_table_save_json(t, 0, &saved, NULL) == 0) {
            lcont_service_table *t2 = NULL;
            if (lcont_service_table_new(0, &t2, NULL) == 0) {
                lcont_service_table_load_json(t2, saved, 0, NULL);
                lcont_service_table_unref(t2);
            }
            lcont_free(saved);
        }
    }
    free(text);
    lcont_service_table_unref(t);
    return 0;
}
