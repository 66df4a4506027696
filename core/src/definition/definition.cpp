#include "definition/parse.hpp"
#include "util/json_input.hpp"
#include "util/json_path.hpp"

#include "definition/field_value.hpp"
#include "definition/settings.hpp"
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

// The most settings fields a destination may declare: a form of more is no form a user fills in.
constexpr std::size_t kMaxFields = 1000;

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

std::optional<double> number_member(const json::object& object, std::string_view key,
                                    const std::string& path) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) {
    invalid_at(path + "." + std::string(key), fmt::format("must be a number, not {}", json_kind(*v)));
  }
  // Bounds are doubles: a whole number that no double holds would be moved to its neighbour.
  double bound = v->to_number<double>();
  bool exact = v->is_double() || (v->is_int64() ? static_cast<long double>(bound) == v->get_int64()
                                                : static_cast<long double>(bound) == v->get_uint64());
  if (!exact) {
    invalid_at(path + "." + std::string(key),
               fmt::format("must be a number a double holds exactly (every whole number up to 2^53 is one), "
                           "but {} is not: it would be read as {:.0f}",
                           json::serialize(*v), bound));
  }
  return bound;
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

std::vector<Choice> parse_choices(const json::value& v, const std::string& path) {
  const json::array& items = array_at(v, path);
  if (items.empty()) invalid_at(path, "must list at least one choice");
  std::vector<Choice> choices;
  std::size_t i = 0;
  for (const auto& item : items) {
    std::string item_path = fmt::format("{}[{}]", path, i++);
    if (item.is_string() || item.is_number() || item.is_bool()) {
      choices.push_back({json_text(item), item.is_string() ? std::string(item.get_string()) : json_text(item)});
      continue;
    }
    const auto& object = object_at(item, item_path);
    const json::value* value = object.if_contains("value");
    if (value == nullptr || value->is_structured() || value->is_null()) {
      invalid_at(item_path, "a choice needs a \"value\" that is a string, number or boolean");
    }
    std::string label = string_member(object, "label", item_path, Presence::optional);
    choices.push_back({json_text(*value), label.empty() ? json_text(*value) : label});
  }
  return choices;
}

// describe and serve show a field's default and choices in clear, so a secret has neither.
void check_nothing_shown(const Field& field, const std::string& path) {
  if (!field.default_json.empty()) {
    invalid_at(path + ".default", "a secret field cannot have a default: describe would show it in clear");
  }
  if (!field.choices.empty()) {
    invalid_at(path + ".choices", "a secret field cannot have choices: describe would show them in clear");
  }
}

// `pattern_budget`: the RE2 instructions the definition's patterns may still compile to.
Field parse_field(std::string key, const json::value& v, const std::string& path, int& pattern_budget) {
  if (!is_field_key(key)) {
    invalid_at(path, "a field key must start with a letter or '_' and contain only letters, "
                  "digits, '_' and '-' (at most 64)");
  }
  const auto& object = object_at(v, path);
  Field field;
  field.key = std::move(key);
  field.label = string_member(object, "label", path, Presence::required);
  field.description = string_member(object, "description", path, Presence::optional);

  std::string type = string_at(required_member(object, "type", path), path + ".type");
  bool known = false;
  for (const auto& [name, value] : kFieldTypes) {
    if (type == name) {
      field.type = value;
      known = true;
    }
  }
  if (!known) {
    invalid_at(path + ".type", fmt::format("\"{}\" is not a field type (expected one of {})", type, names_of(kFieldTypes)));
  }

  field.secret = field.type == FieldType::password;
  field.required = bool_member(object, "required", path);
  field.multiple = bool_member(object, "multiple", path);
  field.format = string_member(object, "format", path, Presence::optional);
  if (!field.format.empty() && !is_known_format(field.format)) {
    invalid_at(path + ".format", fmt::format("\"{}\" is not a known format (expected one of {})",
                                          field.format, known_formats_text()));
  }
  field.pattern = string_member(object, "pattern", path, Presence::optional);
  std::optional<FieldPattern> pattern;  // compiled once, for the default and every choice
  if (!field.pattern.empty()) {
    if (!is_string_type(field.type)) {
      invalid_at(path + ".pattern", "applies only to fields of type string, text, password or datetime");
    }
    pattern.emplace(field.pattern);
    if (!pattern->error().empty()) invalid_at(path + ".pattern", pattern->error());
    pattern_budget -= pattern->program_size();
    if (pattern_budget < 0) {
      invalid_at(path + ".pattern", fmt::format("makes the definition's patterns compile to more than {} RE2 "
                                                "instructions in all, the most destkit compiles for one destination",
                                                kMaxPatternProgramPerDefinition));
    }
  }
  field.minimum = number_member(object, "minimum", path);
  field.maximum = number_member(object, "maximum", path);
  if (field.minimum && field.maximum && *field.minimum > *field.maximum) {
    invalid_at(path + ".minimum", "is greater than maximum");
  }
  if (const json::value* choices = object.if_contains("choices")) {
    field.choices = parse_choices(*choices, path + ".choices");
    for (std::size_t i = 0; i < field.choices.size(); ++i) {
      Field single = field;
      single.choices.clear();
      single.multiple = false;
      CheckedValue checked = check_field_value(single, json::parse(field.choices[i].value_json), pattern ? &*pattern : nullptr);
      if (!checked.ok()) invalid_at(fmt::format("{}.choices[{}]", path, i), "the choice " + checked.problem);
      field.choices[i].value_json = json_text(checked.value);
    }
  }
  if (const json::value* def = object.if_contains("default"); def != nullptr && !def->is_null()) {
    CheckedValue checked = check_field_value(field, *def, pattern ? &*pattern : nullptr);
    if (!checked.ok()) invalid_at(path + ".default", "the default " + checked.problem);
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
  // Username first, the password after it, as a sign-in form reads, whichever was declared.
  auto position = [&](std::string_view key) {
    return std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; });
  };
  if (position("username") == fields.end()) {
    fields.insert(fields.begin(),
                  {.key = "username", .label = "Username", .type = FieldType::string, .required = true});
  }
  if (position("password") == fields.end()) {
    fields.insert(
        position("username") + 1,
        {.key = "password", .label = "Password", .type = FieldType::password, .required = true, .secret = true});
  }
}

Definition parse(const json::value& root) {
  const auto& top = object_at(root, "$");
  Definition d;
  d.name = string_member(top, "name", "$", Presence::required);
  d.slug = string_member(top, "slug", "$", Presence::required);
  if (!is_slug(d.slug)) {
    invalid_at("$.slug", fmt::format("\"{}\" is not a slug (lower-case letters, digits and dashes, "
                                  "starting with a letter or digit, at most 63)", d.slug));
  }
  d.version = string_member(top, "version", "$", Presence::optional);
  d.description = string_member(top, "description", "$", Presence::optional);

  const auto& auth_object = object_at(required_member(top, "authentication", "$"), "$.authentication");
  std::string scheme = string_at(required_member(auth_object, "scheme", "$.authentication"), "$.authentication.scheme");
  bool known = false;
  for (const auto& [name, value] : kSchemes) {
    if (scheme == name) {
      d.scheme = value;
      known = true;
    }
  }
  if (!known) {
    invalid_at("$.authentication.scheme",
            fmt::format("\"{}\" is not a scheme (expected one of {})", scheme, names_of(kSchemes)));
  }
  if (const json::value* fields = auth_object.if_contains("fields")) {
    const auto& declared = object_at(*fields, "$.authentication.fields");
    if (declared.size() > kMaxFields) {
      invalid_at("$.authentication.fields",
                 fmt::format("declares {} fields; a destination may declare at most {}", declared.size(), kMaxFields));
    }
    int pattern_budget = kMaxPatternProgramPerDefinition;
    for (const auto& [key, value] : declared) {
      std::string k(key);
      d.fields.push_back(parse_field(k, value, "$.authentication.fields." + k, pattern_budget));
    }
  }
  if (d.uses_oauth()) {
    for (const Field& f : d.fields) {
      if (f.key == kOAuthSettingsKey) {
        invalid_at("$.authentication.fields.oauth",
                   "the key \"oauth\" is reserved in OAuth destinations: settings give the OAuth tokens under it");
      }
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
  } catch (const JsonPathError& e) {
    return e;
  }
}

}  // namespace destkit::host
