/*
** Prints what the C compiler makes of abi.h: the size of every struct, the offset of every
** member and the value of every constant, one per line. sdk/rust/tests/layout.rs prints the
** same lines for the Rust mirror (sdk/rust/src/abi.rs) and fails when any line differs.
*/
#include <destkit/abi.h>

#include <stdio.h>

#define SIZE(type) printf("size %s %zu\n", #type, sizeof(type))
#define OFFSET(type, member) printf("offset %s.%s %zu\n", #type, #member, offsetof(type, member))
#define CONSTANT(name) printf("const %s %lld\n", #name, (long long)(name))

int main(void) {
  SIZE(dk_str);
  OFFSET(dk_str, data);
  OFFSET(dk_str, size);

  SIZE(dk_value);
  OFFSET(dk_value, kind);
  OFFSET(dk_value, reserved);
  OFFSET(dk_value, text);

  SIZE(dk_host_api);
  OFFSET(dk_host_api, struct_size);
  OFFSET(dk_host_api, abi_major);
  OFFSET(dk_host_api, abi_minor);
  OFFSET(dk_host_api, log);
  OFFSET(dk_host_api, set_error);
  OFFSET(dk_host_api, last_error);
  OFFSET(dk_host_api, get_setting);
  OFFSET(dk_host_api, get_settings_json);
  OFFSET(dk_host_api, get_auth);
  OFFSET(dk_host_api, options_set_prefix_url);
  OFFSET(dk_host_api, options_set_header);
  OFFSET(dk_host_api, options_set_basic_auth);
  OFFSET(dk_host_api, options_add_search_param);
  OFFSET(dk_host_api, options_set_timeout_ms);
  OFFSET(dk_host_api, options_set_response_type);
  OFFSET(dk_host_api, options_set_throw_http_errors);
  OFFSET(dk_host_api, options_set_method);
  OFFSET(dk_host_api, options_set_body);
  OFFSET(dk_host_api, options_set_json);
  OFFSET(dk_host_api, request_options_new);
  OFFSET(dk_host_api, request_send);
  OFFSET(dk_host_api, response_status);
  OFFSET(dk_host_api, response_reason);
  OFFSET(dk_host_api, response_body);
  OFFSET(dk_host_api, response_header);
  OFFSET(dk_host_api, set_tokens);
  OFFSET(dk_host_api, response_json_value);
  OFFSET(dk_host_api, set_invalid_setting);

  SIZE(dk_plugin);
  OFFSET(dk_plugin, struct_size);
  OFFSET(dk_plugin, abi_major);
  OFFSET(dk_plugin, abi_minor);
  OFFSET(dk_plugin, magic);
  OFFSET(dk_plugin, min_host_abi_minor);
  OFFSET(dk_plugin, reserved);
  OFFSET(dk_plugin, slug);
  OFFSET(dk_plugin, version);
  OFFSET(dk_plugin, definition_json);
  OFFSET(dk_plugin, on_test_request);
  OFFSET(dk_plugin, on_extend_request);
  OFFSET(dk_plugin, on_refresh_access_token);

  CONSTANT(DK_ABI_MAJOR);
  CONSTANT(DK_ABI_MINOR);
  CONSTANT(DK_PLUGIN_MAGIC);
  CONSTANT(DK_OK);
  CONSTANT(DK_ERR_INVALID_ARGUMENT);
  CONSTANT(DK_ERR_NOT_FOUND);
  CONSTANT(DK_ERR_HTTP);
  CONSTANT(DK_ERR_NETWORK);
  CONSTANT(DK_ERR_BAD_RESPONSE);
  CONSTANT(DK_ERR_INVALID_CREDENTIALS);
  CONSTANT(DK_ERR_INVALID_SETTINGS);
  CONSTANT(DK_ERR_INTERNAL);
  CONSTANT(DK_VALUE_NULL);
  CONSTANT(DK_VALUE_BOOL);
  CONSTANT(DK_VALUE_NUMBER);
  CONSTANT(DK_VALUE_STRING);
  CONSTANT(DK_VALUE_ARRAY);
  CONSTANT(DK_VALUE_OBJECT);
  CONSTANT(DK_LOG_DEBUG);
  CONSTANT(DK_LOG_INFO);
  CONSTANT(DK_LOG_WARN);
  CONSTANT(DK_LOG_ERROR);
  CONSTANT(DK_RESPONSE_TEXT);
  CONSTANT(DK_RESPONSE_JSON);
  return 0;
}
