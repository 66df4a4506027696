/*
** Exports dk_plugin_entry but needs a symbol that nothing defines: built without -z defs, it
** links, and the dynamic loader refuses it.
*/
#include <destkit/abi.h>

#include <stddef.h>

int destkit_test_missing(void);

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *host) {
  (void)host;
  return destkit_test_missing() ? NULL : NULL;
}
