// The seed's examples as compiled plugins and as declarative (JSON) destinations, run through
// the same scenarios against HTTPS servers on 127.0.0.1: each kind must reach the same
// verdict with the same message, and put the same requests on the wire.
#include "environment.hpp"
#include "oauth_server.hpp"

#include <destkit/host/host.hpp>
#include "oauth/token_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <functional>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

// A bundled example in both kinds, and settings it accepts and settings the API refuses.
struct Twin {
  std::string compiled;
  std::string declarative;
  std::string right;
  std::string wrong;
};

const std::vector<Twin>& twins() {
  static const std::vector<Twin> all{
      {"example-basic", "example-basic-json", R"({"username":"tëst-user","password":"pä:ss-SECRET1"})",
       R"({"username":"tëst-user","password":"Wrong-SECRET-2"})"},
      {"example-custom", "example-custom-json", R"({"subdomain":"acme","apiKey":"custom-SECRET-key-42"})",
       R"({"subdomain":"acme","apiKey":"wrong-SECRET-key-43"})"},
      {"example-oauth-managed", "example-oauth-managed-json", R"({"oauth":{"access_token":"oauth-SECRET-token-1"}})",
       R"({"oauth":{"access_token":"expired-SECRET-token-2"}})"},
  };
  return all;
}

// The API: accepts the credentials of `right` (Basic or Bearer), refuses all others with 401.
Response accepting_right_credentials(const Request& r) {
  std::string auth = r.header("Authorization");
  bool ok = auth == "Basic dMOrc3QtdXNlcjpww6Q6c3MtU0VDUkVUMQ==" || auth == "Bearer custom-SECRET-key-42" ||
            auth == "Bearer oauth-SECRET-token-1";
  return ok ? Response::json(200, R"({"id":1})") : Response::json(401, R"({"error":"no"})");
}

struct Scenario {
  std::string name;
  std::function<Response(const Request&)> api;
  bool right_settings = true;
  std::string settings{};  // instead of right/wrong when not empty
};

Response answering_with(int status, std::string body) {
  return Response::json(status, std::move(body));
}

std::vector<Scenario> scenarios() {
  Response slow = Response::json(200, "{}");
  slow.delay = std::chrono::milliseconds(3000);
  Response moved;
  moved.status = 302;
  moved.headers = {{"Location", "https://other.example.com/elsewhere"}};
  return {
      {"right credentials", accepting_right_credentials},
      {"wrong credentials", accepting_right_credentials, false},
      {"403", [](const Request&) { return answering_with(403, "{}"); }},
      {"404", [](const Request&) { return answering_with(404, "{}"); }},
      {"429", [](const Request&) { return answering_with(429, "{}"); }},
      {"500", [](const Request&) { return answering_with(500, R"({"error":"down"})"); }},
      {"2xx that is not JSON", [](const Request&) { return answering_with(200, "<html>captive portal</html>"); }},
      {"2xx of another type", [](const Request&) {
         Response html = Response::json(200, "<html>captive portal</html>");
         html.headers = {{"Content-Type", "text/html"}};
         return html;
       }},
      {"too slow", [slow](const Request&) { return slow; }},
      {"redirect to another origin",
       [moved](const Request& r) { return r.target == "/elsewhere" ? answering_with(200, "{}") : moved; }},
      {"no settings", accepting_right_credentials, true, "{}"},
      {"a mistyped settings key", accepting_right_credentials, true, R"({"subdomian":"acme","apikey":"k"})"},
      {"settings that are not JSON", accepting_right_credentials, true, "{"},
  };
}

struct Outcome {
  AuthVerdict verdict;
  std::vector<Request> wire;
};

Outcome run(const std::string& slug, const std::string& settings, const Scenario& scenario) {
  Server server(scenario.api, test_certificate());
  HostOptions options;
  options.plugin_directories = {kBundledPluginDir};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.config = test_host_config();
  options.token_directory = new_directory("tokens") / "store";  // made by the store itself, 0700
  options.ca_file = test_certificate().certificate;
  options.default_timeout = std::chrono::milliseconds(1500);  // well under "too slow"'s 3 s, well over a busy machine's exchange
  for (const char* host : {"example.com", "acme.example.com", "other.example.com"}) {
    options.connect_to.push_back(std::string(host) + ":443:127.0.0.1:" + std::to_string(server.port()));
  }
  Host host(std::move(options));
  const Plugin* plugin = host.find(slug);
  REQUIRE(plugin != nullptr);
  AuthVerdict verdict = host.test_authentication(*plugin, settings);
  return {verdict, server.requests()};
}

// A declarative twin's messages with its own slug and name read as the compiled one's.
std::string as_compiled(std::string text, const Twin& twin, const Host& host) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace(host.find(twin.declarative)->definition().name, host.find(twin.compiled)->definition().name);
  replace(twin.declarative, twin.compiled);
  return text;
}

const Twin& twins_oauth2() {
  static const Twin twin{"example-oauth2", "example-oauth2-json", "{}", "{}"};
  return twin;
}

const Host& bundled_host() {
  static const Host host({.plugin_directories = {kBundledPluginDir}, .use_environment_path = false,
                          .use_installed_plugins = false});
  return host;
}

std::string describe(const Request& r) {
  std::string out = r.method + " " + r.target + "\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\n";
  return out + "\n" + r.body;
}

}  // namespace

TEST_CASE("compiled and declarative twins reach the same verdict, message and wire requests") {
  const Twin& twin = GENERATE(from_range(twins()));
  const Scenario scenario = GENERATE(from_range(scenarios()));
  std::string settings = !scenario.settings.empty() ? scenario.settings : scenario.right_settings ? twin.right : twin.wrong;
  INFO(twin.compiled << ", " << scenario.name);

  Outcome compiled = run(twin.compiled, settings, scenario);
  Outcome declarative = run(twin.declarative, settings, scenario);

  CHECK(declarative.verdict.outcome == compiled.verdict.outcome);
  CHECK(as_compiled(declarative.verdict.message, twin, bundled_host()) == compiled.verdict.message);
  CHECK(declarative.verdict.http_status == compiled.verdict.http_status);
  REQUIRE(declarative.verdict.problems.size() == compiled.verdict.problems.size());
  for (std::size_t i = 0; i < compiled.verdict.problems.size(); ++i) {
    CHECK(declarative.verdict.problems[i].key == compiled.verdict.problems[i].key);
    CHECK(as_compiled(declarative.verdict.problems[i].message, twin, bundled_host()) == compiled.verdict.problems[i].message);
  }
  REQUIRE(declarative.wire.size() == compiled.wire.size());
  for (std::size_t i = 0; i < compiled.wire.size(); ++i) CHECK(describe(declarative.wire[i]) == describe(compiled.wire[i]));

  // The scenarios mean something: both kinds are right, not merely equally wrong.
  if (scenario.name == "right credentials") CHECK(declarative.verdict.outcome == AuthOutcome::valid);
  if (scenario.name == "wrong credentials") CHECK(declarative.verdict.message == "Credentials are invalid: 401 Unauthorized");
  if (scenario.name == "500") CHECK(declarative.verdict.outcome == AuthOutcome::could_not_verify);
}

TEST_CASE("the CLI shows a declarative twin as it shows the compiled one: describe, test-auth, --json") {
  const Twin& twin = GENERATE(from_range(twins()));
  Server server(accepting_right_credentials, test_certificate());
  auto cli = [&](const std::string& slug, std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin() + 1, slug);
    for (const auto& a : to_local(server.port())) args.push_back(a);
    return run_destkit(args, input);
  };
  for (const std::string* settings : {&twin.right, &twin.wrong}) {
    ProcessResult compiled = cli(twin.compiled, {"test-auth", "--settings", "-", "--json"}, *settings);
    ProcessResult declarative = cli(twin.declarative, {"test-auth", "--settings", "-", "--json"}, *settings);
    CHECK(declarative.exit_code == compiled.exit_code);
    CHECK(as_compiled(declarative.out, twin, bundled_host()) == compiled.out);
  }
  boost::json::object compiled = boost::json::parse(cli(twin.compiled, {"describe", "--json"}).out).as_object();
  boost::json::object declarative = boost::json::parse(cli(twin.declarative, {"describe", "--json"}).out).as_object();
  for (const char* key : {"slug", "name", "path"}) {
    compiled.erase(key);
    declarative.erase(key);
  }
  CHECK(declarative == compiled);
}

TEST_CASE("the oauth2 twins renew tokens at the API's own endpoint with the same requests") {
  // Expired: renewed before use. Refused: the API's 401 makes the host renew once and retry.
  // Revoked: the renewal itself is refused. No token: the renewal's answer cannot be used.
  const std::string situation = GENERATE("expired", "refused", "revoked", "no-token");
  auto run_oauth2 = [&](const std::string& slug) {
    OAuthServer server;
    HostOptions options;
    options.plugin_directories = {kBundledPluginDir};
    options.use_environment_path = false;
    options.use_installed_plugins = false;
    options.connect_to = {"example.com:443:127.0.0.1:" + std::to_string(server.port())};
    options.ca_file = test_certificate().certificate;
    options.config = parse_host_config(server.config_json(slug), "test").value();
    options.config.isolation = test_host_config().isolation;
    options.token_directory = new_directory("tokens") / "store";  // made by the store itself, 0700
    auto [access, refresh] = server.issue_tokens();
    auto now = std::chrono::system_clock::now();
    TokenRecord record{
        .access_token = situation == "refused" || situation == "revoked" ? "forgotten-SECRET-access" : access,
        .refresh_token = refresh,
        .token_type = "Bearer",
        .expires_at = now + std::chrono::seconds(situation == "refused" || situation == "revoked" ? 3600 : -60),
        .obtained_at = now};
    if (situation == "revoked") server.revoke_refresh_tokens();
    if (situation == "no-token") server.set_renewed_access_token_json(R"(","other":")");  // {"token":"", ...}
    REQUIRE(TokenStore(options.token_directory).save(slug, "default", record).empty());
    Host host(std::move(options));
    AuthVerdict verdict = host.test_authentication(*host.find(slug), "{}");
    return Outcome{verdict, server.requests()};
  };
  Outcome compiled = run_oauth2("example-oauth2");
  Outcome declarative = run_oauth2("example-oauth2-json");
  INFO(situation);
  CHECK(declarative.verdict.outcome == compiled.verdict.outcome);
  // Each says in its own words what the answer lacks.
  if (situation != "no-token") {
    CHECK(as_compiled(declarative.verdict.message, twins_oauth2(), bundled_host()) == compiled.verdict.message);
  }
  REQUIRE(declarative.wire.size() == compiled.wire.size());
  for (std::size_t i = 0; i < compiled.wire.size(); ++i) CHECK(describe(declarative.wire[i]) == describe(compiled.wire[i]));
  AuthOutcome expected = situation == "revoked"    ? AuthOutcome::invalid_credentials
                         : situation == "no-token" ? AuthOutcome::could_not_verify
                                                   : AuthOutcome::valid;
  CHECK(declarative.verdict.outcome == expected);
  bool renewed_first = situation == "expired" || situation == "no-token";
  CHECK(declarative.wire.front().target == (renewed_first ? "/api/oauth/renew" : "/api/accounts/me.json"));
}
