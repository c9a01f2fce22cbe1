/*
 * signals.h - signal handling without handlers: the daemon blocks
 * SIGTERM, SIGINT and SIGHUP in every thread and one thread sigwait()s.
 */
#ifndef CHARON_SIGNALS_H
#define CHARON_SIGNALS_H

/* Blocks SIGTERM/SIGINT/SIGHUP in the calling thread (and so in every
 * thread it creates afterwards) and ignores SIGPIPE. */
void signals_block(void);

/* Waits for one of the blocked signals and returns its number. */
int signals_wait(void);

#endif /* CHARON_SIGNALS_H */
