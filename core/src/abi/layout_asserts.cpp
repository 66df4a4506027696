// The ABI's layout, frozen: an accidental change to abi.h (a member moved, resized or
// retyped) breaks the build here instead of breaking plugins already shipped.
// Offsets are for the LP64 ABIs (x86-64, AArch64) that destkit plugins are built for.
#include <destkit/abi.h>

#include <cstddef>

#define DK_AT(type, member, offset) static_assert(offsetof(type, member) == (offset), #type "." #member " moved")

static_assert(sizeof(void*) == 8, "the layout below is for LP64 platforms");

static_assert(sizeof(dk_str) == 16);
DK_AT(dk_str, data, 0);
DK_AT(dk_str, size, 8);

static_assert(sizeof(dk_value) == 24);
DK_AT(dk_value, kind, 0);
DK_AT(dk_value, reserved, 4);
DK_AT(dk_value, text, 8);

// v1.0 ended after response_header (184 bytes); v1.1 added set_tokens and response_json_value
// (200 bytes); v1.2 added set_invalid_setting.
static_assert(sizeof(dk_host_api) == 208);
DK_AT(dk_host_api, struct_size, 0);
DK_AT(dk_host_api, abi_major, 4);
DK_AT(dk_host_api, abi_minor, 6);
DK_AT(dk_host_api, log, 8);
DK_AT(dk_host_api, set_error, 16);
DK_AT(dk_host_api, last_error, 24);
DK_AT(dk_host_api, get_setting, 32);
DK_AT(dk_host_api, get_settings_json, 40);
DK_AT(dk_host_api, get_auth, 48);
DK_AT(dk_host_api, options_set_prefix_url, 56);
DK_AT(dk_host_api, options_set_header, 64);
DK_AT(dk_host_api, options_set_basic_auth, 72);
DK_AT(dk_host_api, options_add_search_param, 80);
DK_AT(dk_host_api, options_set_timeout_ms, 88);
DK_AT(dk_host_api, options_set_response_type, 96);
DK_AT(dk_host_api, options_set_throw_http_errors, 104);
DK_AT(dk_host_api, options_set_method, 112);
DK_AT(dk_host_api, options_set_body, 120);
DK_AT(dk_host_api, options_set_json, 128);
DK_AT(dk_host_api, request_options_new, 136);
DK_AT(dk_host_api, request_send, 144);
DK_AT(dk_host_api, response_status, 152);
DK_AT(dk_host_api, response_reason, 160);
DK_AT(dk_host_api, response_body, 168);
DK_AT(dk_host_api, response_header, 176);
DK_AT(dk_host_api, set_tokens, 184);
DK_AT(dk_host_api, response_json_value, 192);
DK_AT(dk_host_api, set_invalid_setting, 200);

// v1.0 ended after on_extend_request (56 bytes); v1.1 added on_refresh_access_token.
static_assert(sizeof(dk_plugin) == 64);
DK_AT(dk_plugin, struct_size, 0);
DK_AT(dk_plugin, abi_major, 4);
DK_AT(dk_plugin, abi_minor, 6);
DK_AT(dk_plugin, magic, 8);
DK_AT(dk_plugin, min_host_abi_minor, 12);
DK_AT(dk_plugin, reserved, 14);
DK_AT(dk_plugin, slug, 16);
DK_AT(dk_plugin, version, 24);
DK_AT(dk_plugin, definition_json, 32);
DK_AT(dk_plugin, on_test_request, 40);
DK_AT(dk_plugin, on_extend_request, 48);
DK_AT(dk_plugin, on_refresh_access_token, 56);
