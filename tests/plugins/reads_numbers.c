/*
** A C plugin that reads its number setting the way C code does, with strtoll, and reports the
** text it was given and what strtoll made of it: "amount 8080 reads as 8080".
*/
#include <destkit/abi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const dk_host_api *host;

static dk_status on_test_request(dk_call *call) {
  char text[64], report[160];
  dk_value amount;
  dk_status status = host->get_setting(call, DK_STR_LIT("amount"), &amount);
  if (status != DK_OK || amount.text.size >= sizeof text) return DK_ERR_INTERNAL;
  snprintf(text, sizeof text, "%.*s", (int)amount.text.size, amount.text.data);
  snprintf(report, sizeof report, "amount %s reads as %lld", text, strtoll(text, NULL, 10));
  host->set_error(call, (dk_str){report, strlen(report)});
  return DK_ERR_INVALID_SETTINGS;
}

static const dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin),
    .abi_major = DK_ABI_MAJOR,
    .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC,
    .slug = "reads-numbers",
    .version = "0.0.1",
    .definition_json =
        "{\"name\":\"Reads Numbers\",\"slug\":\"reads-numbers\",\"authentication\":{\"scheme\":\"custom\","
        "\"fields\":{\"amount\":{\"label\":\"Amount\",\"type\":\"number\",\"required\":true}}}}",
    .on_test_request = on_test_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
  return &descriptor;
}
