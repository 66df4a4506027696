// services — the dk_host_api services, a file for each group (diagnostics, inputs, tokens,
// request options, requests and responses), what they share (service_support.cpp), and the
// table that gathers them (services.cpp).
#pragma once

#include "abi/call.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace destkit::host::services {

// A NULL data pointer reads as empty, whatever size came with it. A size no object can have
// (kImpossibleTextBytes) throws ImpossibleSize, which guarded() makes DK_ERR_INVALID_ARGUMENT,
// as a runner refuses a text too large for its channel.
inline constexpr std::size_t kImpossibleTextBytes = std::size_t{1} << 48;
std::string_view view(dk_str s);
// Keeps `text` for the rest of the call and hands it out, counting kHandOutEntryBytes and the
// text against kMaxKeptBytesPerCall (past it: OverCallBudget, last_error saying why).
inline constexpr std::size_t kHandOutEntryBytes = 64;
dk_str hand_out(dk_call* call, std::string text);
std::uintptr_t value_of(const void* handle);
// The call a handle stands for: only the call running on this thread answers to its handle.
dk_call* resolve(dk_call* handle);
// Options handles are only usable inside the call that owns them (the active call).
RequestOptions* options_of(dk_request_options* handle);
// Records why a service failed (redacted, then cut at kMaxLastErrorBytes) and returns `status`.
inline constexpr std::size_t kMaxLastErrorBytes = 4096;
dk_status fail(dk_call* call, dk_status status, std::string message);
// When the host refuses `refused` for the wire and it holds the value of a string setting that
// `fits` refuses on its own, the user's setting is what is wrong, not the plugin: the call's
// verdict names the field (dk_call::unusable_settings), whatever status the plugin then
// returns. `problem` completes a sentence whose subject is the field's label: "holds a line
// break or NUL, which the header \"Authorization\" cannot carry". With `at_start`, only a
// setting that `refused` begins with is at fault.
void blame_settings_in(dk_call& call, std::string_view refused, bool (*fits)(std::string_view),
                       std::string_view problem, bool at_start = false);
// A JSON value as the ABI hands it out: strings as they are, the rest as JSON text.
dk_value to_dk_value(dk_call* call, const boost::json::value& v);
// The parts of to_dk_value: the DK_VALUE_* kind, and the text.
int32_t value_kind(const boost::json::value& v);
std::string value_text(const boost::json::value& v);

// Thrown by view() for a dk_str larger than any object can be.
struct ImpossibleSize {};
// Counts what a plugin gives the host to keep until the call ends (an options handle, a header,
// a query parameter, credentials: kOptionsEntryBytes and the text); past kMaxKeptBytesPerCall
// it throws OverCallBudget, so a hook that fills options in a loop cannot take the host's memory.
void keep_given(dk_call& call, std::size_t text_bytes);
// Thrown by hand_out() and keep_given() past what one call may keep, and by name_of() for a name
// too long to be one (its last_error says so).
struct OverCallBudget {};

// Text a service holds while extendRequest runs (a log line, an error, an invalid-setting
// sentence), whole, to be redacted and cut when it returns; past kMaxHeldBytes for the call, a
// sentence that says so instead.
std::string held_text(dk_call& call, std::string_view text);

// A name the plugin passes (a setting's key, a header's or query parameter's name, a JSON
// pointer, a method): at most kMaxNameBytes, checked before anything copies or quotes it, so a
// 60 MB "name" costs the host no memory. `what` names it in last_error ("setting name").
// (kMaxNameBytes is in http/option_rules.hpp, which the runner shares.)
std::string_view name_of(dk_call& call, dk_str s, std::string_view what);

// Runs a service body with exception safety: nothing ever propagates to the plugin.
template <class Body>
dk_status guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const ImpossibleSize&) {
    return DK_ERR_INVALID_ARGUMENT;
  } catch (const OverCallBudget&) {
    return DK_ERR_INVALID_ARGUMENT;
  } catch (...) {
    return DK_ERR_INTERNAL;
  }
}

// diagnostic_services.cpp
void log(dk_call* handle, int32_t level, dk_str message) noexcept;
dk_status set_error(dk_call* handle, dk_str message) noexcept;
dk_status set_invalid_setting(dk_call* handle, dk_str field, dk_str why) noexcept;
dk_status last_error(dk_call* handle, dk_str* out) noexcept;

// input_services.cpp
dk_status get_setting(dk_call* handle, dk_str key, dk_value* out) noexcept;
dk_status get_settings_json(dk_call* handle, dk_str* out) noexcept;

// token_services.cpp
dk_status get_auth(dk_call* handle, dk_str name, dk_str* out) noexcept;
dk_status set_tokens(dk_call* handle, dk_str access_token, dk_str refresh_token, int64_t expires_in_seconds) noexcept;

// option_services.cpp
dk_status options_set_prefix_url(dk_request_options* handle, dk_str url) noexcept;
dk_status options_set_header(dk_request_options* handle, dk_str name, dk_str value) noexcept;
dk_status options_set_basic_auth(dk_request_options* handle, dk_str username, dk_str password) noexcept;
dk_status options_add_search_param(dk_request_options* handle, dk_str name, dk_str value) noexcept;
dk_status options_set_timeout_ms(dk_request_options* handle, int64_t timeout_ms) noexcept;
dk_status options_set_response_type(dk_request_options* handle, int32_t type) noexcept;
dk_status options_set_throw_http_errors(dk_request_options* handle, int32_t enabled) noexcept;
dk_status options_set_method(dk_request_options* handle, dk_str method) noexcept;
dk_status options_set_body(dk_request_options* handle, dk_str body) noexcept;
dk_status options_set_json(dk_request_options* handle, dk_str text) noexcept;

// request_services.cpp
dk_status request_options_new(dk_call* handle, dk_request_options** out) noexcept;
dk_status request_send(dk_call* handle, dk_str url, dk_request_options* options, dk_response** out) noexcept;
dk_status response_status(dk_call* handle, const dk_response* response, int32_t* out) noexcept;
dk_status response_reason(dk_call* handle, const dk_response* response, dk_str* out) noexcept;
dk_status response_body(dk_call* handle, const dk_response* response, dk_str* out) noexcept;
dk_status response_header(dk_call* handle, const dk_response* response, dk_str name, dk_str* out) noexcept;
dk_status response_json_value(dk_call* handle, const dk_response* response, dk_str pointer, dk_value* out) noexcept;

}  // namespace destkit::host::services
