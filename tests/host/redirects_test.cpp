// Redirects are followed a bounded number of times and never carry credentials to another
// origin; https never downgrades to http; responses are size-capped.
#include "environment.hpp"
#include "probe.hpp"

#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::host::AuthOutcome;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

Response redirect_to(const std::string& location, int status = 302) {
  Response r;
  r.status = status;
  r.headers = {{"Location", location}};
  return r;
}

}  // namespace

TEST_CASE("a redirect within the origin keeps the destination's headers") {
  Server server([](const Request& r) {
    return r.target.starts_with("/base/check") ? redirect_to("/base/landing") : Response::json(200, "{}");
  });
  CHECK(run_probe(probe_base_url(server), "plain").outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 2);
  CHECK(server.requests()[1].target == "/base/landing");
  CHECK(server.requests()[1].header("X-Api-Token") == kProbeToken);
}

TEST_CASE("a redirect to another origin drops Authorization and every header extendRequest set") {
  Server other([](const Request&) { return Response::json(200, "{}"); });
  std::string elsewhere = "http://127.0.0.1:" + std::to_string(other.port()) + "/landing";
  Server first([&](const Request&) { return redirect_to(elsewhere, 307); });
  CHECK(run_probe(probe_base_url(first), "plain").outcome == AuthOutcome::valid);
  REQUIRE(other.request_count() == 1);
  Request landed = other.requests()[0];
  CHECK(landed.target == "/landing");
  CHECK_FALSE(landed.has_header("X-Api-Token"));
  CHECK_FALSE(landed.has_header("X-Ext"));
  CHECK_FALSE(landed.has_header("Authorization"));
  CHECK(landed.header("User-Agent") == "destkit");
}

TEST_CASE("a redirect loop stops after 10 redirects and could not verify") {
  Server server([](const Request&) { return redirect_to("/base/check"); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message == "Could not verify credentials: 127.0.0.1 redirected more than 10 times");
  CHECK(server.request_count() == 11);
}

TEST_CASE("a redirect from https to http is refused") {
  Server plain([](const Request&) { return Response::json(200, "{}"); });
  std::string insecure = "http://127.0.0.1:" + std::to_string(plain.port()) + "/landing";
  Server secure([&](const Request&) { return redirect_to(insecure); }, test_certificate());
  auto verdict = run_probe(probe_base_url(secure, "https"), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message ==
        "Could not verify credentials: 127.0.0.1 redirected from https to an insecure URL on 127.0.0.1; not followed");
  CHECK(plain.request_count() == 0);
}

TEST_CASE("a response larger than the cap is an error that says so") {
  Server server([](const Request&) { return Response::json(200, std::string(2 << 20, ' ')); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message ==
        "Could not verify credentials: the response from 127.0.0.1 is larger than the limit of 1048576 bytes");
}
