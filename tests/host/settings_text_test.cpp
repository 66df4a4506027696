// Settings enter the embedding API as JSON text, so every call that takes them refuses the
// same hostile texts with the strict parser's reason, before any plugin code or request runs.
#include "environment.hpp"
#include "probe.hpp"

#include <destkit/host/host.hpp>

#include <catch2/catch.hpp>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Server;

TEST_CASE("every call that takes settings refuses duplicate keys, oversized and over-deep JSON text") {
  Server server = answering(200);
  const std::string valid = probe_settings(probe_base_url(server), "plain");
  // Each text would be usable settings to a lenient parser; the reason the strict one gives.
  auto [text, reason] = GENERATE_COPY(table<std::string, std::string>({
      {valid.substr(0, valid.size() - 1) + R"(,"mode":"json"})", "a key appears twice in the same object"},
      {valid.substr(0, valid.size() - 1) + R"(,"padding":")" + std::string(1 << 20, 'p') + "\"}",
       "more than the limit of 1048576 bytes"},
      {valid.substr(0, valid.size() - 1) + R"(,"deep":)" + std::string(65, '[') + std::string(65, ']') + "}",
       "nested deeper than 64 levels"},
  }));
  INFO(reason);
  const Plugin* probe = probe_host().find("test-probe");
  REQUIRE(probe != nullptr);

  std::vector<SettingsProblem> problems = probe_host().validate_settings(*probe, text);
  REQUIRE(problems.size() == 1);
  INFO(problems[0].message.substr(0, 200));
  CHECK(problems[0].message.find(reason) != std::string::npos);

  AuthVerdict verdict = probe_host().test_authentication(*probe, text);
  CHECK(verdict.outcome == AuthOutcome::invalid_settings);
  CHECK(verdict.message.find(reason) != std::string::npos);

  DryRun dry = probe_host().dry_run_authentication(*probe, text);
  CHECK(dry.verdict.outcome == AuthOutcome::invalid_settings);
  CHECK(dry.verdict.message.find(reason) != std::string::npos);
  CHECK_FALSE(dry.ran_test_request);

  Result<RequestExtension> extension = probe_host().extend_request(*probe, text);
  REQUIRE_FALSE(extension.ok());
  CHECK(extension.status().code() == Status::Code::invalid_argument);
  CHECK(extension.status().message().find(reason) != std::string::npos);

  CHECK(server.request_count() == 0);
  // The same settings without the flaw are usable: the refusal above is the parser's.
  CHECK(probe_host().test_authentication(*probe, valid).outcome == AuthOutcome::valid);
  CHECK(server.request_count() == 1);
}
