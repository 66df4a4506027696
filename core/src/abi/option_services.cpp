// The dk_host_api services that set request options: what extendRequest gives every request
// and what testRequest gives one.
#include "abi/services.hpp"

#include "util/json_input.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace destkit::host::services {

namespace {

// Timeouts longer than this are clamped: a destination must not hold a worker for hours.
constexpr std::int64_t kMaxTimeoutMs = 5 * 60 * 1000;

// "Bearer abc" is redacted whole and as "abc", in case a server echoes only the token.
void redact_credential(Redactor& redactor, std::string_view value) {
  redactor.add(value);
  if (auto space = value.find(' '); space != std::string_view::npos) redactor.add(value.substr(space + 1));
}

// A body counts toward what the call gives the host to keep; one that replaces another counts
// only for what it adds, so setting a body again does not use the budget up.
void keep_body(dk_call& call, const std::optional<std::string>& previous, std::string_view body) {
  std::size_t before = previous ? previous->size() : 0;
  keep_given(call, body.size() > before ? body.size() - before : 0);
}

template <class Body>
dk_status with_options(dk_request_options* handle, Body&& body) noexcept {
  return guarded([&] {
    RequestOptions* options = options_of(handle);
    if (options == nullptr) return DK_ERR_INVALID_ARGUMENT;
    return body(*options, *ActiveCall::current());
  });
}

}  // namespace

dk_status options_set_prefix_url(dk_request_options* handle, dk_str url) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    if (!is_http_url(view(url))) {
      blame_settings_in(call, view(url), is_http_url, "must be an http or https URL to be the API's address", true);
      return fail(&call, DK_ERR_INVALID_ARGUMENT, "prefixUrl must be an absolute http(s) URL");
    }
    o.prefix_url = std::string(view(url));
    return DK_OK;
  });
}

dk_status options_set_header(dk_request_options* handle, dk_str name, dk_str value) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    name_of(call, name, "header name");
    std::string problem = request_header_problem(view(name), view(value));
    if (!problem.empty()) {
      // Meant as a credential, refused or not: the hook's log lines must not show it.
      if (is_secret_name(view(name))) redact_credential(call.redactor, view(value));
      if (is_header_name(view(name)) && !is_client_written_header(view(name))) {
        blame_settings_in(
            call, view(value), is_header_value,
            fmt::format("holds a line break or another control character, which the header \"{}\" cannot carry",
                        view(name)));
      }
      return fail(&call, DK_ERR_INVALID_ARGUMENT, problem);
    }
    keep_given(call, view(name).size() + view(value).size());
    if (is_secret_name(view(name))) redact_credential(call.redactor, view(value));
    o.headers.emplace_back(std::string(view(name)), std::string(view(value)));
    return DK_OK;
  });
}

dk_status options_set_basic_auth(dk_request_options* handle, dk_str username, dk_str password) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    keep_given(call, view(username).size() + view(password).size());
    o.username = std::string(view(username));
    o.password = std::string(view(password));
    call.redactor.add(view(password));
    call.redactor.add(fmt::format("{}:{}", view(username), view(password)));
    return DK_OK;
  });
}

dk_status options_add_search_param(dk_request_options* handle, dk_str name, dk_str value) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    keep_given(call, name_of(call, name, "query parameter name").size() + view(value).size());
    if (is_secret_name(view(name))) redact_credential(call.redactor, view(value));
    o.search_params.emplace_back(std::string(view(name)), std::string(view(value)));
    return DK_OK;
  });
}

dk_status options_set_timeout_ms(dk_request_options* handle, int64_t timeout_ms) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    if (timeout_ms <= 0) return fail(&call, DK_ERR_INVALID_ARGUMENT, "timeout must be positive");
    o.timeout = std::chrono::milliseconds(std::min(timeout_ms, kMaxTimeoutMs));
    return DK_OK;
  });
}

dk_status options_set_response_type(dk_request_options* handle, int32_t type) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    if (type != DK_RESPONSE_TEXT && type != DK_RESPONSE_JSON) {
      return fail(&call, DK_ERR_INVALID_ARGUMENT, fmt::format("unknown response type {}", type));
    }
    o.response_type = type == DK_RESPONSE_JSON ? ResponseType::json : ResponseType::text;
    return DK_OK;
  });
}

dk_status options_set_throw_http_errors(dk_request_options* handle, int32_t enabled) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call&) {
    o.throw_http_errors = enabled != 0;
    return DK_OK;
  });
}

dk_status options_set_method(dk_request_options* handle, dk_str method) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    std::string m(name_of(call, method, "method"));
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
    for (const char* allowed : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}) {
      if (m == allowed) {
        o.method = m;
        return DK_OK;
      }
    }
    // Quoted as given: in capitals, a secret passed by mistake would not be recognised.
    return fail(&call, DK_ERR_INVALID_ARGUMENT,
                fmt::format("\"{}\" is not an HTTP method destkit sends", view(method)));
  });
}

dk_status options_set_body(dk_request_options* handle, dk_str body) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    keep_body(call, o.body, view(body));
    o.body = std::string(view(body));
    o.body_is_json = false;
    return DK_OK;
  });
}

dk_status options_set_json(dk_request_options* handle, dk_str text) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    ParsedJson parsed = parse_json_input(view(text), {.max_bytes = 64 << 20, .max_depth = 256});
    if (!parsed.ok()) return fail(&call, DK_ERR_INVALID_ARGUMENT, "json body: " + parsed.error);
    keep_body(call, o.body, view(text));
    o.body = std::string(view(text));
    o.body_is_json = true;
    return DK_OK;
  });
}

}  // namespace destkit::host::services
