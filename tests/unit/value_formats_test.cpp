// The `format` of a string field: what each format accepts and refuses, the list of formats a
// definition may name, and values of any length refused without exhausting a small stack.
#include "small_stack.hpp"

#include "definition/parse.hpp"
#include "definition/settings.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace destkit::host;
using destkit::test::run_on_small_stack;

namespace {

Definition with_field(const std::string& field) {
  auto parsed = parse_definition(R"({"name":"Acme","slug":"acme","authentication":{"scheme":"custom","fields":{"v":)" +
                                 field + "}}}");
  if (auto* e = std::get_if<DefinitionError>(&parsed)) FAIL(e->to_string());
  return std::get<Definition>(parsed);
}

Definition with_format(const std::string& format) {
  return with_field(R"({"label":"Value","type":"string","format":")" + format + R"("})");
}

// The problem with `value` as the setting of `definition`'s one field, or empty when it is valid.
std::string problem(const Definition& definition, const std::string& value) {
  ValidatedSettings v = validate_settings(definition, boost::json::object{{"v", value}});
  return v.ok() ? std::string() : v.problems.at(0).message;
}

void check_format(const std::string& format, const std::vector<std::string>& accepted,
                  const std::vector<std::string>& refused, const std::string& wanted) {
  Definition d = with_format(format);
  for (const auto& value : accepted) {
    INFO(format << " should accept: " << value);
    CHECK(problem(d, value).empty());
  }
  for (const auto& value : refused) {
    INFO(format << " should refuse: " << value);
    // The value is quoted unless it is too long to be shown.
    std::string said = problem(d, value), must = "Value must be " + wanted;
    CHECK((said.rfind(must + ", but it is \"", 0) == 0 || said == must + "."));
  }
}

std::string repeated(const std::string& part, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += part;
  return out;
}

}  // namespace

TEST_CASE("uri accepts a scheme, a colon and no spaces, and for http and https a host") {
  check_format("uri",
               {"https://example.com", "http://localhost:8080/path?q=1#frag", "HTTPS://EXAMPLE.COM",
                "mailto:someone@example.com", "urn:isbn:0451450523", "git+ssh://host/repo",
                "https://bücher.example/ü", "https://example.com/" + std::string(8192 - 20, 'a')},
               {"example.com", "not a url", "1http://example.com", "-x:y", "ftp:", ":path",
                "https://exa mple.com", "https://example.com/\x01", "https://example.com/\t", "https://example.com/\x7f"},
               "a URL such as https://example.com");
  check_format("uri", {}, {"https:example.com", "https://", "http:///path", "HTTP://?q", "https://#x"},
               "a URL with a host, such as https://example.com");
  check_format("uri", {}, {"https://example.com/" + std::string(8192 - 19, 'a')}, "a URL of at most 8192 bytes");
}

TEST_CASE("email accepts one @ between a local part and a dotted domain, without spaces") {
  check_format("email",
               {"a@b.co", "first.last+tag@example.co.uk", "用户@例子.广告", std::string(64, 'l') + "@example.com",
                std::string(64, 'l') + "@" + repeated("d.", 93) + "com"},
               {"plain", "@example.com", "a@", "a@b", "a@b@c.com", "a b@c.com", "a@.com", "a@com.", "a@b..com",
                "a@b.c\n", std::string(65, 'l') + "@example.com"},
               "an email address");
  check_format("email", {}, {std::string(64, 'l') + "@" + repeated("d.", 93) + "comm"},
               "an email address of at most 254 bytes");
}

TEST_CASE("hostname accepts dotted labels of letters, digits and inner dashes") {
  std::string label63(63, 'a');
  check_format("hostname",
               {"localhost", "example.com", "EXAMPLE.com", "a-b.c-d", "1.2.3", label63 + ".com",
                label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b')},
               {"-a.com", "a-.com", "a..com", ".a.com", "a.com.", "a_b.com", "exa mple.com", "bücher.example",
                label63 + "a.com"},
               "a host name (letters, digits, dashes and dots)");
  check_format("hostname", {}, {label63 + "." + label63 + "." + label63 + "." + std::string(62, 'b')},
               "a host name of at most 253 characters");
}

TEST_CASE("date-time accepts ISO 8601 dates and times whose every part is in range") {
  check_format("date-time",
               {"2024-05-01T12:00:00Z", "2024-05-01t12:00z", "2024-05-01 12:00", "2024-05-01T12:00:00.5",
                "2024-05-01T12:00:00.123456789+05:30", "2024-02-29T00:00:00-0800", "2016-12-31T23:59:60Z"},
               {"2024-05-01", "2024-13-01T00:00Z", "2023-02-29T00:00Z", "2024-04-31T00:00Z", "2024-05-01T24:00Z",
                "2024-05-01T12:60Z", "2024-05-01T12:00:61Z", "2024-05-01T12:00:00.Z",
                "2024-05-01T12:00:00.1234567890Z", "2024-05-01T12:00+24:00", "2024-05-01T12:00+05:3",
                "2024-05-01T12:00Zjunk", "24-05-01T12:00Z", "2024-05-01T12", "2024-05-01X12:00"},
               "a date and time such as 2024-05-01T12:00:00Z");
}

TEST_CASE("a datetime field accepts what the date-time format accepts") {
  Definition d = with_field(R"({"label":"When","type":"datetime"})");
  CHECK(problem(d, "2024-05-01T12:00:00Z").empty());
  CHECK(problem(d, "2024-02-30T12:00:00Z") ==
        "When must be a date and time (ISO 8601), but it is \"2024-02-30T12:00:00Z\".");
}

TEST_CASE("date accepts YYYY-MM-DD of a day that exists") {
  check_format("date", {"2024-05-01", "2000-02-29", "0001-01-01"},
               {"2024-5-1", "2024-05-01T00:00Z", "1900-02-29", "2024-04-31", "2024-00-10", "20240501", "2024-05-01 "},
               "a date such as 2024-05-01");
}

TEST_CASE("uuid accepts 8-4-4-4-12 hexadecimal digits in either case") {
  check_format("uuid", {"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"},
               {"123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g",
                "123e4567-e89b-12d3-a456-4266141740000", "{123e4567-e89b-12d3-a456-426614174000}"},
               "a UUID");
}

TEST_CASE("ipv4 accepts four numbers from 0 to 255 without leading zeros") {
  check_format("ipv4", {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.0.10"},
               {"256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1..2.3", "a.b.c.d", " 1.2.3.4",
                "1.2.3.4 ", "1234.1.1.1", "1.2.3.4."},
               "an IPv4 address");
}

TEST_CASE("an unknown format, password and text included, is refused at load with the known formats") {
  for (const char* format : {"telepathy", "password", "text"}) {
    auto parsed = parse_definition(
        R"({"name":"Acme","slug":"acme","authentication":{"scheme":"custom","fields":{"v":{"label":"V","type":"string","format":")" +
        std::string(format) + R"("}}}})");
    REQUIRE(std::holds_alternative<DefinitionError>(parsed));
    CHECK(std::get<DefinitionError>(parsed).to_string() ==
          "$.authentication.fields.v.format: \"" + std::string(format) +
              "\" is not a known format (expected one of uri, email, hostname, date-time, date, uuid, ipv4)");
  }
}

TEST_CASE("values of 30 KB and 1 MB are refused in every format on a 256 KiB stack") {
  struct Case {
    std::string field;
    std::string prefix, repeated, suffix;
  };
  const std::vector<Case> cases{
      {R"({"label":"Value","type":"string","format":"uri"})", "https://example.com/", "a", ""},
      {R"({"label":"Value","type":"string","format":"email"})", "", "a", "@example.com"},
      {R"({"label":"Value","type":"string","format":"hostname"})", "", "a.", "com"},
      {R"({"label":"Value","type":"string","format":"date-time"})", "2024-05-01T12:00:00.", "1", "Z"},
      {R"({"label":"Value","type":"string","format":"date"})", "", "2", ""},
      {R"({"label":"Value","type":"string","format":"uuid"})", "", "a", ""},
      {R"({"label":"Value","type":"string","format":"ipv4"})", "", "1.", "1"},
      {R"({"label":"Value","type":"datetime"})", "2024-05-01T12:00:00.", "1", "Z"},
      {R"({"label":"Value","type":"string","pattern":"(a|aa)*b"})", "", "a", ""},
  };
  for (std::size_t size : {std::size_t{30'000}, std::size_t{1'000'000}}) {
    for (const auto& c : cases) {
      Definition d = with_field(c.field);
      std::string value = c.prefix + repeated(c.repeated, size / c.repeated.size()) + c.suffix;
      std::string found;
      run_on_small_stack([&] { found = problem(d, value); });
      INFO(c.field << " with a value of " << value.size() << " bytes");
      CHECK(found.rfind("Value must ", 0) == 0);
    }
  }
}

TEST_CASE("a 1 MB value that matches a pattern is accepted on a 256 KiB stack") {
  Definition d = with_field(R"({"label":"Value","type":"string","pattern":"([a-z]+-)*[a-z]+"})");
  std::string value = repeated("abc-", 250'000) + "z";
  std::string found = "not run";
  run_on_small_stack([&] { found = problem(d, value); });
  CHECK(found.empty());
}
