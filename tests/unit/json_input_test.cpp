// Parsing JSON from outside the host: duplicate keys, depth, size and encoding are bounded.
#include "util/json_input.hpp"

#include <catch2/catch.hpp>

using namespace destkit::host;

TEST_CASE("a duplicate key anywhere is an error with its position") {
  ParsedJson parsed = parse_json_input("{\"a\":{\n\"b\":1,\"b\":2}}");
  CHECK(parsed.error == "line 2, column 9: the key \"b\" appears twice in the same object");
  CHECK(parse_json_input(R"([{"b":1},{"b":2}])").ok());
}

TEST_CASE("duplicate keys are found escaped or not, with where the second one is") {
  CHECK(check_json_input(R"({"a":1,"\u0061":2})") == "line 1, column 15: the key \"a\" appears twice in the same object");
  CHECK(check_json_input(R"({"x\"y":1,"z":{"x\"y":2},"x\u0022y":3})") ==
        "line 1, column 35: the key \"x\"y\" appears twice in the same object");
  CHECK(check_json_input(R"([{"b":1},{"b":2},{"\u0062":3}])").empty());
  CHECK(check_json_input(R"({"":1,"":2})") == "line 1, column 8: the key \"\" appears twice in the same object");
  std::string many = "{";
  for (int i = 0; i < 20000; ++i) many += (i > 0 ? ",\"" : "\"") + std::to_string(i) + "\":[{\"0\":0}]";
  CHECK(check_json_input(many + "}").empty());
  CHECK(check_json_input(many + ",\"19999\":1}").find("the key \"19999\" appears twice") != std::string::npos);
}

TEST_CASE("a number beyond a double's range is refused naming its key, not read as infinity") {
  CHECK(check_json_input(R"({"amount": 1e999})") ==
        "line 1, column 17: the number of \"amount\" is out of range (numbers are read up to 1.8e308 in size)");
  CHECK(check_json_input(R"({"a": {"b": 1}, "c": [1, -1e999]})").find("the number of \"c\" is out of range") !=
        std::string::npos);
  CHECK(check_json_input(R"([{"a": 1}, 1e999])").find(": the number is out of range") != std::string::npos);
  CHECK(check_json_input(R"({"a": 1e99999999999999999999})").find(": the number of \"a\" is out of range") !=
        std::string::npos);
  ParsedJson tiny = parse_json_input(R"({"a": 1e-999})");
  CHECK(tiny.ok());
  CHECK(tiny.value.at("a").as_double() == 0.0);
}

TEST_CASE("nesting beyond the limit is refused without recursion") {
  std::string deep(100000, '[');
  ParsedJson parsed = parse_json_input(deep + std::string(100000, ']'), {.max_bytes = 1 << 20, .max_depth = 64});
  CHECK(parsed.error.find("nested deeper than 64 levels") != std::string::npos);
}

TEST_CASE("size, trailing data and invalid UTF-8 are errors") {
  CHECK(parse_json_input(std::string(2000, ' '), {.max_bytes = 1000, .max_depth = 8}).error ==
        "it is 2000 bytes, more than the limit of 1000 bytes");
  CHECK(parse_json_input("{} x").error == "line 1, column 4: unexpected data after the JSON value");
  CHECK_FALSE(parse_json_input("\"\xff\xfe\"").ok());
  CHECK(parse_json_input(R"({"ok":true})").value.at("ok") == true);
}
