// Hostile servers and hostile settings: the host answers each with a clear error, in bounded
// time and memory, and sends nothing when the settings are bad.
#include "environment.hpp"
#include "probe.hpp"

#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::host::AuthOutcome;
using destkit::host::AuthVerdict;
using destkit::host::Host;
using destkit::host::LogLevel;
using destkit::host::Plugin;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

Response raw(std::string bytes) {
  Response r;
  r.raw = std::move(bytes);
  return r;
}

}  // namespace

TEST_CASE("a log sink that throws changes no verdict and blames no plugin") {
  auto server = answering(200);
  int thrown = 0;
  Host host({.plugin_directories = {kTestPluginDir},
             .use_environment_path = false,
             .use_installed_plugins = false,
             .config = test_host_config(),
             .log =
                 [&thrown](LogLevel, std::string_view, std::string_view) {
                   ++thrown;
                   throw std::runtime_error("the embedder's log is full");
                 },
             .verbose = true});
  const Plugin* probe = host.find("test-probe");
  REQUIRE(probe != nullptr);
  for (const char* mode : {"plain", "log"}) {
    AuthVerdict verdict = host.test_authentication(*probe, probe_settings(probe_base_url(server), mode));
    CHECK(verdict.outcome == AuthOutcome::valid);
  }
  CHECK(thrown > 0);
}

TEST_CASE("a server that answers with something that is not HTTP could not verify") {
  Server server([](const Request&) { return raw("SSH-2.0-OpenSSH_9.2\r\n\r\n"); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message.find("Could not verify credentials: 127.0.0.1 did not send a valid HTTP answer") == 0);
}

TEST_CASE("an answer with two different Content-Length values could not verify; the same one twice is read") {
  Server conflicting(
      [](const Request&) { return raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} "); });
  auto verdict = run_probe(probe_base_url(conflicting), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message ==
        "Could not verify credentials: 127.0.0.1 did not send a valid HTTP answer (it gives two "
        "different Content-Length values)");
  Server repeated(
      [](const Request&) { return raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"); });
  CHECK(run_probe(probe_base_url(repeated), "plain").outcome == AuthOutcome::valid);
}

TEST_CASE("a server that hangs up without answering could not verify") {
  Server server([](const Request&) { return raw(""); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message.find("127.0.0.1 did not send a valid HTTP answer") != std::string::npos);
}

TEST_CASE("an endless chunked body stops at the size cap") {
  std::string chunk = std::string("10000\r\n") + std::string(0x10000, 'x') + "\r\n";
  std::string stream = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) stream += chunk;  // 2.5 MiB and no last chunk
  Server server([&](const Request&) { return raw(stream); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.message == "Could not verify credentials: the response from 127.0.0.1 is larger than the limit of 1048576 bytes");
}

TEST_CASE("a header too large to read could not verify, and says so") {
  std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(200 * 1024, 'a') + "\r\nContent-Length: 2\r\n\r\n{}";
  Server server([&](const Request&) { return raw(big); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message == "Could not verify credentials: 127.0.0.1 sent a header too large to read (over 100 KiB)");
}

TEST_CASE("a line break in a URL a plugin asks for is the plugin's error, not a network failure") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  ProcessResult r = run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()},
                                probe_settings(probe_base_url(server), "crlf-url"));
  CHECK(r.out == "testRequest of test-probe failed: the URL contains a line break or another control character\n");
  CHECK(r.exit_code == 3);
  CHECK(server.request_count() == 0);
}

TEST_CASE("a header the HTTP client writes itself is the plugin's error, and nothing is sent") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  ProcessResult r =
      run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()},
                  probe_settings(probe_base_url(server), "framing-header"));
  CHECK(r.out ==
        "testRequest of test-probe failed: the header \"content-LENGTH\" is written by the HTTP client from "
        "the request itself and cannot be set\n");
  CHECK(r.exit_code == 3);
  CHECK(server.request_count() == 0);
}

TEST_CASE("a setting the host cannot put into a header or a URL is the user's error, named by its field") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  auto [token, mode, message] = GENERATE(
      std::make_tuple(
          "t0k\\r\\nX-Injected: 1", "plain",
          "Token holds a line break or another control character, which the header \"X-Api-Token\" cannot carry."),
      std::make_tuple(
          "t0k\\u000bx", "plain",
          "Token holds a line break or another control character, which the header \"X-Api-Token\" cannot carry."),
      std::make_tuple(
          "t0k\\u007fx", "plain",
          "Token holds a line break or another control character, which the header \"X-Api-Token\" cannot carry."),
      std::make_tuple("t0k\\tx", "token-in-path", "Token holds a control character, which a URL cannot carry."));
  std::string settings =
      R"({"baseUrl":")" + probe_base_url(server) + R"(","token":")" + token + R"(","mode":")" + mode + "\"}";
  ProcessResult r =
      run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()}, settings);
  CHECK(r.out == std::string("Settings are invalid.\n  token: ") + message + "\n");
  CHECK(r.exit_code == 1);
  CHECK(server.request_count() == 0);
}

TEST_CASE("a secret passed by mistake as the method is redacted from the message that quotes it") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  std::string settings =
      R"({"baseUrl":")" + probe_base_url(server) + R"(","token":"sekret-Key-0123","mode":"token-as-method"})";
  ProcessResult r =
      run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()}, settings);
  CHECK_THAT(r.out, Catch::Contains("\"[redacted]\" is not an HTTP method destkit sends"));
  CHECK(r.output().find("SEKRET-KEY-0123") == std::string::npos);
  CHECK(server.request_count() == 0);
}

TEST_CASE("a setting that makes prefixUrl another scheme than http(s) is refused at once, naming the field") {
  std::string settings = R"({"baseUrl":"ftp://127.0.0.1:9/base","token":"t0k","mode":"plain"})";
  ProcessResult r =
      run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()}, settings);
  CHECK(r.out == "Settings are invalid.\n  baseUrl: Base URL must be an http or https URL to be the API's address.\n");
  CHECK(r.exit_code == 1);
}

TEST_CASE("JSON nested 100,000 deep or with invalid UTF-8 is a clear error, not a crash") {
  std::string body = GENERATE(std::string(100000, '[') + std::string(100000, ']'), std::string("{\"name\":\"\xff\xfe\"}"));
  Server server([&](const Request&) { return Response::json(200, body); });
  auto verdict = run_probe(probe_base_url(server), "json");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message.find("Could not verify credentials: the response from 127.0.0.1 is not valid JSON") == 0);
}

TEST_CASE("an answer with no body to a request for JSON is accepted: 204 No Content is not invalid JSON") {
  Server server([](const Request&) { return Response::json(204, ""); });
  auto verdict = run_probe(probe_base_url(server), "json");
  INFO(verdict.message);
  CHECK(verdict.outcome == AuthOutcome::valid);
}

TEST_CASE("a plugin that sends in a loop is stopped at 100 requests in one call") {
  Server server = answering(200);
  destkit::host::AuthVerdict verdict = run_probe(probe_base_url(server), "send-flood");
  CHECK(verdict.outcome == AuthOutcome::plugin_failed);
  CHECK_THAT(verdict.message, Catch::Contains("this call has sent 100 requests, the most one hook call may send"));
  CHECK(server.request_count() == 100);
}

TEST_CASE("a plugin that reads a large answer's values in a loop is stopped at 64 MiB of text in one call") {
  Server server([](const Request&) { return Response::json(200, R"({"big":")" + std::string(900 * 1024, 'b') + R"("})"); });
  destkit::host::AuthVerdict verdict = run_probe(probe_base_url(server), "read-flood");
  CHECK(verdict.outcome == AuthOutcome::plugin_failed);
  CHECK_THAT(verdict.message, Catch::Contains("bytes of text, the most one hook call may keep"));
}

TEST_CASE("hostile settings files are refused with a clear error and no request") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  std::string url = probe_base_url(server);
  auto test_auth = [&](const std::string& settings) {
    return run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()}, settings);
  };
  SECTION("megabytes of settings") {
    ProcessResult r = test_auth(R"({"baseUrl":")" + url + R"(","token":")" + std::string(3 << 20, 'k') + "\"}");
    CHECK(r.out == "Settings are invalid: standard input is larger than the limit of 1048576 bytes\n");
    CHECK(r.exit_code == 1);
  }
  SECTION("invalid UTF-8") {
    ProcessResult r = test_auth("{\"baseUrl\":\"" + url + "\",\"token\":\"\xc3\x28\"}");
    CHECK(r.out.find("Settings are invalid: the settings are not valid JSON (line 1") == 0);
    CHECK(r.exit_code == 1);
  }
  SECTION("deep nesting") {
    ProcessResult r = test_auth("{\"token\":" + std::string(5000, '[') + std::string(5000, ']') + "}");
    CHECK(r.out.find("nested deeper than 64 levels") != std::string::npos);
    CHECK(r.exit_code == 1);
  }
  SECTION("wrong types, unknown keys, empty required strings and numbers out of range, all at once") {
    ProcessResult r = test_auth(R"({"baseUrl":"","token":["a"],"retries":11,"verbose":"sometimes","mdoe":"plain"})");
    CHECK(r.out ==
          "Settings are invalid.\n"
          "  baseUrl: Base URL is required, but it is empty.\n"
          "  token: Token must be a string, but it is a list.\n"
          "  retries: Retries must be between 0 and 10, but it is a number (11).\n"
          "  verbose: Verbose must be true or false, but it is a string (\"sometimes\").\n"
          "  mdoe: \"mdoe\" is not a setting of Test Probe. Did you mean \"mode\"?\n");
    CHECK(r.exit_code == 1);
  }
  SECTION("a 30 KB URL and a 30 KB account ID, against a format and a pattern") {
    ProcessResult r = test_auth(R"({"baseUrl":")" + url + std::string(30'000, 'a') + R"(","token":"t","accountId":")" +
                                std::string(30'000, '1') + "\"}");
    CHECK(r.out ==
          "Settings are invalid.\n"
          "  baseUrl: Base URL must be a URL of at most 8192 bytes.\n"
          "  accountId: Account ID must match the pattern [0-9]{6}, but it does not.\n");
    CHECK(r.exit_code == 1);
  }
  CHECK(server.request_count() == 0);
}
