// A field's `pattern`: checked at load (RE2 syntax, bounded size), and matched against the
// whole value, with problems that name the field and never quote the value.
#include "definition/parse.hpp"
#include "definition/settings.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace destkit::host;

namespace {

std::variant<Definition, DefinitionError> with_fields(const std::string& fields) {
  return parse_definition(R"({"name":"Acme","slug":"acme","authentication":{"scheme":"custom","fields":{)" + fields +
                          "}}}");
}

std::string error_of(const std::string& fields) {
  auto parsed = with_fields(fields);
  REQUIRE(std::holds_alternative<DefinitionError>(parsed));
  return std::get<DefinitionError>(parsed).to_string();
}

Definition definition_of(const std::string& fields) {
  auto parsed = with_fields(fields);
  if (auto* e = std::get_if<DefinitionError>(&parsed)) FAIL(e->to_string());
  return std::get<Definition>(parsed);
}

std::string problem(const Definition& d, const boost::json::value& value) {
  ValidatedSettings v = validate_settings(d, boost::json::object{{d.fields.at(0).key, value}});
  return v.ok() ? std::string() : v.problems.at(0).message;
}

}  // namespace

TEST_CASE("a pattern that is not valid RE2 syntax rejects the definition at load, with its JSON path") {
  CHECK(error_of(R"("id":{"label":"ID","type":"string","pattern":"(abc"})") ==
        "$.authentication.fields.id.pattern: is not a valid regular expression (RE2 syntax): missing ): (abc");
  // Backreferences need a backtracking engine; RE2 has none.
  CHECK(error_of(R"("id":{"label":"ID","type":"string","pattern":"(a)\\1"})").rfind(
            "$.authentication.fields.id.pattern: is not a valid regular expression (RE2 syntax): ", 0) == 0);
}

TEST_CASE("a pattern longer than 1000 bytes, or larger than RE2's memory bound once compiled, is rejected") {
  CHECK(error_of(R"("id":{"label":"ID","type":"string","pattern":")" + std::string(1001, 'a') + "\"}") ==
        "$.authentication.fields.id.pattern: is 1001 bytes long; a pattern may have at most 1000");
  CHECK(error_of(R"("id":{"label":"ID","type":"string","pattern":"\\pL{1000}"})") ==
        "$.authentication.fields.id.pattern: is not a valid regular expression (RE2 syntax): pattern too large - "
        "compile failed");
  definition_of(R"("id":{"label":"ID","type":"string","pattern":")" + std::string(1000, 'a') + "\"}");
}

TEST_CASE("a pattern on a field that is not a string is rejected") {
  CHECK(error_of(R"("n":{"label":"N","type":"integer","pattern":"[0-9]+"})") ==
        "$.authentication.fields.n.pattern: applies only to fields of type string, text, password or datetime");
}

TEST_CASE("a default or a choice that does not match the pattern rejects the definition") {
  CHECK(error_of(R"("id":{"label":"ID","type":"string","pattern":"[0-9]+","default":"x1"})") ==
        "$.authentication.fields.id.default: the default must match the pattern [0-9]+, but it does not");
  CHECK(error_of(R"("id":{"label":"ID","type":"string","pattern":"[0-9]+","choices":["1","x"]})") ==
        "$.authentication.fields.id.choices[1]: the choice must match the pattern [0-9]+, but it does not");
}

TEST_CASE("a value must match the pattern as a whole, not in part") {
  Definition d = definition_of(R"("id":{"label":"Account ID","type":"string","pattern":"a|b"})");
  CHECK(problem(d, "a").empty());
  CHECK(problem(d, "b").empty());
  CHECK(problem(d, "ab") == "Account ID must match the pattern a|b, but it does not.");
  CHECK(problem(d, "xb") == "Account ID must match the pattern a|b, but it does not.");
}

TEST_CASE("a value that does not match is a problem naming the label, never quoting the value") {
  Definition d = definition_of(
      R"("apiKey":{"label":"API Key","type":"password","pattern":"[a-f0-9]{32}"},
         "region":{"label":"Region","type":"string","pattern":"[a-z]{2}-[0-9]"})");
  ValidatedSettings v = validate_settings(d, boost::json::object{{"apiKey", "SECRET-not-hex"}, {"region", "mars"}});
  REQUIRE(v.problems.size() == 2);
  CHECK(v.problems[0].message == "API Key must match the pattern [a-f0-9]{32}, but it does not.");
  CHECK(v.problems[1].message == "Region must match the pattern [a-z]{2}-[0-9], but it does not.");
}

TEST_CASE("each value of a multiple field is matched, numbers given for strings included") {
  Definition d = definition_of(R"("ids":{"label":"IDs","type":"string","multiple":true,"pattern":"[0-9]{3}"})");
  CHECK(problem(d, boost::json::array{"123", 456}).empty());
  CHECK(problem(d, boost::json::array{"123", "45"}) == "IDs item 2: must match the pattern [0-9]{3}, but it does not.");
}

TEST_CASE("a pattern is compiled once for all the values of a multiple field, not once per value") {
  // .{1,999} takes RE2 tens of milliseconds to compile: once per value would take a minute.
  Definition d = definition_of(R"("tags":{"label":"Tags","type":"string","multiple":true,"pattern":".{1,999}"})");
  boost::json::array tags(2000, boost::json::value("tag"));
  auto start = std::chrono::steady_clock::now();
  CHECK(problem(d, tags).empty());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("a definition's patterns together, and its fields, are bounded, so that no definition takes long to load") {
  auto field = [](int i, const std::string& pattern) {
    return "\"f" + std::to_string(i) + R"(":{"label":"F","type":"string","pattern":")" + pattern + "\"}";
  };
  // Each compiles to some 50,000 instructions, within one pattern's budget: the third is too many.
  std::string big;
  for (int i = 0; i < 900; ++i) big += (i > 0 ? "," : "") + field(i, ".{1000}.{1000}.{1000}.{1000}.{1000}");
  CHECK_THAT(error_of(big), Catch::Contains("$.authentication.fields.f2.pattern: makes the definition's patterns "
                                            "compile to more than 100000 RE2 instructions in all"));
  std::string many;
  for (int i = 0; i < 1000; ++i) many += (i > 0 ? "," : "") + field(i, "[a-z0-9._%+-]+@[a-z0-9.-]+[.][a-z]{2,}");
  CHECK(definition_of(many).fields.size() == 1000);
  CHECK_THAT(error_of(many + "," + field(1000, "x")),
             Catch::Contains("$.authentication.fields: declares 1001 fields; a destination may declare at most 1000"));
}
