// util/json_path — checking a JSON document the host reads (a definition, a declarative
// manifest, the configuration, a mock-api routes file) value by value, stopping at the first
// problem with the path where it stands: "$.authentication.scheme: must be a string, not a
// number".
//
// The checks throw JsonPathError; the parser that runs them catches it and returns it (or its
// text) as its result, so it never goes further.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace destkit::host {

// The first problem in a document, and where it stands.
struct JsonPathError {
  std::string path{};  // "$.authentication.fields.apiKey.type", "destinations.acme.oauth"
  std::string message{};
  std::string to_string() const { return path + ": " + message; }
};

// Stops the check at this problem.
[[noreturn]] void invalid_at(std::string path, std::string message);

// The path of a member: "$.a.b", or $.a["x y"] when the key is not a plain name (ASCII
// letters, digits, '_' and '-').
std::string member_path(const std::string& path, std::string_view key);

// The value as the type named, or invalid_at(path, "must be an object, not an array").
const boost::json::object& object_at(const boost::json::value& value, const std::string& path);
const boost::json::array& array_at(const boost::json::value& value, const std::string& path);
std::string string_at(const boost::json::value& value, const std::string& path);
bool bool_at(const boost::json::value& value, const std::string& path);  // "must be true or false, not ..."

// object[key], or invalid_at(path, "the required key \"key\" is missing").
const boost::json::value& required_member(const boost::json::object& object, std::string_view key,
                                          const std::string& path);

// How a string member may be given: absent or empty (optional), absent but not empty
// (non_empty), or present and not empty (required).
enum class Presence { optional, non_empty, required };

// object[key] as a string; "" when absent and not required.
std::string string_member(const boost::json::object& object, std::string_view key, const std::string& path,
                          Presence presence);
// object[key] as true or false; false when absent.
bool bool_member(const boost::json::object& object, std::string_view key, const std::string& path);

// A key a format does not know, and the known key it most resembles, if one is close.
struct UnknownKey {
  std::string key{};
  std::optional<std::string> guess{};
};

// The first key of `object` that is not in `known`. Each format words its own refusal.
std::optional<UnknownKey> first_unknown_key(const boost::json::object& object,
                                            std::initializer_list<std::string_view> known);

}  // namespace destkit::host
