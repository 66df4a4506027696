// destkit/host/definition.hpp — a destination's definition as the host understands it: name,
// slug, authentication scheme and settings fields, parsed from the plugin's JSON and validated
// at load. Everything a UI needs to render a settings form is here.
#pragma once

#include <destkit/host/export.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

enum class Scheme { basic, custom, oauth2, oauth_managed };

enum class FieldType { string, text, number, integer, boolean, password, datetime, object };

DESTKIT_HOST_API std::string_view to_string(Scheme scheme);
DESTKIT_HOST_API std::string_view to_string(FieldType type);

struct Choice {
  std::string value_json{};  // the value as JSON text: "\"us\"", "8080", "true"
  std::string label{};
};

struct Field {
  std::string key{};
  std::string label{};
  std::string description{};
  FieldType type = FieldType::string;
  bool required = false;
  // A secret never appears in logs, errors or output: password fields, and the password of
  // the basic scheme whatever type the plugin redeclared it with.
  bool secret = false;
  std::string default_json{};  // the default as JSON text; empty: none
  std::vector<Choice> choices{};
  std::string format{};   // uri, email, hostname, date-time, date, uuid or ipv4
  std::string pattern{};  // RE2 syntax; the whole value must match
  std::optional<double> minimum{};  // numbers: value; strings: length
  std::optional<double> maximum{};
  bool multiple = false;
};

struct Definition {
  std::string name{};
  std::string slug{};
  std::string version{};
  std::string description{};
  Scheme scheme = Scheme::custom;
  std::vector<Field> fields{};  // declaration order; `basic` adds username/password first

  DESTKIT_HOST_API const Field* field(std::string_view key) const;
  bool uses_oauth() const { return scheme == Scheme::oauth2 || scheme == Scheme::oauth_managed; }
};

}  // namespace destkit::host
