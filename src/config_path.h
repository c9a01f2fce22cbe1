/*
 * config_path.h - the checks a path-valued config value must pass: it is
 * absolute (a relative one resolves against the working directory, which
 * in CGI mode is the script's), and a PATH value names an existing regular
 * file (private if the option says so).
 */
#ifndef CHARON_CONFIG_PATH_H
#define CHARON_CONFIG_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include <charon/option.h>

/* True for a STRING option that names a file, directory or socket. */
bool config_path_named(const struct charon_option *o);

/* Checks the PATH value v of o; -1 with what filled (keyonly: what must
 * not be preceded by the value) when it is refused, else 0. */
int config_path_file(const struct charon_option *o, const char *v,
                     bool *keyonly, char *what, size_t len);

#endif /* CHARON_CONFIG_PATH_H */
