// Redirects are followed a bounded number of times, only to http(s), and never carry
// credentials to another origin: a hop that leaves it keeps only a few harmless headers, and
// a body is not re-sent there; https never downgrades to http; responses are size-capped.
#include "environment.hpp"
#include "probe.hpp"

#include "http/client.hpp"

#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::host::AuthOutcome;
using destkit::host::HttpFailure;
using destkit::host::HttpResponse;
using destkit::host::HttpResult;
using destkit::host::ResolvedRequest;
using destkit::host::send_http;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

// A server on another origin (another port) that answers 200 to everything.
Server accepting_server() {
  return Server([](const Request&) { return Response::json(200, "{}"); });
}

}  // namespace

TEST_CASE("a redirect within the origin keeps the destination's headers") {
  Server server([](const Request& r) {
    return r.target.starts_with("/base/check") ? Response::redirect(302, "/base/landing") : Response::json(200, "{}");
  });
  CHECK(run_probe(probe_base_url(server), "plain").outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 2);
  CHECK(server.requests()[1].target == "/base/landing");
  CHECK(server.requests()[1].header("X-Api-Token") == kProbeToken);
}

TEST_CASE("a redirect to another origin drops Authorization and every header extendRequest set, and its success "
          "could not verify") {
  Server other = accepting_server();
  std::string elsewhere = origin_of(other) + "/landing";
  Server first([&](const Request&) { return Response::redirect(307, elsewhere); });
  destkit::host::AuthVerdict verdict = run_probe(probe_base_url(first), "plain");
  // The other origin answered without being sent the credentials: its 200 says nothing of them.
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message == "Could not verify credentials: a redirect took the test's request to another origin (" +
                               origin_of(other) + "), which answered without being sent the credentials");
  REQUIRE(other.request_count() == 1);
  Request landed = other.requests()[0];
  CHECK(landed.target == "/landing");
  CHECK_FALSE(landed.has_header("X-Api-Token"));
  CHECK_FALSE(landed.has_header("X-Ext"));
  CHECK_FALSE(landed.has_header("Authorization"));
  CHECK(landed.header("User-Agent") == "destkit");
}

TEST_CASE("a refusal from the origin a redirect took the request to, without its credentials, could not verify") {
  Server other([](const Request&) { return Response::json(401, "{}"); });
  std::string elsewhere = origin_of(other) + "/landing";
  Server first([&](const Request&) { return Response::redirect(302, elsewhere); });
  destkit::host::AuthVerdict verdict = run_probe(probe_base_url(first), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message == "Could not verify credentials: a redirect took the test's request to another origin (" +
                               origin_of(other) + "), which answered 401 Unauthorized without being sent the credentials");
}

TEST_CASE("a redirect loop stops after 10 redirects and could not verify") {
  Server server([](const Request&) { return Response::redirect(302, "/base/check"); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message == "Could not verify credentials: 127.0.0.1 redirected more than 10 times");
  CHECK(server.request_count() == 11);
}

TEST_CASE("a redirect from https to http is refused") {
  Server plain([](const Request&) { return Response::json(200, "{}"); });
  std::string insecure = origin_of(plain) + "/landing";
  Server secure([&](const Request&) { return Response::redirect(302, insecure); }, test_certificate());
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

TEST_CASE(
    "a 302 to another origin keeps only Accept, Accept-Language and User-Agent, not a secret set for one request") {
  Server other = accepting_server();
  std::string elsewhere = origin_of(other) + "/landing";
  Server first([&](const Request&) { return Response::redirect(302, elsewhere); });
  CHECK(run_probe(probe_base_url(first), "post-secret").outcome == AuthOutcome::could_not_verify);
  REQUIRE(other.request_count() == 1);
  Request landed = other.requests()[0];
  CHECK(landed.method == "GET");
  CHECK(landed.body.empty());
  CHECK_FALSE(landed.has_header("X-Call-Secret"));
  CHECK_FALSE(landed.has_header("X-Api-Token"));
  CHECK_FALSE(landed.has_header("Content-Type"));
  CHECK(landed.header("Accept-Language") == "de");
  CHECK(landed.header("Accept") == "*/*");
  CHECK(landed.header("User-Agent") == "destkit");
}

TEST_CASE("a 307 or 308 to another origin is not followed with a body, and the error says why") {
  int status = GENERATE(307, 308);
  Server other = accepting_server();
  std::string elsewhere = origin_of(other) + "/landing";
  Server first([&](const Request&) { return Response::redirect(status, elsewhere); });
  auto verdict = run_probe(probe_base_url(first), "post-secret");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message == "Could not verify credentials: 127.0.0.1 answered " + std::to_string(status) +
                               " to another origin (" + origin_of(other) +
                               "), which would send the request body there; not followed");
  CHECK(other.request_count() == 0);
}

TEST_CASE("a 307 within the origin repeats the method, the body and every header") {
  Server server([](const Request& r) {
    return r.target.starts_with("/base/check") ? Response::redirect(307, "/base/landing") : Response::json(200, "{}");
  });
  CHECK(run_probe(probe_base_url(server), "post-secret").outcome == AuthOutcome::valid);
  REQUIRE(server.request_count() == 2);
  Request landed = server.requests()[1];
  CHECK(landed.method == "POST");
  CHECK(landed.body == std::string("{\"token\":\"") + kProbeToken + "\"}");
  CHECK(landed.header("X-Call-Secret") == kProbeToken);
}

TEST_CASE("a redirect to the same host in other letter case stays in the origin, with its headers") {
  Server server([](const Request& r) {
    std::string port = r.header("Host").substr(r.header("Host").rfind(':') + 1);
    return r.target == "/check" ? Response::redirect(302, "http://API.EXAMPLE.TEST:" + port + "/landing")
                                : Response::json(200, "{}");
  });
  std::string port = std::to_string(server.port());
  ResolvedRequest request{
      .method = "GET", .url = "http://api.example.test:" + port + "/check", .headers = {{"X-Upload-Key", "k"}}};
  HttpResult result = send_http(request, {.connect_to = {"api.example.test:" + port + ":127.0.0.1:" + port,
                                                         "API.EXAMPLE.TEST:" + port + ":127.0.0.1:" + port}});
  REQUIRE(std::holds_alternative<HttpResponse>(result));
  CHECK(std::get<HttpResponse>(result).left_for.empty());
  REQUIRE(server.request_count() == 2);
  CHECK(server.requests()[1].header("X-Upload-Key") == "k");
}

TEST_CASE("a caller that opts in has a 307 body sent on to another origin, without the other headers") {
  Server other = accepting_server();
  std::string elsewhere = origin_of(other) + "/landing";
  Server first([&](const Request&) { return Response::redirect(307, elsewhere); });
  ResolvedRequest request{.method = "POST",
                          .url = origin_of(first) + "/upload",
                          .headers = {{"Content-Type", "text/plain"}, {"X-Upload-Key", "k"}},
                          .body = "payload"};
  CHECK(std::holds_alternative<HttpFailure>(send_http(request, {})));
  CHECK(other.request_count() == 0);
  HttpResult result = send_http(request, {.resend_body_to_other_origins = true});
  REQUIRE(std::holds_alternative<HttpResponse>(result));
  REQUIRE(other.request_count() == 1);
  Request landed = other.requests()[0];
  CHECK(landed.method == "POST");
  CHECK(landed.body == "payload");
  CHECK(landed.header("Content-Type") == "text/plain");
  CHECK_FALSE(landed.has_header("X-Upload-Key"));
}

TEST_CASE("a redirect to a file: URL is refused, naming the scheme") {
  Server server([](const Request&) { return Response::redirect(302, "file:///etc/passwd"); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(verdict.message ==
        "Could not verify credentials: 127.0.0.1 redirected to a file: URL; only http and https URLs are followed");
}

TEST_CASE("a redirect to a URL that cannot be requested could not verify: the server's fault, not the plugin's") {
  // Ideographic full stops (U+3002) in place of the dots of 127.0.0.2.
  Server server([](const Request&) { return Response::redirect(302, "http://127\u30020\u30020\u30022:9/x"); });
  auto verdict = run_probe(probe_base_url(server), "plain");
  CHECK(verdict.outcome == AuthOutcome::could_not_verify);
  CHECK_THAT(
      verdict.message,
      Catch::StartsWith("Could not verify credentials: 127.0.0.1 redirected to a URL that cannot be requested ("));
}
