// Secrets (passwords, API keys, tokens) never appear in any output of the CLI: not in
// verdicts, not in plugin errors, not in plugin logs, not in settings problems.
#include "environment.hpp"
#include "probe.hpp"

#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

TEST_CASE("no output of any test-auth run contains the secrets it was given") {
  // The server reflects the credentials it received in its error body, as some APIs do.
  Server server([](const Request& r) {
    return Response::json(401, "{\"error\":\"bad token " + r.header("X-Api-Token") + "\"}");
  });
  std::string base = probe_base_url(server);
  std::vector<std::string> plugin_path{"--plugin-path", kTestPluginDir.string()};
  std::string everything;
  auto test_auth = [&](const std::string& settings, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"test-auth", "test-probe", "--settings", "-"};
    args.insert(args.end(), plugin_path.begin(), plugin_path.end());
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = run_destkit(args, settings);
    everything += r.output();
    return r;
  };

  ProcessResult rejected = test_auth(probe_settings(base, "plain"));
  CHECK(rejected.out == "Credentials are invalid: 401 Unauthorized\n");
  test_auth(probe_settings(base, "plain"), {"--json"});

  ProcessResult thrown = test_auth(probe_settings(base, "throw"));
  CHECK(thrown.out == "testRequest of test-probe failed: boom while holding [redacted]\n");
  CHECK(thrown.exit_code == 3);

  ProcessResult logged = test_auth(probe_settings(base, "log"));
  CHECK(logged.err.find("[test-probe] warn: checking with token [redacted]") != std::string::npos);

  std::string mistyped = R"({"baseUrl":")" + base + R"(","token":")" + kProbeToken + R"(","retries":"many"})";
  ProcessResult invalid = test_auth(mistyped, {"--json"});
  CHECK(invalid.exit_code == 1);

  std::string wrong_type = R"({"baseUrl":")" + base + R"(","token":12345678901})";
  ProcessResult numeric = test_auth(wrong_type);
  CHECK(numeric.exit_code == 1);

  CHECK(everything.find(kProbeToken) == std::string::npos);
  CHECK(everything.find("12345678901") == std::string::npos);
}

TEST_CASE("verbose mode shows each exchange with every credential redacted") {
  Server server([](const Request& r) {
    Response answer = Response::json(401, "{\"error\":\"bad token " + r.header("X-Api-Token") + "\"}");
    answer.headers.emplace_back("Set-Cookie", "session=abc123SECRET");
    return answer;
  });
  std::string base = probe_base_url(server);
  ProcessResult r = run_destkit({"test-auth", "test-probe", "--settings", "-", "--verbose", "--plugin-path",
                                 kTestPluginDir.string()},
                                probe_settings(base, "plain"));
  CHECK(r.err.find("[test-probe] debug: > GET " + base + "/check?ext=1") != std::string::npos);
  CHECK(r.err.find("[test-probe] debug: > X-Api-Token: [redacted]") != std::string::npos);
  CHECK(r.err.find("[test-probe] debug: < 401 Unauthorized") != std::string::npos);
  CHECK(r.err.find("[test-probe] debug: < Set-Cookie: [redacted]") != std::string::npos);
  CHECK(r.err.find("bad token [redacted]") != std::string::npos);
  CHECK(r.output().find(kProbeToken) == std::string::npos);
  CHECK(r.output().find("abc123SECRET") == std::string::npos);
  CHECK(run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()},
                    probe_settings(base, "plain")).err.find("debug:") == std::string::npos);
}
