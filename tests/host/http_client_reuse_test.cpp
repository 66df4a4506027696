// A thread's curl handle is reused from one request to the next: each request goes out with
// its own method, headers and body, whatever the previous request on that thread sent.
#include "environment.hpp"

#include "http/client.hpp"

#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::host::HttpResponse;
using destkit::host::HttpResult;
using destkit::host::ResolvedRequest;
using destkit::host::send_http;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

ResolvedRequest request_to(const Server& server, std::string method, std::optional<std::string> body = {}) {
  ResolvedRequest r;
  r.method = std::move(method);
  r.url = origin_of(server) + "/thing";
  r.body = std::move(body);
  if (r.body) r.headers = {{"Content-Type", "text/plain"}, {"X-Only-First", "1"}};
  return r;
}

const HttpResponse& response_of(const HttpResult& result) {
  REQUIRE(std::holds_alternative<HttpResponse>(result));
  return std::get<HttpResponse>(result);
}

}  // namespace

TEST_CASE("a GET after a POST on the same thread is a GET without the POST's body or headers") {
  Server server([](const Request&) { return Response::json(200, R"({"ok":true})"); });
  response_of(send_http(request_to(server, "POST", "payload"), {}));
  HttpResult result = send_http(request_to(server, "GET"), {});
  const HttpResponse& got = response_of(result);
  CHECK(got.body == R"({"ok":true})");
  CHECK(got.host == "127.0.0.1");
  REQUIRE(server.request_count() == 2);
  Request second = server.requests()[1];
  CHECK(second.method == "GET");
  CHECK(second.body.empty());
  CHECK_FALSE(second.has_header("Content-Length"));
  CHECK_FALSE(second.has_header("Content-Type"));
  CHECK_FALSE(second.has_header("X-Only-First"));
}

TEST_CASE("a GET after a HEAD on the same thread reads the body again") {
  Server server([](const Request&) { return Response::json(200, R"({"ok":true})"); });
  CHECK(response_of(send_http(request_to(server, "HEAD"), {})).body.empty());
  CHECK(response_of(send_http(request_to(server, "GET"), {})).body == R"({"ok":true})");
  REQUIRE(server.request_count() == 2);
  CHECK(server.requests()[0].method == "HEAD");
  CHECK(server.requests()[1].method == "GET");
}

TEST_CASE("a DELETE, then a PUT with a body, then a GET each go out as themselves") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  response_of(send_http(request_to(server, "DELETE"), {}));
  response_of(send_http(request_to(server, "PUT", "new"), {}));
  response_of(send_http(request_to(server, "GET"), {}));
  REQUIRE(server.request_count() == 3);
  CHECK(server.requests()[0].method == "DELETE");
  CHECK(server.requests()[1].method == "PUT");
  CHECK(server.requests()[1].body == "new");
  CHECK(server.requests()[2].method == "GET");
  CHECK(server.requests()[2].body.empty());
}

TEST_CASE("a header given an empty value is sent empty, and does not remove the client's own of that name") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  ResolvedRequest r = request_to(server, "GET");
  r.headers = {{"X-Empty", ""}, {"User-Agent", ""}};
  response_of(send_http(r, {}));
  REQUIRE(server.request_count() == 1);
  Request sent = server.requests()[0];
  CHECK(sent.has_header("X-Empty"));
  CHECK(sent.header("X-Empty").empty());
  CHECK(sent.has_header("User-Agent"));
  CHECK(sent.header("User-Agent").empty());
  CHECK(sent.has_header("Accept-Encoding"));  // the client's, untouched
}
