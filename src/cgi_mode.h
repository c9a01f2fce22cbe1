/*
 * cgi_mode.h - answering one request as a plain CGI program (Apache
 * mod_cgi, fcgiwrap): params from the environment, body from stdin
 * (exactly CONTENT_LENGTH bytes), reply on stdout.
 */
#ifndef CHARON_CGI_MODE_H
#define CHARON_CGI_MODE_H

struct snapshot;

/* Is this process a CGI request (GATEWAY_INTERFACE is set)? */
int cgi_mode_detect(void);

/*
 * First thing in a CGI process: the web server built the environment
 * (even from .htaccess SetEnv), so it must not choose code that runs.
 * Drops every variable that makes us or a library load code
 * (OPENSSL_CONF, OPENSSL_MODULES, OPENSSL_ENGINES, CHARON_PLUGIN_PATH...;
 * LD_* are the dynamic loader's, acted on before main) and initialises
 * OpenSSL without its config file.  CHARON_ENOMEM when OpenSSL cannot
 * start.
 */
int cgi_mode_harden(void);

/* Answers the request; returns the exit status (0, or 1 if stdout
 * failed). */
int cgi_mode_run(const struct snapshot *snap);

#endif /* CHARON_CGI_MODE_H */
