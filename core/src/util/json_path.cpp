#include "util/json_path.hpp"

#include "util/json_input.hpp"
#include "util/spelling.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace destkit::host {

namespace json = boost::json;

void invalid_at(std::string path, std::string message) { throw JsonPathError{std::move(path), std::move(message)}; }

std::string member_path(const std::string& path, std::string_view key) {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return plain ? fmt::format("{}.{}", path, key) : fmt::format("{}[{}]", path, json::serialize(json::string(key)));
}

const json::object& object_at(const json::value& value, const std::string& path) {
  if (!value.is_object()) invalid_at(path, fmt::format("must be an object, not {}", json_kind(value)));
  return value.get_object();
}

const json::array& array_at(const json::value& value, const std::string& path) {
  if (!value.is_array()) invalid_at(path, fmt::format("must be an array, not {}", json_kind(value)));
  return value.get_array();
}

std::string string_at(const json::value& value, const std::string& path) {
  if (!value.is_string()) invalid_at(path, fmt::format("must be a string, not {}", json_kind(value)));
  return std::string(value.get_string());
}

bool bool_at(const json::value& value, const std::string& path) {
  if (!value.is_bool()) invalid_at(path, fmt::format("must be true or false, not {}", json_kind(value)));
  return value.get_bool();
}

const json::value& required_member(const json::object& object, std::string_view key, const std::string& path) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) invalid_at(path, fmt::format("the required key \"{}\" is missing", key));
  return *value;
}

std::optional<UnknownKey> first_unknown_key(const json::object& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, _] : object) {
    if (std::find(known.begin(), known.end(), std::string_view(key)) != known.end()) continue;
    std::vector<std::string> names(known.begin(), known.end());
    return UnknownKey{std::string(key), closest_spelling(key, names)};
  }
  return std::nullopt;
}

std::string string_member(const json::object& object, std::string_view key, const std::string& path,
                          Presence presence) {
  if (presence != Presence::required && !object.contains(key)) return {};
  std::string at = member_path(path, key);
  std::string text = string_at(required_member(object, key, path), at);
  if (presence != Presence::optional && text.empty()) invalid_at(at, "must not be empty");
  return text;
}

bool bool_member(const json::object& object, std::string_view key, const std::string& path) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && bool_at(*v, member_path(path, key));
}

}  // namespace destkit::host
