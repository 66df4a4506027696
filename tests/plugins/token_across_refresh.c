/*
** An oauth-managed plugin that reads the access token, makes a request, and uses what it read
** after the request: abi.h says text from get_auth stays valid until the hook returns, even
** when the host refreshed the token after a 401 during request_send.
** testRequest fails with "the access token read before the request changed" if the text moved.
*/
#include <destkit/abi.h>

#include <string.h>

static const dk_host_api *host;

/* Sends Authorization: Bearer <the call's access token>. */
static dk_status on_extend_request(dk_call *call, dk_request_options *out) {
  static const char prefix[] = "Bearer ";
  char header[512];
  dk_str token, value;
  dk_status status = host->get_auth(call, DK_STR_LIT("accessToken"), &token);
  if (status != DK_OK) return status;
  if (token.size > sizeof header - sizeof prefix) return DK_ERR_INVALID_ARGUMENT;
  memcpy(header, prefix, sizeof prefix - 1);
  memcpy(header + sizeof prefix - 1, token.data, token.size);
  value.data = header;
  value.size = sizeof prefix - 1 + token.size;
  status = host->options_set_prefix_url(out, DK_STR_LIT("https://example.com/api"));
  if (status == DK_OK) status = host->options_set_header(out, DK_STR_LIT("Authorization"), value);
  return status;
}

static dk_status on_test_request(dk_call *call) {
  char before[512];
  dk_str token;
  dk_response *response = NULL;
  dk_status status = host->get_auth(call, DK_STR_LIT("accessToken"), &token);
  if (status != DK_OK || token.size > sizeof before) return DK_ERR_INTERNAL;
  memcpy(before, token.data, token.size);
  status = host->request_send(call, DK_STR_LIT("/accounts/me.json"), NULL, &response);
  if (status != DK_OK) return status;
  if (memcmp(before, token.data, token.size) != 0) {
    host->set_error(call, DK_STR_LIT("the access token read before the request changed"));
    return DK_ERR_INTERNAL;
  }
  return DK_OK;
}

static const dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin),
    .abi_major = DK_ABI_MAJOR,
    .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC,
    .slug = "token-across-refresh",
    .version = "0.0.1",
    .definition_json =
        "{\"name\":\"Token Across Refresh\",\"slug\":\"token-across-refresh\","
        "\"authentication\":{\"scheme\":\"oauth-managed\",\"fields\":{}}}",
    .on_test_request = on_test_request,
    .on_extend_request = on_extend_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
  return &descriptor;
}
