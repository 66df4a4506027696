// OAuth destinations against an authorization server and API on 127.0.0.1: sign-in with
// PKCE, the token store, refresh before use and after a 401, single flight, failures that
// leave the store intact, client_credentials, and a plugin's own refresh.
#include "environment.hpp"
#include "oauth_server.hpp"

#include <destkit/host/host.hpp>
#include "oauth/protocol.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

using namespace destkit::test;
using namespace destkit::host;
namespace fs = std::filesystem;

namespace {

constexpr const char* kManaged = "example-oauth-managed";

unsigned mode_of(const fs::path& path) {
  struct stat st{};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

struct OAuthWorld {
  OAuthServer server;
  fs::path tokens = new_directory("tokens");
  HttpClientConfig http{.connect_to = {"example.com:443:127.0.0.1:" + std::to_string(server.port())},
                        .ca_file = test_certificate().certificate};

  std::unique_ptr<Host> host(const std::string& slug = kManaged, const std::string& grant = "authorization_code") {
    HostOptions options;
    options.search.use_environment = false;
    options.requests.http = http;
    options.config = std::get<HostConfig>(parse_host_config(server.config_json(slug, grant), "test"));
    options.token_directory = tokens;
    return std::make_unique<Host>(std::move(options));
  }

  TokenStore store() const { return TokenStore(tokens); }

  // Stores tokens the server knows, expiring `expires_in` from now.
  std::pair<std::string, std::string> signed_in(const std::string& slug, std::chrono::seconds expires_in) {
    auto [access, refresh] = server.issue_tokens();
    TokenRecord record{.access_token = access, .refresh_token = refresh, .token_type = "Bearer",
                       .scopes = {"read", "write"}, .expires_at = std::chrono::system_clock::now() + expires_in,
                       .obtained_at = std::chrono::system_clock::now()};
    REQUIRE(store().save(slug, "default", record).empty());
    return {access, refresh};
  }

  AuthVerdict test_auth(Host& h, const std::string& slug = kManaged) {
    return h.test_authentication(*h.find(slug), boost::json::parse("{}"));
  }

  // What a browser does with the authorization URL: the server approves and redirects to the
  // listener, which is then visited with the code (and `state`, unless replaced).
  HttpResult follow(const std::string& url, const std::string& replace_state = "") {
    HttpClientConfig no_follow = http;
    no_follow.max_redirects = 0;
    ResolvedRequest authorize;
    authorize.url = url;
    HttpResult approval = send_http(authorize, no_follow);
    const std::string* location = std::get<HttpResponse>(approval).header("Location");
    REQUIRE(location != nullptr);
    ResolvedRequest back;
    back.url = *location;
    if (!replace_state.empty()) back.url = back.url.substr(0, back.url.find("&state=")) + "&state=" + replace_state;
    return send_http(back, http);
  }
};

}  // namespace

TEST_CASE("the PKCE challenge follows RFC 7636's example") {
  CHECK(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK(random_url_safe(32).size() == 43);
  CHECK(random_url_safe(32) != random_url_safe(32));
}

TEST_CASE("configuration errors name the destination and the key") {
  auto error = [](const std::string& text) { return std::get<std::string>(parse_host_config(text, "host.json")); };
  CHECK(error(R"({"destinations":{"acme":{"oauth":{"clientSecret":"s","tokenUrl":"https://t"}}}})") ==
        "host.json: destinations.acme.oauth.clientId: is required");
  CHECK(error(R"({"destinations":{"acme":{"oauth":{"clientId":"c","clientSecret":"s","authorizeUrl":"https://a","tokenUrl":"ftp://t"}}}})") ==
        "host.json: destinations.acme.oauth.tokenUrl: must be an http(s) URL");
  CHECK(error(R"({"destinations":{"acme":{"oauth":{"clientId":"c","clientSecret":{"env":"DESTKIT_NO_SUCH_VAR"},"tokenUrl":"https://t","grant":"client_credentials"}}}})") ==
        "host.json: destinations.acme.oauth.clientSecret: the environment variable DESTKIT_NO_SUCH_VAR is not set");
  CHECK(error(R"({"destinations":{"acme":{"oauth":{"clientId":"c","clientSecret":"s","tokenUrl":"https://t","grant":"implicit"}}}})") ==
        "host.json: destinations.acme.oauth.grant: must be \"authorization_code\" or \"client_credentials\"");
  CHECK(error(R"({"destinations":{"acme":{"oauht":{}}}})") == "host.json: destinations.acme.oauht: is not a known key");

  fs::path secret = new_directory("secret") / "client-secret";
  std::ofstream(secret) << "from-a-file\n";
  setenv("DESTKIT_TEST_SECRET", "from-the-environment", 1);
  auto config = std::get<HostConfig>(parse_host_config(
      R"({"destinations":{"a":{"oauth":{"clientId":"c","clientSecret":{"file":")" + secret.string() +
          R"("},"tokenUrl":"https://t","grant":"client_credentials"}},"b":{"oauth":{"clientId":"c","clientSecret":{"env":"DESTKIT_TEST_SECRET"},"tokenUrl":"https://t","grant":"client_credentials"}}}})",
      "host.json"));
  CHECK(config.oauth_client("a")->client_secret == "from-a-file");
  CHECK(config.oauth_client("b")->client_secret == "from-the-environment");
}

TEST_CASE("sign-in: PKCE, state checked, code exchanged, tokens stored 0600 in a 0700 directory") {
  OAuthWorld world;
  auto host = world.host();
  std::thread browser;
  LoginOptions options;
  options.show_url = [&](const std::string& url) {
    CHECK(url.find("code_challenge_method=S256") != std::string::npos);
    browser = std::thread([&world, url] { world.follow(url); });
  };
  options.timeout = std::chrono::seconds(20);
  TokenResult result = oauth_login(kManaged, *host->oauth().config().oauth_client(kManaged), world.store(), world.http, options);
  browser.join();
  REQUIRE(std::holds_alternative<TokenRecord>(result));
  CHECK(world.server.token_requests("authorization_code") == 1);
  fs::path file = world.store().path_of(kManaged, "default");
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(file.parent_path()) == 0700);
  CHECK(mode_of(world.tokens) == 0700);
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
}

TEST_CASE("sign-in ignores an answer whose state is not its own") {
  OAuthWorld world;
  auto host = world.host();
  std::thread browser;
  LoginOptions options;
  options.show_url = [&](const std::string& url) { browser = std::thread([&world, url] { world.follow(url, "forged"); }); };
  options.timeout = std::chrono::seconds(20);
  TokenResult result = oauth_login(kManaged, *host->oauth().config().oauth_client(kManaged), world.store(), world.http, options);
  browser.join();
  REQUIRE(std::holds_alternative<OAuthError>(result));
  CHECK(std::get<OAuthError>(result).message.find("state does not match") != std::string::npos);
  CHECK(world.server.token_requests("authorization_code") == 0);
  CHECK(!fs::exists(world.store().path_of(kManaged, "default")));
}

TEST_CASE("oauth login, status, test-auth and logout from the CLI; no token is ever printed") {
  OAuthWorld world;
  fs::path config = new_directory("config") / "host.json";
  std::ofstream(config) << world.server.config_json(kManaged);
  setenv("XDG_STATE_HOME", new_directory("state").c_str(), 1);
  std::vector<std::string> common{"--config", config.string(), "--cacert", test_certificate().certificate,
                                  "--connect-to", "example.com:443:127.0.0.1:" + std::to_string(world.server.port())};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };

  std::vector<std::string> login{kDestkitCli.string(), "oauth", "login", kManaged, "--no-browser", "--wait", "20"};
  login.insert(login.end(), common.begin(), common.end());
  SpawnedProcess process(login);
  std::string shown = process.read_until("Waiting");
  auto start = shown.find("https://");
  REQUIRE(start != std::string::npos);
  world.follow(shown.substr(start, shown.find('\n', start) - start));
  ProcessResult signed_in = process.wait();
  CHECK(signed_in.exit_code == 0);
  CHECK(signed_in.out.find("Signed in to Example OAuth Managed (connection default).") != std::string::npos);

  ProcessResult status = run_destkit(with({"oauth", "status", kManaged, "--json"}));
  CHECK(status.exit_code == 0);
  auto info = boost::json::parse(status.out);
  CHECK(info.at("signedIn") == true);
  CHECK(info.at("refreshToken") == true);
  CHECK(info.at("scopes") == boost::json::array{"read", "write"});

  ProcessResult checked = run_destkit(with({"test-auth", kManaged, "--settings", "-"}), "{}");
  CHECK(checked.out == "Credentials are valid.\n");

  std::string stored = read_file(fs::path(std::string(info.at("path").as_string())));
  auto record = boost::json::parse(stored);
  std::string everything = signed_in.output() + status.output() + checked.output();
  CHECK(everything.find(std::string(record.at("access_token").as_string())) == std::string::npos);
  CHECK(everything.find(std::string(record.at("refresh_token").as_string())) == std::string::npos);
  CHECK(everything.find(OAuthServer::kClientSecret) == std::string::npos);

  CHECK(run_destkit(with({"oauth", "logout", kManaged})).exit_code == 0);
  CHECK(run_destkit(with({"oauth", "status", kManaged})).exit_code == 1);
  ProcessResult not_signed_in = run_destkit(with({"test-auth", kManaged, "--settings", "-"}), "{}");
  CHECK(not_signed_in.out ==
        "Not signed in: no OAuth token is stored for example-oauth-managed; run destkit oauth login example-oauth-managed\n");
  CHECK(not_signed_in.exit_code == 1);
}

TEST_CASE("a token known to be expired is refreshed before use, and the rotated refresh token kept") {
  OAuthWorld world;
  auto host = world.host();
  auto [old_access, old_refresh] = world.signed_in(kManaged, std::chrono::seconds(-60));
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.server.token_requests("refresh_token") == 1);
  CHECK(world.server.api_requests() == 1);
  auto stored = std::get<TokenRecord>(world.store().load(kManaged, "default"));
  CHECK(stored.access_token != old_access);
  CHECK(stored.refresh_token != old_refresh);
  CHECK(world.server.last_api_token() == "Bearer " + stored.access_token);
}

TEST_CASE("a 401 to a token thought valid triggers one refresh and one retry") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::hours(1));
  world.server.issue_tokens();  // the server moves on: the stored access token is now stale
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.server.token_requests("refresh_token") == 1);
  CHECK(world.server.api_requests() == 2);
}

TEST_CASE("a refreshed token that is refused too is not refreshed a second time") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::hours(1));
  world.server.set_api_refuses_everything(true);
  AuthVerdict v = world.test_auth(*host);
  CHECK(v.outcome == AuthOutcome::invalid_credentials);
  CHECK(v.message == "Credentials are invalid: 401 Unauthorized");
  CHECK(world.server.token_requests("refresh_token") == 1);
  CHECK(world.server.api_requests() == 2);
}

TEST_CASE("concurrent 401s with the same stale token cause exactly one token request") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::hours(1));
  world.server.issue_tokens();
  std::atomic<int> valid{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { valid += world.test_auth(*host).outcome == AuthOutcome::valid; });
  }
  for (auto& t : threads) t.join();
  CHECK(valid == 8);
  CHECK(world.server.token_requests("refresh_token") == 1);
}

TEST_CASE("a revoked refresh token says what to do and leaves the stored record intact") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));
  fs::path file = world.store().path_of(kManaged, "default");
  std::string before = read_file(file);
  world.server.revoke_refresh_tokens();
  AuthVerdict v = world.test_auth(*host);
  CHECK(v.outcome == AuthOutcome::invalid_credentials);
  CHECK(v.message.find("could not refresh the access token of example-oauth-managed: the token endpoint 127.0.0.1 "
                       "answered 400 Bad Request: invalid_grant") != std::string::npos);
  CHECK(v.message.find("run destkit oauth login example-oauth-managed") != std::string::npos);
  CHECK(read_file(file) == before);
}

TEST_CASE("a token endpoint that is down could not verify, and leaves the record intact") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));
  std::string before = read_file(world.store().path_of(kManaged, "default"));
  world.server.set_token_endpoint_down(true);
  AuthVerdict v = world.test_auth(*host);
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  CHECK(v.message.find("503 Service Unavailable") != std::string::npos);
  CHECK(v.message.find("try again later") != std::string::npos);
  CHECK(read_file(world.store().path_of(kManaged, "default")) == before);
}

TEST_CASE("client_credentials: the host fetches a token itself and caches it") {
  OAuthWorld world;
  auto host = world.host(kManaged, "client_credentials");
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.server.token_requests("client_credentials") == 1);
  SECTION("and fetches a new one when the API refuses the cached one") {
    world.server.issue_tokens();
    CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
    CHECK(world.server.token_requests("client_credentials") == 2);
  }
}

TEST_CASE("an oauth2 destination's own refreshAccessToken renews at the API's endpoint") {
  OAuthWorld world;
  auto host = world.host("example-oauth2");
  world.signed_in("example-oauth2", std::chrono::seconds(-60));
  AuthVerdict v = world.test_auth(*host, "example-oauth2");
  CHECK(v.message == "Credentials are valid.");
  CHECK(world.server.token_requests("renew") == 1);
  CHECK(world.server.token_requests("refresh_token") == 0);
  CHECK(host->find("example-oauth2")->descriptor().min_host_abi_minor == 1);
  CHECK(host->find(kManaged)->descriptor().min_host_abi_minor == 0);
}

TEST_CASE("a crash between writing and renaming leaves the previous record readable") {
  OAuthWorld world;
  auto [access, refresh] = world.signed_in(kManaged, std::chrono::hours(1));
  pid_t child = fork();
  if (child == 0) {
    setenv("DESTKIT_TEST_CRASH_BEFORE_RENAME", "1", 1);
    world.store().save(kManaged, "default", TokenRecord{.access_token = "replacement"});
    _exit(0);  // not reached: save crashes first
  }
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 86);
  auto loaded = world.store().load(kManaged, "default");
  REQUIRE(std::holds_alternative<TokenRecord>(loaded));
  CHECK(std::get<TokenRecord>(loaded).access_token == access);
  CHECK(world.store().save(kManaged, "default", TokenRecord{.access_token = "next"}).empty());
  CHECK(std::get<TokenRecord>(world.store().load(kManaged, "default")).access_token == "next");
}
