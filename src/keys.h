#ifndef CHARON_KEYS_H
#define CHARON_KEYS_H
#endif
