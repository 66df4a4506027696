// The dk_host_api services. Each one checks its handles, never throws, and copies what the
// plugin passes before returning.
#include "call.hpp"

#include <destkit/host/json_input.hpp>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>

namespace destkit::host {
namespace {

namespace json = boost::json;

thread_local dk_call* active_call = nullptr;
thread_local const LogSink* loading_sink = nullptr;
thread_local std::string loading_source;

// Timeouts longer than this are clamped: a destination must not hold a worker for hours.
constexpr std::int64_t kMaxTimeoutMs = 5 * 60 * 1000;

// A NULL data pointer reads as empty, whatever size came with it.
std::string_view view(dk_str s) {
  return s.data != nullptr && s.size != 0 ? std::string_view(s.data, s.size) : std::string_view();
}

dk_str hand_out(dk_call* call, std::string text) {
  const std::string& kept = call->strings.emplace_back(std::move(text));
  return dk_str{kept.data(), kept.size()};
}

std::uintptr_t value_of(const void* handle) { return reinterpret_cast<std::uintptr_t>(handle); }

// The call a handle stands for: only the call running on this thread answers to its handle.
dk_call* resolve(dk_call* handle) {
  return handle != nullptr && active_call != nullptr && value_of(handle) == active_call->id ? active_call : nullptr;
}

// Options handles are only usable inside the call that owns them (the active call).
RequestOptions* options_of(dk_request_options* handle) {
  dk_call* call = active_call;
  if (call == nullptr || handle == nullptr) return nullptr;
  if (value_of(handle) == call->extension.id) return call->extension_writable ? &call->extension.options : nullptr;
  for (auto& o : call->options) {
    if (o.id == value_of(handle)) return &o.options;
  }
  return nullptr;
}

const HttpResponse* response_of(dk_call* call, const dk_response* handle) {
  for (const auto& r : call->responses) {
    if (r.id == value_of(handle)) return &r.response;
  }
  return nullptr;
}

dk_response* keep_response(dk_call* call, HttpResponse response) {
  return handle_of(call->responses.emplace_back(dk_response{next_handle_id(), std::move(response)}));
}

// "Bearer abc" is redacted whole and as "abc", in case a server echoes only the token.
void redact_credential(Redactor& redactor, std::string_view value) {
  redactor.add(value);
  if (auto space = value.find(' '); space != std::string_view::npos) redactor.add(value.substr(space + 1));
}

dk_status fail(dk_call* call, dk_status status, std::string message) {
  call->last_error = call->redactor.apply(message);
  return status;
}

// Runs a service body with exception safety: nothing ever propagates to the plugin.
template <class Body>
dk_status guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return DK_ERR_INTERNAL;
  }
}

template <class Body>
dk_status with_options(dk_request_options* handle, Body&& body) noexcept {
  return guarded([&] {
    RequestOptions* options = options_of(handle);
    if (options == nullptr) return DK_ERR_INVALID_ARGUMENT;
    return body(*options);
  });
}

// A JSON value as the ABI hands it out: strings as they are, the rest as JSON text.
dk_value to_dk_value(dk_call* call, const json::value& v) {
  dk_value out{};
  switch (v.kind()) {
    case json::kind::null: out.kind = DK_VALUE_NULL; break;
    case json::kind::bool_: out.kind = DK_VALUE_BOOL; break;
    case json::kind::string: out.kind = DK_VALUE_STRING; break;
    case json::kind::array: out.kind = DK_VALUE_ARRAY; break;
    case json::kind::object: out.kind = DK_VALUE_OBJECT; break;
    default: out.kind = DK_VALUE_NUMBER; break;
  }
  out.text = hand_out(call, v.is_string() ? std::string(v.get_string()) : json::serialize(v));
  return out;
}

// ---- Diagnostics ----

void log(dk_call* handle, int32_t level, dk_str message) noexcept {
  try {
    dk_call* call = resolve(handle);
    LogLevel lvl = level <= DK_LOG_DEBUG  ? LogLevel::debug
                   : level == DK_LOG_INFO ? LogLevel::info
                   : level == DK_LOG_WARN ? LogLevel::warn
                                          : LogLevel::error;
    if (handle == nullptr) {
      if (loading_sink != nullptr && *loading_sink) (*loading_sink)(lvl, loading_source, view(message));
      return;
    }
    if (call == nullptr || call->env.log == nullptr || !*call->env.log) return;
    (*call->env.log)(lvl, call->env.plugin_slug, call->redactor.apply(view(message)));
  } catch (...) {
  }
}

dk_status set_error(dk_call* handle, dk_str message) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr) return DK_ERR_INVALID_ARGUMENT;
    call->error = call->redactor.apply(view(message));
    return DK_OK;
  });
}

dk_status last_error(dk_call* handle, dk_str* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = hand_out(call, call->last_error);
    return DK_OK;
  });
}

// ---- Inputs ----

dk_status get_setting(dk_call* handle, dk_str key, dk_value* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    const json::value* v = call->settings->if_contains(view(key));
    if (v == nullptr) return fail(call, DK_ERR_NOT_FOUND, fmt::format("no setting \"{}\"", view(key)));
    *out = to_dk_value(call, *v);
    return DK_OK;
  });
}

dk_status get_settings_json(dk_call* handle, dk_str* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = hand_out(call, json::serialize(*call->settings));
    return DK_OK;
  });
}

dk_status get_auth(dk_call* handle, dk_str name, dk_str* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    const std::string* value = nullptr;
    if (view(name) == "accessToken") value = &call->auth.access_token;
    if (view(name) == "refreshToken") value = &call->auth.refresh_token;
    if (call->client != nullptr && view(name) == "clientId") value = &call->client->client_id;
    if (call->client != nullptr && view(name) == "clientSecret") value = &call->client->client_secret;
    if (value == nullptr || value->empty()) return DK_ERR_NOT_FOUND;
    *out = dk_str{value->data(), value->size()};
    return DK_OK;
  });
}

// ---- Request options ----

dk_status options_set_prefix_url(dk_request_options* handle, dk_str url) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    if (!is_absolute_url(view(url))) {
      return fail(active_call, DK_ERR_INVALID_ARGUMENT, "prefixUrl must be an absolute http(s) URL");
    }
    o.prefix_url = std::string(view(url));
    return DK_OK;
  });
}

dk_status options_set_header(dk_request_options* handle, dk_str name, dk_str value) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    std::string problem = header_problem(view(name), view(value));
    if (!problem.empty()) return fail(active_call, DK_ERR_INVALID_ARGUMENT, problem);
    if (is_secret_name(view(name))) redact_credential(active_call->redactor, view(value));
    o.headers.emplace_back(std::string(view(name)), std::string(view(value)));
    return DK_OK;
  });
}

dk_status options_set_basic_auth(dk_request_options* handle, dk_str username, dk_str password) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    o.username = std::string(view(username));
    o.password = std::string(view(password));
    active_call->redactor.add(view(password));
    active_call->redactor.add(fmt::format("{}:{}", view(username), view(password)));
    return DK_OK;
  });
}

dk_status options_add_search_param(dk_request_options* handle, dk_str name, dk_str value) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    o.search_params.emplace_back(std::string(view(name)), std::string(view(value)));
    return DK_OK;
  });
}

dk_status options_set_timeout_ms(dk_request_options* handle, int64_t timeout_ms) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    if (timeout_ms <= 0) return fail(active_call, DK_ERR_INVALID_ARGUMENT, "timeout must be positive");
    o.timeout = std::chrono::milliseconds(std::min(timeout_ms, kMaxTimeoutMs));
    return DK_OK;
  });
}

dk_status options_set_response_type(dk_request_options* handle, int32_t type) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    if (type != DK_RESPONSE_TEXT && type != DK_RESPONSE_JSON) {
      return fail(active_call, DK_ERR_INVALID_ARGUMENT, fmt::format("unknown response type {}", type));
    }
    o.response_type = type == DK_RESPONSE_JSON ? ResponseType::json : ResponseType::text;
    return DK_OK;
  });
}

dk_status options_set_throw_http_errors(dk_request_options* handle, int32_t enabled) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    o.throw_http_errors = enabled != 0;
    return DK_OK;
  });
}

dk_status options_set_method(dk_request_options* handle, dk_str method) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    std::string m(view(method));
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
    for (const char* allowed : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}) {
      if (m == allowed) {
        o.method = m;
        return DK_OK;
      }
    }
    return fail(active_call, DK_ERR_INVALID_ARGUMENT,
                fmt::format("\"{}\" is not an HTTP method destkit sends", m));
  });
}

dk_status options_set_body(dk_request_options* handle, dk_str body) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    o.body = std::string(view(body));
    o.body_is_json = false;
    return DK_OK;
  });
}

dk_status options_set_json(dk_request_options* handle, dk_str text) noexcept {
  return with_options(handle, [&](RequestOptions& o) {
    ParsedJson parsed = parse_json_input(view(text), {.max_bytes = 64 << 20, .max_depth = 256});
    if (!parsed.ok()) return fail(active_call, DK_ERR_INVALID_ARGUMENT, "json body: " + parsed.error);
    o.body = std::string(view(text));
    o.body_is_json = true;
    return DK_OK;
  });
}

// ---- HTTP ----

dk_status request_options_new(dk_call* handle, dk_request_options** out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = handle_of(call->options.emplace_back(dk_request_options{next_handle_id(), {}}));
    return DK_OK;
  });
}

bool is_json_content_type(const std::string* content_type) {
  if (content_type == nullptr) return false;
  std::string type = content_type->substr(0, content_type->find(';'));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type == "application/json" || (type.size() > 5 && type.ends_with("+json"));
}

dk_status record(dk_call* call, RequestFailure failure, dk_status status) {
  failure.message = call->redactor.apply(failure.message);
  call->last_error = failure.message;
  call->last_request_failure = std::move(failure);
  return status;
}

// --verbose: each exchange as it went over the wire, with every credential redacted.
void trace(const dk_call* call, const ResolvedRequest& request, const HttpResult& result) {
  if (!call->env.verbose || call->env.log == nullptr || !*call->env.log) return;
  auto line = [&](const std::string& text) { (*call->env.log)(LogLevel::debug, call->env.plugin_slug, call->redactor.apply(text)); };
  line(fmt::format("> {} {}", request.method, redact_url(request.url)));
  for (const auto& [name, value] : request.headers) {
    line(fmt::format("> {}: {}", name, is_secret_name(name) ? std::string(kRedacted) : value));
  }
  if (request.body) line(fmt::format("> {}", request.body->substr(0, 1024)));
  if (const auto* failure = std::get_if<HttpFailure>(&result)) {
    line("< " + failure->message);
    return;
  }
  const auto& response = std::get<HttpResponse>(result);
  line(fmt::format("< {} {} ({} bytes, from {})", response.status, response.reason, response.body.size(), redact_url(response.url)));
  for (const auto& [name, value] : response.headers) {
    line(fmt::format("< {}: {}", name, is_secret_name(name) ? std::string(kRedacted) : value));
  }
  if (!response.body.empty()) line(fmt::format("< {}", response.body.substr(0, 1024)));
}

// Sends the request as the call's options resolve it now (they change after a refresh).
std::variant<HttpResult, std::string> attempt(dk_call* call, std::string_view url, const RequestOptions& per_call,
                                              ResolvedRequest& request) {
  ResolveResult resolved = resolve_request(url, call->defaults, call->extension.options, per_call);
  if (!resolved.ok()) return resolved.error;
  request = std::move(resolved.request);
  HttpResult result = send_http(request, *call->env.http);
  trace(call, request, result);
  return result;
}

// After a 401 under an OAuth scheme: one refresh per call, then extendRequest again with the
// new token. Returns false (with the failure recorded) when the refresh failed.
bool refresh_after_401(dk_call* call, const HttpResponse& unauthorized) {
  OAuthSession& session = *call->oauth;
  session.refreshed = true;
  TokenResult renewed = session.tokens->after_unauthorized(session.slug, session.connection, call->auth.access_token,
                                                           session.refresher);
  if (auto* e = std::get_if<OAuthError>(&renewed)) {
    RequestFailure failure{RequestFailure::Kind::refresh, unauthorized.status, unauthorized.reason,
                           url_host(unauthorized.url), e->message};
    failure.oauth_unavailable = e->kind == OAuthError::Kind::unavailable;
    record(call, std::move(failure), DK_ERR_HTTP);
    return false;
  }
  const TokenRecord& tokens = std::get<TokenRecord>(renewed);
  call->redactor.add(tokens.access_token);
  call->redactor.add(tokens.refresh_token);
  call->auth = {tokens.access_token, tokens.refresh_token};
  if (run_extend_request(call) != DK_OK) {
    record(call, {RequestFailure::Kind::refresh, unauthorized.status, unauthorized.reason, url_host(unauthorized.url),
                  "extendRequest failed after the token refresh: " + call->error},
           DK_ERR_HTTP);
    return false;
  }
  return true;
}

dk_status request_send(dk_call* handle, dk_str url, dk_request_options* options, dk_response** out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = nullptr;
    static const RequestOptions none;
    const RequestOptions* per_call = &none;
    if (options != nullptr) {
      per_call = options_of(options);
      if (per_call == nullptr) return fail(call, DK_ERR_INVALID_ARGUMENT, "unknown options handle");
    }
    ResolvedRequest request;
    auto sent = attempt(call, view(url), *per_call, request);
    if (auto* invalid = std::get_if<std::string>(&sent)) return fail(call, DK_ERR_INVALID_ARGUMENT, *invalid);
    HttpResult result = std::get<HttpResult>(std::move(sent));

    auto* first = std::get_if<HttpResponse>(&result);
    if (first != nullptr && first->status == 401 && call->oauth && !call->oauth->refreshed) {
      if (!refresh_after_401(call, *first)) {
        *out = keep_response(call, std::move(*first));
        return DK_ERR_HTTP;
      }
      sent = attempt(call, view(url), *per_call, request);
      if (auto* invalid = std::get_if<std::string>(&sent)) return fail(call, DK_ERR_INVALID_ARGUMENT, *invalid);
      result = std::get<HttpResult>(std::move(sent));
    }

    if (auto* failure = std::get_if<HttpFailure>(&result)) {
      bool unusable = failure->kind == HttpFailure::Kind::too_large;
      return record(call,
                    {unusable ? RequestFailure::Kind::bad_response : RequestFailure::Kind::network,
                     0, "", failure->host, failure->message},
                    unusable ? DK_ERR_BAD_RESPONSE : DK_ERR_NETWORK);
    }
    HttpResponse& response = std::get<HttpResponse>(result);
    std::string host = url_host(response.url);
    bool success = response.status >= 200 && response.status < 300;
    if (!success && request.throw_http_errors) {
      *out = keep_response(call, std::move(response));
      const HttpResponse& kept = call->responses.back().response;
      return record(call,
                    {RequestFailure::Kind::http, kept.status, kept.reason, host,
                     fmt::format("{} answered {} {}", host, kept.status, kept.reason)},
                    DK_ERR_HTTP);
    }
    bool wants_json = request.response_type == ResponseType::json ||
                      (is_json_content_type(response.header("content-type")) && !response.body.empty());
    if (success && wants_json) {
      ParsedJson parsed = parse_json_input(response.body, {.max_bytes = response.body.size(), .max_depth = 512});
      if (!parsed.ok()) {
        return record(call,
                      {RequestFailure::Kind::bad_response, response.status, response.reason, host,
                       fmt::format("the response from {} is not valid JSON ({})", host, parsed.error)},
                      DK_ERR_BAD_RESPONSE);
      }
    }
    *out = keep_response(call, std::move(response));
    return DK_OK;
  });
}

template <class Body>
dk_status with_response(dk_call* handle, const dk_response* response, Body&& body) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    const HttpResponse* r = call != nullptr && response != nullptr ? response_of(call, response) : nullptr;
    if (r == nullptr) return DK_ERR_INVALID_ARGUMENT;
    return body(*r);
  });
}

dk_status response_status(dk_call* call, const dk_response* response, int32_t* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = r.status;
    return DK_OK;
  });
}

dk_status response_reason(dk_call* call, const dk_response* response, dk_str* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = dk_str{r.reason.data(), r.reason.size()};
    return DK_OK;
  });
}

dk_status response_body(dk_call* call, const dk_response* response, dk_str* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = dk_str{r.body.data(), r.body.size()};
    return DK_OK;
  });
}

dk_status response_header(dk_call* call, const dk_response* response, dk_str name, dk_str* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    const std::string* value = r.header(view(name));
    if (value == nullptr) return DK_ERR_NOT_FOUND;
    *out = dk_str{value->data(), value->size()};
    return DK_OK;
  });
}

// ---- ABI 1.1 ----

dk_status set_tokens(dk_call* handle, dk_str access_token, dk_str refresh_token, int64_t expires_in_seconds) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr) return DK_ERR_INVALID_ARGUMENT;
    if (call->client == nullptr) return fail(call, DK_ERR_INVALID_ARGUMENT, "set_tokens is for on_refresh_access_token");
    if (access_token.size == 0) return fail(call, DK_ERR_INVALID_ARGUMENT, "the access token is empty");
    TokenRecord record;
    record.access_token = std::string(view(access_token));
    record.refresh_token = std::string(view(refresh_token));
    record.obtained_at = std::chrono::system_clock::now();
    if (expires_in_seconds > 0) record.expires_at = record.obtained_at + std::chrono::seconds(expires_in_seconds);
    call->redactor.add(record.access_token);
    call->redactor.add(record.refresh_token);
    call->new_tokens = std::move(record);
    return DK_OK;
  });
}

dk_status response_json_value(dk_call* handle, const dk_response* response, dk_str pointer, dk_value* out) noexcept {
  return with_response(handle, response, [&](const HttpResponse& r) {
    dk_call* call = resolve(handle);
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    ParsedJson parsed = parse_json_input(r.body, {.max_bytes = r.body.size(), .max_depth = 512});
    if (!parsed.ok()) return fail(call, DK_ERR_BAD_RESPONSE, "the response body is not JSON: " + parsed.error);
    json::error_code ec;
    const json::value* v = parsed.value.find_pointer(view(pointer), ec);
    if (v == nullptr) return fail(call, DK_ERR_NOT_FOUND, fmt::format("the response has nothing at {}", view(pointer)));
    *out = to_dk_value(call, *v);
    return DK_OK;
  });
}

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
};

}  // namespace

std::uintptr_t next_handle_id() {
  // Multiples of 16 from a high base: never 0, never reused while the process runs.
  static std::atomic<std::uintptr_t> next{0x10000};
  return next.fetch_add(16);
}

ActiveCall::ActiveCall(dk_call* call) : previous_(active_call) { active_call = call; }
ActiveCall::~ActiveCall() { active_call = previous_; }

LoadingLog::LoadingLog(const LogSink* sink, std::string source) {
  loading_sink = sink;
  loading_source = std::move(source);
}
LoadingLog::~LoadingLog() { loading_sink = nullptr; }

const dk_host_api* host_api() { return &kHostApi; }

dk_status run_extend_request(dk_call* call) {
  call->extension.options = {};
  if (call->hooks == nullptr || call->hooks->on_extend_request == nullptr) return DK_OK;
  call->extension_writable = true;
  dk_status status = call->hooks->on_extend_request(handle_of(*call), handle_of(call->extension));
  call->extension_writable = false;
  return status;
}

}  // namespace destkit::host
