// Destinations written in Rust (sdk/rust), loaded by the real host: plugins/example-rust, the
// seed's custom example, gives the verdicts of its C++ twin and sends the same requests; and
// test-rust-probe shows a panic stopping at the ABI as a failed verdict with its message.
#include "environment.hpp"
#include "probe.hpp"

#include <destkit/host/host.hpp>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::host::AuthOutcome;
using destkit::host::AuthVerdict;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace json = boost::json;

namespace {

constexpr const char* kApiKey = "rust-SECRET-key-42";

std::string custom_settings(const std::string& api_key) {
  return R"({"subdomain":"acme","apiKey":")" + api_key + "\"}";
}

// The Example API: 200 with `body` to the right key, 401 to any other.
Server example_api(std::string body = R"({"id":1})") {
  return Server(
      [=](const Request& r) {
        bool ok = r.header("Authorization") == std::string("Bearer ") + kApiKey;
        return ok ? Response::json(200, body) : Response::json(401, R"({"error":"no"})");
      },
      test_certificate());
}

// test-auth with example-custom (C++) and then example-rust against one server: both must
// print the same, exit the same and send the same requests. Returns the Rust run.
ProcessResult same_as_cpp(const std::string& settings, Server& server) {
  auto test_auth = [&](const char* slug) {
    std::vector<std::string> args{"test-auth", slug, "--settings", "-"};
    for (const auto& a : to_local(server.port())) args.push_back(a);
    return run_destkit(args, settings);
  };
  ProcessResult cpp = test_auth("example-custom");
  ProcessResult rust = test_auth("example-rust");
  CHECK(rust.out == cpp.out);
  CHECK(rust.exit_code == cpp.exit_code);
  std::vector<Request> seen = server.requests();
  REQUIRE(seen.size() % 2 == 0);
  for (std::size_t i = 0, half = seen.size() / 2; i < half; ++i) {
    CHECK(seen[half + i].method == seen[i].method);
    CHECK(seen[half + i].target == seen[i].target);
    CHECK(seen[half + i].headers == seen[i].headers);
  }
  CHECK(rust.output().find(kApiKey) == std::string::npos);
  return rust;
}

AuthVerdict run_rust_probe(const Server& server, const std::string& mode) {
  return run_probe(probe_base_url(server), mode, "test-rust-probe");
}

}  // namespace

TEST_CASE("the Rust example passes destkit check and declares the fields of its C++ twin") {
  ProcessResult check = run_destkit({"check", (kBundledPluginDir / "destkit-example-rust.so").string()});
  CHECK(check.out.find("is a valid destkit plugin: example-rust 1.0.0 (Example Rust), ABI 1.2, scheme custom, 2 field(s)") !=
        std::string::npos);
  CHECK(check.exit_code == 0);

  json::value rust = json::parse(run_destkit({"describe", "example-rust", "--json"}).out);
  json::value cpp = json::parse(run_destkit({"describe", "example-custom", "--json"}).out);
  CHECK(rust.at("fields") == cpp.at("fields"));
  CHECK(rust.at("testRequest") == true);
}

TEST_CASE("the Rust example gives the C++ example's verdicts and sends its requests") {
  SECTION("a valid key: prefixUrl from the subdomain, Bearer from the key") {
    Server server = example_api();
    ProcessResult r = same_as_cpp(custom_settings(kApiKey), server);
    CHECK(r.out == "Credentials are valid.\n");
    CHECK(r.exit_code == 0);
    REQUIRE(server.request_count() == 2);
    CHECK(server.requests()[1].header("Host") == "acme.example.com");
    CHECK(server.requests()[1].target == "/api/accounts/me.json");
  }
  SECTION("a wrong key") {
    Server server = example_api();
    ProcessResult r = same_as_cpp(custom_settings("wrong-SECRET-key"), server);
    CHECK(r.out == "Credentials are invalid: 401 Unauthorized\n");
    CHECK(r.exit_code == 1);
    CHECK(r.output().find("wrong-SECRET-key") == std::string::npos);
  }
  SECTION("a missing field: no request") {
    Server server = example_api();
    ProcessResult r = same_as_cpp(R"({"subdomain":"acme"})", server);
    CHECK(r.out == "Settings are invalid.\n  apiKey: API Key is required, but it is missing.\n");
    CHECK(r.exit_code == 1);
    CHECK(server.request_count() == 0);
  }
  SECTION("an answer that is not the JSON responseType asks for") {
    Server server = example_api("<html>captive portal</html>");
    ProcessResult r = same_as_cpp(custom_settings(kApiKey), server);
    CHECK(r.out.starts_with("Could not verify credentials: the response from acme.example.com is not valid JSON"));
    CHECK(r.exit_code == 4);
  }
}

TEST_CASE("a panic in a Rust testRequest is a failed verdict with the panic's message, and the plugin goes on") {
  Server server = answering(200);
  AuthVerdict v = run_rust_probe(server, "panic");
  CHECK(v.outcome == AuthOutcome::plugin_failed);
  CHECK(v.message.starts_with("testRequest of test-rust-probe failed: panicked at src/lib.rs:"));
  CHECK(v.message.ends_with(": boom while holding [redacted]"));

  AuthVerdict next = run_rust_probe(server, "plain");
  CHECK(next.outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 1);
  Request r = server.requests()[0];
  CHECK(r.target == "/base/check?from=rust");
  CHECK(r.header("X-Api-Token") == kProbeToken);
}

TEST_CASE("a panic in a Rust extendRequest is a failed verdict, and no request is sent") {
  Server server = answering(200);
  AuthVerdict v = run_rust_probe(server, "panic-in-extend");
  CHECK(v.outcome == AuthOutcome::plugin_failed);
  CHECK(v.message.starts_with("extendRequest of test-rust-probe failed: panicked at src/lib.rs:"));
  CHECK(v.message.ends_with(": a key extendRequest cannot do without"));
  CHECK(server.request_count() == 0);
}

TEST_CASE("the CLI survives a Rust panic: exit 3, the message on stdout, nothing printed by Rust itself") {
  Server server = answering(200);
  ProcessResult r = run_destkit({"test-auth", "test-rust-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()},
                                probe_settings(probe_base_url(server), "panic"));
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("testRequest of test-rust-probe failed: panicked at src/lib.rs:") != std::string::npos);
  CHECK(r.err.find("panicked") == std::string::npos);
  CHECK(r.output().find(kProbeToken) == std::string::npos);
}

TEST_CASE("a Rust hook's error is the verdict its status names") {
  Server server = answering(200);
  AuthVerdict v = run_rust_probe(server, "invalid");
  CHECK(v.outcome == AuthOutcome::invalid_credentials);
  CHECK(v.message == "Credentials are invalid: the account is suspended");
}

TEST_CASE("a Rust hook's invalid_setting is reported under the field it names") {
  Server server = answering(200);
  AuthVerdict v = run_rust_probe(server, "bad-setting");
  CHECK(v.outcome == AuthOutcome::invalid_settings);
  REQUIRE(v.problems.size() == 1);
  CHECK(v.problems[0].key == "baseUrl");
  CHECK(v.problems[0].message == "Base URL must name the EU region.");
}

TEST_CASE("a Rust destination reads a JSON answer through the host's JSON Pointer service") {
  Server active = answering(200, R"({"account":{"state":"active"}})");
  CHECK(run_rust_probe(active, "json").outcome == AuthOutcome::valid);
  Server closed = answering(200, R"({"account":{"state":"closed"}})");
  CHECK(run_rust_probe(closed, "json").message == "Credentials are invalid: the account is closed");
  Server absent = answering(200, R"({"id":1})");
  CHECK(run_rust_probe(absent, "json").message == "Credentials are invalid: the answer names no account state");
}
