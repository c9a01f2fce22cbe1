/*
 * fuzz_config_ini.c - config_load_string of arbitrary text, then
 * config_free (or the error list freed on failure).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <charon/err.h>

#include "config.h"
#include "config_errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_errors errs = CONFIG_ERRORS_INIT;
    struct config_errors warns = CONFIG_ERRORS_INIT;
    struct config *cfg = NULL;
    char *text;
    int rc;

    text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    rc = config_load_string("fuzz.ini", text, &cfg, &errs);
    if (rc == CHARON_OK) {
        if (cfg == NULL)
            abort();
        /* No plugin section applied: leftovers become messages. */
        (void)config_finish(cfg, NULL, &errs, &warns);
        config_free(cfg);
    } else if (cfg != NULL) {
        abort();
    }
    config_errors_free(&errs);
    config_errors_free(&warns);
    free(text);
    return 0;
}
