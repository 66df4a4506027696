// OAuth requests keep their secrets: a token request or a destination's own refresh is never
// redirected to another origin, and nothing a token endpoint quotes back (refresh token,
// client secret, Basic credentials, in any encoding) reaches a message.
#include "environment.hpp"
#include "oauth_server.hpp"

#include <destkit/host/host.hpp>
#include "oauth/login.hpp"
#include "oauth/protocol.hpp"
#include "oauth/tokens.hpp"
#include "util/encoding.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

// A host whose requests to example.com go to `api`, with the OAuth client `oauth` configures
// for `slug` and a stored access token that has expired (or not).
std::unique_ptr<Host> host_with_token(const Server& api, const OAuthServer& oauth, const std::string& slug,
                                      std::chrono::seconds expires_in) {
  HostOptions options;
  options.use_environment_path = false;
  options.connect_to = {"example.com:443:127.0.0.1:" + std::to_string(api.port())};
  options.ca_file = test_certificate().certificate;
  options.config = parse_host_config(oauth.config_json(slug), "test").value();
  options.config.isolation = test_host_config().isolation;
  options.token_directory = new_directory("tokens") / "store";  // made by the store itself, 0700
  TokenRecord record{.access_token = "access-SECRET-0", .refresh_token = "refresh-SECRET-0",
                     .expires_at = std::chrono::system_clock::now() + expires_in};
  REQUIRE(TokenStore(options.token_directory).save(slug, "default", record).empty());
  return std::make_unique<Host>(std::move(options));
}

}  // namespace

TEST_CASE("a token request is not redirected to another origin: its body and credentials stay home") {
  int status = GENERATE(302, 307, 308);
  Server other([](const Request&) { return Response::json(200, R"({"access_token":"other-SECRET-token"})"); });
  std::string elsewhere = origin_of(other);
  Server endpoint([&](const Request&) { return Response::redirect(status, elsewhere + "/token"); });
  OAuthClientConfig client{.client_id = "c", .client_secret = "client-SECRET-3",
                           .token_url = origin_of(endpoint) + "/token"};
  TokenResult result = refresh_access_token(client, TokenRecord{.refresh_token = "refresh-SECRET-3"}, {});
  REQUIRE(std::holds_alternative<OAuthError>(result));
  CHECK(std::get<OAuthError>(result).kind == OAuthError::Kind::invalid);
  CHECK(std::get<OAuthError>(result).message == "127.0.0.1 redirected to another origin (" + elsewhere +
                                                    "); this request carries credentials and is only redirected "
                                                    "within its origin");
  CHECK(other.request_count() == 0);
}

TEST_CASE("an oauth2 destination's own refresh request is not redirected to another origin") {
  OAuthServer oauth;  // only for the client configuration
  Server other([](const Request&) { return Response::json(200, R"({"token":"t","refresh":"r","ttl":60})"); },
               test_certificate());
  std::string elsewhere = origin_of(other, "https");
  Server api([&](const Request& r) {
    return r.target == "/api/oauth/renew" ? Response::redirect(307, elsewhere + "/renew") : Response::json(401, "{}");
  }, test_certificate());
  auto host = host_with_token(api, oauth, "example-oauth2", -std::chrono::hours(1));
  AuthVerdict v = host->test_authentication(*host->find("example-oauth2"), "{}");
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  CHECK(v.message.find("refreshAccessToken of example-oauth2 failed: example.com redirected to another origin (" +
                       elsewhere + ")") != std::string::npos);
  CHECK(other.request_count() == 0);
}

TEST_CASE("the client secret is a known secret when checking the credentials of an OAuth destination") {
  OAuthServer oauth;
  Server api([](const Request&) {
    Response refused = Response::json(401, "{}");
    refused.reason = std::string("Unauthorized client ") + OAuthServer::kClientSecret;
    return refused;
  }, test_certificate());
  auto host = host_with_token(api, oauth, "example-oauth-managed", std::chrono::hours(1));
  AuthVerdict v = host->test_authentication(*host->find("example-oauth-managed"), "{}");
  CHECK(v.message.starts_with("Credentials are invalid: 401 Unauthorized client [redacted], and could not refresh"));
}

TEST_CASE("what a token endpoint quotes from the request is redacted in every encoding, reason phrase included") {
  OAuthServer server;
  server.set_token_errors_quote_request(true);
  OAuthClientConfig client{.client_id = "test-client", .client_secret = "cl/ient \"SECRET\" \xc3\xa9+1",
                           .token_url = server.url("/token")};
  TokenRecord current{.access_token = "a", .refresh_token = "re/fresh SECRET+\xc3\xb6"};
  TokenResult result = refresh_access_token(client, current, {.ca_file = test_certificate().certificate});
  REQUIRE(std::holds_alternative<OAuthError>(result));
  const std::string& message = std::get<OAuthError>(result).message;
  CHECK(message ==
        "the token endpoint 127.0.0.1 answered 400 Refused [redacted]: invalid_grant "
        "(refused grant_type=refresh_token&refresh_token=[redacted] from Basic [redacted])");
  CHECK(message.find("SECRET") == std::string::npos);
}

TEST_CASE("oauth login with a client the token endpoint refuses says to check the client\, and exits 2") {
  OAuthServer server;
  std::string config_text = server.config_json("example-oauth-managed", "client_credentials");
  std::string secret = OAuthServer::kClientSecret;
  config_text.replace(config_text.find(secret), secret.size(), "not-the-client-secret");
  std::filesystem::path config = new_directory("config") / "host.json";
  std::ofstream(config) << config_text;
  setenv("XDG_STATE_HOME", new_directory("state").c_str(), 1);
  ProcessResult r = run_destkit({"oauth", "login", "example-oauth-managed", "--config", config.string(), "--cacert",
                                 test_certificate().certificate});
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("answered 401 Unauthorized: invalid_client") != std::string::npos);
  CHECK(r.err.find("; check the OAuth client (clientId, clientSecret) configured for this destination\n") !=
        std::string::npos);
  CHECK(r.err.find("sign in") == std::string::npos);
  CHECK(r.output().find("not-the-client-secret") == std::string::npos);
}

TEST_CASE("oauth login prints nothing of the client's credentials a token endpoint quotes") {
  OAuthServer server;
  server.set_token_errors_quote_request(true);
  std::filesystem::path config = new_directory("config") / "host.json";
  std::ofstream(config) << server.config_json("example-oauth-managed", "client_credentials");
  setenv("XDG_STATE_HOME", new_directory("state").c_str(), 1);
  ProcessResult r = run_destkit({"oauth", "login", "example-oauth-managed", "--config", config.string(), "--cacert",
                                 test_certificate().certificate});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("could not get an access token for example-oauth-managed (client_credentials grant): ") !=
        std::string::npos);
  CHECK(r.err.find("; check its OAuth client in the host configuration") != std::string::npos);
  CHECK(r.err.find("answered 400 Bad Request: invalid_grant (refused grant_type=client_credentials&scope=read%20write "
                   "from Basic [redacted])") != std::string::npos);
  CHECK(r.output().find(base64_encode(std::string(OAuthServer::kClientId) + ":" + OAuthServer::kClientSecret)) ==
        std::string::npos);
}

TEST_CASE("a sign-in refused with an error_description quoting the client secret shows it redacted") {
  OAuthServer server;
  HostConfig config = parse_host_config(server.config_json("example-oauth-managed"), "test").value();
  std::thread browser;
  LoginOptions options;
  options.timeout = std::chrono::seconds(20);
  options.show_url = [&](const std::string& url) {
    // The browser comes back with an error instead of a code: state from the URL as it is,
    // redirect_uri percent-decoded.
    auto param = [&](const std::string& name) {
      auto from = url.find("&" + name + "=") + name.size() + 2;
      return url.substr(from, url.find('&', from) - from);
    };
    std::string redirect_uri;
    std::string encoded = param("redirect_uri");
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      redirect_uri += encoded[i] == '%' ? static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16)) : encoded[i];
      if (encoded[i] == '%') i += 2;
    }
    std::string back = redirect_uri + "?state=" + param("state") + "&error=access_denied&error_description=" +
                       percent_encode(std::string("client ") + OAuthServer::kClientSecret);
    browser = std::thread([back] { send_http(ResolvedRequest{.url = back}, {}); });
  };
  TokenResult result = oauth_login("example-oauth-managed", *config.oauth_client("example-oauth-managed"),
                                   TokenStore(new_directory("tokens")), {}, options);
  browser.join();
  REQUIRE(std::holds_alternative<OAuthError>(result));
  CHECK(std::get<OAuthError>(result).message ==
        "the authorization server refused the sign-in: access_denied (client [redacted])");
}
