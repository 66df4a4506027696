#include "mock_api/routes.hpp"

#include "http/request_options.hpp"
#include "util/json_input.hpp"
#include "util/json_path.hpp"
#include "util/json_text.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace destkit::mock_api {
namespace {

namespace json = boost::json;

using host::array_at;
using host::bool_at;
using host::invalid_at;
using host::object_at;
using host::required_member;
using host::string_at;

// Rejects any key not in `known`, suggesting the one that was probably meant.
void only_known_keys(const json::object& object, std::initializer_list<std::string_view> known, const std::string& path) {
  auto unknown = host::first_unknown_key(object, known);
  if (!unknown) return;
  std::string why = fmt::format("is not a known key (expected one of {})", fmt::join(known, ", "));
  if (unknown->guess) why = fmt::format("is not a known key; did you mean \"{}\"?", *unknown->guess);
  invalid_at(fmt::format("{}.{}", path, unknown->key), why);
}

std::string required_string(const json::object& route, const char* key, const std::string& path) {
  return string_at(required_member(route, key, path), fmt::format("{}.{}", path, key));
}

std::string method_at(const json::object& route, const std::string& path) {
  std::string method = required_string(route, "method", path);
  bool capitals = !method.empty() && std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!capitals) invalid_at(path + ".method", fmt::format("\"{}\" is not an HTTP method in capitals, like \"GET\"", method));
  return method;
}

std::string path_at(const json::object& route, const std::string& path) {
  std::string value = required_string(route, "path", path);
  bool plain = value.starts_with('/') && value.find_first_of("?# \t\r\n") == std::string::npos;
  if (!plain) invalid_at(path + ".path", fmt::format("\"{}\" must start with '/' and hold no query, fragment or space", value));
  return value;
}

int status_at(const json::object& route, const std::string& path) {
  const json::value* v = route.if_contains("status");
  if (v == nullptr) return 200;
  json::error_code ec;
  auto status = v->is_number() ? v->to_number<std::int64_t>(ec) : 0;
  if (!v->is_number() || ec || status < 100 || status > 599) {
    std::string seen = !v->is_number() ? std::string(host::json_kind(*v)) : ec ? "a fraction" : std::to_string(status);
    invalid_at(path + ".status", fmt::format("must be a whole number from 100 to 599, not {}", seen));
  }
  return static_cast<int>(status);
}

NameValueList headers_at(const json::object& route, const std::string& path) {
  NameValueList headers;
  const json::value* v = route.if_contains("headers");
  if (v == nullptr) return headers;
  for (const auto& [name, value] : object_at(*v, path + ".headers")) {
    std::string where = fmt::format("{}.headers.{}", path, std::string_view(name));
    std::string text = string_at(value, where);
    if (host::iequals(name, "Content-Length") || host::iequals(name, "Transfer-Encoding")) {
      invalid_at(where, "is set by mock-api from the body");
    }
    if (std::string problem = host::header_problem(name, text); !problem.empty()) invalid_at(where, problem);
    headers.emplace_back(std::string(name), std::move(text));
  }
  return headers;
}

bool has_header(const NameValueList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return host::iequals(h.first, name); });
}

Route route_at(const json::value& v, const std::string& path) {
  const auto& object = object_at(v, path);
  only_known_keys(object, {"method", "path", "auth", "status", "headers", "body"}, path);
  Route route;
  route.method = method_at(object, path);
  route.path = path_at(object, path);
  if (const json::value* auth = object.if_contains("auth")) {
    route.auth = bool_at(*auth, path + ".auth");
  }
  route.status = status_at(object, path);
  route.headers = headers_at(object, path);
  if (const json::value* body = object.if_contains("body")) {
    bool text = body->is_string();
    route.body = text ? std::string(body->get_string()) : host::json_text(*body);
    if (!has_header(route.headers, "Content-Type")) {
      route.headers.emplace_back("Content-Type", text ? "text/plain; charset=utf-8" : "application/json");
    }
  }
  return route;
}

}  // namespace

std::variant<Routes, std::string> Routes::parse(std::string_view text) {
  host::ParsedJson parsed = host::parse_json_input(text);
  if (!parsed.ok()) return fmt::format("not valid JSON ({})", parsed.error);
  try {
    const auto& top = object_at(parsed.value, "$");
    only_known_keys(top, {"routes"}, "$");
    const json::array& list = array_at(required_member(top, "routes", "$"), "$.routes");
    if (list.empty()) invalid_at("$.routes", "must list at least one route");
    Routes routes;
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string path = fmt::format("$.routes[{}]", i);
      Route route = route_at(list[i], path);
      auto same = std::find_if(routes.routes_.begin(), routes.routes_.end(), [&](const Route& r) {
        return r.method == route.method && r.path == route.path;
      });
      if (same != routes.routes_.end()) {
        invalid_at(path, fmt::format("{} {} is already answered by $.routes[{}]", route.method, route.path,
                                  same - routes.routes_.begin()));
      }
      routes.routes_.push_back(std::move(route));
    }
    return routes;
  } catch (const host::JsonPathError& e) {
    return e.to_string();
  }
}

const Route* Routes::find(std::string_view method, std::string_view path) const {
  for (const auto& route : routes_) {
    if (route.method == method && route.path == path) return &route;
  }
  return nullptr;
}

std::string Routes::methods_for(std::string_view path) const {
  std::vector<std::string> methods;
  for (const auto& route : routes_) {
    if (route.path == path) methods.push_back(route.method);
  }
  return fmt::format("{}", fmt::join(methods, ", "));
}

}  // namespace destkit::mock_api
