/*
** names-field-c: a C destination that rejects settings naming the field at fault with
** set_invalid_setting (ABI 1.2), and one with a key no field has.
*/
#include <destkit/abi.h>

#include <string.h>

static const dk_host_api *host;

static dk_status on_test_request(dk_call *call) {
  dk_value account;
  if (host->get_setting(call, DK_STR_LIT("account"), &account) != DK_OK) return DK_ERR_INTERNAL;
  if (account.text.size == 0 || account.text.data[0] != 'A') {
    host->set_invalid_setting(call, DK_STR_LIT("account"), DK_STR_LIT("must start with A, as on your invoice"));
    dk_status unknown = host->set_invalid_setting(call, DK_STR_LIT("nosuch"), DK_STR_LIT("is ignored"));
    if (unknown != DK_ERR_NOT_FOUND) return DK_ERR_INTERNAL;
    return DK_ERR_INVALID_SETTINGS;
  }
  return DK_OK;
}

static const dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin),
    .abi_major = DK_ABI_MAJOR,
    .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC,
    .min_host_abi_minor = 2,
    .slug = "names-field-c",
    .version = "0.0.1",
    .definition_json =
        "{\"name\":\"Names Field C\",\"slug\":\"names-field-c\",\"authentication\":{\"scheme\":\"custom\","
        "\"fields\":{\"account\":{\"label\":\"Account number\",\"type\":\"string\",\"required\":true}}}}",
    .on_test_request = on_test_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
  return &descriptor;
}
