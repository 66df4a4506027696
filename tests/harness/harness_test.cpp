// destkit::testing::Harness, used as a partner uses it: a plugin loaded in-process, its
// extendRequest options and the requests its testRequest sent, asserted without a server of
// the test's own.
#include <destkit/testing.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

using destkit::testing::Answer;
using destkit::testing::Harness;

namespace {

const std::filesystem::path kPlugins = DESTKIT_TEST_PLUGIN_DIR;
constexpr const char* kSettings = R"({"subdomain":"acme","apiKey":"harness-SECRET-key"})";

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("the harness shows the options extendRequest produced") {
  Harness harness(kPlugins / "destkit-seed-custom.so");
  destkit::host::RequestExtension options = harness.extend_request(kSettings);
  CHECK(options.prefix_url == "https://acme.example.com/api");
  REQUIRE(options.headers.size() == 1);
  CHECK(options.headers[0] == std::pair<std::string, std::string>{"Authorization", "Bearer harness-SECRET-key"});
  CHECK(options.response_type == "json");
  CHECK(harness.requests().empty());
}

TEST_CASE("the harness runs testRequest against its local API and records the request, at the plugin's own URL") {
  Harness harness(kPlugins / "destkit-seed-custom.so");
  destkit::host::AuthVerdict verdict = harness.test_request(kSettings);
  CHECK(verdict.message == "Credentials are valid.");
  auto requests = harness.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].host == "www.example.com");
  CHECK(requests[0].path == "/api/accounts/me.json");
  CHECK(requests[0].header("authorization") == "Bearer harness-SECRET-key");

  SECTION("answers as the test says; verdicts and log lines are redacted as the CLI's") {
    harness.clear_requests();
    harness.answer_with(Answer{401, {}, R"({"error":"no"})"});
    CHECK(harness.test_request(kSettings).message == "Credentials are invalid: the key [redacted] was refused");
    CHECK(has_line(harness.log(), "warn: checking the key [redacted]"));
    CHECK(harness.requests().size() == 1);
  }
}

TEST_CASE("the harness records a credential sent as a query parameter") {
  Harness harness(kPlugins / "destkit-query-key.so");
  CHECK(harness.test_request(R"({"apiKey":"harness-SECRET-query"})").message == "Credentials are valid.");
  REQUIRE(harness.requests().size() == 1);
  CHECK(harness.requests()[0].host == "api.example.com");
  CHECK(harness.requests()[0].path == "/v2/me");
  CHECK(harness.requests()[0].query_value("api_key") == "harness-SECRET-query");

  harness.answer_with([](const destkit::testing::ReceivedRequest& r) {
    return r.path == "/v2/me" ? Answer{503, {}, "down"} : Answer{};
  });
  CHECK(harness.test_request(R"({"apiKey":"harness-SECRET-query"})").message ==
        "Could not verify credentials: api.example.com answered 503 Service Unavailable");
}

TEST_CASE("the harness's dry run sends nothing") {
  Harness harness(kPlugins / "destkit-seed-custom.so");
  destkit::host::DryRun run = harness.dry_run(kSettings);
  REQUIRE(run.requests.size() == 1);
  CHECK(run.requests[0].url == "https://www.example.com/api/accounts/me.json");
  CHECK(harness.requests().empty());
}

TEST_CASE("the harness says why settings or a plugin file cannot be used") {
  Harness harness(kPlugins / "destkit-names-field.so");
  CHECK_THROWS_WITH(harness.extend_request(R"({"apiKey":"pk_SECRET_1"})"),
                    Catch::Contains("API Key must start with sk_."));
  CHECK_THROWS_WITH(Harness(kPlugins / "destkit-variant-not-json.so"), Catch::Contains("was rejected: "));
  CHECK_THROWS_WITH(Harness(kPlugins / "no-such-plugin.so"), Catch::Contains("was not loaded"));
}
