// OAuth destinations against an authorization server and API on 127.0.0.1: sign-in with
// PKCE, the token store, refresh before use and after a 401, single flight, failures that
// leave the store intact, client_credentials, and a plugin's own refresh.
#include "environment.hpp"
#include "oauth_server.hpp"

#include <destkit/host/host.hpp>
#include "oauth/protocol.hpp"
#include "oauth/token_store.hpp"
#include "plugin/loader.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <csignal>
#include <fstream>
#include <mutex>
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
  fs::path tokens = new_directory("tokens") / "store";  // made by the store itself, 0700
  HttpClientConfig http{.connect_to = {"example.com:443:127.0.0.1:" + std::to_string(server.port())},
                        .ca_file = test_certificate().certificate};
  std::chrono::milliseconds timeout{10000};  // HostOptions::default_timeout

  std::unique_ptr<Host> host(const std::string& slug = kManaged, const std::string& grant = "authorization_code",
                             std::vector<fs::path> plugin_directories = {}) {
    HostOptions options;
    options.plugin_directories = std::move(plugin_directories);
    options.use_environment_path = false;
    options.connect_to = http.connect_to;
    options.ca_file = http.ca_file;
    options.default_timeout = timeout;
    options.config = parse_host_config(server.config_json(slug, grant), "test").value();
    options.config.isolation = test_host_config().isolation;
    options.token_directory = tokens;
    options.on_token_refresh = [this](const TokenRefresh& refresh) {
      std::lock_guard lock(refreshes_mutex);
      refreshes.push_back(refresh);
    };
    options.verbose = verbose;
    options.log = [this](LogLevel level, std::string_view, std::string_view message) {
      std::lock_guard lock(refreshes_mutex);
      (level == LogLevel::warn ? warnings : lines).emplace_back(message);
    };
    return std::make_unique<Host>(std::move(options));
  }

  // What the host reported to HostOptions::on_token_refresh, as "slug refreshed|failed".
  std::vector<std::string> reported_refreshes() {
    std::lock_guard lock(refreshes_mutex);
    std::vector<std::string> out;
    for (const auto& r : refreshes) out.push_back(r.slug + (r.refreshed ? " refreshed" : " failed"));
    return out;
  }
  // The host's log lines of level warn.
  std::string logged_warnings() {
    std::lock_guard lock(refreshes_mutex);
    std::string out;
    for (const auto& w : warnings) out += w + "\n";
    return out;
  }
  // The host's other log lines (with `verbose`, its traces).
  std::string logged_lines() {
    std::lock_guard lock(refreshes_mutex);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  bool verbose = false;
  std::mutex refreshes_mutex;
  std::vector<TokenRefresh> refreshes;
  std::vector<std::string> warnings;
  std::vector<std::string> lines;

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
    const Plugin* plugin = h.find(slug);
    REQUIRE(plugin != nullptr);
    return h.test_authentication(*plugin, "{}");
  }

  // What a browser does with the authorization URL: the server approves and redirects to the
  // listener, which is then visited with the code (and `state`, unless replaced). It runs on
  // the browser's thread, where Catch2 must not assert: it returns what went wrong, if anything.
  // What went wrong, or "" ; `status` receives the listener's answer to the visit.
  std::string follow(const std::string& url, const std::string& replace_state = "", int* status = nullptr,
                     std::string* page = nullptr, bool without_code = false) {
    HttpClientConfig no_follow = http;
    no_follow.max_redirects = 0;
    ResolvedRequest authorize;
    authorize.url = url;
    HttpResult approval = send_http(authorize, no_follow);
    const auto* approved = std::get_if<HttpResponse>(&approval);
    if (approved == nullptr) return "the authorization URL did not answer";
    const std::string* location = approved->header("Location");
    if (location == nullptr) return "the authorization answer has no Location header";
    ResolvedRequest back;
    back.url = *location;
    if (!replace_state.empty()) back.url = back.url.substr(0, back.url.find("&state=")) + "&state=" + replace_state;
    if (without_code) {  // code=... is the query's first parameter
      auto query = back.url.find('?') + 1;
      back.url = back.url.substr(0, query) + "code=" + back.url.substr(back.url.find('&', query));
    }
    HttpResult visit = send_http(back, http);
    const auto* answer = std::get_if<HttpResponse>(&visit);
    if (answer == nullptr) return "the redirect listener did not answer";
    if (status != nullptr) *status = answer->status;
    if (page != nullptr) *page = answer->body;
    return {};
  }
};

// The world of an OAuthWorld seen from the CLI: a configuration file, and a state directory
// (XDG_STATE_HOME) whose token store the spawned processes share.
struct CliSetup {
  fs::path config = new_directory("config") / "host.json";
  fs::path state = new_directory("state");
  std::vector<std::string> common;

  explicit CliSetup(const OAuthWorld& world, const std::string& grant = "authorization_code") {
    std::ofstream(config) << world.server.config_json(kManaged, grant);
    ::chmod(config.c_str(), 0600);
    setenv("XDG_STATE_HOME", state.c_str(), 1);
    common = {"--config", config.string(), "--cacert", test_certificate().certificate,
              "--connect-to", "example.com:443:127.0.0.1:" + std::to_string(world.server.port())};
  }

  TokenStore store() const { return TokenStore(state / "destkit" / "tokens"); }

  // destkit ARGS... with the configuration and the way to the server.
  std::vector<std::string> destkit(std::vector<std::string> args) const {
    args.insert(args.begin(), kDestkitCli.string());
    args.insert(args.end(), common.begin(), common.end());
    return args;
  }
};

// A settings file holding "{}" (what OAuth destinations need).
std::string empty_settings_file() {
  fs::path file = new_directory("settings") / "settings.json";
  std::ofstream(file) << "{}";
  return file.string();
}

}  // namespace

TEST_CASE("the PKCE challenge follows RFC 7636's example") {
  CHECK(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK(random_url_safe(32).size() == 43);
  CHECK(random_url_safe(32) != random_url_safe(32));
}

TEST_CASE("configuration errors name the destination and the key") {
  auto error = [](const std::string& text) { return parse_host_config(text, "host.json").status().message(); };
  CHECK(error(R"({"destinations":{"acme":{"oauth":{"clientSecret":"s","tokenUrl":"https://t"}}}})") ==
        "host.json: destinations.acme.oauth: the required key \"clientId\" is missing");
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
  auto config = parse_host_config(
      R"({"destinations":{"a":{"oauth":{"clientId":"c","clientSecret":{"file":")" + secret.string() +
          R"("},"tokenUrl":"https://t","grant":"client_credentials"}},"b":{"oauth":{"clientId":"c","clientSecret":{"env":"DESTKIT_TEST_SECRET"},"tokenUrl":"https://t","grant":"client_credentials"}}}})",
      "host.json").value();
  REQUIRE(config.oauth_client("a") != nullptr);
  REQUIRE(config.oauth_client("b") != nullptr);
  CHECK(config.oauth_client("a")->client_secret == "from-a-file");
  CHECK(config.oauth_client("b")->client_secret == "from-the-environment");
}

TEST_CASE("sign-in: PKCE, state checked, code exchanged, tokens stored 0600 in a 0700 directory") {
  OAuthWorld world;
  auto host = world.host();
  std::thread browser;
  std::string browser_problem = "the authorization URL was never shown";
  LoginOptions options;
  options.show_url = [&](const std::string& url) {
    CHECK(url.find("code_challenge_method=S256") != std::string::npos);
    browser = std::thread([&world, &browser_problem, url] { browser_problem = world.follow(url); });
  };
  options.timeout = std::chrono::seconds(20);
  auto result = host->oauth_login(*host->find(kManaged), options);
  if (browser.joinable()) browser.join();
  CHECK(browser_problem == "");
  REQUIRE(result.ok());
  CHECK(result->signed_in);
  CHECK(world.server.token_requests("authorization_code") == 1);
  fs::path file = world.store().path_of(kManaged, "default");
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(file.parent_path()) == 0700);
  CHECK(mode_of(world.tokens) == 0700);
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
}

TEST_CASE("sign-in answers a callback with a forged state with an error page and waits for the real one") {
  OAuthWorld world;
  auto host = world.host();
  std::thread browser;
  std::string forged_problem = "the authorization URL was never shown", browser_problem;
  int forged_status = 0;
  LoginOptions options;
  options.show_url = [&](const std::string& url) {
    browser = std::thread([&world, &forged_problem, &browser_problem, &forged_status, url] {
      forged_problem = world.follow(url, "forged", &forged_status);
      browser_problem = world.follow(url);
    });
  };
  options.timeout = std::chrono::seconds(20);
  auto result = host->oauth_login(*host->find(kManaged), options);
  if (browser.joinable()) browser.join();
  CHECK(forged_problem == "");
  CHECK(browser_problem == "");
  CHECK(forged_status == 400);
  REQUIRE(result.ok());
  CHECK(world.server.token_requests("authorization_code") == 1);
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
}

TEST_CASE("the sign-in page never says signed in: the code is exchanged after it is shown") {
  bool without_code = GENERATE(false, true);
  OAuthWorld world;
  auto host = world.host();
  std::thread browser;
  std::string browser_problem = "the authorization URL was never shown", page;
  LoginOptions options;
  options.show_url = [&](const std::string& url) {
    browser = std::thread([&, url] { browser_problem = world.follow(url, "", nullptr, &page, without_code); });
  };
  options.timeout = std::chrono::seconds(20);
  auto result = host->oauth_login(*host->find(kManaged), options);
  if (browser.joinable()) browser.join();
  CHECK(browser_problem == "");
  CHECK(page.find("Signed in") == std::string::npos);
  if (without_code) {
    CHECK_THAT(page, Catch::Contains("The sign-in did not complete. See the terminal."));
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().message() == "the authorization server came back without a code");
  } else {
    CHECK_THAT(page, Catch::Contains("Return to the terminal, which says whether it succeeded."));
    CHECK(result.ok());
  }
}

TEST_CASE("idle connections to the sign-in listener do not keep the way back waiting") {
  OAuthWorld world;
  auto host = world.host();
  std::thread browser;
  std::string browser_problem = "the authorization URL was never shown";
  std::vector<int> idle;  // connected, never sending a request: each was once read for 5 s in turn
  LoginOptions options;
  options.show_url = [&](const std::string& url) {
    const std::string marker = "127.0.0.1%3A";
    auto at = url.find(marker);
    REQUIRE(at != std::string::npos);
    sockaddr_in listener{.sin_family = AF_INET,
                         .sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(at + marker.size()))))};
    listener.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 8; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&listener), sizeof listener) == 0);
      idle.push_back(fd);
    }
    browser = std::thread([&world, &browser_problem, url] { browser_problem = world.follow(url); });
  };
  options.timeout = std::chrono::seconds(20);  // less than 8 × 5 s
  auto result = host->oauth_login(*host->find(kManaged), options);
  if (browser.joinable()) browser.join();
  for (int fd : idle) ::close(fd);
  CHECK(browser_problem == "");
  REQUIRE(result.ok());
  CHECK(result->signed_in);
}

TEST_CASE("oauth status --json prints an error object for a damaged record, and a bad connection is a usage error") {
  OAuthWorld world;
  CliSetup cli(world);
  std::vector<std::string> args{"oauth", "status", kManaged, "--json"};
  args.insert(args.end(), cli.common.begin(), cli.common.end());
  REQUIRE(cli.store().save(kManaged, "default", TokenRecord{.access_token = "usable"}).empty());
  std::ofstream(cli.store().path_of(kManaged, "default"), std::ios::trunc) << R"({"access_token":"A\r\nB"})";
  ProcessResult damaged = run_destkit(args);
  CHECK(damaged.exit_code == 3);
  auto answer = boost::json::parse(damaged.out);
  CHECK(answer.at("ok") == false);
  CHECK_THAT(std::string(answer.at("error").as_string()), Catch::Contains("is damaged; sign in again"));
  args.insert(args.end(), {"--connection", ".bad"});
  ProcessResult bad = run_destkit(args);
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
}

TEST_CASE("oauth status --json of a destination without OAuth prints an error object, as for an unknown slug") {
  OAuthWorld world;
  CliSetup cli(world);
  std::vector<std::string> args{"oauth", "status", "example-basic", "--json"};
  args.insert(args.end(), cli.common.begin(), cli.common.end());
  ProcessResult basic = run_destkit(args);
  CHECK(basic.exit_code == 2);
  auto answer = boost::json::parse(basic.out);
  CHECK(answer.at("ok") == false);
  CHECK(answer.at("error") == "example-basic uses the basic scheme, not OAuth");
}

TEST_CASE("oauth login, status, test-auth and logout from the CLI; no token is ever printed") {
  OAuthWorld world;
  CliSetup cli(world);
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), cli.common.begin(), cli.common.end());
    return args;
  };

  SpawnedProcess process(cli.destkit({"oauth", "login", kManaged, "--no-browser", "--wait", "20"}));
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
        "Not signed in: no OAuth token is stored for example-oauth-managed; sign in with destkit oauth login "
        "example-oauth-managed (or Connect on destkit serve's page)\n");
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

// While it lives, no file of this process can grow past 0 bytes: writes fail with EFBIG, as
// on a full disk (SIGXFSZ, which would end the process, is ignored meanwhile).
class NoFileWrites {
 public:
  NoFileWrites() {
    ::getrlimit(RLIMIT_FSIZE, &before_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit none = before_;
    none.rlim_cur = 0;
    ::setrlimit(RLIMIT_FSIZE, &none);
  }
  ~NoFileWrites() {
    ::setrlimit(RLIMIT_FSIZE, &before_);
    std::signal(SIGXFSZ, old_handler_);
  }
  NoFileWrites(const NoFileWrites&) = delete;
  NoFileWrites& operator=(const NoFileWrites&) = delete;

 private:
  rlimit before_{};
  void (*old_handler_)(int) = nullptr;
};

TEST_CASE("a renewed token the store cannot save is used from memory, and stored once it can") {
  OAuthWorld world;
  auto host = world.host();
  auto [old_access, old_refresh] = world.signed_in(kManaged, std::chrono::seconds(-60));
  fs::path file = world.store().path_of(kManaged, "default");
  std::string before = read_file(file);
  auto disk_writes_fail = std::make_unique<NoFileWrites>();
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.server.token_requests("refresh_token") == 1);
  CHECK(read_file(file) == before);
  CHECK_THAT(world.logged_warnings(),
             Catch::Contains("could not store the renewed token of example-oauth-managed (connection default)") &&
                 Catch::Contains("is lost if this process ends first"));
  std::string renewed = world.server.last_api_token();
  CHECK(renewed != "Bearer " + old_access);

  SECTION("the next test uses it without refreshing, and stores it once the store can be written") {
    CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
    CHECK(world.server.last_api_token() == renewed);
    disk_writes_fail.reset();
    CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
    CHECK(world.server.token_requests("refresh_token") == 1);
    auto stored = std::get<TokenRecord>(world.store().load(kManaged, "default"));
    CHECK("Bearer " + stored.access_token == renewed);
    CHECK(stored.refresh_token != old_refresh);
    CHECK_THAT(world.logged_warnings(), Catch::Contains("could not be stored before is stored now"));
  }
  SECTION("another process's sign-in meanwhile stands, and so does its sign-out") {
    disk_writes_fail.reset();
    bool sign_out = GENERATE(false, true);
    if (sign_out) {
      REQUIRE(std::get<bool>(world.store().remove(kManaged, "default")));  // another TokenStore: another process
    } else {
      world.signed_in(kManaged, std::chrono::hours(1));
    }
    AuthVerdict v = world.test_auth(*host);
    CHECK_THAT(world.logged_warnings(), Catch::Contains("is dropped: another process signed in or out since"));
    if (sign_out) {
      CHECK(v.outcome == AuthOutcome::invalid_settings);  // not signed in
      CHECK(std::holds_alternative<std::monostate>(world.store().load(kManaged, "default")));
    } else {
      CHECK(v.outcome == AuthOutcome::valid);
      CHECK(std::get<TokenRecord>(world.store().load(kManaged, "default")).access_token != renewed.substr(7));
      CHECK(world.server.last_api_token() != renewed);
    }
  }
  SECTION("a sign-out forgets it too") {
    const Plugin* plugin = host->find(kManaged);
    REQUIRE(plugin != nullptr);
    auto signed_out = host->oauth_logout(*plugin);
    REQUIRE(signed_out.ok());
    CHECK(*signed_out);
    CHECK(world.test_auth(*host).outcome == AuthOutcome::invalid_settings);
    CHECK(world.server.token_requests("refresh_token") == 1);
  }
}

TEST_CASE("extend_request shows a token from the store as [redacted], and one the caller gave as given") {
  OAuthWorld world;
  auto host = world.host();
  auto [access, refresh] = world.signed_in(kManaged, std::chrono::hours(1));
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  auto authorization = [](const RequestExtension& extension) {
    for (const auto& [name, value] : extension.headers) {
      if (name == "Authorization") return value;
    }
    return std::string("none");
  };
  Result<RequestExtension> stored = host->extend_request(*plugin, "{}");
  REQUIRE(stored.ok());
  CHECK(authorization(stored.value()) == "Bearer [redacted]");
  Result<RequestExtension> given =
      host->extend_request(*plugin, R"({"oauth":{"access_token":"the-callers-own-token"}})");
  REQUIRE(given.ok());
  CHECK(authorization(given.value()) == "Bearer the-callers-own-token");
}

TEST_CASE("a connection name or redirect URI the host could not use is refused at once as invalid_argument") {
  OAuthWorld world;
  auto host = world.host();
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  for (const std::string& connection : std::vector<std::string>{"../x", "", "a/b", std::string(65, 'c')}) {
    INFO(connection);
    auto begun = host->oauth_begin(*plugin, connection, "https://service.example/callback");
    REQUIRE_FALSE(begun.ok());
    CHECK(begun.status().code() == Status::Code::invalid_argument);
    CHECK_THAT(begun.status().message(),
               Catch::Contains("is not a valid connection name: a connection name is 1 to 64"));
    CHECK(host->oauth_status(*plugin, connection).status().code() == Status::Code::invalid_argument);
    CHECK(host->oauth_logout(*plugin, connection).status().code() == Status::Code::invalid_argument);
  }
  for (const std::string& uri :
       std::vector<std::string>{"", "javascript:alert(1)", "not a url", "https://", "https://service.example/cb#top",
                                "https://service.example/a b", "https://service.example/" + std::string(3000, 'a')}) {
    INFO(uri);
    auto begun = host->oauth_begin(*plugin, "default", uri);
    REQUIRE_FALSE(begun.ok());
    CHECK(begun.status().code() == Status::Code::invalid_argument);
  }
  CHECK(host->oauth_begin(*plugin, "work", "http://127.0.0.1:8642/v1/oauth/callback").ok());
}

TEST_CASE("status and sign-out of a destination that does not use OAuth fail as invalid_argument") {
  OAuthWorld world;
  auto host = world.host();
  const Plugin* basic = host->find("example-basic");
  REQUIRE(basic != nullptr);
  auto status = host->oauth_status(*basic);
  REQUIRE_FALSE(status.ok());
  CHECK(status.status().code() == Status::Code::invalid_argument);
  CHECK(status.status().message() == "example-basic uses the basic scheme, not OAuth");
  CHECK(host->oauth_logout(*basic).status().code() == Status::Code::invalid_argument);
}

TEST_CASE("sign-out refuses a directory in a stored connection's place, and says so, rather than nothing stored") {
  OAuthWorld world;
  auto host = world.host();
  REQUIRE(world.store().save(kManaged, "default", TokenRecord{.access_token = "ACCESSTOKEN-111111"}).empty());
  fs::path in_place = world.store().path_of(kManaged, "default");
  fs::remove(in_place);
  fs::create_directories(in_place / "kept");
  fs::permissions(in_place, fs::perms::owner_all);
  auto signed_out = host->oauth_logout(*host->find(kManaged));
  REQUIRE_FALSE(signed_out.ok());
  CHECK(signed_out.status().code() == Status::Code::failed);
  CHECK(signed_out.status().message() ==
        in_place.string() + " is a directory, not a stored connection: remove it yourself");
  CHECK(fs::is_directory(in_place / "kept"));
  fs::remove_all(in_place);
  auto nothing = host->oauth_logout(*host->find(kManaged));
  REQUIRE(nothing.ok());
  CHECK_FALSE(*nothing);
}

TEST_CASE("a stored record with a field of another type than the store writes is damaged, not read without it") {
  OAuthWorld world;
  auto host = world.host();
  std::string record = GENERATE(as<std::string>{}, R"({"access_token":"ACCESS-1","refresh_token":5})",
                                R"({"access_token":"ACCESS-1","token_type":true})",
                                R"({"access_token":"ACCESS-1","scopes":"read write"})",
                                R"({"access_token":"ACCESS-1","scopes":["read",7]})");
  REQUIRE(world.store().save(kManaged, "default", TokenRecord{.access_token = "ACCESS-0"}).empty());
  std::ofstream(world.store().path_of(kManaged, "default"), std::ios::trunc) << record;
  auto status = host->oauth_status(*host->find(kManaged));
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.status().message(), Catch::Contains("is damaged"));
}

TEST_CASE("status shows no token that a record written by another tool put among its scopes") {
  OAuthWorld world;
  auto host = world.host();
  TokenRecord record{.access_token = "ACCESSTOKEN-111111",
                     .refresh_token = "REFRESHTOK-44444",
                     .scopes = {"read", "ACCESSTOKEN-111111", "x:REFRESHTOK-44444"}};
  REQUIRE(world.store().save(kManaged, "default", record).empty());
  auto status = host->oauth_status(*host->find(kManaged));
  REQUIRE(status.ok());
  CHECK(status->scopes == std::vector<std::string>{"read", "[redacted]", "x:[redacted]"});
}

TEST_CASE("a show_url callback that throws ends the sign-in with an error, and the host goes on") {
  OAuthWorld world;
  auto host = world.host();
  LoginOptions options;
  options.show_url = [](const std::string&) { throw std::runtime_error("no display"); };
  options.timeout = std::chrono::seconds(20);
  auto result = host->oauth_login(*host->find(kManaged), options);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Status::Code::failed);
  CHECK(result.status().message() == "LoginOptions::show_url threw, so nobody was shown where to sign in");
  CHECK(host->oauth_status(*host->find(kManaged)).ok());
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

TEST_CASE("the host reports each token refresh it makes to on_token_refresh, by destination and outcome") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::hours(1));
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.reported_refreshes().empty());  // a token still good is used as it is

  world.server.issue_tokens();  // the stored token is stale: a 401, then a refresh
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.reported_refreshes() == std::vector<std::string>{"example-oauth-managed refreshed"});

  world.server.issue_tokens();
  world.server.revoke_refresh_tokens();
  CHECK(world.test_auth(*host).outcome == AuthOutcome::invalid_credentials);
  CHECK(world.reported_refreshes() ==
        std::vector<std::string>{"example-oauth-managed refreshed", "example-oauth-managed failed"});
}

TEST_CASE("a token known to be expired is refreshed before use, and that refresh is reported too") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));
  CHECK(world.test_auth(*host).outcome == AuthOutcome::valid);
  CHECK(world.server.api_requests() == 1);
  CHECK(world.reported_refreshes() == std::vector<std::string>{"example-oauth-managed refreshed"});
}

TEST_CASE("a token a plugin read before a request stays readable after that request's 401 and refresh") {
  constexpr const char* kPlugin = "token-across-refresh";  // reads the token, requests, then reads it again
  OAuthWorld world;
  auto host = world.host(kPlugin, "authorization_code", {kTestPluginDir});
  world.signed_in(kPlugin, std::chrono::hours(1));
  world.server.issue_tokens();  // the stored access token is now stale: the request gets a 401
  AuthVerdict v = world.test_auth(*host, kPlugin);
  CHECK(v.message == "Credentials are valid.");
  CHECK(world.server.token_requests("refresh_token") == 1);
  CHECK(world.server.api_requests() == 2);
}

TEST_CASE("set_tokens refuses an access token whose data is NULL, as an empty one, and the stored tokens are kept") {
  constexpr const char* kPlugin = "null-token-refresh";
  OAuthWorld world;
  auto host = world.host(kPlugin, "authorization_code", {kTestPluginDir});
  auto [access, refresh] = world.signed_in(kPlugin, std::chrono::seconds(-60));
  AuthVerdict v = world.test_auth(*host, kPlugin);
  CHECK(v.outcome != AuthOutcome::valid);
  CHECK_THAT(v.message, Catch::Contains("set_tokens refused the NULL access token"));
  TokenRecord kept = std::get<TokenRecord>(world.store().load(kPlugin, "default"));
  CHECK(kept.access_token == access);
  CHECK(kept.refresh_token == refresh);
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
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  std::atomic<int> valid{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {  // no assertion on these threads: Catch2 is not thread-safe
    threads.emplace_back([&] { valid += host->test_authentication(*plugin, "{}").outcome == AuthOutcome::valid; });
  }
  for (auto& t : threads) t.join();
  CHECK(valid == 8);
  CHECK(world.server.token_requests("refresh_token") == 1);
}

TEST_CASE("concurrent callers share a refresh that fails: one token request, every caller its failure") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));  // expired: every caller needs a refresh
  world.server.set_token_endpoint_down(true);
  world.server.set_token_delay(std::chrono::milliseconds(300));  // the others wait for the lock meanwhile
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  std::atomic<int> could_not_verify{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {  // no assertion on these threads: Catch2 is not thread-safe
    threads.emplace_back(
        [&] { could_not_verify += host->test_authentication(*plugin, "{}").outcome == AuthOutcome::could_not_verify; });
  }
  for (auto& t : threads) t.join();
  CHECK(could_not_verify == 8);
  CHECK(world.server.token_requests("refresh_token") == 1);
  // A caller that comes after the failure tries again.
  CHECK(world.test_auth(*host).outcome == AuthOutcome::could_not_verify);
  CHECK(world.server.token_requests("refresh_token") == 2);
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
  CHECK(v.message.find("sign in with destkit oauth login example-oauth-managed") != std::string::npos);
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

TEST_CASE("a 401 whose refresh cannot be made for the token store's sake could not verify, never invalid") {
  OAuthWorld world;
  world.timeout = std::chrono::milliseconds(500);  // also how long the lock is waited for
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::hours(1));
  world.server.issue_tokens();  // the stored access token is refused: the call refreshes after its 401
  fs::path lock_file = world.store().path_of(kManaged, "default");
  lock_file.replace_extension(".lock");

  SECTION("another process holds the connection's lock past the wait") {
    auto held = world.store().lock(kManaged, "default", std::chrono::seconds(1));
    REQUIRE(std::holds_alternative<TokenStore::Lock>(held));
    AuthVerdict v = world.test_auth(*host);
    CHECK(v.outcome == AuthOutcome::could_not_verify);
    CHECK(v.message.find("another process held") != std::string::npos);
  }
  SECTION("the lock file is a symbolic link") {
    fs::remove(lock_file);
    fs::create_symlink("/dev/null", lock_file);
    AuthVerdict v = world.test_auth(*host);
    CHECK(v.outcome == AuthOutcome::could_not_verify);
    CHECK(v.message.find("not safe to use") != std::string::npos);
  }
  CHECK(world.server.token_requests("refresh_token") == 0);
}

TEST_CASE("a test of a connection never signed in is not signed in, and leaves nothing in the token store") {
  OAuthWorld world;
  auto host = world.host();
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  for (int i = 0; i < 5; ++i) {
    AuthVerdict v = host->test_authentication(*plugin, "{}", "never-" + std::to_string(i));
    CHECK(v.outcome == AuthOutcome::invalid_settings);
    CHECK_THAT(v.message, Catch::StartsWith("Not signed in: no OAuth token is stored"));
  }
  std::error_code ec;
  CHECK_FALSE(fs::exists(world.tokens / kManaged / "never-0.lock", ec));
  CHECK(world.server.token_requests("refresh_token") == 0);
}

TEST_CASE("a test of an OAuth destination with no client configured says to configure one before signing in") {
  OAuthWorld world;
  auto host = world.host("another-destination");
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  AuthVerdict v = host->test_authentication(*plugin, "{}");
  CHECK(v.outcome == AuthOutcome::invalid_settings);
  CHECK_THAT(v.message, Catch::Contains("no OAuth client is configured to sign in with: add "
                                        "destinations.example-oauth-managed.oauth to the configuration"));
}

TEST_CASE("a token request is bounded by the host's default timeout, as the plugins' requests are") {
  OAuthWorld world;
  world.timeout = std::chrono::milliseconds(300);
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));
  world.server.set_token_delay(std::chrono::seconds(5));
  AuthVerdict v = world.test_auth(*host);
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  CHECK(v.message.find("did not answer completely within 300 ms") != std::string::npos);
}

TEST_CASE("a sign-out while a refresh is under way is not undone when that refresh saves") {
  OAuthWorld world;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));
  world.server.set_token_delay(std::chrono::seconds(1));
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  // Refreshes, for a second. No assertion runs on this thread (Catch2's are for the main one).
  std::thread test([&] { host->test_authentication(*plugin, "{}"); });
  for (int i = 0; i < 1000 && world.server.token_requests("refresh_token") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(world.server.token_requests("refresh_token") == 1);
  auto signed_out = host->oauth_logout(*plugin);
  test.join();
  REQUIRE(signed_out.ok());
  CHECK(*signed_out);
  CHECK(std::holds_alternative<std::monostate>(world.store().load(kManaged, "default")));
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
  REQUIRE(host->find("example-oauth2") != nullptr);
  REQUIRE(host->find(kManaged) != nullptr);
  std::string problem;
  CHECK(loaded(*host->find("example-oauth2")).descriptor(problem)->min_host_abi_minor == 1);
  CHECK(loaded(*host->find(kManaged)).descriptor(problem)->min_host_abi_minor == 0);
}

TEST_CASE("the answer that carries an oauth2 destination's renewed tokens is traced with them redacted") {
  OAuthWorld world;
  world.verbose = true;
  auto host = world.host("example-oauth2");
  world.signed_in("example-oauth2", std::chrono::seconds(-60));
  CHECK(world.test_auth(*host, "example-oauth2").outcome == AuthOutcome::valid);
  auto renewed = std::get<TokenRecord>(world.store().load("example-oauth2", "default"));
  std::string traced = world.logged_lines();
  CHECK_THAT(traced, Catch::Contains("> POST https://example.com/api/oauth/renew") &&
                         Catch::Contains(R"(< {"token":"[redacted]","refresh":"[redacted]","ttl":3600})"));
  CHECK_THAT(traced, !Catch::Contains(renewed.access_token) && !Catch::Contains(renewed.refresh_token));
}

TEST_CASE("a renewal answer an oauth2 destination cannot use could not verify, and the record is kept") {
  OAuthWorld world;
  world.verbose = true;
  auto host = world.host("example-oauth2");
  auto [access, refresh] = world.signed_in("example-oauth2", std::chrono::seconds(-60));
  world.server.set_renewed_access_token_json(R"(","other":")");  // {"token":"","other":"", ...}
  AuthVerdict v = world.test_auth(*host, "example-oauth2");
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  CHECK_THAT(v.message, Catch::Contains("the renewal answer has no token") && Catch::Contains("try again later"));
  CHECK(std::get<TokenRecord>(world.store().load("example-oauth2", "default")).refresh_token == refresh);
}

TEST_CASE("a dry run of an expired OAuth token shows it as stored, and refreshes nothing") {
  OAuthWorld world;
  auto host = world.host();
  auto [access, refresh] = world.signed_in(kManaged, std::chrono::seconds(-60));
  const Plugin* plugin = host->find(kManaged);
  REQUIRE(plugin != nullptr);
  DryRun run = host->dry_run_authentication(*plugin, "{}");
  REQUIRE(run.requests.size() == 1);
  CHECK(world.server.token_requests("refresh_token") == 0);
  CHECK(world.server.api_requests() == 0);
  CHECK(std::get<TokenRecord>(world.store().load(kManaged, "default")).access_token == access);
}

TEST_CASE("a token answer that is not JSON could not verify, and its tokens are not traced") {
  OAuthWorld world;
  world.verbose = true;
  auto host = world.host();
  world.signed_in(kManaged, std::chrono::seconds(-60));
  world.server.set_token_answers_form_encoded(true);
  AuthVerdict v = world.test_auth(*host);
  CHECK(v.outcome == AuthOutcome::could_not_verify);
  std::string traced = world.logged_lines();
  CHECK_THAT(traced, Catch::Contains("< (the body is not shown: a token answer that is not JSON may hold tokens"));
  CHECK_THAT(traced + v.message, !Catch::Contains("SECRET"));
}

TEST_CASE(
    "tokens a refreshAccessToken hook hands over that could not be read back or sent are refused, the record kept") {
  auto [token, problem] = GENERATE(table<std::string, std::string>(
      {{std::string(100'000, 'T'), "the access token is 100000 bytes long; destkit keeps at most 65536"},
       {R"(line\r\nX-Injected: 1)", "the access token holds a character that is not printable ASCII"},
       {R"(nul\u0000byte)", "the access token holds a character that is not printable ASCII"}}));
  OAuthWorld world;
  auto host = world.host("example-oauth2");
  auto [access, refresh] = world.signed_in("example-oauth2", std::chrono::seconds(-60));
  world.server.set_renewed_access_token_json(token);
  AuthVerdict v = world.test_auth(*host, "example-oauth2");
  CHECK(v.outcome != AuthOutcome::valid);
  CHECK_THAT(v.message, Catch::Contains(problem));
  auto kept = world.store().load("example-oauth2", "default");
  REQUIRE(std::holds_alternative<TokenRecord>(kept));
  CHECK(std::get<TokenRecord>(kept).access_token == access);
  CHECK(std::get<TokenRecord>(kept).refresh_token == refresh);
}

TEST_CASE("a crash between writing and renaming leaves the previous record readable") {
  OAuthWorld world;
  auto [access, refresh] = world.signed_in(kManaged, std::chrono::hours(1));
  pid_t child = fork();
  if (child == 0) {
    world.store().save(kManaged, "default", TokenRecord{.access_token = "replacement"}, [] { _exit(86); });
    _exit(0);  // not reached: save "crashes" just before replacing the record
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

TEST_CASE("eight test-auth processes with one expired token refresh it once, though reuse revokes everything") {
  OAuthWorld world;
  world.server.set_revoke_on_reuse(true);  // a second use of a refresh token signs the user out
  CliSetup cli(world);
  auto [access, refresh] = world.server.issue_tokens();
  REQUIRE(cli.store()
              .save(kManaged, "default",
                    TokenRecord{.access_token = access, .refresh_token = refresh, .token_type = "Bearer",
                                .expires_at = std::chrono::system_clock::now() - std::chrono::seconds(60)})
              .empty());
  std::string settings = empty_settings_file();
  std::vector<std::unique_ptr<SpawnedProcess>> processes;
  for (int i = 0; i < 8; ++i) {
    processes.push_back(std::make_unique<SpawnedProcess>(cli.destkit({"test-auth", kManaged, "--settings", settings})));
  }
  for (auto& process : processes) {
    ProcessResult result = process->wait();
    CHECK(result.out == "Credentials are valid.\n");
    CHECK(result.exit_code == 0);
  }
  CHECK(world.server.token_requests("refresh_token") == 1);
}

TEST_CASE("an expires_in that is fractional, huge, negative or quoted is read without an exception") {
  // -1: no expiry is recorded, and the token is used until it is refused.
  auto [expires_in, lifetime] = GENERATE(table<std::string, long long>({{"3599.5", 3599},
                                                                        {"1e300", 315569520},  // ten years, not more
                                                                        {"9223372036854775807", 315569520},
                                                                        {"315569521", 315569520},
                                                                        {"\"3600\"", 3600},
                                                                        {"\"1e400\"", 315569520},
                                                                        {"\"1e-400\"", -1},
                                                                        {"-5", -1},
                                                                        {"\"soon\"", -1},
                                                                        {"\"inf\"", -1},
                                                                        {"\"nan\"", -1},
                                                                        {"null", -1},
                                                                        {"0.5", -1}}));
  INFO(expires_in);
  OAuthWorld world;
  auto host = world.host();
  world.server.set_expires_in(expires_in);
  world.signed_in(kManaged, std::chrono::seconds(-60));
  CHECK(world.test_auth(*host).message == "Credentials are valid.");
  CHECK(world.server.token_requests("refresh_token") == 1);
  auto stored = std::get<TokenRecord>(world.store().load(kManaged, "default"));
  if (lifetime < 0) {
    CHECK(!stored.expires_at);
  } else {
    REQUIRE(stored.expires_at);
    CHECK(std::chrono::duration_cast<std::chrono::seconds>(*stored.expires_at - stored.obtained_at).count() == lifetime);
  }
}

TEST_CASE("a cleartext http token or authorize URL is refused unless its host is the machine itself") {
  auto parse = [](const std::string& authorize, const std::string& token) {
    return parse_host_config(R"({"destinations":{"acme":{"oauth":{"clientId":"c","clientSecret":"s","authorizeUrl":")" +
                                 authorize + R"(","tokenUrl":")" + token + R"("}}}})",
                             "host.json");
  };
  const std::string why = "must be an https URL: over http the client secret and the tokens would travel in clear "
                          "text (http is accepted only for 127.0.0.1, ::1 and localhost)";
  CHECK(parse("https://auth.example.com/a", "http://auth.example.com/token").status().message() ==
        "host.json: destinations.acme.oauth.tokenUrl: " + why);
  CHECK(parse("http://10.1.2.3/a", "https://auth.example.com/token").status().message() ==
        "host.json: destinations.acme.oauth.authorizeUrl: " + why);
  CHECK(parse("https://auth.example.com/a", "http://127.0.0.1:8080/token\\r\\nX-Injected: 1").status().message() ==
        "host.json: destinations.acme.oauth.tokenUrl: must not hold a space or a control character (a space is "
        "written %20)");
  for (const char* local : {"http://127.0.0.1:8080/token", "http://localhost:8080/token", "http://[::1]:8080/token"}) {
    INFO(local);
    CHECK(parse(local, local).ok());
  }
  // The sign-in's parameters would follow a fragment, and a password would be shown with the URL.
  CHECK(parse("https://auth.example.com/a#frag", "https://auth.example.com/token").status().message() ==
        "host.json: destinations.acme.oauth.authorizeUrl: must not have a fragment (#...)");
  CHECK(parse("https://auth.example.com/a", "https://user:pw@auth.example.com/token").status().message() ==
        "host.json: destinations.acme.oauth.tokenUrl: must not carry a user name or password (the client's are "
        "clientId and clientSecret)");
  CHECK(parse("https://auth.example.com/a?audience=x@y", "https://auth.example.com/token").ok());
  CHECK(parse("https://auth.example.com/a?state=EVIL", "https://auth.example.com/token").status().message() ==
        "host.json: destinations.acme.oauth.authorizeUrl: must not set \"state\": the sign-in sets it");
}

TEST_CASE(
    "a configuration file\, or a client secret file\, that others can read gets a warning when it holds a client "
    "secret") {
  fs::path dir = new_directory("config");
  auto warnings = [&](const std::string& secret, mode_t mode) {
    fs::path file = dir / "host.json";
    std::ofstream(file) << R"({"destinations":{"acme":{"oauth":{"clientId":"c","clientSecret":)" + secret +
                               R"(,"tokenUrl":"https://auth.example.com/token","grant":"client_credentials"}}}})";
    ::chmod(file.c_str(), mode);
    return load_host_config(file).value().warnings;
  };
  setenv("DESTKIT_TEST_SECRET", "from-the-environment", 1);
  std::vector<std::string> readable = warnings(R"("inline-SECRET")", 0644);
  fs::path file = dir / "host.json";
  REQUIRE(readable.size() == 1);
  CHECK(readable[0] == file.string() + " holds the client secret of acme and other users can read it (mode 0644): make "
                                       "it readable by its owner only (chmod 600 " + file.string() +
                           "), or keep the secret elsewhere ({\"env\": \"NAME\"} or {\"file\": \"PATH\"})");
  CHECK(warnings(R"("inline-SECRET")", 0640).size() == 1);
  CHECK(warnings(R"("inline-SECRET")", 0600).empty());
  CHECK(warnings(R"({"env":"DESTKIT_TEST_SECRET"})", 0644).empty());
  fs::path secret_file = dir / "client-secret";
  std::ofstream(secret_file) << "from-a-file\n";
  ::chmod(secret_file.c_str(), 0644);
  std::string named = R"({"file":")" + secret_file.string() + R"("})";
  std::vector<std::string> file_readable = warnings(named, 0600);
  REQUIRE(file_readable.size() == 1);
  CHECK(file_readable[0] == secret_file.string() +
                                " holds the client secret of acme and other users can read it (mode 0644): make it "
                                "readable by its owner only (chmod 600 " +
                                secret_file.string() + ")");
  ::chmod(secret_file.c_str(), 0600);
  CHECK(warnings(named, 0600).empty());

  warnings(R"("inline-SECRET")", 0644);
  ProcessResult listed = run_destkit({"plugins", "--config", file.string()});
  CHECK(listed.err.find("destkit: warning: " + readable[0] + "\n") != std::string::npos);
  CHECK(listed.output().find("inline-SECRET") == std::string::npos);
}

TEST_CASE("oauth login replaces a damaged client_credentials record instead of reading it") {
  OAuthWorld world;
  CliSetup cli(world, "client_credentials");
  REQUIRE(cli.store().save(kManaged, "default", TokenRecord{.access_token = "old"}).empty());
  std::ofstream(cli.store().path_of(kManaged, "default"), std::ios::trunc) << "{\"access_tok";
  world.server.set_expires_in("null");
  ProcessResult login = run_process(cli.destkit({"oauth", "login", kManaged}));
  CHECK(login.exit_code == 0);
  CHECK(login.out.find("Signed in to Example OAuth Managed (connection default). Access token: no expiry given;") == 0);
  CHECK(world.server.token_requests("client_credentials") == 1);
  ProcessResult checked = run_process(cli.destkit({"test-auth", kManaged, "--settings", empty_settings_file()}));
  CHECK(checked.out == "Credentials are valid.\n");
}
