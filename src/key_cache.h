#ifndef CHARON_KEY_CACHE_H
#define CHARON_KEY_CACHE_H
#endif
