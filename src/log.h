#ifndef CHARON_LOG_H
#define CHARON_LOG_H
#endif
