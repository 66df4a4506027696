/*
** An oauth2 plugin whose refreshAccessToken hands set_tokens an access token with a NULL data
** pointer and a size: abi.h reads such a text as empty, and an empty access token is refused,
** so the stored tokens must be kept. The hook fails with what set_tokens answered.
*/
#include <destkit/abi.h>

#include <stddef.h>

static const dk_host_api *host;

static dk_status on_refresh_access_token(dk_call *call) {
  dk_str null_token = {NULL, (size_t)1 << 20};
  dk_status status = host->set_tokens(call, null_token, DK_STR_LIT("replaced-refresh-token"), 3600);
  if (status == DK_OK) return DK_OK;
  host->set_error(call, DK_STR_LIT("set_tokens refused the NULL access token"));
  return status;
}

static dk_status on_test_request(dk_call *call) {
  dk_response *response = NULL;
  return host->request_send(call, DK_STR_LIT("https://example.com/api/accounts/me.json"), NULL, &response);
}

static const dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin),
    .abi_major = DK_ABI_MAJOR,
    .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC,
    .slug = "null-token-refresh",
    .version = "0.0.1",
    .definition_json =
        "{\"name\":\"Null Token Refresh\",\"slug\":\"null-token-refresh\","
        "\"authentication\":{\"scheme\":\"oauth2\",\"fields\":{}}}",
    .on_test_request = on_test_request,
    .on_refresh_access_token = on_refresh_access_token,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
  return &descriptor;
}
