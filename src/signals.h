/*
 * signals.h - signal handling without handlers: the daemon blocks
 * SIGTERM, SIGINT, SIGHUP and SIGUSR1 in every thread and one thread
 * sigwait()s.
 */
#ifndef CHARON_SIGNALS_H
#define CHARON_SIGNALS_H

/* Blocks SIGTERM/SIGINT/SIGHUP/SIGUSR1 in the calling thread (and so in
 * every thread it creates afterwards) and ignores SIGPIPE.  Call it
 * before FCGX_Init, whose handlers then never run. */
void signals_block(void);

/* Waits for one of the blocked signals and returns its number. */
int signals_wait(void);

#endif /* CHARON_SIGNALS_H */
