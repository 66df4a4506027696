// destkit/host/definition.hpp — a destination's definition as the host understands it:
// name, slug, authentication scheme and settings fields, parsed from the plugin's JSON and
// validated at load.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace destkit::host {

enum class Scheme { basic, custom, oauth2, oauth_managed };

enum class FieldType { string, text, number, integer, boolean, password, datetime, object };

std::string_view to_string(Scheme scheme);
std::string_view to_string(FieldType type);

struct Choice {
  boost::json::value value{};
  std::string label{};
};

struct Field {
  std::string key{};
  std::string label{};
  std::string description{};
  FieldType type = FieldType::string;
  bool required = false;
  boost::json::value default_value{};  // null: none
  std::vector<Choice> choices{};
  std::string format{};   // uri, email, hostname, date-time, date, uuid or ipv4
  std::string pattern{};  // RE2 syntax; the whole value must match
  std::optional<double> minimum{};  // numbers: value; strings: length
  std::optional<double> maximum{};
  bool multiple = false;

  // A secret never appears in logs, errors or output.
  bool secret() const { return type == FieldType::password; }
};

struct Definition {
  std::string name{};
  std::string slug{};
  std::string version{};
  std::string description{};
  Scheme scheme = Scheme::custom;
  std::vector<Field> fields{};  // declaration order; `basic` adds username/password first

  const Field* field(std::string_view key) const;
  bool uses_oauth() const { return scheme == Scheme::oauth2 || scheme == Scheme::oauth_managed; }
};

// What was wrong with a definition: the JSON path of the problem and what it was.
struct DefinitionError {
  std::string path{};  // e.g. $.authentication.fields.apiKey.type
  std::string message{};
  std::string to_string() const { return path + ": " + message; }
};

std::variant<Definition, DefinitionError> parse_definition(std::string_view json_text);

}  // namespace destkit::host
