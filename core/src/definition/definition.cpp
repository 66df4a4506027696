#include "definition/parse.hpp"
#include "util/json_input.hpp"

#include "definition/field_value.hpp"
#include "definition/value_formats.hpp"
#include "util/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

namespace destkit::host {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<std::string_view, Scheme>, 4> kSchemes{{
    {"basic", Scheme::basic},
    {"custom", Scheme::custom},
    {"oauth2", Scheme::oauth2},
    {"oauth-managed", Scheme::oauth_managed},
}};

constexpr std::array<std::pair<std::string_view, FieldType>, 8> kFieldTypes{{
    {"string", FieldType::string},
    {"text", FieldType::text},
    {"number", FieldType::number},
    {"integer", FieldType::integer},
    {"boolean", FieldType::boolean},
    {"password", FieldType::password},
    {"datetime", FieldType::datetime},
    {"object", FieldType::object},
}};

template <class Table>
std::string names_of(const Table& table) {
  std::string out;
  for (const auto& [name, _] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// Thrown inside this file only, to stop at the first problem with its path.
struct Invalid {
  DefinitionError error;
};

[[noreturn]] void invalid(std::string path, std::string message) {
  throw Invalid{{std::move(path), std::move(message)}};
}

const json::value* member(const json::object& object, std::string_view key) {
  return object.if_contains(key);
}

std::string string_member(const json::object& object, std::string_view key,
                          const std::string& path, bool required) {
  const json::value* v = member(object, key);
  if (v == nullptr) {
    if (required) invalid(path, fmt::format("the required key \"{}\" is missing", key));
    return {};
  }
  if (!v->is_string()) {
    invalid(path + "." + std::string(key), fmt::format("must be a string, not {}", json_kind(*v)));
  }
  if (required && v->get_string().empty()) {
    invalid(path + "." + std::string(key), "must not be empty");
  }
  return std::string(v->get_string());
}

bool bool_member(const json::object& object, std::string_view key, const std::string& path) {
  const json::value* v = member(object, key);
  if (v == nullptr) return false;
  if (!v->is_bool()) {
    invalid(path + "." + std::string(key), fmt::format("must be true or false, not {}", json_kind(*v)));
  }
  return v->get_bool();
}

std::optional<double> number_member(const json::object& object, std::string_view key,
                                    const std::string& path) {
  const json::value* v = member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    invalid(path + "." + std::string(key), fmt::format("must be a number, not {}", json_kind(*v)));
  }
  return v->to_number<double>();
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_key_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

// [A-Za-z_][A-Za-z0-9_-]{0,63}
bool is_field_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || !is_key_start(key[0])) return false;
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return is_key_start(c) || (c >= '0' && c <= '9') || c == '-'; });
}

// [a-z0-9][a-z0-9-]{0,62}
bool is_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 63 || !is_lower_alnum(slug[0])) return false;
  return std::all_of(slug.begin(), slug.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

const json::object& object_at(const json::value& v, const std::string& path) {
  if (!v.is_object()) invalid(path, fmt::format("must be an object, not {}", json_kind(v)));
  return v.get_object();
}

std::vector<Choice> parse_choices(const json::value& v, const std::string& path) {
  if (!v.is_array()) invalid(path, fmt::format("must be an array, not {}", json_kind(v)));
  if (v.get_array().empty()) invalid(path, "must list at least one choice");
  std::vector<Choice> choices;
  std::size_t i = 0;
  for (const auto& item : v.get_array()) {
    std::string item_path = fmt::format("{}[{}]", path, i++);
    if (item.is_string() || item.is_number() || item.is_bool()) {
      choices.push_back({json_text(item), item.is_string() ? std::string(item.get_string()) : json_text(item)});
      continue;
    }
    const auto& object = object_at(item, item_path);
    const json::value* value = member(object, "value");
    if (value == nullptr || value->is_structured() || value->is_null()) {
      invalid(item_path, "a choice needs a \"value\" that is a string, number or boolean");
    }
    std::string label = string_member(object, "label", item_path, false);
    choices.push_back({json_text(*value), label.empty() ? json_text(*value) : label});
  }
  return choices;
}

// describe and serve show a field's default and choices in clear, so a secret has neither.
void check_nothing_shown(const Field& field, const std::string& path) {
  if (!field.default_json.empty()) {
    invalid(path + ".default", "a secret field cannot have a default: describe would show it in clear");
  }
  if (!field.choices.empty()) {
    invalid(path + ".choices", "a secret field cannot have choices: describe would show them in clear");
  }
}

Field parse_field(std::string key, const json::value& v, const std::string& path) {
  if (!is_field_key(key)) {
    invalid(path, "a field key must start with a letter or '_' and contain only letters, "
                  "digits, '_' and '-' (at most 64)");
  }
  const auto& object = object_at(v, path);
  Field field;
  field.key = std::move(key);
  field.label = string_member(object, "label", path, true);
  field.description = string_member(object, "description", path, false);

  const json::value* type = member(object, "type");
  if (type == nullptr) invalid(path, "the required key \"type\" is missing");
  if (!type->is_string()) invalid(path + ".type", fmt::format("must be a string, not {}", json_kind(*type)));
  bool known = false;
  for (const auto& [name, value] : kFieldTypes) {
    if (type->get_string() == name) {
      field.type = value;
      known = true;
    }
  }
  if (!known) {
    invalid(path + ".type", fmt::format("\"{}\" is not a field type (expected one of {})",
                                        std::string_view(type->get_string()), names_of(kFieldTypes)));
  }

  field.secret = field.type == FieldType::password;
  field.required = bool_member(object, "required", path);
  field.multiple = bool_member(object, "multiple", path);
  field.format = string_member(object, "format", path, false);
  if (!field.format.empty() && !is_known_format(field.format)) {
    invalid(path + ".format", fmt::format("\"{}\" is not a known format (expected one of {})",
                                          field.format, known_formats_text()));
  }
  field.pattern = string_member(object, "pattern", path, false);
  std::optional<FieldPattern> pattern;  // compiled once, for the default and every choice
  if (!field.pattern.empty()) {
    if (!is_string_type(field.type)) {
      invalid(path + ".pattern", "applies only to fields of type string, text, password or datetime");
    }
    pattern.emplace(field.pattern);
    if (!pattern->error().empty()) invalid(path + ".pattern", pattern->error());
  }
  field.minimum = number_member(object, "minimum", path);
  field.maximum = number_member(object, "maximum", path);
  if (field.minimum && field.maximum && *field.minimum > *field.maximum) {
    invalid(path + ".minimum", "is greater than maximum");
  }
  if (const json::value* choices = member(object, "choices")) {
    field.choices = parse_choices(*choices, path + ".choices");
    for (std::size_t i = 0; i < field.choices.size(); ++i) {
      Field single = field;
      single.choices.clear();
      single.multiple = false;
      CheckedValue checked = check_field_value(single, json::parse(field.choices[i].value_json), pattern ? &*pattern : nullptr);
      if (!checked.ok()) invalid(fmt::format("{}.choices[{}]", path, i), "the choice " + checked.problem);
      field.choices[i].value_json = json_text(checked.value);
    }
  }
  if (const json::value* def = member(object, "default"); def != nullptr && !def->is_null()) {
    CheckedValue checked = check_field_value(field, *def, pattern ? &*pattern : nullptr);
    if (!checked.ok()) invalid(path + ".default", "the default " + checked.problem);
    field.default_json = json_text(checked.value);
  }
  if (field.secret) check_nothing_shown(field, path);
  return field;
}

// The `basic` scheme's fields, added unless the destination declares its own. A redeclared
// pair changes only its label and description: the password stays a secret whatever its type.
void add_basic_fields(std::vector<Field>& fields) {
  for (Field& f : fields) {
    if (f.key != "password") continue;
    f.secret = true;
    check_nothing_shown(f, "$.authentication.fields.password");
  }
  std::vector<Field> added;
  if (std::none_of(fields.begin(), fields.end(), [](const Field& f) { return f.key == "username"; })) {
    added.push_back({.key = "username", .label = "Username", .type = FieldType::string, .required = true});
  }
  if (std::none_of(fields.begin(), fields.end(), [](const Field& f) { return f.key == "password"; })) {
    added.push_back({.key = "password", .label = "Password", .type = FieldType::password, .required = true, .secret = true});
  }
  fields.insert(fields.begin(), added.begin(), added.end());
}

Definition parse(const json::value& root) {
  const auto& top = object_at(root, "$");
  Definition d;
  d.name = string_member(top, "name", "$", true);
  d.slug = string_member(top, "slug", "$", true);
  if (!is_slug(d.slug)) {
    invalid("$.slug", fmt::format("\"{}\" is not a slug (lower-case letters, digits and dashes, "
                                  "starting with a letter or digit, at most 63)", d.slug));
  }
  d.version = string_member(top, "version", "$", false);
  d.description = string_member(top, "description", "$", false);

  const json::value* auth = member(top, "authentication");
  if (auth == nullptr) invalid("$", "the required key \"authentication\" is missing");
  const auto& auth_object = object_at(*auth, "$.authentication");
  const json::value* scheme = member(auth_object, "scheme");
  if (scheme == nullptr) invalid("$.authentication", "the required key \"scheme\" is missing");
  if (!scheme->is_string()) {
    invalid("$.authentication.scheme", fmt::format("must be a string, not {}", json_kind(*scheme)));
  }
  bool known = false;
  for (const auto& [name, value] : kSchemes) {
    if (scheme->get_string() == name) {
      d.scheme = value;
      known = true;
    }
  }
  if (!known) {
    invalid("$.authentication.scheme",
            fmt::format("\"{}\" is not a scheme (expected one of {})",
                        std::string_view(scheme->get_string()), names_of(kSchemes)));
  }
  if (const json::value* fields = member(auth_object, "fields")) {
    for (const auto& [key, value] : object_at(*fields, "$.authentication.fields")) {
      std::string k(key);
      d.fields.push_back(parse_field(k, value, "$.authentication.fields." + k));
    }
  }
  if (d.scheme == Scheme::basic) add_basic_fields(d.fields);
  return d;
}

}  // namespace

std::string_view to_string(Scheme scheme) {
  for (const auto& [name, value] : kSchemes) {
    if (value == scheme) return name;
  }
  return "custom";
}

std::string_view to_string(FieldType type) {
  for (const auto& [name, value] : kFieldTypes) {
    if (value == type) return name;
  }
  return "string";
}

const Field* Definition::field(std::string_view key) const {
  for (const auto& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::variant<Definition, DefinitionError> parse_definition(std::string_view text) {
  ParsedJson parsed = parse_json_input(text);
  if (!parsed.ok()) return DefinitionError{"$", "not valid JSON: " + parsed.error};
  try {
    return parse(parsed.value);
  } catch (const Invalid& e) {
    return e.error;
  }
}

}  // namespace destkit::host
