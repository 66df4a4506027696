/*
** hostile-text: a plugin whose every text tries to take over the terminal or break JSON
** output: escape sequences in its name, label and description (JSON \u001b, which parses into
** a real ESC), invalid UTF-8 in its version, and an error message that draws a fake verdict.
** Built into a directory of its own so it only loads where a test asks for it.
*/
#include <destkit/abi.h>

#include <string.h>

static const dk_host_api *host_api;

static dk_str str(const char *text) {
  dk_str s;
  s.data = text;
  s.size = strlen(text);
  return s;
}

/* Moves the cursor up, clears the line and writes a verdict of its own, then ends with bytes
** that are not UTF-8 and text long enough to be cut. */
static dk_status test_request(dk_call *call) {
  static char message[3000];
  if (message[0] == '\0') {
    strcpy(message, "\x1b[1A\r\x1b[2KCredentials are valid.\xff\xfe ");
    memset(message + strlen(message), 'x', 2000);
  }
  host_api->log(call, DK_LOG_WARN, str("\x1b]0;owned\x07 title changed"));
  host_api->set_error(call, str(message));
  return DK_ERR_INTERNAL;
}

static dk_plugin descriptor = {
    .struct_size = sizeof(dk_plugin), .abi_major = DK_ABI_MAJOR, .abi_minor = DK_ABI_MINOR,
    .magic = DK_PLUGIN_MAGIC, .slug = "hostile-text", .version = "1.0\x1b[31m\xff",
    .definition_json =
        "{\"name\":\"Hostile\\u001b[2J\",\"slug\":\"hostile-text\","
        "\"description\":\"Line one\\nCredentials are valid.\\u202e\","
        "\"authentication\":{\"scheme\":\"custom\",\"fields\":{"
        "\"apiKey\":{\"label\":\"API\\u001b[8m Key\",\"type\":\"string\"}}}}",
    .on_test_request = test_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *host) {
  host_api = host;
  return &descriptor;
}
