/*
** Example C: a destination written in plain C99 against destkit/abi.h alone.
**
** The `custom` scheme with one field, `token`, sent as Authorization: Token <token>. It shows
** everything a C plugin does: a static descriptor, the entry point, two hooks, and the host
** services for settings, request options and HTTP.
*/
#include <destkit/abi.h>

#include <string.h>

static const dk_host_api *host;

/* Puts "Token <token>" into the Authorization header of every request. */
static dk_status on_extend_request(dk_call *call, dk_request_options *out) {
  static const char prefix[] = "Token ";
  char header[512];
  dk_value token;
  dk_status status = host->get_setting(call, DK_STR_LIT("token"), &token);
  if (status != DK_OK) return status;
  if (token.text.size > sizeof header - sizeof prefix) {
    host->set_error(call, DK_STR_LIT("the token is longer than 500 bytes"));
    return DK_ERR_INVALID_SETTINGS;
  }
  memcpy(header, prefix, sizeof prefix - 1);
  memcpy(header + sizeof prefix - 1, token.text.data, token.text.size);
  {
    dk_str value;
    value.data = header;
    value.size = sizeof prefix - 1 + token.text.size;
    status = host->options_set_prefix_url(out, DK_STR_LIT("https://example.com/api"));
    if (status == DK_OK) status = host->options_set_header(out, DK_STR_LIT("Authorization"), value);
  }
  return status;
}

/* The credentials work when GET /accounts/me.json answers 2xx: request_send says so. */
static dk_status on_test_request(dk_call *call) {
  dk_response *response = NULL;
  return host->request_send(call, DK_STR_LIT("/accounts/me.json"), NULL, &response);
}

static const dk_plugin descriptor = {
    sizeof(dk_plugin),
    DK_ABI_MAJOR,
    DK_ABI_MINOR,
    DK_PLUGIN_MAGIC,
    0, /* min_host_abi_minor: uses only v1.0 services */
    0,
    "example-c",
    "1.0.0",
    "{\"name\":\"Example C\",\"slug\":\"example-c\",\"version\":\"1.0.0\","
    "\"description\":\"A destination written in plain C.\","
    "\"authentication\":{\"scheme\":\"custom\",\"fields\":{"
    "\"token\":{\"label\":\"API Token\",\"type\":\"password\",\"required\":true,"
    "\"description\":\"The token from your Example account.\"}}}}",
    on_test_request,
    on_extend_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  if (h == NULL || h->abi_major != DK_ABI_MAJOR) return NULL;
  host = h;
  return &descriptor;
}
