// isolation/services_wire — the dk_host_api services as numbered on the wire, and the fields
// each one carries. A runner's service message is [service, id, handle, inputs...]; the host's
// reply is [reply, status, outputs...]:
//
//   id                        inputs                    outputs
//   log                       call, level, message      (no reply)
//   set_error                 call, message             -
//   last_error                call                      text
//   get_setting               call, key                 kind, text
//   get_settings_json         call                      text
//   get_auth                  call, name                text
//   options_set_*             options, value(s)         -
//   request_options_new       call                      options
//   request_send              call, url, options        response
//   response_status           call, response            status
//   response_reason/_body     call, response            text
//   response_header           call, response, name      text
//   set_tokens                call, access, refresh, expires_in
//   response_json_value       call, response, pointer   kind, text
//   set_invalid_setting       call, field, why          -
//
// Handles travel as the integers the host handed out: the host checks them exactly as it
// checks a plugin's handles in process.
#pragma once

#include <cstdint>

namespace destkit::isolation {

enum class Service : std::int64_t {
  log = 1,
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

}  // namespace destkit::isolation
