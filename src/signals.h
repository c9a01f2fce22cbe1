#ifndef CHARON_SIGNALS_H
#define CHARON_SIGNALS_H
#endif
