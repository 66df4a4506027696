// destkit/definition.hpp — how a destination describes its settings fields and scheme.
//
// These mirror the JavaScript definitions of Segment's Actions destinations; the SDK turns
// them into the definition JSON that the host validates at load.
#pragma once

#include <destkit/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace destkit {

enum class Scheme { basic, custom, oauth2, oauth_managed };

enum class FieldType { string, text, number, integer, boolean, password, datetime, object };

// One allowed value of a field; the label is what a person sees.
struct Choice {
  Json value{};
  std::string label{};

  Choice(const char* v) : value(v), label(v) {}
  Choice(std::string v) : value(v), label(std::move(v)) {}
  Choice(Json v, std::string l) : value(std::move(v)), label(std::move(l)) {}
};

struct Field {
  std::string label{};
  std::string description{};
  FieldType type = FieldType::string;
  bool required = false;
  Json defaultValue{};  // null: no default
  std::vector<Choice> choices{};
  std::string format{};   // uri, email, hostname, date-time, date, uuid or ipv4
  std::string pattern{};  // a regular expression (RE2 syntax) the whole value must match
  std::optional<double> minimum{};  // numbers: value; strings: length
  std::optional<double> maximum{};
  bool multiple = false;  // an array of values of `type`
};

// Fields keep the order in which they are declared.
using Fields = std::vector<std::pair<std::string, Field>>;

namespace detail {

inline const char* to_string(Scheme scheme) {
  switch (scheme) {
    case Scheme::basic: return "basic";
    case Scheme::custom: return "custom";
    case Scheme::oauth2: return "oauth2";
    case Scheme::oauth_managed: return "oauth-managed";
  }
  return "custom";
}

inline const char* to_string(FieldType type) {
  switch (type) {
    case FieldType::string: return "string";
    case FieldType::text: return "text";
    case FieldType::number: return "number";
    case FieldType::integer: return "integer";
    case FieldType::boolean: return "boolean";
    case FieldType::password: return "password";
    case FieldType::datetime: return "datetime";
    case FieldType::object: return "object";
  }
  return "string";
}

inline Json to_json(const Field& field) {
  Json out = Json::object({{"label", field.label}, {"type", to_string(field.type)}});
  if (!field.description.empty()) out.set("description", field.description);
  if (field.required) out.set("required", true);
  if (!field.defaultValue.is_null()) out.set("default", field.defaultValue);
  if (!field.choices.empty()) {
    Json choices = Json::array();
    for (const auto& choice : field.choices) {
      choices.push(Json::object({{"value", choice.value}, {"label", choice.label}}));
    }
    out.set("choices", choices);
  }
  if (!field.format.empty()) out.set("format", field.format);
  if (!field.pattern.empty()) out.set("pattern", field.pattern);
  if (field.minimum) out.set("minimum", *field.minimum);
  if (field.maximum) out.set("maximum", *field.maximum);
  if (field.multiple) out.set("multiple", true);
  return out;
}

}  // namespace detail
}  // namespace destkit
