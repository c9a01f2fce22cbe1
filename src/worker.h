#ifndef CHARON_WORKER_H
#define CHARON_WORKER_H
#endif
