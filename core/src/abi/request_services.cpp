// The dk_host_api services for requests and responses: the request merged from its layers,
// sent (again when the call's authentication flow renewed the credentials after a 401), traced
// when verbose, and its answer handed out.
#include "abi/services.hpp"

#include "abi/sent_credentials.hpp"
#include "http/exchange_trace.hpp"
#include "util/json_input.hpp"
#include "util/printable.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace destkit::host::services {
namespace {

namespace json = boost::json;

dk_response* kept_response(dk_call* call, const dk_response* handle) {
  for (auto& r : call->responses) {
    if (r.id == value_of(handle)) return &r;
  }
  return nullptr;
}

const HttpResponse* response_of(dk_call* call, const dk_response* handle) {
  const dk_response* kept = kept_response(call, handle);
  return kept != nullptr ? &kept->response : nullptr;
}

// A response body is bounded by the HTTP client already; only the nesting is limited here.
JsonLimits response_json_limits(const std::string& body) { return {.max_bytes = body.size(), .max_depth = 512}; }

dk_response* keep_response(dk_call* call, HttpResponse response) {
  call->kept_body_bytes += response.body.size();
  return handle_of(call->responses.emplace_back(dk_response{next_handle_id(), std::move(response)}));
}


bool is_json_content_type(const std::string* content_type) {
  if (content_type == nullptr) return false;
  std::string type = content_type->substr(0, content_type->find(';'));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type == "application/json" || (type.size() > 5 && type.ends_with("+json"));
}

// The server's reason phrase as messages quote it: a server may echo a credential in it, or
// pad it with escape sequences.
std::string reason_of(const dk_call* call, const HttpResponse& response) {
  return call->redactor.shown(response.reason, kShownReasonBytes);
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
  auto line = [&](const std::string& text) { (*call->env.log)(LogLevel::debug, call->env.plugin_slug, text); };
  // Inside on_refresh_access_token, answers carry tokens that set_tokens has not named yet.
  if (call->client != nullptr) return trace_token_exchange(request, result, call->redactor, line);
  trace_exchange(request, result, call->redactor, line);
}

constexpr std::string_view kNoControlCharacter = "holds a control character, which a URL cannot carry";

// Sends the request as the call's options resolve it now (they change after a refresh).
std::variant<HttpResult, std::string> attempt(dk_call* call, std::string_view url, const RequestOptions& per_call,
                                              ResolvedRequest& request) {
  ResolveResult resolved = resolve_request(url, call->defaults, call->extension.options, per_call);
  if (!resolved.ok()) {
    // The URL is made of these: a setting with a control character in it is the user's mistake.
    const RequestOptions* layers[] = {&call->defaults, &call->extension.options, &per_call};
    for (const RequestOptions* options : layers) {
      if (options->prefix_url) blame_settings_in(*call, *options->prefix_url, is_url_text, kNoControlCharacter);
    }
    blame_settings_in(*call, url, is_url_text, kNoControlCharacter);
    return resolved.error;
  }
  request = std::move(resolved.request);
  remember_credentials_in(*call, request);
  // Inside on_refresh_access_token a request carries the refresh token, often the client secret.
  request.redirects_within_origin_only = call->client != nullptr;
  if (call->dry_run != nullptr) {
    call->dry_run->push_back(request);
    return HttpResult{HttpFailure{HttpFailure::Kind::connect, url_host(request.url), std::string(kNotSentInDryRun)}};
  }
  HttpResult result = send_http(request, *call->env.http);
  trace(call, request, result);
  return result;
}

}  // namespace

dk_status request_options_new(dk_call* handle, dk_request_options** out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    keep_given(*call, 0);
    *out = handle_of(call->options.emplace_back(dk_request_options{next_handle_id(), {}}));
    return DK_OK;
  });
}

dk_status request_send(dk_call* handle, dk_str url, dk_request_options* options, dk_response** out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = nullptr;
    // A plugin that sends in a loop must hold neither a worker nor the host's memory for long:
    // the answers live until the call ends.
    if (call->requests_sent >= kMaxRequestsPerCall) {
      return fail(call, DK_ERR_INVALID_ARGUMENT,
                  fmt::format("this call has sent {} requests, the most one hook call may send", kMaxRequestsPerCall));
    }
    if (call->kept_body_bytes >= kMaxKeptBytesPerCall) {
      return fail(call, DK_ERR_INVALID_ARGUMENT,
                  fmt::format("this call's answers hold {} bytes, the most one hook call may keep", call->kept_body_bytes));
    }
    ++call->requests_sent;
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

    // A 401: the call's authentication flow decides whether it stands.
    auto* first = std::get_if<HttpResponse>(&result);
    AfterUnauthorized next;
    if (first != nullptr && first->status == 401 && call->authentication != nullptr) {
      next = call->authentication->after_unauthorized(*call);
    }
    if (next.action == AfterUnauthorized::Action::fail) {
      RequestFailure failure{RequestFailure::Kind::refresh, first->status, reason_of(call, *first),
                             url_host(first->url), std::move(next.why)};
      failure.oauth_unavailable = next.oauth_unavailable;
      *out = keep_response(call, std::move(*first));
      return record(call, std::move(failure), DK_ERR_HTTP);
    }
    if (next.action == AfterUnauthorized::Action::send_again) {
      sent = attempt(call, view(url), *per_call, request);
      if (auto* invalid = std::get_if<std::string>(&sent)) return fail(call, DK_ERR_INVALID_ARGUMENT, *invalid);
      result = std::get<HttpResult>(std::move(sent));
    }

    if (auto* failure = std::get_if<HttpFailure>(&result)) {
      if (failure->kind == HttpFailure::Kind::invalid_request) {
        return fail(call, DK_ERR_INVALID_ARGUMENT, failure->message);  // the plugin's mistake, not the network's
      }
      bool unusable = failure->kind == HttpFailure::Kind::too_large;
      return record(call,
                    {unusable ? RequestFailure::Kind::bad_response : RequestFailure::Kind::network,
                     0, "", failure->host, failure->message},
                    unusable ? DK_ERR_BAD_RESPONSE : DK_ERR_NETWORK);
    }
    HttpResponse& response = std::get<HttpResponse>(result);
    const std::string host = response.host;
    bool success = response.status >= 200 && response.status < 300;
    if (!success && request.throw_http_errors) {
      *out = keep_response(call, std::move(response));
      const HttpResponse& kept = call->responses.back().response;
      std::string reason = reason_of(call, kept);
      return record(call,
                    {RequestFailure::Kind::http, kept.status, reason, host,
                     fmt::format("{} answered {} {}", host, kept.status, reason), false, kept.left_for},
                    DK_ERR_HTTP);
    }
    bool wants_json = request.response_type == ResponseType::json ||
                      (!request.response_type && is_json_content_type(response.header("content-type")));
    // Checked here, built only when the plugin asks for a value (response_json_value). No body
    // (204 No Content) is not a body that is not JSON.
    if (success && wants_json && !response.body.empty()) {
      if (std::string error = check_json_input(response.body, response_json_limits(response.body)); !error.empty()) {
        return record(call,
                      {RequestFailure::Kind::bad_response, response.status, reason_of(call, response), host,
                       fmt::format("the response from {} is not valid JSON ({})", host, error)},
                      DK_ERR_BAD_RESPONSE);
      }
    }
    if (success && call->answered_from_other_origin.empty()) call->answered_from_other_origin = response.left_for;
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
    return body(*r, *call);
  });
}

dk_status response_status(dk_call* call, const dk_response* response, int32_t* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r, dk_call&) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = r.status;
    return DK_OK;
  });
}

dk_status response_reason(dk_call* call, const dk_response* response, dk_str* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r, dk_call&) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = dk_str{r.reason.data(), r.reason.size()};
    return DK_OK;
  });
}

dk_status response_body(dk_call* call, const dk_response* response, dk_str* out) noexcept {
  return with_response(call, response, [&](const HttpResponse& r, dk_call&) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = dk_str{r.body.data(), r.body.size()};
    return DK_OK;
  });
}

dk_status response_header(dk_call* handle, const dk_response* response, dk_str name, dk_str* out) noexcept {
  return with_response(handle, response, [&](const HttpResponse& r, dk_call& call) {
    if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    const std::string* value = r.header(name_of(call, name, "header name"));
    if (value == nullptr) return DK_ERR_NOT_FOUND;
    *out = dk_str{value->data(), value->size()};
    return DK_OK;
  });
}

dk_status response_json_value(dk_call* handle, const dk_response* response, dk_str pointer, dk_value* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    dk_response* kept = call != nullptr && response != nullptr ? kept_response(call, response) : nullptr;
    if (kept == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    if (!kept->body_json) {
      ParsedJson parsed = parse_json_input(kept->response.body, response_json_limits(kept->response.body));
      if (!parsed.ok()) return fail(call, DK_ERR_BAD_RESPONSE, "the response body is not JSON: " + parsed.error);
      kept->body_json = std::move(parsed.value);
    }
    json::error_code ec;
    std::string_view at = name_of(*call, pointer, "JSON pointer");
    const json::value* v = kept->body_json->find_pointer(at, ec);
    if (v == nullptr) return fail(call, DK_ERR_NOT_FOUND, fmt::format("the response has nothing at {}", at));
    *out = to_dk_value(call, *v);
    return DK_OK;
  });
}

}  // namespace destkit::host::services
