/*
** One of many small C destinations, told apart by the SLUG the build gives it: its
** testRequest sends one request to API_URL (a port nothing listens on is enough to start a
** runner and get a verdict).
*/
#include <destkit/abi.h>

#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)

static const dk_host_api *host;

static dk_status on_test_request(dk_call *call) {
  dk_response *response = 0;
  return host->request_send(call, DK_STR_LIT(TEXT(API_URL)), 0, &response);
}

static const dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin),
    .abi_major = DK_ABI_MAJOR,
    .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC,
    .slug = TEXT(SLUG),
    .version = "1.0.0",
    .definition_json = "{\"name\":\"Numbered " TEXT(SLUG) "\",\"slug\":\"" TEXT(SLUG)
                       "\",\"authentication\":{\"scheme\":\"custom\",\"fields\":{}}}",
    .on_test_request = on_test_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
  return &descriptor;
}
