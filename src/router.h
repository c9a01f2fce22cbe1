#ifndef CHARON_ROUTER_H
#define CHARON_ROUTER_H
#endif
