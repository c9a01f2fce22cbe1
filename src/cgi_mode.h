#ifndef CHARON_CGI_MODE_H
#define CHARON_CGI_MODE_H
#endif
