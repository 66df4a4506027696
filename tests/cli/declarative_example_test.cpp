// The example of docs/write-a-declarative-destination.md, as the bundled plugin directory holds
// it, run through the CLI against an HTTPS server on 127.0.0.1: the data center taken from the
// API key, Basic auth from a template, the declared validity of the answer.
#include "environment.hpp"

#include <destkit/host/host.hpp>
#include "http/request_options.hpp"

#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

constexpr const char* kKey = "key-SECRET-0042-US6";

// The Example API of data center us6: the audience "news" is active, "old" is not.
Server datacenter_api() {
  return Server(
      [](const Request& r) {
        if (r.header("Authorization") != destkit::host::basic_authorization("destkit", kKey)) {
          return Response::json(401, R"({"title":"API Key Invalid"})");
        }
        if (r.target == "/3.0/lists/news?fields=id%2Cstatus") return Response::json(200, R"({"id":"news","status":"active"})");
        if (r.target == "/3.0/lists/old?fields=id%2Cstatus") return Response::json(200, R"({"id":"old","status":"archived"})");
        return Response::json(404, "{}");
      },
      test_certificate());
}

ProcessResult test_auth(const Server& server, const std::string& settings) {
  std::vector<std::string> args{"test-auth", "example-datacenter", "--settings", "-", "--connect-to",
                                "us6.example.com:443:127.0.0.1:" + std::to_string(server.port()), "--cacert",
                                test_certificate().certificate};
  return run_destkit(args, settings);
}

}  // namespace

TEST_CASE("the guide's example finds the data center in the API key and checks the answer") {
  Server server = datacenter_api();
  ProcessResult valid = test_auth(server, std::string(R"({"list":"news","apiKey":")") + kKey + "\"}");
  CHECK(valid.out == "Credentials are valid.\n");
  CHECK(valid.exit_code == 0);
  REQUIRE(server.request_count() == 1);
  CHECK(server.requests()[0].header("Host") == "us6.example.com");

  ProcessResult archived = test_auth(server, std::string(R"({"list":"old","apiKey":")") + kKey + "\"}");
  CHECK(archived.out == "Credentials are invalid: the answer's /status is not \"active\"\n");
  CHECK(archived.exit_code == 1);

  ProcessResult wrong = test_auth(server, R"({"list":"news","apiKey":"wrong-SECRET-us6"})");
  CHECK(wrong.out == "Credentials are invalid: 401 Unauthorized\n");

  ProcessResult no_part = test_auth(server, R"({"list":"news","apiKey":""})");
  CHECK(no_part.exit_code == 1);
  CHECK(server.request_count() == 3);
}

TEST_CASE("the guide's example refuses a key without a data center, and redacts the data center made from a key") {
  Server server = datacenter_api();
  ProcessResult no_center = test_auth(server, R"({"list":"news","apiKey":"SECRETKEYNODASH"})");
  CHECK(no_center.exit_code == 1);
  CHECK(no_center.out.find("API Key must match the pattern") != std::string::npos);
  CHECK(no_center.out.find("SECRETKEYNODASH") == std::string::npos);
  CHECK(server.request_count() == 0);

  // A key whose data center part the API does not know: its answer names the host made of it.
  Server down([](const Request&) { return Response::json(500, "{}"); }, test_certificate());
  std::vector<std::string> args{"test-auth", "example-datacenter", "--settings", "-", "--connect-to",
                                "secretcenter9.example.com:443:127.0.0.1:" + std::to_string(down.port()), "--cacert",
                                test_certificate().certificate, "--verbose"};
  ProcessResult answered = run_destkit(args, R"({"list":"news","apiKey":"key-SecretCenter9"})");
  CHECK(down.request_count() == 1);
  CHECK(answered.out.find("Could not verify credentials: [redacted].example.com answered 500") != std::string::npos);
  CHECK(answered.out.find("secretcenter9") == std::string::npos);
  CHECK(answered.err.find("secretcenter9") == std::string::npos);
}

TEST_CASE("the guide's example passes destkit check") {
  ProcessResult r = run_destkit({"check", (kBundledPluginDir / "destkit-example-datacenter.json").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("is a valid destkit plugin: example-datacenter 1.0.0 (Example Datacenter)") != std::string::npos);
}
