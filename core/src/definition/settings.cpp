#include "definition/settings.hpp"

#include "http/redactor.hpp"
#include "oauth/token_store.hpp"

#include "definition/field_value.hpp"
#include "util/spelling.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>
#include <unordered_set>

namespace destkit::host {
namespace {

namespace json = boost::json;

bool is_empty(const json::value& v) {
  return v.is_null() || (v.is_string() && v.get_string().empty()) ||
         (v.is_array() && v.get_array().empty());
}

// The tokens an OAuth destination's settings may give under "oauth" (README: test-auth).
void read_oauth(const json::value& v, ValidatedSettings& out) {
  const std::string key(kOAuthSettingsKey);
  if (!v.is_object()) {
    out.problems.push_back({key,
                            "OAuth tokens (\"oauth\") must be an object with access_token and, if the "
                            "destination may refresh it, refresh_token."});
    return;
  }
  std::vector<std::string> names{"access_token", "refresh_token"};
  for (const auto& [name, token] : v.get_object()) {
    std::string* target = name == "access_token"    ? &out.auth.access_token
                          : name == "refresh_token" ? &out.auth.refresh_token
                                                    : nullptr;
    if (target == nullptr) {
      std::string message = fmt::format(
          "\"{}\" is not an OAuth token: \"oauth\" holds access_token and "
          "refresh_token.",
          std::string_view(name));
      if (auto suggestion = closest_spelling(name, names)) message += fmt::format(" Did you mean \"{}\"?", *suggestion);
      out.problems.push_back({fmt::format("{}.{}", key, std::string_view(name)), message});
    } else if (!token.is_string()) {
      out.problems.push_back({fmt::format("{}.{}", key, std::string_view(name)),
                              fmt::format("The OAuth {} must be a string.", std::string_view(name))});
    } else if (std::string problem = token_text_problem(token.get_string(), kMaxTokenBytes); !problem.empty()) {
      out.problems.push_back({fmt::format("{}.{}", key, std::string_view(name)),
                              fmt::format("The OAuth {} {}.", std::string_view(name), problem)});
    } else {
      *target = std::string(token.get_string());
    }
  }
}

// What no settings problem may show, whichever field's problem it is (a key pasted into two
// fields): the values as given, valid or not, of secret fields, of fields whose key or label
// names a credential (a PIN is 4 digits), and the OAuth tokens. Values of fewer than 4 bytes
// are left: hiding "a" would garble every sentence.
constexpr std::size_t kMinHiddenBytes = 4;

Redactor secrets_as_given(const Definition& d, const json::object& given) {
  Redactor secrets;
  std::function<void(const json::value&, std::size_t)> add = [&](const json::value& v, std::size_t at_least) {
    if (v.is_array()) {  // a field of multiple values
      for (const json::value& each : v.get_array()) add(each, at_least);
      return;
    }
    if (v.is_structured() || v.is_null()) return;
    std::string text = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    if (text.size() >= at_least) secrets.add(text);
  };
  for (const Field& field : d.fields) {
    const json::value* v = given.if_contains(field.key);
    if (v == nullptr) continue;
    if (field.secret || is_secret_name(field.key) || is_secret_name(field.label)) add(*v, kMinHiddenBytes);
  }
  if (const json::value* oauth = given.if_contains(kOAuthSettingsKey); oauth != nullptr && oauth->is_object()) {
    for (const auto& [_, token] : oauth->get_object()) add(token, kMinHiddenBytes);
  }
  return secrets;
}

// Unknown keys named one by one, and settings listed in a message: beyond these, a count. Each
// problem costs a spelling search over every field, and settings may hold 100,000 keys.
constexpr std::size_t kUnknownKeysNamed = 20;
constexpr std::size_t kSettingsListed = 20;

std::string list_of_settings(const std::vector<std::string>& known) {
  if (known.size() <= kSettingsListed) return fmt::format("{}", fmt::join(known, ", "));
  return fmt::format("{}, and {} more", fmt::join(known.begin(), known.begin() + kSettingsListed, ", "),
                     known.size() - kSettingsListed);
}

void check_unknown_keys(const Definition& d, const json::object& input, ValidatedSettings& out) {
  std::vector<std::string> known;
  for (const auto& field : d.fields) known.push_back(field.key);
  std::unordered_set<std::string_view> declared(known.begin(), known.end());
  std::size_t unknown = 0;
  std::string_view first_unnamed;
  for (const auto& [key, _] : input) {
    if ((key == kOAuthSettingsKey && d.uses_oauth()) || declared.count(key) != 0) continue;
    if (++unknown > kUnknownKeysNamed) {
      if (first_unnamed.empty()) first_unnamed = key;
      continue;
    }
    std::string message = fmt::format("\"{}\" is not a setting of {}.", std::string_view(key), d.name);
    if (auto suggestion = closest_spelling(key, known)) {
      message += fmt::format(" Did you mean \"{}\"?", *suggestion);
    } else if (!known.empty()) {
      message += fmt::format(" Its settings are: {}.", list_of_settings(known));
    }
    out.problems.push_back({std::string(key), message});
  }
  if (unknown > kUnknownKeysNamed) {
    std::size_t more = unknown - kUnknownKeysNamed - 1;
    out.problems.push_back({std::string(first_unnamed),
                            more == 0 ? fmt::format("\"{}\" is not a setting of {} either.", first_unnamed, d.name)
                                      : fmt::format("\"{}\" and {} more keys are not settings of {} either.",
                                                    first_unnamed, more, d.name)});
  }
}

}  // namespace

std::vector<std::string> ValidatedSettings::secrets(const Definition& definition) const {
  std::vector<std::string> out;
  for (const auto& field : definition.fields) {
    const json::value* v = values.if_contains(field.key);
    if (field.secret && v != nullptr && v->is_string() && !v->get_string().empty()) {
      out.emplace_back(v->get_string());
    }
  }
  for (const std::string* token : {&auth.access_token, &auth.refresh_token}) {
    if (!token->empty()) out.push_back(*token);
  }
  return out;
}

ValidatedSettings validate_settings(const Definition& d, const json::value& input) {
  ValidatedSettings out;
  if (!input.is_object()) {
    out.problems.push_back({"", "Settings must be a JSON object of field names and values."});
    return out;
  }
  const auto& given = input.get_object();
  for (const auto& field : d.fields) {
    const json::value* value = given.if_contains(field.key);
    if (value == nullptr || is_empty(*value)) {
      if (!field.default_json.empty()) {
        out.values[field.key] = json::parse(field.default_json);
      } else if (field.required) {
        out.problems.push_back({field.key, fmt::format("{} is required, but it is {}.", field.label,
                                                       value == nullptr ? "missing" : "empty")});
      }
      continue;
    }
    CheckedValue checked = check_field_value(field, *value);
    if (checked.ok()) {
      out.values[field.key] = std::move(checked.value);
    } else {
      out.problems.push_back({field.key, fmt::format("{} {}.", field.label, checked.problem)});
    }
  }
  const json::value* oauth = given.if_contains(kOAuthSettingsKey);
  if (oauth != nullptr && d.uses_oauth()) read_oauth(*oauth, out);
  check_unknown_keys(d, given, out);
  if (!out.problems.empty()) {
    Redactor secrets = secrets_as_given(d, given);
    for (SettingsProblem& problem : out.problems) {
      problem.key = secrets.apply(problem.key);  // an unknown key may be the secret itself
      problem.message = secrets.apply(problem.message);
    }
  }
  return out;
}

}  // namespace destkit::host
