// The C++ SDK and the host services end to end, in process through the embedding API: what
// extendRequest and the per-call options put on the wire, and how exceptions become verdicts.
#include "environment.hpp"
#include "probe.hpp"

#include <destkit/host/host.hpp>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

AuthVerdict run(const Server& server, const std::string& mode) {
  return run_probe(probe_base_url(server), mode);
}

}  // namespace

TEST_CASE("extendRequest's options apply to the request testRequest makes") {
  Server server = answering(200);
  AuthVerdict v = run(server, "plain");
  CHECK(v.outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 1);
  Request r = server.requests()[0];
  CHECK(r.method == "GET");
  CHECK(r.target == "/base/check?ext=1");
  CHECK(r.header("X-Api-Token") == kProbeToken);
  CHECK(r.header("X-Ext") == "from-extend");
  CHECK(r.header("User-Agent") == "destkit");
}

TEST_CASE("the call's options win over extendRequest's: method, headers, search params, json") {
  Server server = answering(201);
  CHECK(run(server, "call-options").outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 1);
  Request r = server.requests()[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/base/check?q=a%20b%26c&ext=2");
  CHECK(r.header("X-Ext") == "from-call");
  CHECK(r.header("X-Call") == "yes");
  CHECK(r.header("X-Api-Token") == kProbeToken);
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(boost::json::parse(r.body) == boost::json::parse(R"({"hello":"wörld"})"));
}

TEST_CASE("an exception in testRequest becomes a plugin failure with its message, secrets redacted") {
  Server server = answering(200);
  AuthVerdict v = run(server, "throw");
  CHECK(v.outcome == AuthOutcome::plugin_failed);
  CHECK(v.message == "testRequest of test-probe failed: boom while holding [redacted]");
}

TEST_CASE("a destination can reject credentials explicitly, even after a 2xx answer") {
  Server server = answering(200);
  AuthVerdict v = run(server, "invalid");
  CHECK(v.outcome == AuthOutcome::invalid_credentials);
  CHECK(v.message == "Credentials are invalid: the account is suspended");
}

TEST_CASE("throwHttpErrors false hands a non-2xx answer to the destination") {
  Server teapot = answering(418);
  CHECK(run(teapot, "lenient").outcome == AuthOutcome::valid);
  Server ok = answering(200);
  CHECK(run(ok, "lenient").message == "Credentials are invalid: expected a teapot");
}

TEST_CASE("responseType json refuses a body that is not JSON, and accepts one that is") {
  Server broken = answering(200, "{\"unterminated\":");
  AuthVerdict v = run(broken, "json");
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  CHECK(v.message.find("Could not verify credentials: the response from 127.0.0.1 is not valid JSON") == 0);
  Server fine = answering(200, R"({"ok":true})");
  CHECK(run(fine, "json").outcome == AuthOutcome::valid);
}

TEST_CASE("responseType text takes a body as it came whatever its Content-Type; unset\, a JSON one is checked") {
  Server broken = answering(200, "{\"unterminated\":");  // served as application/json
  CHECK(run(broken, "text").outcome == AuthOutcome::valid);
  AuthVerdict unset = run(broken, "plain");
  CHECK(unset.outcome == AuthOutcome::could_not_verify);
  CHECK_THAT(unset.message, Catch::Contains("is not valid JSON"));
}

TEST_CASE("408 and 429 answers say nothing about the credentials") {
  int status = GENERATE(408, 429);
  Server server = answering(status);
  AuthVerdict v = run(server, "plain");
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  CHECK(v.http_status == status);
}

TEST_CASE("the host checks many credentials at once from several threads") {
  Server server = answering(200);
  std::vector<std::thread> threads;
  std::atomic<int> valid{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) valid += run(server, "plain").outcome == AuthOutcome::valid;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(valid == 40);
  CHECK(server.request_count() == 40);
}

TEST_CASE("handles kept from an earlier call, no call in the entry point and impossible sizes are refused, never acted on") {
  const Plugin* plugin = probe_host().find("stale-handles");
  REQUIRE(plugin != nullptr);
  Server server = answering(200);
  // Where the request made with the kept options would go, were it sent.
  std::string settings = R"({"url":")" + probe_base_url(server) + "\"}";
  CHECK(probe_host().test_authentication(*plugin, settings).outcome == AuthOutcome::valid);
  AuthVerdict second = probe_host().test_authentication(*plugin, settings);
  CHECK(second.message == "Settings are invalid: stale handles: 1 1 1 1 1; entry: 1 1 1; sizes: 1 1 1; names: 1 2 1");
  CHECK(server.request_count() == 0);
}
