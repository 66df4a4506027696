#include "declarative/manifest.hpp"

#include "http/request_options.hpp"
#include "util/json_input.hpp"
#include "util/json_path.hpp"
#include "util/spelling.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

namespace destkit::host::declarative {
namespace {

namespace json = boost::json;

// Strictness: a key this format does not know is a mistake, never something to skip.
void only_keys(const json::object& object, const std::string& path, std::initializer_list<std::string_view> known) {
  auto unknown = first_unknown_key(object, known);
  if (!unknown) return;
  std::string list;
  for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  invalid_at(member_path(path, unknown->key),
             unknown->guess ? fmt::format("unknown key (did you mean \"{}\"?)", *unknown->guess)
                            : fmt::format("unknown key (the keys here are {})", list));
}

std::string method_at(const json::value& v, const std::string& path) {
  std::string method = string_at(v, path);
  for (const char* allowed : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}) {
    if (method == allowed) return method;
  }
  invalid_at(path, fmt::format("\"{}\" is not a method destkit sends (GET, POST, PUT, PATCH, DELETE or HEAD)", method));
}

std::string pointer_at(const json::value& v, const std::string& path) {
  std::string pointer = string_at(v, path);
  bool escapes_ok = true;
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '~' && (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
      escapes_ok = false;
    }
  }
  if ((!pointer.empty() && !pointer.starts_with('/')) || !escapes_ok) {  // "" is the whole document
    invalid_at(path, fmt::format("\"{}\" is not a JSON Pointer (RFC 6901) such as \"/data/token\"", pointer));
  }
  return pointer;
}

// The keys of a field as compiled plugins declare them (the C++ SDK's detail::to_json writes
// them; definition/parse checks their values).
const std::initializer_list<std::string_view> kFieldKeys = {"label",   "description", "type",    "required",
                                                            "multiple", "format",      "pattern", "minimum",
                                                            "maximum", "choices",     "default"};

void check_field_keys(const json::object& fields, const std::string& path) {
  for (const auto& [key, field] : fields) {
    std::string field_path = member_path(path, key);
    only_keys(object_at(field, field_path), field_path, kFieldKeys);
    const json::value* choices = field.get_object().if_contains("choices");
    if (choices == nullptr || !choices->is_array()) continue;
    for (std::size_t i = 0; i < choices->get_array().size(); ++i) {
      const json::value& choice = choices->get_array()[i];
      if (choice.is_object()) only_keys(choice.get_object(), fmt::format("{}.choices[{}]", field_path, i), {"value", "label"});
    }
  }
}

// Where a template stands decides which auth values it may name.
enum class Scope { request, refresh };

class Parser {
 public:
  Manifest parse(const json::value& root) {
    const json::object& top = object_at(root, "$");
    only_keys(top, "$", {"slug", "name", "version", "description", "authentication", "extendRequest"});
    Manifest m;
    m.definition_json = definition_part(top);
    auto parsed = parse_definition(m.definition_json);
    if (auto* error = std::get_if<DefinitionError>(&parsed)) throw *error;
    m.definition = std::get<Definition>(std::move(parsed));
    definition_ = &m.definition;

    const json::object& auth = top.at("authentication").get_object();
    if (const json::value* extension = top.if_contains("extendRequest")) {
      m.extend_request = parse_extension(*extension, "$.extendRequest");
    }
    if (const json::value* test = auth.if_contains("testRequest")) {
      bool has_prefix = m.extend_request && m.extend_request->prefix_url;
      m.test_request = parse_test_request(*test, "$.authentication.testRequest", has_prefix);
    }
    if (const json::value* refresh = auth.if_contains("refreshAccessToken")) {
      if (m.definition.scheme != Scheme::oauth2) {
        invalid_at("$.authentication.refreshAccessToken",
                "only the oauth2 scheme declares its own token renewal (oauth-managed destinations use the host's)");
      }
      m.refresh = parse_refresh(*refresh, "$.authentication.refreshAccessToken");
    }
    return m;
  }

 private:
  // The part a compiled plugin's definition JSON holds, checked by the same parser.
  static std::string definition_part(const json::object& top) {
    if (string_at(required_member(top, "version", "$"), "$.version").empty()) invalid_at("$.version", "must not be empty");
    const json::object& auth_object = object_at(required_member(top, "authentication", "$"), "$.authentication");
    only_keys(auth_object, "$.authentication", {"scheme", "fields", "testRequest", "refreshAccessToken"});
    json::object definition;
    for (const char* key : {"name", "slug", "version", "description"}) {
      if (const json::value* v = top.if_contains(key)) definition[key] = *v;
    }
    json::object authentication;
    if (const json::value* scheme = auth_object.if_contains("scheme")) authentication["scheme"] = *scheme;
    if (const json::value* fields = auth_object.if_contains("fields")) {
      check_field_keys(object_at(*fields, "$.authentication.fields"), "$.authentication.fields");
      authentication["fields"] = *fields;
    }
    definition["authentication"] = std::move(authentication);
    return json::serialize(definition);
  }

  TemplateAt template_at(const json::value& v, const std::string& path, Scope scope) {
    std::string text = string_at(v, path);
    auto parsed = parse_template(text);
    if (auto* error = std::get_if<TemplateError>(&parsed)) {
      invalid_at(path, fmt::format("column {}: {}", error->column, error->message));
    }
    TemplateAt t{path, std::get<Template>(std::move(parsed))};
    for (const Substitution& s : t.parsed.substitutions) check_reference(s, path, scope);
    return t;
  }

  TemplateAt url_at(const json::value& v, const std::string& path, Scope scope, bool allow_relative) {
    TemplateAt t = template_at(v, path, scope);
    for (const std::string& literal : t.parsed.literals) {
      if (literal.find(' ') != std::string::npos || !is_url_text(literal)) {
        invalid_at(path, "a URL cannot hold a space or a control character (a space is written %20)");
      }
    }
    if (auto error = classify_url(t.parsed, allow_relative)) {
      invalid_at(path, fmt::format("column {}: {}", error->column, error->message));
    }
    return t;
  }

  // The declared field whose key `name` most resembles, for a did-you-mean.
  std::optional<std::string> field_like(const std::string& name) const {
    std::vector<std::string> keys;
    for (const Field& f : definition_->fields) keys.push_back(f.key);
    return closest_spelling(name, keys);
  }

  void check_reference(const Substitution& s, const std::string& path, Scope scope) const {
    auto fail = [&](const std::string& message) {
      invalid_at(path, fmt::format("column {}: {}", s.column, message));
    };
    if (s.source == Substitution::Source::settings) {
      const Field* field = definition_->field(s.name);
      if (field == nullptr) {
        auto guess = field_like(s.name);
        fail(fmt::format("{} is not a declared field{}", s.reference(),
                         guess ? fmt::format(" (did you mean settings.{}?)", *guess) : ""));
      }
      if (field->type == FieldType::object || field->multiple) {
        fail(fmt::format("{} holds {}; a template takes text, numbers and booleans", s.reference(),
                         field->multiple ? "a list" : "an object"));
      }
      if (!field->required && field->default_json.empty()) {
        fail(fmt::format("{} is optional and has no default: make it required or give it a default, so the "
                         "template always has a value", s.reference()));
      }
      return;
    }
    if (!definition_->uses_oauth()) fail(fmt::format("{} needs the oauth2 or oauth-managed scheme", s.reference()));
    std::vector<std::string> names{"accessToken", "refreshToken"};
    if (scope == Scope::refresh) names.insert(names.end(), {"clientId", "clientSecret"});
    if (std::find(names.begin(), names.end(), s.name) == names.end()) {
      bool refresh_only = s.name == "clientId" || s.name == "clientSecret";
      auto guess = closest_spelling(s.name, names);
      fail(refresh_only ? fmt::format("{} is available in refreshAccessToken only", s.reference())
                        : fmt::format("{} is not an auth value{}", s.reference(),
                                      guess ? fmt::format(" (did you mean auth.{}?)", *guess) : ""));
    }
  }

  NamedTemplates headers_at(const json::value& v, const std::string& path, Scope scope) {
    NamedTemplates headers;
    for (const auto& [name, value] : object_at(v, path)) {
      std::string header_path = member_path(path, name);
      if (is_client_written_header(name)) invalid_at(header_path, request_header_problem(name, ""));
      TemplateAt t = template_at(value, header_path, scope);
      for (const std::string& literal : t.parsed.literals) {
        if (std::string problem = header_problem(name, literal); !problem.empty()) invalid_at(header_path, problem);
      }
      headers.emplace_back(std::string(name), std::move(t));
    }
    return headers;
  }

  NamedTemplates params_at(const json::value& v, const std::string& path, Scope scope) {
    NamedTemplates params;
    for (const auto& [name, value] : object_at(v, path)) {
      if (name.empty()) invalid_at(path, "a search parameter needs a name");
      params.emplace_back(std::string(name), template_at(value, member_path(path, name), scope));
    }
    return params;
  }

  JsonTemplate json_at(const json::value& v, const std::string& path, Scope scope) {
    JsonTemplate t;
    if (v.is_string()) {
      t.text = template_at(v, path, scope);
    } else if (v.is_object()) {
      t.is_object = true;
      for (const auto& [key, member] : v.get_object()) {
        t.members.emplace_back(std::string(key), json_at(member, member_path(path, key), scope));
      }
    } else if (v.is_array()) {
      t.is_array = true;
      for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        t.items.push_back(json_at(v.get_array()[i], fmt::format("{}[{}]", path, i), scope));
      }
    } else {
      t.literal = v;
    }
    return t;
  }

  Extension parse_extension(const json::value& v, const std::string& path) {
    const json::object& o = object_at(v, path);
    only_keys(o, path, {"prefixUrl", "headers", "username", "password", "searchParams", "timeout", "responseType"});
    Extension e;
    if (const auto* p = o.if_contains("prefixUrl")) e.prefix_url = url_at(*p, path + ".prefixUrl", Scope::request, false);
    if (const auto* p = o.if_contains("headers")) e.headers = headers_at(*p, path + ".headers", Scope::request);
    if (const auto* p = o.if_contains("username")) e.username = template_at(*p, path + ".username", Scope::request);
    if (const auto* p = o.if_contains("password")) e.password = template_at(*p, path + ".password", Scope::request);
    if (const auto* p = o.if_contains("searchParams")) e.search_params = params_at(*p, path + ".searchParams", Scope::request);
    if (const auto* p = o.if_contains("timeout")) {
      if (!p->is_int64() && !p->is_uint64()) invalid_at(path + ".timeout", "must be a whole number of milliseconds");
      std::int64_t ms = p->is_int64() ? p->get_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(p->get_uint64(), INT64_MAX));
      if (ms <= 0) invalid_at(path + ".timeout", "must be more than 0 milliseconds");
      e.timeout_ms = ms;
    }
    if (const auto* p = o.if_contains("responseType")) {
      std::string type = string_at(*p, path + ".responseType");
      if (type != "json" && type != "text") invalid_at(path + ".responseType", "must be \"json\" or \"text\"");
      e.response_json = type == "json";
    }
    return e;
  }

  TestRequest parse_test_request(const json::value& v, const std::string& path, bool has_prefix) {
    const json::object& o = object_at(v, path);
    only_keys(o, path, {"method", "url", "headers", "searchParams", "json", "valid", "invalidSettings"});
    TestRequest t;
    if (const auto* p = o.if_contains("method")) t.method = method_at(*p, path + ".method");
    t.url = url_at(required_member(o, "url", path), path + ".url", Scope::request, true);
    if (t.url.parsed.literals.front().find("://") == std::string::npos && !has_prefix) {
      invalid_at(path + ".url", "is relative, but extendRequest has no prefixUrl to join it to");
    }
    if (const auto* p = o.if_contains("headers")) t.headers = headers_at(*p, path + ".headers", Scope::request);
    if (const auto* p = o.if_contains("searchParams")) t.search_params = params_at(*p, path + ".searchParams", Scope::request);
    if (const auto* p = o.if_contains("json")) t.json = json_at(*p, path + ".json", Scope::request);
    if (const auto* p = o.if_contains("valid")) {
      const json::object& valid = object_at(*p, path + ".valid");
      only_keys(valid, path + ".valid", {"status", "pointer", "equals"});
      t.valid = parse_validity(valid, path + ".valid");
    }
    if (const auto* p = o.if_contains("invalidSettings")) {
      t.invalid_settings = parse_rejections(*p, path + ".invalidSettings");
    }
    return t;
  }

  std::vector<SettingRejection> parse_rejections(const json::value& v, const std::string& path) const {
    if (!v.is_array() || v.get_array().empty()) {
      invalid_at(path, "must be a non-empty array of {\"status\", \"field\", \"message\"} objects");
    }
    std::vector<SettingRejection> rejections;
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      std::string at = fmt::format("{}[{}]", path, i);
      const json::object& o = object_at(v.get_array()[i], at);
      only_keys(o, at, {"status", "pointer", "equals", "field", "message"});
      for (const char* key : {"status", "field", "message"}) required_member(o, key, at);
      SettingRejection r;
      r.when = parse_validity(o, at);
      r.field = string_at(o.at("field"), at + ".field");
      if (definition_->field(r.field) == nullptr) {
        auto guess = field_like(r.field);
        invalid_at(at + ".field", fmt::format("\"{}\" is not a declared field{}", r.field,
                                           guess ? fmt::format(" (did you mean \"{}\"?)", *guess) : ""));
      }
      r.message = string_at(o.at("message"), at + ".message");
      if (r.message.empty()) invalid_at(at + ".message", "must not be empty: it says what is wrong with the field");
      rejections.push_back(std::move(r));
    }
    return rejections;
  }

  // The status/pointer/equals keys of `o` (`valid`, or one of `invalidSettings`).
  static Validity parse_validity(const json::object& o, const std::string& path) {
    Validity valid;
    if (const auto* p = o.if_contains("status")) {
      if (!p->is_array() || p->get_array().empty()) invalid_at(path + ".status", "must be a non-empty array of HTTP statuses");
      for (std::size_t i = 0; i < p->get_array().size(); ++i) {
        const json::value& status = p->get_array()[i];
        if (!status.is_int64() || status.get_int64() < 100 || status.get_int64() > 599) {
          invalid_at(fmt::format("{}.status[{}]", path, i), "must be an HTTP status, 100 to 599");
        }
        valid.statuses.push_back(static_cast<int>(status.get_int64()));
      }
    }
    if (const auto* p = o.if_contains("pointer")) valid.pointer = pointer_at(*p, path + ".pointer");
    if (const auto* p = o.if_contains("equals")) {
      if (!valid.pointer) invalid_at(path + ".equals", "needs a \"pointer\" saying where the value is");
      valid.equals = *p;
    }
    return valid;
  }

  Refresh parse_refresh(const json::value& v, const std::string& path) {
    const json::object& o = object_at(v, path);
    only_keys(o, path, {"url", "method", "headers", "username", "password", "encoding", "body", "accessToken",
                        "refreshToken", "expiresIn"});
    Refresh r;
    r.url = url_at(required_member(o, "url", path), path + ".url", Scope::refresh, false);
    if (const auto* p = o.if_contains("method")) r.method = method_at(*p, path + ".method");
    if (const auto* p = o.if_contains("headers")) r.headers = headers_at(*p, path + ".headers", Scope::refresh);
    if (const auto* p = o.if_contains("username")) r.username = template_at(*p, path + ".username", Scope::refresh);
    if (const auto* p = o.if_contains("password")) r.password = template_at(*p, path + ".password", Scope::refresh);
    if (const auto* p = o.if_contains("encoding")) {
      std::string encoding = string_at(*p, path + ".encoding");
      if (encoding != "form" && encoding != "json") invalid_at(path + ".encoding", "must be \"form\" or \"json\"");
      r.encoding = encoding == "json" ? Refresh::Encoding::json : Refresh::Encoding::form;
    }
    const json::value& body = required_member(o, "body", path);
    const json::object& fields = object_at(body, path + ".body");
    if (r.encoding == Refresh::Encoding::form) {
      for (const auto& [key, value] : fields) {
        if (!value.is_string()) invalid_at(member_path(path + ".body", key), "a form field must be a string");
      }
    }
    r.body = json_at(body, path + ".body", Scope::refresh);
    if (const auto* p = o.if_contains("accessToken")) r.access_token = pointer_at(*p, path + ".accessToken");
    if (const auto* p = o.if_contains("refreshToken")) r.refresh_token = pointer_at(*p, path + ".refreshToken");
    if (const auto* p = o.if_contains("expiresIn")) r.expires_in = pointer_at(*p, path + ".expiresIn");
    return r;
  }

  const Definition* definition_ = nullptr;
};

}  // namespace

std::variant<Manifest, DefinitionError> parse_manifest(std::string_view json_text) {
  ParsedJson parsed = parse_json_input(json_text, {.max_bytes = kMaxManifestBytes, .max_depth = 64});
  if (!parsed.ok()) return DefinitionError{"$", "not valid JSON: " + parsed.error};
  try {
    return Parser().parse(parsed.value);
  } catch (const JsonPathError& e) {
    return e;
  }
}

}  // namespace destkit::host::declarative
