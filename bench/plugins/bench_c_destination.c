/*
** A small C destination, copied a thousand times by destkit-bench-startup: each copy gets a
** slug of its own by replacing the digits of "bench-c-000000" in its bytes (the same length).
*/
#include <destkit/abi.h>

#define SLUG "bench-c-000000"

static const dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin), .abi_major = DK_ABI_MAJOR, .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC, .min_host_abi_minor = 0, .slug = SLUG, .version = "1.0.0",
    .definition_json = "{\"name\":\"Bench C\",\"slug\":\"" SLUG "\",\"description\":\"A copy for the startup "
                       "benchmark\",\"authentication\":{\"scheme\":\"custom\",\"fields\":{\"apiKey\":{\"label\":"
                       "\"API Key\",\"type\":\"password\",\"required\":true}}}}",
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *host) {
  (void)host;
  return &descriptor;
}
