#ifndef CHARON_FCGI_LOOP_H
#define CHARON_FCGI_LOOP_H
#endif
