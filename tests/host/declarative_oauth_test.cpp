// Declarative oauth2 destinations against an authorization server and API on 127.0.0.1: the
// host's standard refresh grant when the manifest declares none, and a declared renewal with a
// form body and Basic client authentication.
#include "environment.hpp"
#include "oauth_server.hpp"

#include <destkit/host/host.hpp>
#include "oauth/token_store.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace destkit::test;
using namespace destkit::host;
namespace fs = std::filesystem;

namespace {

// An oauth2 destination whose API is the server's /api, renewing as `refresh` says.
std::string oauth2_manifest(const std::string& refresh) {
  return R"({"slug": "acme-oauth2", "name": "Acme", "version": "1.0.0",
    "authentication": {"scheme": "oauth2", "testRequest": {"url": "/accounts/me.json"})" +
         (refresh.empty() ? "" : ", \"refreshAccessToken\": " + refresh) + R"(},
    "extendRequest": {"prefixUrl": "https://example.com/api",
                      "headers": {"Authorization": "Bearer {{auth.accessToken}}"}}})";
}

// Signs in with an expired token, then tests the credentials: the token must be renewed first.
AuthVerdict test_after_expiry(OAuthServer& server, const std::string& manifest) {
  fs::path dir = new_directory("oauth2-json");
  std::ofstream(dir / "destkit-acme-oauth2.json") << manifest;
  HostOptions options;
  options.plugin_directories = {dir};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.connect_to = {"example.com:443:127.0.0.1:" + std::to_string(server.port())};
  options.ca_file = test_certificate().certificate;
  options.config = parse_host_config(server.config_json("acme-oauth2"), "test").value();
  options.token_directory = new_directory("tokens") / "store";  // made by the store itself, 0700
  auto [access, refresh] = server.issue_tokens();
  auto now = std::chrono::system_clock::now();
  TokenRecord record{.access_token = access, .refresh_token = refresh, .token_type = "Bearer",
                     .expires_at = now - std::chrono::seconds(60), .obtained_at = now};
  REQUIRE(TokenStore(options.token_directory).save("acme-oauth2", "default", record).empty());
  Host host(std::move(options));
  REQUIRE(host.rejections().empty());
  return host.test_authentication(*host.find("acme-oauth2"), "{}");
}

}  // namespace

TEST_CASE("a declarative oauth2 destination without refreshAccessToken renews with the standard grant") {
  OAuthServer server;
  CHECK(test_after_expiry(server, oauth2_manifest("")).message == "Credentials are valid.");
  CHECK(server.token_requests("refresh_token") == 1);
}

TEST_CASE("a declared renewal sends a form body with Basic client authentication, read by JSON Pointers") {
  OAuthServer server;
  std::string refresh = R"({"url": ")" + server.url("/token") + R"(",
      "username": "{{auth.clientId}}", "password": "{{auth.clientSecret}}",
      "body": {"grant_type": "refresh_token", "refresh_token": "{{auth.refreshToken}}"}})";
  CHECK(test_after_expiry(server, oauth2_manifest(refresh)).message == "Credentials are valid.");
  CHECK(server.token_requests("refresh_token") == 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(requests[0].body == "grant_type=refresh_token&refresh_token=refresh-SECRET-1-6f1c9e2a7b4d8053");
  CHECK(server.last_api_token() == "Bearer access-SECRET-2-6f1c9e2a7b4d8053");
}

TEST_CASE("a renewal answer without the access token could not verify, naming where it was looked for") {
  OAuthServer server;
  std::string refresh = R"({"url": ")" + server.url("/token") + R"(",
      "username": "{{auth.clientId}}", "password": "{{auth.clientSecret}}",
      "body": {"grant_type": "refresh_token", "refresh_token": "{{auth.refreshToken}}"}, "accessToken": "/data/token"})";
  AuthVerdict v = test_after_expiry(server, oauth2_manifest(refresh));
  CHECK(v.outcome == AuthOutcome::could_not_verify);  // the answer says nothing of the sign-in
  CHECK(v.message.find("the renewal answer has no access token at /data/token") != std::string::npos);
}
