// destkit serve's OAuth connection: start, the provider's redirect back to the service's own
// callback, status, a credential test with the stored tokens, and sign-out, against the
// suite's local authorization server.
#include "environment.hpp"
#include "oauth_server.hpp"
#include "serve_process.hpp"

#include "util/url_form.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string query_value(const std::string& url, const std::string& name) {
  for (auto& [key, value] : destkit::host::parse_form(url.substr(url.find('?') + 1))) {
    if (key == name) return value;
  }
  return {};
}

std::vector<std::string> oauth_serve_args(const OAuthServer& oauth) {
  auto dir = new_directory("serve-oauth");
  setenv("XDG_STATE_HOME", (dir / "state").c_str(), 1);
  std::ofstream(dir / "config.json") << oauth.config_json("example-oauth-managed");
  std::vector<std::string> args = to_local(oauth.port());
  args.push_back("--config");
  args.push_back((dir / "config.json").string());
  return args;
}

}  // namespace

TEST_CASE("serve connects an OAuth destination end to end: start, callback once, status, test, sign-out") {
  OAuthServer oauth;
  ServeProcess serve(oauth_serve_args(oauth));
  const std::string base = "/v1/destinations/example-oauth-managed";

  HttpReply started = serve.post(base + "/oauth/start", R"({"connection":"work"})");
  REQUIRE(started.status == 200);
  std::string authorize = std::string(started.json().at("authorizeUrl").as_string());
  CHECK(authorize.starts_with(oauth.url("/authorize")));
  CHECK(query_value(authorize, "redirect_uri") == serve.origin() + "/v1/oauth/callback");
  CHECK(query_value(authorize, "code_challenge_method") == "S256");
  CHECK(!query_value(authorize, "state").empty());

  // The browser: to the provider, which approves at once and sends it back to the service.
  HttpReply provider = http_request("GET", authorize, {}, {}, test_certificate().certificate);
  REQUIRE(provider.status == 302);
  std::string back = provider.header("Location");
  REQUIRE(back.starts_with(serve.origin() + "/v1/oauth/callback?"));
  HttpReply connected = http_request("GET", back);
  CHECK(connected.status == 200);
  CHECK(connected.header("Content-Type").starts_with("text/html"));
  CHECK(connected.body.find("Connected to Example OAuth Managed. You can close this window.") != std::string::npos);
  CHECK(oauth.token_requests("authorization_code") == 1);

  HttpReply replayed = http_request("GET", back);
  CHECK(replayed.status == 400);
  CHECK(oauth.token_requests("authorization_code") == 1);

  HttpReply status = serve.get(base + "/oauth?connection=work");
  REQUIRE(status.status == 200);
  json::value s = status.json();
  CHECK(s.at("signedIn") == true);
  CHECK(s.at("connection") == "work");
  CHECK(s.at("refreshToken") == true);
  CHECK(s.at("expiresAt").is_int64());
  CHECK(json::serialize(s.at("scopes")) == R"(["read","write"])");
  CHECK(serve.get(base + "/oauth").json().at("signedIn") == false);  // the default connection

  HttpReply tested = serve.post(base + "/test", R"({"settings":{},"connection":"work"})");
  CHECK(tested.json().at("outcome") == "valid");
  REQUIRE(!oauth.last_api_token().empty());
  std::string token = oauth.last_api_token().substr(7);
  CHECK(tested.body.find(token) == std::string::npos);
  CHECK(serve.get(base + "/oauth?connection=work").body.find("SECRET") == std::string::npos);

  CHECK(serve.del(base + "/oauth?connection=work").json().at("signedOut") == true);
  CHECK(serve.get(base + "/oauth?connection=work").json().at("signedIn") == false);
  CHECK(serve.del(base + "/oauth?connection=work").json().at("signedOut") == false);

  ProcessResult stopped = serve.stop();
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.err.find("SECRET") == std::string::npos);
  CHECK(stopped.err.find(query_value(back, "code")) == std::string::npos);
}

TEST_CASE("serve's OAuth callback refuses a forged state and a refused sign-in, exchanging nothing") {
  OAuthServer oauth;
  ServeProcess serve(oauth_serve_args(oauth));
  HttpReply forged = serve.get("/v1/oauth/callback?state=forged&code=code-1");
  CHECK(forged.status == 400);
  CHECK(forged.body.find("unknown, was already used or has expired") != std::string::npos);
  CHECK(forged.header("X-Frame-Options") == "DENY");  // never framed by another page
  CHECK_THAT(forged.header("Content-Security-Policy"), Catch::StartsWith("default-src 'none'; frame-ancestors 'none'"));

  HttpReply started = serve.post("/v1/destinations/example-oauth-managed/oauth/start", "");
  std::string state = query_value(std::string(started.json().at("authorizeUrl").as_string()), "state");
  HttpReply refused = serve.get("/v1/oauth/callback?error=access_denied&state=" + state);
  CHECK(refused.status == 400);
  CHECK(refused.body.find("refused the sign-in: access_denied") != std::string::npos);
  CHECK(oauth.token_requests("authorization_code") == 0);

  HttpReply bad_name = serve.post("/v1/destinations/example-oauth-managed/oauth/start", R"({"connection":"../x"})");
  CHECK(bad_name.status == 400);
  CHECK(bad_name.json().at("error").at("code") == "bad_request");

  // A parameter given twice: which one counts would be a guess, so none does.
  HttpReply twice = serve.get("/v1/oauth/callback?code=code-1&state=" + state + "&state=forged");
  CHECK(twice.status == 400);
  CHECK(twice.body.find("The address gives &quot;state&quot; more than once.") != std::string::npos);
  CHECK(oauth.token_requests("authorization_code") == 0);
  // An empty or repeated connection is not the default one.
  for (const char* query : {"?connection=", "?connection=default&connection=work"}) {
    HttpReply out = serve.del(std::string("/v1/destinations/example-oauth-managed/oauth") + query);
    CHECK(out.status == 400);
    CHECK(serve.get(std::string("/v1/destinations/example-oauth-managed/oauth") + query).status == 400);
  }
}

TEST_CASE("serve answers the status of a damaged stored connection with 409 and what to do") {
  OAuthServer oauth;
  ServeProcess serve(oauth_serve_args(oauth));
  fs::path record = fs::path(std::getenv("XDG_STATE_HOME")) / "destkit" / "tokens" / "example-oauth-managed";
  fs::create_directories(record);
  fs::permissions(record.parent_path(), fs::perms::owner_all);
  fs::permissions(record, fs::perms::owner_all);
  std::ofstream(record / "default.json") << R"({"access_token":"A\r\nB"})";
  fs::permissions(record / "default.json", fs::perms::owner_read | fs::perms::owner_write);
  HttpReply status = serve.get("/v1/destinations/example-oauth-managed/oauth");
  CHECK(status.status == 409);
  CHECK(status.json().at("error").at("code") == "oauth_failed");
  CHECK_THAT(std::string(status.json().at("error").at("message").as_string()),
             Catch::Contains("is damaged; sign in again with destkit oauth login example-oauth-managed (or Connect"));
}

TEST_CASE("serve's /metrics counts token refreshes by destination and outcome, naming no secret") {
  OAuthServer oauth;
  ServeProcess serve(oauth_serve_args(oauth));
  const std::string base = "/v1/destinations/example-oauth-managed";
  HttpReply started = serve.post(base + "/oauth/start", "");
  HttpReply provider = http_request("GET", std::string(started.json().at("authorizeUrl").as_string()), {}, {},
                                    test_certificate().certificate);
  REQUIRE(provider.status == 302);
  REQUIRE(http_request("GET", provider.header("Location")).status == 200);
  const std::string refreshed = R"(destkit_token_refreshes_total{destination="example-oauth-managed",outcome="refreshed"})";
  const std::string failed = R"(destkit_token_refreshes_total{destination="example-oauth-managed",outcome="failed"})";

  CHECK(serve.post(base + "/test", R"({"settings":{}})").json().at("outcome") == "valid");
  std::string metrics = serve.get("/metrics").body;
  CHECK(metrics.find("# TYPE destkit_token_refreshes_total counter") != std::string::npos);
  CHECK(metrics.find(refreshed) == std::string::npos);  // the signed-in token was good: no refresh

  oauth.issue_tokens();  // the stored access token is now stale: the API answers 401
  CHECK(serve.post(base + "/test", R"({"settings":{}})").json().at("outcome") == "valid");
  CHECK(oauth.token_requests("refresh_token") == 1);
  metrics = serve.get("/metrics").body;
  CHECK(metrics.find(refreshed + " 1\n") != std::string::npos);
  CHECK(metrics.find(failed) == std::string::npos);

  oauth.issue_tokens();
  oauth.revoke_refresh_tokens();
  CHECK(serve.post(base + "/test", R"({"settings":{}})").json().at("outcome") == "invalid_credentials");
  metrics = serve.get("/metrics").body;
  CHECK(metrics.find(refreshed + " 1\n") != std::string::npos);
  CHECK(metrics.find(failed + " 1\n") != std::string::npos);
  CHECK(metrics.find("SECRET") == std::string::npos);  // in the client secret and every token the server issues
  CHECK(serve.stop().exit_code == 0);
}
