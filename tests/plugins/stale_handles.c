/*
** A plugin that keeps the handles of one call and uses them in the next, which the ABI
** forbids. The host must refuse every such use with DK_ERR_INVALID_ARGUMENT, never act on it:
** the request made with kept options goes to the `url` setting, where a test server counts it.
** The second testRequest reports what the host answered: "stale handles: 1 1 1 1 1", and what
** services given no call answered in the entry point, which runs before any call: "; entry: 1 1 1",
** and to texts of a size no object has: "; sizes: 1 1".
*/
#include <destkit/abi.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const dk_host_api *host;
static dk_call *kept_call;
static dk_request_options *kept_options;
static dk_status entry_statuses[3];

static dk_status on_test_request(dk_call *call) {
  char report[160];
  dk_value value, url;
  dk_str text;
  dk_response *response = NULL;
  dk_status statuses[10];
  static char long_name[1 << 20];
  if (kept_call == NULL) {
    kept_call = call;
    return host->request_options_new(call, &kept_options);
  }
  if (host->get_setting(call, DK_STR_LIT("url"), &url) != DK_OK) return DK_ERR_INTERNAL;
  statuses[0] = host->get_setting(kept_call, DK_STR_LIT("url"), &value);
  statuses[1] = host->set_error(kept_call, DK_STR_LIT("written through a stale call"));
  statuses[2] = host->options_set_header(kept_options, DK_STR_LIT("X-Stale"), DK_STR_LIT("1"));
  statuses[3] = host->request_send(call, url.text, kept_options, &response);
  statuses[4] = host->last_error(kept_call, &text);
  statuses[5] = host->get_setting(call, (dk_str){"url", SIZE_MAX}, &value);
  statuses[6] = host->set_error(call, (dk_str){"x", SIZE_MAX});
  statuses[7] = host->get_setting(call, (dk_str){"url", (size_t)1 << 62}, &value); /* below PTRDIFF_MAX, still a lie */
  /* A name of 1 MiB is refused unread; one of 60 KiB is looked up, and the error quoting it is cut. */
  memset(long_name, 'k', sizeof long_name);
  statuses[8] = host->get_setting(call, (dk_str){long_name, sizeof long_name}, &value);
  statuses[9] = host->get_setting(call, (dk_str){long_name, 60 << 10}, &value);
  host->last_error(call, &text);
  int error_cut = text.size <= 4096;
  snprintf(report, sizeof report, "stale handles: %d %d %d %d %d; entry: %d %d %d; sizes: %d %d %d; names: %d %d %d",
           (int)statuses[0], (int)statuses[1], (int)statuses[2], (int)statuses[3], (int)statuses[4],
           (int)entry_statuses[0], (int)entry_statuses[1], (int)entry_statuses[2], (int)statuses[5], (int)statuses[6],
           (int)statuses[7], (int)statuses[8], (int)statuses[9], error_cut);
  host->set_error(call, (dk_str){report, strlen(report)});
  return DK_ERR_INVALID_SETTINGS;
}

static const dk_plugin descriptor = {
    sizeof(dk_plugin), DK_ABI_MAJOR, DK_ABI_MINOR, DK_PLUGIN_MAGIC, 0, 0, "stale-handles", "0.0.1",
    "{\"name\":\"Stale Handles\",\"slug\":\"stale-handles\",\"authentication\":{\"scheme\":\"custom\","
    "\"fields\":{\"url\":{\"label\":\"URL\",\"type\":\"string\",\"required\":true}}}}",
    on_test_request, NULL, NULL,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  dk_value value;
  dk_request_options *options = NULL;
  host = h;
  entry_statuses[0] = host->get_setting(NULL, DK_STR_LIT("url"), &value);
  entry_statuses[1] = host->set_error(NULL, DK_STR_LIT("no call"));
  entry_statuses[2] = host->request_options_new(NULL, &options);
  return &descriptor;
}
