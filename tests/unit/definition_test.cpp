// Validation of definitions at load: what is accepted, and the JSON path of what is not.
#include "definition/parse.hpp"
#include "definition/settings.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

using namespace destkit::host;

namespace {

std::string definition_with_fields(const std::string& fields, const std::string& scheme = "custom") {
  return R"({"name":"Acme","slug":"acme","authentication":{"scheme":")" + scheme + R"(","fields":{)" + fields + "}}}";
}

DefinitionError error_of(const std::string& json) {
  auto parsed = parse_definition(json);
  REQUIRE(std::holds_alternative<DefinitionError>(parsed));
  return std::get<DefinitionError>(parsed);
}

Definition definition_of(const std::string& json) {
  auto parsed = parse_definition(json);
  if (auto* e = std::get_if<DefinitionError>(&parsed)) FAIL(e->to_string());
  return std::get<Definition>(parsed);
}

}  // namespace

TEST_CASE("a definition with fields of every kind is accepted, in declaration order") {
  Definition d = definition_of(definition_with_fields(
      R"("region":{"label":"Region","type":"string","choices":["us","eu"],"default":"us"},
         "port":{"label":"Port","type":"integer","minimum":1,"maximum":65535},
         "apiKey":{"label":"API Key","type":"password","required":true})"));
  CHECK(d.slug == "acme");
  CHECK(d.scheme == Scheme::custom);
  REQUIRE(d.fields.size() == 3);
  CHECK(d.fields[0].key == "region");
  CHECK(d.fields[0].default_json == R"("us")");
  CHECK(d.fields[1].maximum == 65535);
  CHECK(d.fields[2].secret);
  CHECK(d.fields[2].required);
}

TEST_CASE("the basic scheme adds username and a secret password unless declared") {
  Definition d = definition_of(definition_with_fields("", "basic"));
  REQUIRE(d.fields.size() == 2);
  CHECK(d.fields[0].key == "username");
  CHECK(d.fields[0].required);
  CHECK(d.fields[1].key == "password");
  CHECK(d.fields[1].secret);

  Definition own = definition_of(definition_with_fields(R"("password":{"label":"API Secret","type":"password"})", "basic"));
  REQUIRE(own.fields.size() == 2);
  CHECK(own.fields[1].label == "API Secret");

  // A relabelled username keeps the password after it, as a sign-in form reads.
  Definition login = definition_of(definition_with_fields(
      R"("region":{"label":"Region","type":"string"},"username":{"label":"Login","type":"string"})", "basic"));
  REQUIRE(login.fields.size() == 3);
  CHECK(login.fields[0].key == "region");
  CHECK(login.fields[1].key == "username");
  CHECK(login.fields[2].key == "password");
}

TEST_CASE("invalid definitions name the JSON path of the problem") {
  CHECK(error_of(definition_with_fields(R"("apiKey":{"label":"API Key","type":"strin"})")).to_string() ==
        "$.authentication.fields.apiKey.type: \"strin\" is not a field type (expected one of string, text, "
        "number, integer, boolean, password, datetime, object)");
  CHECK(error_of(R"({"name":"A","slug":"a","authentication":{"scheme":"magic"}})").path == "$.authentication.scheme");
  CHECK(error_of(R"({"name":"A","slug":"a","authentication":{}})").message == "the required key \"scheme\" is missing");
  CHECK(error_of(R"({"name":"A","authentication":{"scheme":"custom"}})").message == "the required key \"slug\" is missing");
  CHECK(error_of(R"({"name":"A","slug":"Not A Slug","authentication":{"scheme":"custom"}})").path == "$.slug");
  CHECK(error_of(definition_with_fields(R"("p":{"label":"Port","type":"number","default":"eighty"})")).path ==
        "$.authentication.fields.p.default");
  CHECK(error_of(definition_with_fields(R"("p":{"label":"P","type":"number","choices":["x"]})")).path ==
        "$.authentication.fields.p.choices[0]");
  CHECK(error_of(definition_with_fields(R"("p":{"type":"string"})")).message == "the required key \"label\" is missing");
  CHECK(error_of(definition_with_fields(R"("p":{"label":"P","type":"string","required":"yes"})")).path ==
        "$.authentication.fields.p.required");
  CHECK(error_of(definition_with_fields(R"("p":{"label":"P","type":"number","minimum":5,"maximum":1})")).path ==
        "$.authentication.fields.p.minimum");
  CHECK(error_of(definition_with_fields(R"("p":{"label":"P","type":"string","format":"telepathy"})")).path ==
        "$.authentication.fields.p.format");
}

TEST_CASE("a bound no double holds exactly is refused; an integer is compared with its bounds exactly") {
  CHECK(error_of(definition_with_fields(R"("i":{"label":"I","type":"integer","maximum":9223372036854775807})"))
            .to_string() ==
        "$.authentication.fields.i.maximum: must be a number a double holds exactly (every whole number up to 2^53 is "
        "one), but 9223372036854775807 is not: it would be read as 9223372036854775808");
  auto parsed =
      parse_definition(definition_with_fields(R"("i":{"label":"I","type":"integer","maximum":9007199254740992})"));
  REQUIRE(std::holds_alternative<Definition>(parsed));
  const Definition& d = std::get<Definition>(parsed);
  CHECK(validate_settings(d, boost::json::parse(R"({"i":9007199254740992})")).ok());
  for (const char* above :
       {R"({"i":9007199254740993})", R"({"i":"9007199254740993"})", R"({"i":18446744073709551615})"}) {
    INFO(above);
    CHECK_FALSE(validate_settings(d, boost::json::parse(above)).ok());
  }
}

TEST_CASE("a secret field has no default and no choices, which describe would show in clear") {
  CHECK(error_of(definition_with_fields(R"("apiKey":{"label":"API Key","type":"password","default":"sk_SECRET"})"))
            .to_string() ==
        "$.authentication.fields.apiKey.default: a secret field cannot have a default: describe would show it in clear");
  CHECK(error_of(definition_with_fields(R"("apiKey":{"label":"API Key","type":"password","choices":["sk_SECRET"]})"))
            .to_string() ==
        "$.authentication.fields.apiKey.choices: a secret field cannot have choices: describe would show them in clear");
  // The basic scheme's password stays a secret when redeclared with another type.
  CHECK(error_of(definition_with_fields(R"("password":{"label":"Secret","type":"string","default":"hunter2"})", "basic"))
            .path == "$.authentication.fields.password.default");
  CHECK(definition_of(definition_with_fields(R"("apiKey":{"label":"API Key","type":"password","default":null})"))
            .fields[0].default_json.empty());
}

TEST_CASE("duplicate field keys and text that is not JSON are rejected") {
  DefinitionError duplicate = error_of(definition_with_fields(
      R"("apiKey":{"label":"A","type":"string"},"apiKey":{"label":"B","type":"string"})"));
  CHECK(duplicate.message.find("the key \"apiKey\" appears twice") != std::string::npos);
  CHECK(error_of("{not json").message.find("not valid JSON") == 0);
}
