// Declarative manifests at load: template strings, filters, and every mistake refused with
// the JSON path and, inside a template, the column.
#include "environment.hpp"

#include "declarative/manifest.hpp"
#include "declarative/template.hpp"
#include "plugin/loader.hpp"

#include <destkit/definition.hpp>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <thread>

using namespace destkit::test;
using namespace destkit::host;
using namespace destkit::host::declarative;
namespace fs = std::filesystem;

namespace {

// A custom-scheme manifest with fields subdomain, apiKey and region (optional, no default),
// whose extendRequest is `extension` (a JSON object's members).
std::string manifest_with(const std::string& extension, const std::string& test_request = R"({"url": "/me"})") {
  return R"({"slug": "acme", "name": "Acme", "version": "1.0.0",
    "authentication": {"scheme": "custom",
      "fields": {"subdomain": {"label": "Subdomain", "type": "string", "required": true},
                 "apiKey": {"label": "API Key", "type": "password", "required": true},
                 "region": {"label": "Region", "type": "string"}},
      "testRequest": )" + test_request + R"(},
    "extendRequest": {"prefixUrl": "https://api.acme.com", )" + extension + "}}";
}

// Why parse_manifest refuses `text` ("" when it accepts it).
std::string refusal(const std::string& text) {
  auto parsed = parse_manifest(text);
  auto* error = std::get_if<DefinitionError>(&parsed);
  return error == nullptr ? "" : error->to_string();
}

std::string rendered_filters(const std::string& value, const std::string& text) {
  auto parsed = parse_template(text);
  REQUIRE(std::holds_alternative<Template>(parsed));
  std::size_t bytes_left = kMaxFilteredBytesPerCall;
  auto result = apply_filters(value, std::get<Template>(parsed).substitutions.at(0).filters, bytes_left);
  return result.index() == 0 ? std::get<0>(result) : "error: " + std::get<1>(result);
}

}  // namespace

TEST_CASE("a template is literal text and substitutions of settings and auth values") {
  auto parsed = parse_template("https://{{settings.subdomain}}.example.com/{{ auth.accessToken }}");
  REQUIRE(std::holds_alternative<Template>(parsed));
  const Template& t = std::get<Template>(parsed);
  CHECK(t.literals == std::vector<std::string>{"https://", ".example.com/", ""});
  REQUIRE(t.substitutions.size() == 2);
  CHECK(t.substitutions[0].reference() == "settings.subdomain");
  CHECK(t.substitutions[0].column == 9);
  CHECK(t.substitutions[1].reference() == "auth.accessToken");
}

TEST_CASE("filters transform a value in order: base64, urlencode, lower, trim, split") {
  CHECK(rendered_filters("abc123-us6", "{{settings.k | split('-', -1)}}") == "us6");
  CHECK(rendered_filters("abc123-us6", R"({{settings.k | split("-", 0)}})") == "abc123");
  CHECK(rendered_filters("a-b-c", "{{settings.k|split('-',1)}}") == "b");
  CHECK(rendered_filters("  Key \t", "{{settings.k | trim | lower}}") == "key");
  CHECK(rendered_filters("user:pä", "{{settings.k | base64}}") == "dXNlcjpww6Q=");
  CHECK(rendered_filters("a b&c", "{{settings.k | urlencode}}") == "a%20b%26c");
  CHECK(rendered_filters("abc123", "{{settings.k | split('-', 1)}}") ==
        "error: split(\"-\", 1) found no such part: the value has 1 part(s)");
  CHECK(rendered_filters("abc123", "{{settings.k | split('-', -2)}}").starts_with("error: "));
}

TEST_CASE("a template's syntax errors give the 1-based column") {
  auto error_of = [](const std::string& text) {
    auto parsed = parse_template(text);
    REQUIRE(std::holds_alternative<TemplateError>(parsed));
    const auto& e = std::get<TemplateError>(parsed);
    return std::to_string(e.column) + ": " + e.message;
  };
  CHECK(error_of("Bearer {{settings.apiKey") == "8: this \"{{\" is never closed by \"}}\"");
  CHECK(error_of("Bearer }}") == "8: \"}}\" without a \"{{\" before it");
  CHECK(error_of("{{ }}") == "1: an empty substitution: expected settings.NAME or auth.NAME between {{ and }}");
  CHECK(error_of("x{{config.key}}") == "4: a template can refer only to settings.NAME and auth.NAME, not \"config\"");
  CHECK(error_of("{{settings.k | lowr}}") ==
        "16: unknown filter \"lowr\", did you mean \"lower\"? (the filters are base64, urlencode, lower, trim, split)");
  CHECK(error_of("{{settings.k | split('-')}}") == "25: expected ',' and the index of the part to keep here");
  CHECK(error_of("{{settings.k | split('', 1)}}") == "22: the separator of split must not be empty");
  CHECK(error_of("{{settings.k | trim()}}") == "20: the filter trim takes no arguments");
  CHECK(error_of("{{settings.k settings.j}}") == "14: expected '|' and a filter, or \"}}\"");
  CHECK(error_of("ä{{settings.k | nope}}") == "17: unknown filter \"nope\" (the filters are base64, urlencode, lower, trim, split)");
  std::string sixteen = "{{settings.k";
  for (int i = 0; i < 16; ++i) sixteen += "|trim";
  CHECK(std::holds_alternative<Template>(parse_template(sixteen + "}}")));
  CHECK(error_of(sixteen + "|trim}}") == "94: a substitution has at most 16 filters");
}

TEST_CASE("a manifest near 1 MiB whose template holds 45,000 substitutions is checked at once, columns right") {
  std::string header = "Bearer ";
  for (int i = 0; i < 45'000; ++i) header += "{{settings.apiKey}}\u00e9";
  std::string text = manifest_with(R"("headers": {"Authorization": ")" + header + "\"}");
  REQUIRE(text.size() < kMaxManifestBytes);
  // Parsed on another thread, so that a parse that takes minutes fails this test instead of stalling it.
  auto answer = std::make_shared<std::promise<std::string>>();
  std::future<std::string> checked = answer->get_future();
  std::thread([text, answer] { answer->set_value(refusal(text)); }).detach();
  REQUIRE(checked.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(checked.get().empty());

  std::string literal = "Bearer ";
  for (int i = 0; i < 45'000; ++i) literal += "{{settings.apiKey}}\xC3\xA9";
  auto parsed = parse_template(literal);
  REQUIRE(std::holds_alternative<Template>(parsed));
  // Each repetition is 20 characters (the last one 2 bytes): columns count characters.
  CHECK(std::get<Template>(parsed).substitutions.back().column == 8 + 44'999 * 20);
}

TEST_CASE("a manifest with a template error is refused with its JSON path and column") {
  CHECK(refusal(manifest_with(R"("headers": {"Authorization": "Bearer {{settings.apiKey | lowr}}"})")) ==
        "$.extendRequest.headers.Authorization: column 28: unknown filter \"lowr\", did you mean \"lower\"? "
        "(the filters are base64, urlencode, lower, trim, split)");
  CHECK(refusal(manifest_with(R"("headers": {"Authorization": "Bearer {{settings.apikey}}"})")) ==
        "$.extendRequest.headers.Authorization: column 8: settings.apikey is not a declared field "
        "(did you mean settings.apiKey?)");
  CHECK(refusal(manifest_with(R"("headers": {"X-Region": "{{settings.region}}"})")) ==
        "$.extendRequest.headers.X-Region: column 1: settings.region is optional and has no default: make it "
        "required or give it a default, so the template always has a value");
  CHECK(refusal(manifest_with(R"("headers": {"Authorization": "Bearer {{auth.accessToken}}"})")) ==
        "$.extendRequest.headers.Authorization: column 8: auth.accessToken needs the oauth2 or oauth-managed scheme");
  CHECK(refusal(manifest_with(R"("username": "{{settings.apiKey")")) ==
        "$.extendRequest.username: column 1: this \"{{\" is never closed by \"}}\"");
  CHECK(refusal(manifest_with("\"timeout\": 1000", R"({"url": "/me/{{settings.apiKey | base46}}"})")) ==
        "$.authentication.testRequest.url: column 25: unknown filter \"base46\", did you mean \"base64\"? "
        "(the filters are base64, urlencode, lower, trim, split)");
}

TEST_CASE("URL templates fix the scheme and keep substitutions out of the user info") {
  // A relative URL's values are percent-encoded, but a literal ':' could still join them into a
  // scheme: with "https" as the subdomain, "{{settings.subdomain}}://x" would be sent to x.
  const std::string scheme_refused =
      "a relative URL cannot hold ':' before its first '/', '?' or '#', where it could read as an absolute URL: "
      "start it with '/' or a literal https://";
  auto relative_refusal = [](const std::string& url) {
    return refusal(manifest_with("\"timeout\": 1", R"({"url": ")" + url + "\"}"));
  };
  CHECK(relative_refusal("{{settings.subdomain}}://x") == "$.authentication.testRequest.url: column 23: " + scheme_refused);
  CHECK(relative_refusal("https:/{{settings.subdomain}}/evil.com") ==
        "$.authentication.testRequest.url: column 6: " + scheme_refused);
  CHECK(relative_refusal("ä{{settings.subdomain}}:x/y") == "$.authentication.testRequest.url: column 24: " + scheme_refused);
  CHECK(relative_refusal("/v1/{{settings.subdomain}}:batchGet?at=https://x").empty());
  CHECK(relative_refusal("{{settings.subdomain}}/me").empty());
  std::string scheme = R"({"slug": "acme", "name": "Acme", "version": "1", "authentication": {"scheme": "custom",
      "fields": {"host": {"label": "Host", "type": "string", "required": true}}},
      "extendRequest": {"prefixUrl": ")";
  CHECK(refusal(scheme + R"({{settings.host}}/api"}})") ==
        "$.extendRequest.prefixUrl: column 1: must be an absolute URL starting with a literal http:// or https://");
  CHECK(refusal(scheme + R"(ftp://{{settings.host}}/api"}})") ==
        "$.extendRequest.prefixUrl: column 1: \"ftp\" URLs are not sent: use http:// or https://");
  CHECK(refusal(scheme + R"(https://{{settings.host}}@api.acme.com/"}})") ==
        "$.extendRequest.prefixUrl: column 26: a URL must not carry a user name or password: use username and password");
  // A literal "user:password@": its ':' does not make the password a port.
  CHECK(
      refusal(scheme + R"(https://user:pw@api.acme.com/"}})") ==
      "$.extendRequest.prefixUrl: column 14: a URL must not carry a user name or password: use username and password");
  CHECK(refusal(scheme + R"(https://api_{{settings.host}}.acme.com/"}})") ==
        "$.extendRequest.prefixUrl: column 12: '_' cannot be part of a URL's host");
  // A setting may choose a subdomain, never the domain that follows it.
  const std::string domain_refused =
      "a substitution in the host must be followed by a literal domain that is not a public suffix (.co.uk, "
      ".github.io), as in {{settings.subdomain}}.example.com, so that no setting can choose the domain";
  CHECK(refusal(scheme + R"(https://example.com{{settings.host}}/api"}})") ==
        "$.extendRequest.prefixUrl: column 37: " + domain_refused);
  CHECK(refusal(scheme + R"(https://{{settings.host}}.com/api"}})") ==
        "$.extendRequest.prefixUrl: column 26: " + domain_refused);
  // A last label that is a number lets a setting choose an IPv4 address ("127.0" + ".0.1").
  for (const char* tail : {"0.1", "0.0.1", "0.0x1", "example.1"}) {
    CAPTURE(tail);
    CHECK(refusal(scheme + "http://{{settings.host}}." + tail + "/api\"}}") ==
          "$.extendRequest.prefixUrl: column 25: " + domain_refused);
  }
  for (const char* suffix : {"co.uk", "github.io", "CO.UK"}) {  // public suffixes of two labels
    CAPTURE(suffix);
    CHECK(refusal(scheme + "https://{{settings.host}}." + suffix + "/api\"}}") ==
          "$.extendRequest.prefixUrl: column 26: " + domain_refused);
  }
  CHECK(refusal(scheme + R"(https://{{settings.host}}.acme.com/api"}})").empty());
  CHECK(refusal(scheme + R"(https://{{settings.host}}.acme.co.uk/api"}})").empty());
}

TEST_CASE("a declarative field takes every option the C++ SDK writes for a compiled one") {
  // Written by the SDK, so an option compiled plugins gain and manifests refuse fails here.
  destkit::Field region{.label = "Region",
                        .description = "Where the account lives",
                        .type = destkit::FieldType::string,
                        .required = true,
                        .defaultValue = destkit::Json::array({"eu-1"}),
                        .choices = {"eu-1", "us-2"},
                        .format = "hostname",
                        .pattern = "[a-z]+-[0-9]",
                        .minimum = 3,
                        .maximum = 10,
                        .multiple = true};
  std::string text = R"({"slug": "every", "name": "Every", "version": "1", "authentication": {"scheme": "custom",
      "fields": {"region": )" + destkit::detail::to_json(region).dump() + "}}}";
  auto parsed = parse_manifest(text);
  REQUIRE(refusal(text) == "");
  const Field& field = std::get<Manifest>(parsed).definition.fields.at(0);
  CHECK(field.pattern == "[a-z]+-[0-9]");
  CHECK(field.format == "hostname");
  CHECK(field.multiple);
  CHECK(field.default_json == R"(["eu-1"])");
  CHECK(field.choices.size() == 2);
  CHECK(field.maximum == 10);
}

TEST_CASE("unknown keys are refused with their JSON path and a likely meant key") {
  CHECK(refusal(manifest_with(R"("header": {})")) == "$.extendRequest.header: unknown key (did you mean \"headers\"?)");
  CHECK(refusal(manifest_with("\"timeout\": 1000", R"({"url": "/me", "valid": {"statuses": [200]}})")) ==
        "$.authentication.testRequest.valid.statuses: unknown key (did you mean \"status\"?)");
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "custom",
      "fields": {"k": {"label": "K", "type": "string", "lable": "x"}}}})") ==
        "$.authentication.fields.k.lable: unknown key (did you mean \"label\"?)");
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "custom"}, "zzz": 1})") ==
        "$.zzz: unknown key (the keys here are slug, name, version, description, authentication, extendRequest)");
}

TEST_CASE("the definition part is checked by the definition parser, with the same paths") {
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "hmac"}})") ==
        "$.authentication.scheme: \"hmac\" is not a scheme (expected one of basic, custom, oauth2, oauth-managed)");
  CHECK(refusal(R"({"slug": "a", "name": "A", "authentication": {"scheme": "custom"}})") ==
        "$: the required key \"version\" is missing");
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "custom",
      "fields": {"k": {"label": "K", "type": "secret"}}}})")
            .starts_with("$.authentication.fields.k.type: \"secret\" is not a field type"));
}

TEST_CASE("requests and renewals are checked where they are declared") {
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "custom",
      "testRequest": {"url": "/me"}}})") ==
        "$.authentication.testRequest.url: is relative, but extendRequest has no prefixUrl to join it to");
  CHECK(refusal(manifest_with("\"timeout\": 0")) == "$.extendRequest.timeout: must be more than 0 milliseconds");
  CHECK(refusal(manifest_with("\"headers\": {\"Bad Name\": \"x\"}")) ==
        "$.extendRequest.headers[\"Bad Name\"]: the header name \"Bad Name\" contains a character not allowed in names");
  for (const char* url : {R"(/me\r\nX-Injected: 1)", "/me now", R"(/me\tx)"}) {
    CHECK(
        refusal(manifest_with("\"timeout\": 1", fmt::format(R"({{"url": "{}"}})", url))) ==
        "$.authentication.testRequest.url: a URL cannot hold a space or a control character (a space is written %20)");
  }
  for (const char* written : {"Host", "content-length", "Transfer-Encoding", "Connection", "Expect"}) {
    CHECK(refusal(manifest_with(fmt::format("\"headers\": {{\"{}\": \"{{{{settings.region}}}}\"}}", written))) ==
          fmt::format("$.extendRequest.headers.{}: the header \"{}\" is written by the HTTP client from the request "
                      "itself and cannot be set",
                      written, written));
  }
  CHECK(refusal(manifest_with("\"timeout\": 1", R"({"url": "/me", "method": "get"})")) ==
        "$.authentication.testRequest.method: \"get\" is not a method destkit sends (GET, POST, PUT, PATCH, DELETE or HEAD)");
  CHECK(refusal(manifest_with("\"timeout\": 1", R"({"url": "/me", "valid": {"pointer": "data"}})")) ==
        "$.authentication.testRequest.valid.pointer: \"data\" is not a JSON Pointer (RFC 6901) such as \"/data/token\"");
  CHECK(
      refusal(manifest_with("\"timeout\": 1", R"({"url": "/me", "valid": {"pointer": "", "equals": true}})")).empty());
  CHECK(refusal(manifest_with("\"timeout\": 1", R"({"url": "/me", "valid": {"equals": true}})")) ==
        "$.authentication.testRequest.valid.equals: needs a \"pointer\" saying where the value is");
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "oauth-managed",
      "refreshAccessToken": {"url": "https://a.com/t", "body": {}}}})") ==
        "$.authentication.refreshAccessToken: only the oauth2 scheme declares its own token renewal "
        "(oauth-managed destinations use the host's)");
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "oauth2",
      "testRequest": {"url": "https://a.com/me", "headers": {"X": "{{auth.clientSecret}}"}}}})") ==
        "$.authentication.testRequest.headers.X: column 1: auth.clientSecret is available in refreshAccessToken only");
  CHECK(refusal(R"({"slug": "a", "name": "A", "version": "1", "authentication": {"scheme": "oauth2",
      "refreshAccessToken": {"url": "https://a.com/t", "body": {"n": 1}}}})") ==
        "$.authentication.refreshAccessToken.body.n: a form field must be a string");
}

TEST_CASE("testRequest.invalidSettings names a declared field, with statuses and a message") {
  auto with_rules = [](const std::string& rules) {
    return refusal(manifest_with("\"timeout\": 1", R"({"url": "/me", "invalidSettings": )" + rules + "}"));
  };
  CHECK(with_rules(R"([{"status": [404], "field": "subdomain", "message": "is not an Acme account"}])").empty());
  CHECK(with_rules(R"([{"status": [400], "pointer": "/error", "equals": "region", "field": "region",
                        "message": "is not a region Acme serves"}])").empty());
  CHECK(with_rules(R"([{"status": [404], "field": "subdomian", "message": "is wrong"}])") ==
        "$.authentication.testRequest.invalidSettings[0].field: \"subdomian\" is not a declared field "
        "(did you mean \"subdomain\"?)");
  CHECK(with_rules(R"([{"field": "subdomain", "message": "is wrong"}])") ==
        "$.authentication.testRequest.invalidSettings[0]: the required key \"status\" is missing");
  CHECK(with_rules(R"([{"status": [404], "field": "subdomain"}])") ==
        "$.authentication.testRequest.invalidSettings[0]: the required key \"message\" is missing");
  CHECK(with_rules(R"([{"status": [404], "field": "subdomain", "message": ""}])") ==
        "$.authentication.testRequest.invalidSettings[0].message: must not be empty: it says what is wrong with the field");
  CHECK(with_rules(R"([{"status": [], "field": "subdomain", "message": "x"}])") ==
        "$.authentication.testRequest.invalidSettings[0].status: must be a non-empty array of HTTP statuses");
  CHECK(with_rules(R"([{"status": [404], "equals": 1, "field": "subdomain", "message": "x"}])") ==
        "$.authentication.testRequest.invalidSettings[0].equals: needs a \"pointer\" saying where the value is");
  CHECK(with_rules(R"([{"status": [404], "field": "subdomain", "mesage": "x"}])") ==
        "$.authentication.testRequest.invalidSettings[0].mesage: unknown key (did you mean \"message\"?)");
  CHECK(with_rules("[]") ==
        "$.authentication.testRequest.invalidSettings: must be a non-empty array of {\"status\", \"field\", "
        "\"message\"} objects");
}

TEST_CASE("a declarative file with a template error is rejected at load, naming path and column") {
  fs::path dir = new_directory("broken-manifest");
  fs::path file = dir / "destkit-acme.json";
  std::ofstream(file) << manifest_with(R"("headers": {"Authorization": "Bearer {{settings.apiKey | lowr}}"})");
  ProcessResult r = run_destkit({"check", file.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "Rejected: " + file.string() +
                     " is not a valid manifest: $.extendRequest.headers.Authorization: column 28: unknown filter "
                     "\"lowr\", did you mean \"lower\"? (the filters are base64, urlencode, lower, trim, split)\n");
  // Rejected files never stop the others: the bundled plugins still load beside it.
  ProcessResult listing = run_destkit({"plugins", "--plugin-path", dir.string()});
  CHECK(listing.out.find("example-custom-json") != std::string::npos);
  CHECK(listing.out.find("destkit-acme.json: is not a valid manifest") != std::string::npos);
}

TEST_CASE("a file that is not JSON, or too large, is rejected with the reason") {
  fs::path dir = new_directory("not-json");
  std::ofstream(dir / "destkit-garbage.json") << "\x7f" "ELF not json";
  std::ofstream(dir / "destkit-huge.json") << std::string(kMaxManifestBytes + 1, ' ');
  LoadResult garbage = load_plugin(dir / "destkit-garbage.json", {});
  REQUIRE(std::holds_alternative<Rejection>(garbage));
  CHECK(std::get<Rejection>(garbage).reason.starts_with("is not a valid manifest: $: not valid JSON"));
  LoadResult huge = load_plugin(dir / "destkit-huge.json", {});
  REQUIRE(std::holds_alternative<Rejection>(huge));
  CHECK(std::get<Rejection>(huge).reason == "is larger than the limit of 1048576 bytes");
}
