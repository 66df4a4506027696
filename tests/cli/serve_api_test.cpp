// destkit serve's v1 API over real HTTP: a real service process, the bundled plugins, and
// partner APIs on 127.0.0.1 answering as the test needs.
#include "environment.hpp"
#include "serve_process.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <fstream>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace json = boost::json;

namespace {

constexpr const char* kPassword = "serve-SECRET-pass";
const std::string kGoodBasic = R"({"settings":{"username":"serve-user","password":"serve-SECRET-pass"}})";
const std::string kWrongBasic = R"({"settings":{"username":"serve-user","password":"Wrong-SECRET-pass"}})";

// A partner API answering `status` to everything, or, when status is 0, 200 to the right
// Basic credentials and 401 to any other.
Server partner_api(int status = 0, std::chrono::milliseconds delay = {}) {
  return Server(
      [=](const Request& r) {
        Response response = status != 0 ? Response::json(status, R"({"error":"down"})")
                            : r.header("Authorization") == "Basic c2VydmUtdXNlcjpzZXJ2ZS1TRUNSRVQtcGFzcw=="
                                ? Response::json(200, R"({"id":1})")
                                : Response::json(401, R"({"error":"no"})");
        response.delay = delay;
        return response;
      },
      test_certificate());
}

// Sends `bytes` as they are on a new connection to `origin` (http://127.0.0.1:PORT) and
// returns all that comes back until the service closes the connection.
std::string raw_exchange(const std::string& origin, const std::string& bytes) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  auto port = static_cast<unsigned short>(std::stoi(origin.substr(origin.rfind(':') + 1)));
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(bytes));
  std::string answer;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(answer), ec);
  return answer;
}

std::vector<std::string> serve_args(unsigned short port, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = to_local(port);
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("serve lists the loaded destinations, libraries and declarative ones, and the rejected files") {
  auto dir = new_directory("serve-plugins");
  std::ofstream(dir / "destkit-not-a-plugin.so") << "not an ELF file";
  ServeProcess serve({"--plugin-path", dir.string()});
  HttpReply r = serve.get("/v1/destinations");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json");
  json::value list = r.json();
  bool basic = false, declarative = false;
  for (const auto& d : list.at("destinations").as_array()) {
    if (d.at("slug") == "example-basic") {
      basic = true;
      CHECK(d.at("kind") == "library");
      CHECK(d.at("scheme") == "basic");
      CHECK(d.at("testRequest") == true);
      CHECK(d.at("abi").is_string());
    }
    if (d.at("slug") == "example-custom-json") declarative = d.at("kind") == "declarative";
  }
  CHECK(basic);
  CHECK(declarative);
  REQUIRE(list.at("rejected").as_array().size() == 1);
  CHECK(list.at("rejected").at(0).at("path").as_string().ends_with("destkit-not-a-plugin.so"));
  CHECK(!list.at("rejected").at(0).at("reason").as_string().empty());
  CHECK(serve.log().find("\"message\":\"plugin rejected\"") != std::string::npos);
}

TEST_CASE("serve describes a destination as describe --json does, and 404s an unknown slug with a guess") {
  ServeProcess serve({});
  HttpReply r = serve.get("/v1/destinations/example-basic");
  REQUIRE(r.status == 200);
  ProcessResult described = run_destkit({"describe", "example-basic", "--json"});
  CHECK(r.json() == json::parse(described.out));
  json::value definition = r.json();
  const auto& fields = definition.at("fields").as_array();
  REQUIRE(fields.size() == 2);
  CHECK(fields[1].at("key") == "password");
  CHECK(fields[1].at("secret") == true);

  HttpReply missing = serve.get("/v1/destinations/example-basik");
  CHECK(missing.status == 404);
  CHECK(missing.json().at("error").at("code") == "not_found");
  CHECK(missing.json().at("error").at("message").as_string().find("did you mean \"example-basic\"") != std::string::npos);
  HttpReply long_slug = serve.get("/v1/destinations/" + std::string(7000, 'x'));
  CHECK(long_slug.status == 404);
  CHECK(long_slug.json().at("error").at("message").as_string().size() < 300);
}

TEST_CASE("serve validates settings per field and sends nothing") {
  Server api = partner_api();
  ServeProcess serve(serve_args(api.port()));
  HttpReply bad = serve.post("/v1/destinations/example-basic/validate", R"({"settings":{"username":"u"}})");
  REQUIRE(bad.status == 200);
  CHECK(bad.json().at("ok") == false);
  CHECK(bad.json().at("fields").as_object().contains("password"));
  HttpReply good = serve.post("/v1/destinations/example-basic/validate", kGoodBasic);
  CHECK(good.json() == json::parse(R"({"ok":true,"fields":{}})"));
  CHECK(api.request_count() == 0);
}

TEST_CASE("serve tests credentials: valid, invalid, 500, timeout and missing fields, each with its outcome") {
  SECTION("valid credentials, with the exchange in the log and the password nowhere") {
    Server api = partner_api();
    ServeProcess serve(serve_args(api.port()));
    HttpReply r = serve.post("/v1/destinations/example-basic/test", kGoodBasic);
    REQUIRE(r.status == 200);
    json::value v = r.json();
    CHECK(v.at("ok") == true);
    CHECK(v.at("outcome") == "valid");
    std::string log = json::serialize(v.at("log"));
    CHECK(log.find("> GET https://example.com/api/accounts/me.json") != std::string::npos);
    CHECK(log.find("< 200") != std::string::npos);
    CHECK(log.find("[redacted]") != std::string::npos);
    CHECK(r.body.find(kPassword) == std::string::npos);
    CHECK(r.body.find("c2VydmUtdXNlcjpzZXJ2ZS1TRUNSRVQtcGFzcw") == std::string::npos);
    ProcessResult stopped = serve.stop();
    CHECK(stopped.exit_code == 0);
    CHECK(stopped.err.find("SECRET") == std::string::npos);
  }
  SECTION("wrong credentials: invalid_credentials with the reference's wording") {
    Server api = partner_api();
    ServeProcess serve(serve_args(api.port()));
    HttpReply r = serve.post("/v1/destinations/example-basic/test", kWrongBasic);
    REQUIRE(r.status == 200);
    CHECK(r.json().at("outcome") == "invalid_credentials");
    CHECK(r.json().at("error") == "Credentials are invalid: 401 Unauthorized");
    CHECK(r.json().at("status") == 401);
    CHECK(r.body.find("SECRET") == std::string::npos);
  }
  SECTION("a 500 could not be verified") {
    Server api = partner_api(500);
    ServeProcess serve(serve_args(api.port()));
    HttpReply r = serve.post("/v1/destinations/example-basic/test", kGoodBasic);
    CHECK(r.json().at("outcome") == "could_not_verify");
    CHECK(r.json().at("ok") == false);
  }
  SECTION("a timeout could not be verified") {
    Server api = partner_api(0, std::chrono::milliseconds(3000));
    ServeProcess serve(serve_args(api.port(), {"--timeout-ms", "300"}));
    HttpReply r = serve.post("/v1/destinations/example-basic/test", kGoodBasic);
    CHECK(r.json().at("outcome") == "could_not_verify");
    CHECK(r.json().at("error").as_string().find("Could not verify credentials") != std::string::npos);
  }
  SECTION("missing fields: invalid_settings per field, nothing sent") {
    Server api = partner_api();
    ServeProcess serve(serve_args(api.port()));
    HttpReply r = serve.post("/v1/destinations/example-basic/test", R"({"settings":{}})");
    CHECK(r.status == 200);
    CHECK(r.json().at("outcome") == "invalid_settings");
    CHECK(r.json().at("fields").as_object().contains("username"));
    CHECK(r.json().at("fields").as_object().contains("password"));
    CHECK(api.request_count() == 0);
  }
}

TEST_CASE("serve answers unknown routes 404, wrong methods 405, bodies over 1 MiB 413, with stable codes") {
  ServeProcess serve({});
  HttpReply unknown = serve.get("/v2/nothing");
  CHECK(unknown.status == 404);
  CHECK(unknown.json().at("error").at("code") == "not_found");
  CHECK(serve.get("/v1/destinations/example-basic/nothing").status == 404);

  HttpReply wrong = serve.get("/v1/destinations/example-basic/test");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("Allow") == "POST");
  CHECK(wrong.json().at("error").at("code") == "method_not_allowed");
  CHECK(serve.del("/v1/destinations").status == 405);

  std::string huge = R"({"settings":{"username":")" + std::string(1 << 20, 'x') + "\"}}";
  HttpReply large = serve.post("/v1/destinations/example-basic/test", huge);
  CHECK(large.status == 413);
  CHECK(large.json().at("error").at("code") == "payload_too_large");

  HttpReply not_json = serve.post("/v1/destinations/example-basic/test", "{\"settings\":");
  CHECK(not_json.status == 400);
  CHECK(not_json.json().at("error").at("code") == "bad_request");
  HttpReply huge_number = serve.post("/v1/destinations/example-basic/validate", R"({"settings":{"username":1e999}})");
  CHECK(huge_number.status == 400);
  CHECK(huge_number.json().at("error").at("message") ==
        "the body is not valid JSON: line 1, column 30: the number is out of range (numbers are "
        "read up to 1.8e308 in size)");
  HttpReply no_settings = serve.post("/v1/destinations/example-basic/test", R"({"setings":{}})");
  CHECK(no_settings.status == 400);
  HttpReply form = http_request("POST", serve.origin() + "/v1/destinations/example-basic/test", "a=b",
                                {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(form.status == 415);
  CHECK(form.json().at("error").at("code") == "unsupported_media_type");
  HttpReply not_oauth = serve.post("/v1/destinations/example-basic/oauth/start", "{}");
  CHECK(not_oauth.status == 400);
  CHECK(not_oauth.json().at("error").at("code") == "not_oauth");
}

TEST_CASE("serve reads a body framed by Content-Length or Transfer-Encoding: chunked alone, and refuses others") {
  ServeProcess serve({});
  auto post_with = [&](const std::string& framing) {
    return raw_exchange(serve.origin(), "POST /v1/destinations/example-basic/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        "Content-Type: application/json\r\nConnection: close\r\n" + framing +
                                        "\r\nf\r\n{\"settings\":{}}\r\n0\r\n\r\n");
  };
  std::string chunked = post_with("Transfer-Encoding: chunked\r\n");
  CHECK(chunked.starts_with("HTTP/1.1 200 "));

  std::string gzip = post_with("Transfer-Encoding: gzip, chunked\r\n");
  CHECK(gzip.starts_with("HTTP/1.1 501 "));
  CHECK(gzip.find(R"("code":"not_implemented")") != std::string::npos);
  CHECK(gzip.find("Transfer-Encoding accepted is \\\"chunked\\\" alone") != std::string::npos);

  std::string twice = post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n");
  CHECK(twice.starts_with("HTTP/1.1 400 "));
  CHECK(twice.find(R"("code":"bad_request")") != std::string::npos);
  CHECK(post_with("Transfer-Encoding: chunked, identity\r\n").starts_with("HTTP/1.1 400 "));
  CHECK(post_with("Transfer-Encoding: chunked\r\nContent-Length: 19\r\n").starts_with("HTTP/1.1 400 "));
  // The service is unharmed: the next request is answered.
  CHECK(serve.get("/healthz").status == 200);
}

TEST_CASE("serve refuses what another web page could send: an undeclared empty body, a rebound host name") {
  ServeProcess serve({});
  // An empty form post needs no preflight in a browser; it must not start a sign-in.
  HttpReply empty_form = http_request("POST", serve.origin() + "/v1/destinations/example-oauth-managed/oauth/start", "",
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(empty_form.status == 415);
  HttpReply rebound = serve.get("/v1/destinations", {{"Host", "rebind.attacker.example:8642"}});
  CHECK(rebound.status == 421);
  CHECK(rebound.json().at("error").at("code") == "misdirected_request");
  CHECK(serve.get("/v1/destinations", {{"Host", "localhost:8642"}}).status == 200);
  CHECK(serve.get("/v1/destinations", {{"Host", "LocalHost"}}).status == 200);  // names ignore case
  // The name is the whole header, up to a port number.
  for (std::string host : {"127.0.0.1:1@evil.example", "127.0.0.1@evil.example", "localhost:80x",
                           "localhost:", "[::1]evil.example", "[::1", "127.0.0.1.evil.example", "127.0.0.1:99999"}) {
    CAPTURE(host);
    CHECK(serve.get("/v1/destinations", {{"Host", host}}).status == 421);
  }
  CHECK(serve.get("/v1/destinations", {{"Host", "[::1]:8642"}}).status == 200);
  CHECK(serve.get("/v1/destinations", {{"Host", "127.0.0.2"}}).status == 200);
  std::string two_hosts = raw_exchange(serve.origin(), "GET /v1/destinations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                       "Host: evil.example\r\nConnection: close\r\n\r\n");
  CHECK(two_hosts.starts_with("HTTP/1.1 400 "));
  CHECK(two_hosts.find("one Host header, not several") != std::string::npos);
  HttpReply page = serve.get("/");
  CHECK(page.header("Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
  CHECK(page.header("X-Frame-Options") == "DENY");
}

TEST_CASE("serve reports health, readiness and Prometheus metrics without secrets or request paths") {
  Server api = partner_api();
  ServeProcess serve(serve_args(api.port()));
  CHECK(serve.get("/healthz").body == "ok\n");
  CHECK(serve.get("/readyz").status == 200);
  serve.post("/v1/destinations/example-basic/test", kGoodBasic);
  serve.post("/v1/destinations/example-basic/test", kWrongBasic);
  serve.get("/v1/destinations/no-such-slug-SECRET");
  HttpReply metrics = serve.get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.header("Content-Type").starts_with("text/plain; version=0.0.4"));
  CHECK(metrics.body.find("destkit_verdicts_total{destination=\"example-basic\",outcome=\"valid\"} 1") != std::string::npos);
  CHECK(metrics.body.find("destkit_verdicts_total{destination=\"example-basic\",outcome=\"invalid_credentials\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("destkit_http_requests_total{route=\"/v1/destinations/{slug}/test\",status=\"200\"} 2") !=
        std::string::npos);
  CHECK(metrics.body.find("destkit_http_request_duration_seconds_bucket{route=\"/v1/destinations/{slug}/test\",le=\"+Inf\"} 2") !=
        std::string::npos);
  CHECK(metrics.body.find("destkit_plugin_load_failures_total 0") != std::string::npos);
  CHECK(metrics.body.find("SECRET") == std::string::npos);
}

TEST_CASE("serve's log is JSON lines naming routes, never a setting, a credential or a query") {
  Server api = partner_api();
  ServeProcess serve(serve_args(api.port()));
  serve.post("/v1/destinations/example-basic/test", kGoodBasic);
  serve.post("/v1/destinations/example-basic/validate", kWrongBasic);
  serve.get("/v1/oauth/callback?state=SECRET-state&code=SECRET-code");
  ProcessResult stopped = serve.stop();
  CHECK(stopped.exit_code == 0);
  std::istringstream lines(stopped.err);
  int access = 0;
  for (std::string line; std::getline(lines, line);) {
    json::value entry = json::parse(line);  // throws if a line is not JSON
    if (entry.at("type") == "access") ++access;
  }
  CHECK(access == 3);
  CHECK(stopped.err.find("\"route\":\"/v1/destinations/{slug}/test\"") != std::string::npos);
  CHECK(stopped.err.find("SECRET") == std::string::npos);
}

TEST_CASE("destkit help serve documents the routes, the token and the signals") {
  ProcessResult help = run_destkit({"help", "serve"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--token-file FILE") != std::string::npos);
  CHECK(help.out.find("POST /v1/destinations/SLUG/test") != std::string::npos);
  CHECK(help.out.find("SIGHUP") != std::string::npos);
  CHECK(help.out.find("--isolation process|in-process") != std::string::npos);
  CHECK(help.out.find("outcome \"plugin_failed\"") != std::string::npos);
  CHECK(help.out.find("lifts every quarantine") != std::string::npos);
  CHECK(run_destkit({"help"}).out.find("serve [--listen ADDRESS:PORT]") != std::string::npos);
}
