// The dk_host_api table: every service, in the order abi.h declares them.
#include "abi/services.hpp"

namespace destkit::host {
namespace services {
namespace {

const dk_host_api kHostApi = {
    sizeof(dk_host_api),
    DK_ABI_MAJOR,
    DK_ABI_MINOR,
    log,
    set_error,
    last_error,
    get_setting,
    get_settings_json,
    get_auth,
    options_set_prefix_url,
    options_set_header,
    options_set_basic_auth,
    options_add_search_param,
    options_set_timeout_ms,
    options_set_response_type,
    options_set_throw_http_errors,
    options_set_method,
    options_set_body,
    options_set_json,
    request_options_new,
    request_send,
    response_status,
    response_reason,
    response_body,
    response_header,
    set_tokens,
    response_json_value,
    set_invalid_setting,
};

}  // namespace
}  // namespace services

const dk_host_api* host_api() { return &services::kHostApi; }

}  // namespace destkit::host
