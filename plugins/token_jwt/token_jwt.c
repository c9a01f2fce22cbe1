/* placeholder until the token_jwt plugin lands in this session */
#include <charon/plugin.h>
extern CHARON_PLUGIN_EXPORT const int charon_plugin;
CHARON_PLUGIN_EXPORT const int charon_plugin = 0;
