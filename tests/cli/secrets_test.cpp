// Secrets (passwords, API keys, tokens) never appear in any output of the CLI: not in
// verdicts, not in reason phrases, not in plugin errors, not in plugin logs, not in settings
// problems, not in the --verbose trace, however the server encodes them.
#include "environment.hpp"
#include "oauth_server.hpp"
#include "probe.hpp"

#include "util/encoding.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

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

TEST_CASE("a reason phrase that quotes the key is redacted, escaped and cut short in the verdict") {
  Server server([](const Request& r) {
    Response answer = Response::json(401, "{}");
    answer.reason = "Unauthorized \x1b[2K\xff key " + r.header("X-Api-Token") + " " + std::string(300, 'x');
    return answer;
  });
  std::vector<std::string> args{"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()};
  ProcessResult text = run_destkit(args, probe_settings(probe_base_url(server), "plain"));
  const std::string shown = "Credentials are invalid: 401 Unauthorized \\x1b[2K\xef\xbf\xbd key [redacted] xxx";
  CHECK(text.out.substr(0, shown.size()) == shown);
  CHECK(text.out.size() <= std::string("Credentials are invalid: 401 \n").size() + 100);
  CHECK(text.out.ends_with("\xe2\x80\xa6\n"));
  CHECK(text.exit_code == 1);

  args.push_back("--json");
  ProcessResult json = run_destkit(args, probe_settings(probe_base_url(server), "plain"));
  std::string error(boost::json::parse(json.out).at("error").as_string());
  CHECK(error.substr(0, shown.size()) == shown);
  CHECK(json.output().find(kProbeToken) == std::string::npos);
}

TEST_CASE("verbose mode redacts a secret the server echoes JSON-escaped or form-encoded") {
  const std::string token = "pr/obe \"SECRET\" t\xc3\xb6k+1";
  std::atomic<bool> token_arrived{false};  // Catch2 may only assert on the test's own thread
  Server server([&](const Request& r) {
    token_arrived = r.header("X-Api-Token") == token;
    return Response::json(401, R"({"error":"bad token pr\/obe \"SECRET\" t\u00F6k+1",)"
                               R"("echo":"token=pr%2fobe+%22SECRET%22+t%c3%b6k%2b1"})");
  });
  std::string settings = R"({"baseUrl":")" + probe_base_url(server) + R"(","token":"pr/obe \"SECRET\" t\u00f6k+1"})";
  ProcessResult r = run_destkit({"test-auth", "test-probe", "--settings", "-", "--verbose", "--plugin-path",
                                 kTestPluginDir.string()}, settings);
  INFO("exit code " << r.exit_code << "; standard error:\n" << r.err);
  CHECK(token_arrived);
  CHECK(r.err.find(R"(< {"error":"bad token [redacted]","echo":"token=[redacted]"})") != std::string::npos);
  CHECK(r.output().find("SECRET") == std::string::npos);
}

TEST_CASE("verbose mode cuts a long body after redacting it: a secret across the cut is not shown in part") {
  const std::string token = "probe-SECRET-across-the-cut-42";
  // Wherever the body's first 1 KiB ends inside the token.
  std::size_t padding = GENERATE(as<std::size_t>{}, 1000, 1005, 1010, 1020);
  Server server([&](const Request&) { return Response::json(403, std::string(padding, 'x') + token + "tail"); });
  std::string settings = R"({"baseUrl":")" + probe_base_url(server) + R"(","token":")" + token + R"("})";
  ProcessResult r = run_destkit(
      {"test-auth", "test-probe", "--settings", "-", "--verbose", "--plugin-path", kTestPluginDir.string()}, settings);
  INFO(r.err);
  std::string shown = (std::string(padding, 'x') + "[redacted]tail").substr(0, 1024);
  CHECK(r.err.find("< " + shown + "\n") != std::string::npos);
  CHECK(r.output().find("probe-SECRET") == std::string::npos);
}

// The sanitizers' allocators keep freed memory on purpose: this is built without them only.
#ifndef DESTKIT_SANITIZED
TEST_CASE("a plugin's huge log line is redacted only as far as it is logged, not decoded whole") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  ProcessResult r =
      run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()},
                  probe_settings(probe_base_url(server), "log-escapes"));
  rusage children{};
  getrusage(RUSAGE_CHILDREN, &children);
  CHECK(r.err.find(R"(info: \n%41+\n%41+)") != std::string::npos);
  CHECK(r.err.find("more bytes not logged]") != std::string::npos);
  CHECK(children.ru_maxrss < 150 * 1024);  // KiB: the line and its copies, not 26 times the line
}

TEST_CASE("verbose mode redacts only the start of a long body it shows, not the whole body decoded") {
  // 12 MiB of JSON and URL escapes: decoding all of it to search for secrets took 26 times
  // its size in memory, to show 1 KiB.
  std::string body = R"({"x":")";
  for (int i = 0; i < 2 * 1024 * 1024; ++i) body += R"(\n%41+)";
  body += R"("})";
  Server server([&](const Request&) { return Response::json(401, body); });
  std::string settings = R"({"baseUrl":")" + probe_base_url(server) + R"(","token":"probe-SECRET-token"})";
  ProcessResult r = run_destkit(
      {"test-auth", "test-probe", "--settings", "-", "--verbose", "--plugin-path", kTestPluginDir.string()}, settings);
  rusage children{};
  getrusage(RUSAGE_CHILDREN, &children);
  CHECK(r.err.find(R"(< {"x":"\n%41+\n%41+)") != std::string::npos);
  CHECK(children.ru_maxrss < 150 * 1024);  // KiB: the answer and its copies, not 320 MiB
}
#endif

TEST_CASE("a password field with a default is rejected at load, and describe never shows the default") {
  std::filesystem::path dir = new_directory("secret-default");
  std::filesystem::path file = dir / "destkit-secret-default.json";
  std::ofstream(file) << R"({"slug": "secret-default", "name": "Secret Default", "version": "1.0.0",
    "authentication": {"scheme": "custom",
      "fields": {"apiKey": {"label": "API Key", "type": "password", "default": "sk_live_SECRET_DEFAULT"}}}})";
  ProcessResult check = run_destkit({"check", file.string()});
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("$.authentication.fields.apiKey.default: a secret field cannot have a default") !=
        std::string::npos);
  ProcessResult describe = run_destkit({"describe", "secret-default", "--json", "--plugin-path", dir.string()});
  CHECK(describe.exit_code != 0);
  CHECK(check.output().find("SECRET_DEFAULT") == std::string::npos);
  CHECK(describe.output().find("SECRET_DEFAULT") == std::string::npos);
}

TEST_CASE("oauth login --verbose shows the token exchange with the client secret and the tokens redacted") {
  OAuthServer oauth;
  auto dir = new_directory("verbose-oauth-login");
  setenv("XDG_STATE_HOME", (dir / "state").c_str(), 1);
  std::ofstream(dir / "config.json") << oauth.config_json("example-oauth-managed", "client_credentials");
  std::vector<std::string> args{
      "oauth", "login", "example-oauth-managed", "--config", (dir / "config.json").string(), "--verbose"};
  for (const std::string& arg : to_local(oauth.port())) args.push_back(arg);
  ProcessResult r = run_destkit(args);
  CHECK(r.exit_code == 0);
  CHECK(oauth.token_requests("client_credentials") == 1);
  CHECK_THAT(r.err, Catch::Contains("> POST " + oauth.url("/token")));
  CHECK_THAT(r.err, Catch::Contains("> Authorization: [redacted]"));
  CHECK_THAT(r.err, Catch::Contains("> grant_type=client_credentials"));
  CHECK_THAT(r.err, Catch::Contains("< 200 OK"));
  CHECK_THAT(r.err, Catch::Contains(R"("access_token":"[redacted]")"));
  // The client secret and the tokens issued (each holds "SECRET"), in no form.
  CHECK(r.out.find("SECRET") == std::string::npos);
  CHECK(r.err.find("SECRET") == std::string::npos);
  CHECK(r.err.find(destkit::host::base64_encode(std::string(OAuthServer::kClientId) + ":" +
                                                OAuthServer::kClientSecret)) == std::string::npos);
}
