// Settings validation: every problem at once, per field, in words a person understands.
#include "definition/parse.hpp"
#include "definition/settings.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace destkit::host;

namespace {

const Definition& acme() {
  static const Definition d = std::get<Definition>(parse_definition(R"({
    "name": "Acme", "slug": "acme",
    "authentication": {"scheme": "custom", "fields": {
      "apiKey": {"label": "API Key", "type": "password", "required": true, "minimum": 8},
      "port":   {"label": "Port", "type": "integer", "minimum": 1, "maximum": 65535},
      "ratio":  {"label": "Ratio", "type": "number"},
      "region": {"label": "Region", "type": "string", "choices": ["us", "eu"], "default": "us"},
      "debug":  {"label": "Debug", "type": "boolean"},
      "url":    {"label": "Endpoint", "type": "string", "format": "uri"},
      "tags":   {"label": "Tags", "type": "string", "multiple": true}
    }}})"));
  return d;
}

ValidatedSettings validate(const std::string& json) { return validate_settings(acme(), boost::json::parse(json)); }

std::string problem_for(const ValidatedSettings& v, const std::string& key) {
  for (const auto& p : v.problems) {
    if (p.key == key) return p.message;
  }
  return {};
}

}  // namespace

TEST_CASE("valid settings are coerced and defaults applied") {
  ValidatedSettings v = validate(R"({"apiKey":"secret-key-1","port":"8080","ratio":"0.5","debug":"true","tags":"a"})");
  REQUIRE(v.ok());
  CHECK(v.values.at("port") == 8080);
  CHECK(v.values.at("ratio") == 0.5);
  CHECK(v.values.at("debug") == true);
  CHECK(v.values.at("region") == "us");
  CHECK(v.values.at("tags") == boost::json::array{"a"});
}

TEST_CASE("a missing or empty required field is named by its label") {
  CHECK(problem_for(validate("{}"), "apiKey") == "API Key is required, but it is missing.");
  CHECK(problem_for(validate(R"({"apiKey":""})"), "apiKey") == "API Key is required, but it is empty.");
}

TEST_CASE("every problem is reported at once, with what was expected and what came") {
  ValidatedSettings v = validate(R"({"port":"abc","region":"mars","debug":"yes","url":"not a url","ratio":[1]})");
  CHECK(v.problems.size() == 6);
  CHECK(problem_for(v, "apiKey") == "API Key is required, but it is missing.");
  CHECK(problem_for(v, "port") == "Port must be a whole number, but it is a string (\"abc\").");
  CHECK(problem_for(v, "region") == "Region must be one of \"us\" or \"eu\", but it is \"mars\".");
  CHECK(problem_for(v, "debug") == "Debug must be true or false, but it is a string (\"yes\").");
  CHECK(problem_for(v, "url") == "Endpoint must be a URL such as https://example.com, but it is \"not a url\".");
  CHECK(problem_for(v, "ratio") == "Ratio must be a number, but it is a list.");
}

TEST_CASE("a value is never quoted for a field whose key or label names a credential, whatever its type") {
  const Definition d = std::get<Definition>(parse_definition(R"({
    "name": "Leaky", "slug": "leaky",
    "authentication": {"scheme": "custom", "fields": {
      "apiKey": {"label": "API Key", "type": "string", "format": "uuid"},
      "clientSecret": {"label": "Client Secret", "type": "string", "choices": ["a", "b"]},
      "accountToken": {"label": "Account Token", "type": "integer", "maximum": 100},
      "k": {"label": "Signing secret", "type": "number", "maximum": 100}
    }}})"));
  ValidatedSettings v = validate_settings(
      d,
      boost::json::parse(
          R"({"apiKey":"S3cr3tXYZ-live-key","clientSecret":"S3cr3tXYZ-client","accountToken":98765432101,"k":"98765432109"})"));
  CHECK(problem_for(v, "apiKey") == "API Key must be a UUID.");
  CHECK(problem_for(v, "clientSecret") == "Client Secret must be one of \"a\" or \"b\".");
  CHECK(problem_for(v, "accountToken") == "Account Token must be at most 100, but it is a number.");
  CHECK(problem_for(v, "k") == "Signing secret must be at most 100, but it is a number.");
}

TEST_CASE("no settings problem shows a secret given in another field, nor an unknown key holding one") {
  ValidatedSettings v = validate(R"({"apiKey":"SAMEVALUE123","region":"SAMEVALUE123-x","SAMEVALUE123":1})");
  CHECK(problem_for(v, "region") == "Region must be one of \"us\" or \"eu\", but it is \"[redacted]-x\".");
  for (const SettingsProblem& problem : v.problems) {
    INFO(problem.key << ": " << problem.message);
    CHECK(problem.key.find("SAMEVALUE123") == std::string::npos);
    CHECK(problem.message.find("SAMEVALUE123") == std::string::npos);
  }
  const Definition pins = std::get<Definition>(parse_definition(R"({"name": "P", "slug": "p", "authentication":
      {"scheme": "custom", "fields": {"pin": {"label": "PIN", "type": "string"},
                                      "account": {"label": "Account", "type": "string", "format": "email"}}}})"));
  ValidatedSettings pin = validate_settings(pins, boost::json::parse(R"({"pin":"4821","account":"4821 "})"));
  CHECK(problem_for(pin, "account") == "Account must be an email address, but it is \"[redacted] \".");
}

TEST_CASE("a length is counted in characters, one in the singular") {
  CHECK_THAT(problem_for(validate(R"({"apiKey":"x"})"), "apiKey"), Catch::EndsWith("but it is 1 character long."));
  CHECK_THAT(problem_for(validate(R"({"apiKey":"\u00e9\u00e9"})"), "apiKey"),
             Catch::EndsWith("but it is 2 characters long."));
}

TEST_CASE("numbers outside the bounds are reported with the bounds") {
  CHECK(problem_for(validate(R"({"apiKey":"secret-key-1","port":70000})"), "port") ==
        "Port must be between 1 and 65535, but it is a number (70000).");
  CHECK(problem_for(validate(R"({"apiKey":"secret-key-1","port":1.5})"), "port") ==
        "Port must be a whole number, but it is a number (1.5).");
}

TEST_CASE("a whole number too large to be exact as written says how to write it") {
  ValidatedSettings v = validate(R"({"apiKey":"secret-key-1","port":12345678901234567.0})");
  CHECK(problem_for(v, "port") ==
        "Port must be a whole number between -9223372036854775808 and 18446744073709551615, written as digits only "
        "beyond 9007199254740992 (2^53, where numbers with a decimal point or an exponent stop being exact), but it "
        "is a number (12345678901234568).");
}

TEST_CASE("a secret never appears in a problem") {
  ValidatedSettings short_key = validate(R"({"apiKey":"abc"})");
  CHECK(problem_for(short_key, "apiKey") == "API Key must be at least 8 characters long, but it is 3 characters long.");
  ValidatedSettings wrong_type = validate(R"({"apiKey":true})");
  CHECK(problem_for(wrong_type, "apiKey") == "API Key must be a string, but it is a boolean.");
}

TEST_CASE("unknown keys are rejected with a did-you-mean, not dropped as the reference does") {
  ValidatedSettings v = validate(R"({"apikey":"secret-key-1","prot":80,"zzzzzz":1})");
  CHECK(problem_for(v, "apikey") == "\"apikey\" is not a setting of Acme. Did you mean \"apiKey\"?");
  CHECK(problem_for(v, "prot") == "\"prot\" is not a setting of Acme. Did you mean \"port\"?");
  CHECK(problem_for(v, "zzzzzz").find("Its settings are: apiKey, port, ratio") != std::string::npos);
}

TEST_CASE("many unknown keys, or a destination of many fields, give problems and messages of bounded size") {
  std::string fields, settings;
  for (int i = 0; i < 30; ++i)
    fields += fmt::format(R"({}"field{}": {{"label": "F", "type": "string"}})", i ? "," : "", i);
  for (int i = 0; i < 25; ++i)
    settings += fmt::format(R"({}"unknown-key-{}-{}": 1)", i ? "," : "", i, std::string(60, 'x'));
  Definition wide = std::get<Definition>(parse_definition(
      R"({"name": "Wide", "slug": "wide", "authentication": {"scheme": "custom", "fields": {)" + fields + "}}}"));
  ValidatedSettings v = validate_settings(wide, boost::json::parse("{" + settings + "}"));
  REQUIRE(v.problems.size() == 21);
  std::string named = v.problems[0].message;
  CHECK(named.find("Its settings are: field0, field1,") != std::string::npos);
  CHECK(named.ends_with("field19, and 10 more."));
  CHECK(v.problems[20].key == "unknown-key-20-" + std::string(60, 'x'));
  CHECK(v.problems[20].message ==
        "\"unknown-key-20-" + std::string(60, 'x') + "\" and 4 more keys are not settings of Wide either.");
}

TEST_CASE("settings that are not an object are one problem") {
  ValidatedSettings v = validate("[1,2]");
  REQUIRE(v.problems.size() == 1);
  CHECK(v.problems[0].message == "Settings must be a JSON object of field names and values.");
}

const Definition& managed() {
  static const Definition d = std::get<Definition>(parse_definition(R"({
    "name": "Managed", "slug": "managed",
    "authentication": {"scheme": "oauth-managed", "fields": {
      "apiKey": {"label": "API Key", "type": "password", "required": true}
    }}})"));
  return d;
}

TEST_CASE("OAuth tokens ride along under \"oauth\" and count as secrets") {
  ValidatedSettings v = validate_settings(
      managed(), boost::json::parse(R"({"apiKey":"secret-key-1","oauth":{"access_token":"AT","refresh_token":"RT"}})"));
  REQUIRE(v.ok());
  CHECK(v.auth.access_token == "AT");
  CHECK(v.auth.refresh_token == "RT");
  CHECK(v.secrets(managed()) == std::vector<std::string>{"secret-key-1", "AT", "RT"});
  CHECK_FALSE(v.values.contains("oauth"));
}

TEST_CASE("\"oauth\" holds only token keys, and is an unknown setting of a destination without OAuth") {
  ValidatedSettings misspelt =
      validate_settings(managed(), boost::json::parse(R"({"apiKey":"k","oauth":{"access_tokn":"AT"}})"));
  CHECK(problem_for(misspelt, "oauth.access_tokn") ==
        "\"access_tokn\" is not an OAuth token: \"oauth\" holds access_token and refresh_token. Did you mean "
        "\"access_token\"?");
  ValidatedSettings custom = validate(R"({"apiKey":"secret-key-1","oauth":{"access_token":"AT"}})");
  CHECK_THAT(problem_for(custom, "oauth"), Catch::StartsWith("\"oauth\" is not a setting of Acme."));
  CHECK(custom.auth.access_token.empty());
}

TEST_CASE("an OAuth token given in the settings that no header could carry is a settings problem") {
  ValidatedSettings v =
      validate_settings(managed(), boost::json::parse(R"({"apiKey":"k","oauth":{"access_token":"SET\r\nTOKEN"}})"));
  CHECK(problem_for(v, "oauth.access_token") ==
        "The OAuth access_token holds a character that is not printable ASCII (a line break, a NUL, a byte past "
        "0x7e).");
  CHECK(v.auth.access_token.empty());
}

TEST_CASE("an OAuth destination cannot declare a field named \"oauth\", which carries its tokens") {
  auto parsed = parse_definition(R"({"name": "M", "slug": "m", "authentication": {"scheme": "oauth2", "fields": {
      "oauth": {"label": "OAuth thing", "type": "string"}}}})");
  REQUIRE(std::holds_alternative<DefinitionError>(parsed));
  CHECK(std::get<DefinitionError>(parsed).path == "$.authentication.fields.oauth");
  CHECK(std::holds_alternative<Definition>(parse_definition(
      R"({"name": "C", "slug": "c", "authentication": {"scheme": "custom", "fields": {"oauth": {"label": "O", "type": "string"}}}})")));
}
