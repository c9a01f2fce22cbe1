#ifndef CHARON_REQUEST_H
#define CHARON_REQUEST_H
#endif
