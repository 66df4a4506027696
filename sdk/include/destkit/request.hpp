// destkit/request.hpp — request options, the request function and its response.
//
// A destination never links an HTTP stack: requests go through the host, which owns TLS,
// timeouts, redirects, size caps and the redaction of secrets.
#pragma once

#include <destkit/detail/call.hpp>
#include <destkit/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace destkit {

enum class ResponseType { text, json };

using Headers = std::vector<std::pair<std::string, std::string>>;
using SearchParams = std::vector<std::pair<std::string, std::string>>;

// The options of Segment's request client that destkit honours. Those left unset keep the
// value of an earlier layer: host defaults, then extendRequest, then the options of the call.
struct RequestOptions {
  std::string method{};     // GET when empty
  std::string prefixUrl{};  // joined to relative URLs
  Headers headers{};
  std::optional<std::string> username{};  // with password: Authorization: Basic ...
  std::optional<std::string> password{};
  SearchParams searchParams{};
  std::optional<Json> json{};  // body + content-type: application/json
  std::optional<std::string> body{};
  std::optional<std::chrono::milliseconds> timeout{};
  std::optional<ResponseType> responseType{};
  std::optional<bool> throwHttpErrors{};
};

class Response {
 public:
  Response(detail::Call call, const dk_response* handle) : call_(call), handle_(handle) {}

  int status() const {
    int32_t status = 0;
    call_.check(call_.host->response_status(call_.call, handle_, &status), "response_status");
    return status;
  }
  bool ok() const { return status() >= 200 && status() < 300; }
  std::string reason() const {
    return read(call_.host->response_reason, "response_reason");
  }
  std::string body() const { return read(call_.host->response_body, "response_body"); }
  // A value in a JSON body by JSON Pointer ("/data/token"): a string as it is, anything else
  // as JSON text; nothing when absent. Throws ResponseError when the body is not JSON.
  std::optional<std::string> json(std::string_view pointer) const {
    dk_value value{};
    auto service = call_.newer(call_.host->response_json_value, "response.json()", 1);
    dk_status status = service(call_.call, handle_, detail::str(pointer), &value);
    if (status == DK_ERR_NOT_FOUND) return std::nullopt;
    call_.check(status, "response_json_value");
    return detail::copy(value.text);
  }
  std::optional<std::string> header(std::string_view name) const {
    dk_str value{nullptr, 0};
    dk_status status = call_.host->response_header(call_.call, handle_, detail::str(name), &value);
    if (status == DK_ERR_NOT_FOUND) return std::nullopt;
    call_.check(status, "response_header");
    return detail::copy(value);
  }

 private:
  using Getter = dk_status (*)(dk_call*, const dk_response*, dk_str*);
  std::string read(Getter getter, const char* what) const {
    dk_str out{nullptr, 0};
    call_.check(getter(call_.call, handle_, &out), what);
    return detail::copy(out);
  }

  detail::Call call_;
  const dk_response* handle_;
};

namespace detail {

// Writes options into a host options handle; used for extendRequest's output and per call.
inline void write_options(const Call& c, dk_request_options* out, const RequestOptions& o) {
  const dk_host_api* h = c.host;
  auto must = [&](dk_status status, const char* what) { c.check(status, what); };
  if (!o.method.empty()) must(h->options_set_method(out, str(o.method)), "method");
  if (!o.prefixUrl.empty()) must(h->options_set_prefix_url(out, str(o.prefixUrl)), "prefixUrl");
  for (const auto& [name, value] : o.headers) {
    must(h->options_set_header(out, str(name), str(value)), "headers");
  }
  if (o.username || o.password) {
    must(h->options_set_basic_auth(out, str(o.username.value_or("")), str(o.password.value_or(""))),
         "username/password");
  }
  for (const auto& [name, value] : o.searchParams) {
    must(h->options_add_search_param(out, str(name), str(value)), "searchParams");
  }
  if (o.json) must(h->options_set_json(out, str(o.json->dump())), "json");
  if (o.body) must(h->options_set_body(out, str(*o.body)), "body");
  if (o.timeout) must(h->options_set_timeout_ms(out, o.timeout->count()), "timeout");
  if (o.responseType) {
    must(h->options_set_response_type(
             out, *o.responseType == ResponseType::json ? DK_RESPONSE_JSON : DK_RESPONSE_TEXT),
         "responseType");
  }
  if (o.throwHttpErrors) {
    must(h->options_set_throw_http_errors(out, *o.throwHttpErrors ? 1 : 0), "throwHttpErrors");
  }
}

}  // namespace detail

// The request function handed to testRequest: request(url, options). extendRequest's output
// is already applied. A non-2xx answer throws HttpError unless throwHttpErrors is false.
class Request {
 public:
  explicit Request(detail::Call call) : call_(call) {}

  Response operator()(std::string_view url, const RequestOptions& options = {}) const {
    dk_request_options* handle = nullptr;
    call_.check(call_.host->request_options_new(call_.call, &handle), "request_options_new");
    detail::write_options(call_, handle, options);
    dk_response* response = nullptr;
    dk_status status = call_.host->request_send(call_.call, detail::str(url), handle, &response);
    if (status == DK_ERR_HTTP && response) {
      Response r(call_, response);
      throw HttpError(r.status(), r.reason(), r.body());
    }
    call_.check(status, "request");
    return Response(call_, response);
  }

 private:
  detail::Call call_;
};

}  // namespace destkit
