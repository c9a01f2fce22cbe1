#ifndef CHARON_CLOCK_H
#define CHARON_CLOCK_H
#endif
