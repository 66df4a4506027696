// declarative/manifest — a destination declared in JSON instead of compiled: what it
// declares, parsed and checked whole when it loads.
//
//   {"slug": "acme", "name": "Acme", "version": "1.0.0",
//    "authentication": {"scheme": "custom",
//                       "fields": {"apiKey": {"label": "API Key", "type": "password", "required": true}},
//                       "testRequest": {"url": "/me"}},
//    "extendRequest": {"prefixUrl": "https://api.acme.com/v1",
//                      "headers": {"Authorization": "Bearer {{settings.apiKey}}"}}}
//
// docs/write-a-declarative-destination.md describes every key. Unknown keys, templates that
// refer to undeclared fields, unknown filters and syntax errors are refused with the JSON path
// (and, in a template, the column) of the problem.
#pragma once

#include "declarative/template.hpp"
#include "definition/parse.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace destkit::host::declarative {

// A template and where it stands in the manifest ("$.extendRequest.prefixUrl"), for messages.
struct TemplateAt {
  std::string path{};
  Template parsed{};
};

using NamedTemplates = std::vector<std::pair<std::string, TemplateAt>>;  // declaration order

// A JSON value whose strings are templates (a request's json body).
struct JsonTemplate {
  boost::json::value literal{};           // numbers, booleans, null
  std::optional<TemplateAt> text{};       // a string
  std::vector<std::pair<std::string, JsonTemplate>> members{};
  std::vector<JsonTemplate> items{};
  bool is_object = false;
  bool is_array = false;
};

// What makes testRequest's answer mean "the credentials work".
struct Validity {
  std::vector<int> statuses{};            // empty: any 2xx
  std::optional<std::string> pointer{};   // JSON Pointer that must exist in the answer
  std::optional<boost::json::value> equals{};  // ... and hold this value
};

// An answer from testRequest that means one setting is wrong rather than the credentials:
// when the status is one of `when.statuses` (and `when.pointer`/`when.equals` hold), the
// host reports `field` as set_invalid_setting does, "<label> <message>.".
struct SettingRejection {
  Validity when{};  // statuses never empty
  std::string field{};
  std::string message{};
};

struct TestRequest {
  std::string method{};  // empty: GET
  TemplateAt url{};
  NamedTemplates headers{};
  NamedTemplates search_params{};
  std::optional<JsonTemplate> json{};
  Validity valid{};
  std::vector<SettingRejection> invalid_settings{};  // checked in order, before `valid`
};

struct Extension {
  std::optional<TemplateAt> prefix_url{};
  NamedTemplates headers{};
  std::optional<TemplateAt> username{};
  std::optional<TemplateAt> password{};
  NamedTemplates search_params{};
  std::optional<std::int64_t> timeout_ms{};
  std::optional<bool> response_json{};
};

// An oauth2 destination's own token renewal, for APIs whose endpoint is not the standard
// refresh_token grant.
struct Refresh {
  enum class Encoding { form, json };
  TemplateAt url{};
  std::string method = "POST";
  NamedTemplates headers{};
  std::optional<TemplateAt> username{};  // Basic authentication of the client, when the API wants it
  std::optional<TemplateAt> password{};
  Encoding encoding = Encoding::form;
  JsonTemplate body{};  // an object; with form encoding, of strings
  std::string access_token = "/access_token";  // JSON Pointers into the answer
  std::string refresh_token = "/refresh_token";
  std::string expires_in = "/expires_in";
};

struct Manifest {
  Definition definition{};
  std::string definition_json{};  // the definition part, as the ABI carries it
  std::optional<TestRequest> test_request{};
  std::optional<Extension> extend_request{};
  std::optional<Refresh> refresh{};
};

// Manifests larger than this are refused before they are read.
inline constexpr std::size_t kMaxManifestBytes = 1 << 20;

std::variant<Manifest, DefinitionError> parse_manifest(std::string_view json_text);

}  // namespace destkit::host::declarative
