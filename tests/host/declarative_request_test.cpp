// A declarative destination's requests follow the host's merge rules, as a compiled plugin's
// do: extendRequest, then testRequest; headers merged case-insensitively; Basic authentication
// over an Authorization header of the same layer; searchParams added to the URL's own query;
// extendRequest's timeout bounding the exchange.
#include "environment.hpp"

#include <destkit/host/host.hpp>
#include "http/request_options.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

constexpr const char* kLayers = R"({
  "slug": "layers", "name": "Layers", "version": "1.0.0",
  "authentication": {
    "scheme": "custom",
    "fields": {
      "user": {"label": "User", "type": "string", "required": true},
      "apiKey": {"label": "API Key", "type": "password", "required": true}
    },
    "testRequest": {"method": "POST", "url": "/me?fixed=1", "headers": {"x-layer": "test"},
                    "searchParams": {"v": "2", "q": "a b"}, "json": {"user": "{{settings.user}}", "n": 1}}
  },
  "extendRequest": {
    "prefixUrl": "https://acme.example.com/api/",
    "headers": {"Authorization": "Bearer {{settings.apiKey}}", "X-Layer": "extend"},
    "username": "{{settings.user}}", "password": "{{settings.apiKey}}",
    "searchParams": {"v": "1"}
  }
})";

// A host that loads the destinations in `dir` and sends acme.example.com to `server`.
HostOptions acme_options(const std::filesystem::path& dir, const Server& server) {
  return {.plugin_directories = {dir},
          .use_environment_path = false,
          .use_installed_plugins = false,
          .connect_to = {"acme.example.com:443:127.0.0.1:" + std::to_string(server.port())},
          .ca_file = test_certificate().certificate};
}

}  // namespace

TEST_CASE("a declarative destination's request merges extendRequest and testRequest as the host's rules say") {
  Server server([](const Request&) { return Response::json(200, "{}"); }, test_certificate());
  std::filesystem::path dir = new_directory("layers");
  std::ofstream(dir / "destkit-layers.json") << kLayers;
  Host host(acme_options(dir, server));
  REQUIRE(host.rejections().empty());
  AuthVerdict verdict = host.test_authentication(*host.find("layers"), R"({"user":"ann","apiKey":"layers-SECRET-1"})");
  CHECK(verdict.outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 1);
  Request r = server.requests()[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/api/me?fixed=1&v=2&q=a%20b");  // one '/' at the join; v replaced, not repeated
  CHECK(r.header("Authorization") == basic_authorization("ann", "layers-SECRET-1"));
  CHECK(r.header("X-Layer") == "test");
  CHECK(std::count_if(r.headers.begin(), r.headers.end(), [](const auto& h) { return iequals(h.first, "x-layer"); }) == 1);
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(r.body == R"({"user":"ann","n":1})");
}

TEST_CASE("a declarative destination's extendRequest.timeout bounds the exchange") {
  Response slow = Response::json(200, "{}");
  slow.delay = std::chrono::milliseconds(3000);
  Server server([slow](const Request&) { return slow; }, test_certificate());
  std::filesystem::path dir = new_directory("timeout");
  std::ofstream(dir / "destkit-slow.json") << R"({"slug": "slow", "name": "Slow", "version": "1",
    "authentication": {"scheme": "custom", "testRequest": {"url": "/me"}},
    "extendRequest": {"prefixUrl": "https://acme.example.com", "timeout": 300}})";
  Host host(acme_options(dir, server));
  auto start = std::chrono::steady_clock::now();
  AuthVerdict verdict = host.test_authentication(*host.find("slow"), "{}");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2000));  // the host's default is 10 s
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message.find("acme.example.com") != std::string::npos);
}
