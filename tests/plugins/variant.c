/*
** Small C plugins that are wrong in one way each, selected by a VARIANT_* macro at build time:
** the loader must reject each with its own reason and keep loading the others.
*/
#include <destkit/abi.h>

#include <string.h>

#define DEFINITION(slug, fields)                                                   \
  "{\"name\":\"Variant\",\"slug\":\"" slug "\",\"authentication\":{\"scheme\":\"custom\"," \
  "\"fields\":{" fields "}}}"

#if defined(VARIANT_BAD_FIELD_TYPE)
#define SLUG "bad-field-type"
#define FIELDS "\"apiKey\":{\"label\":\"API Key\",\"type\":\"strin\"}"
#elif defined(VARIANT_FROZEN_V1_0)
#define SLUG "frozen-v1-0"
#define FIELDS "\"apiKey\":{\"label\":\"API Key\",\"type\":\"password\",\"required\":true}"
#elif defined(VARIANT_DUPLICATE_SLUG)
#define SLUG "example-basic"
#define FIELDS ""
#else
#define SLUG "variant"
#define FIELDS ""
#endif

#if defined(VARIANT_OTHER_MAJOR)
#define MAJOR 2
#else
#define MAJOR DK_ABI_MAJOR
#endif

#if defined(VARIANT_NEWER_MINOR)
#define MIN_HOST_MINOR 99
#else
#define MIN_HOST_MINOR 0
#endif

static const dk_plugin descriptor = {
    sizeof(dk_plugin), MAJOR, DK_ABI_MINOR, DK_PLUGIN_MAGIC, MIN_HOST_MINOR, 0,
    SLUG, "0.0.1", DEFINITION(SLUG, FIELDS), NULL, NULL,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *host) {
#if defined(VARIANT_REFUSES)
  static const char why[] = "this plugin refuses every host";
  dk_str message;
  message.data = why;
  message.size = strlen(why);
  host->log(NULL, DK_LOG_ERROR, message);
  return NULL;
#else
  (void)host;
  return &descriptor;
#endif
}
