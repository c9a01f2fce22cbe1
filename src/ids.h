#ifndef CHARON_IDS_H
#define CHARON_IDS_H
#endif
