#include "http/request_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace destkit::host {
namespace {

void set_header(HeaderList& headers, const std::string& name, const std::string& value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

void remove_header(HeaderList& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string join_url(std::string_view prefix, std::string_view path) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return fmt::format("{}/{}", prefix, path);
}

std::string basic_authorization(std::string_view username, std::string_view password) {
  return "Basic " + base64_encode(fmt::format("{}:{}", username, password));
}

std::string header_problem(std::string_view name, std::string_view value) {
  if (name.empty()) return "a header name must not be empty";
  if (!is_header_name(name)) {
    return fmt::format("the header name \"{}\" contains a character not allowed in names", name);
  }
  if (!is_header_value(value))
    return fmt::format("the value of header \"{}\" contains a line break or another control character", name);
  return {};
}

std::string request_header_problem(std::string_view name, std::string_view value) {
  if (is_client_written_header(name)) {
    return fmt::format("the header \"{}\" is written by the HTTP client from the request itself and cannot be set",
                       name);
  }
  return header_problem(name, value);
}

ResolveResult resolve_request(std::string_view url, const RequestOptions& defaults,
                              const RequestOptions& extension, const RequestOptions& call) {
  ResolveResult result;
  ResolvedRequest& r = result.request;
  std::optional<std::string> prefix_url, username, password;
  HeaderList search_params;

  bool authorization_is_basic = false;  // the Authorization header came from username/password

  const RequestOptions* layers[] = {&defaults, &extension, &call};
  for (const RequestOptions* layer : layers) {
    if (layer->method) r.method = *layer->method;
    if (layer->prefix_url) prefix_url = layer->prefix_url;
    for (const auto& [name, value] : layer->headers) {
      set_header(r.headers, name, value);
      if (iequals(name, "Authorization")) authorization_is_basic = false;
    }
    // After the layer's headers: Basic auth wins over an Authorization header set beside it,
    // and an empty username and password send no Authorization at all (as the reference does).
    if (layer->username) username = layer->username;
    if (layer->password) password = layer->password;
    if (layer->username || layer->password) {
      if (username.value_or("").empty() && password.value_or("").empty()) {
        if (authorization_is_basic) remove_header(r.headers, "Authorization");
        authorization_is_basic = false;
      } else {
        set_header(r.headers, "Authorization", basic_authorization(username.value_or(""), password.value_or("")));
        authorization_is_basic = true;
      }
    }
    for (const auto& param : layer->search_params) {
      std::erase_if(search_params, [&](const auto& p) { return p.first == param.first; });
    }
    search_params.insert(search_params.end(), layer->search_params.begin(),
                         layer->search_params.end());
    if (layer->body) {
      r.body = layer->body;
      if (layer->body_is_json) set_header(r.headers, "Content-Type", "application/json");
    }
    if (layer->timeout) r.timeout = *layer->timeout;
    if (layer->response_type) r.response_type = *layer->response_type;
    if (layer->throw_http_errors) r.throw_http_errors = *layer->throw_http_errors;
  }
  std::transform(r.method.begin(), r.method.end(), r.method.begin(),
                 [](unsigned char c) { return std::toupper(c); });

  if (is_absolute_url(url)) {
    r.url = std::string(url);
  } else if (prefix_url) {
    r.url = join_url(*prefix_url, url);
  } else {
    result.error = fmt::format("the URL \"{}\" is relative and no prefixUrl is set", url);
    return result;
  }
  if (!is_url_text(r.url)) {
    // curl would fail it as if the network had; it is the caller's mistake (or an injection).
    result.error = "the URL contains a line break or another control character";
    return result;
  }
  if (!search_params.empty()) {
    std::string query;
    for (const auto& [name, value] : search_params) {
      query += fmt::format("{}{}={}", query.empty() ? "" : "&", percent_encode(name),
                           percent_encode(value));
    }
    auto fragment = r.url.find('#');
    std::string tail = fragment == std::string::npos ? "" : r.url.substr(fragment);
    if (fragment != std::string::npos) r.url.erase(fragment);
    r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + query + tail;
  }
  return result;
}

}  // namespace destkit::host
