// Declarative destinations against hostile settings and untrusted files: a setting cannot move
// a request to another host or inject a header, values sent as credentials are redacted, and
// JSON files pass the same permission, pin and signature checks as libraries.
#include "environment.hpp"

#include <destkit/host/host.hpp>
#include "http/redactor.hpp"
#include "plugin/loader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <mutex>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace fs = std::filesystem;

namespace {

// A destination whose settings go into the host, a path, a header and a query parameter, with
// no format on its fields, so only the templates stand between a setting and the request.
constexpr const char* kAcme = R"({
  "slug": "acme-json", "name": "Acme", "version": "1.0.0",
  "authentication": {
    "scheme": "custom",
    "fields": {
      "subdomain": {"label": "Subdomain", "type": "string", "required": true},
      "account": {"label": "Account", "type": "string", "required": true},
      "apiKey": {"label": "API Key", "type": "string", "required": true},
      "partner": {"label": "Partner", "type": "string", "default": "none"}
    },
    "testRequest": {"url": "/accounts/{{settings.account}}", "searchParams": {"api_key": "{{settings.apiKey | split('-', -1)}}"},
                    "valid": {"pointer": "/ok", "equals": true}}
  },
  "extendRequest": {
    "prefixUrl": "https://{{settings.subdomain}}.example.com/api",
    "headers": {"Authorization": "Bearer {{settings.apiKey}}", "X-Partner": "{{settings.partner}}"}
  }
})";

fs::path write_destination(const std::string& text, const std::string& file = "destkit-acme-json.json") {
  fs::path dir = new_directory("declarative");
  std::ofstream(dir / file) << text;
  return dir;
}

struct Run {
  AuthVerdict verdict;
  std::vector<Request> wire;
  std::string log;
};

Run run_destination(const std::string& manifest, const std::string& slug, const std::string& settings, Response answer) {
  Server server([answer](const Request&) { return answer; }, test_certificate());
  auto log = std::make_shared<std::string>();
  auto mutex = std::make_shared<std::mutex>();
  HostOptions options;
  options.plugin_directories = {write_destination(manifest)};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.ca_file = test_certificate().certificate;
  options.verbose = true;
  options.log = [log, mutex](LogLevel, std::string_view, std::string_view line) {
    std::lock_guard lock(*mutex);
    *log += std::string(line) + "\n";
  };
  for (const char* host : {"acme.example.com", "evil.com.example.com", "evil.com"}) {
    options.connect_to.push_back(std::string(host) + ":443:127.0.0.1:" + std::to_string(server.port()));
  }
  Host host(std::move(options));
  REQUIRE(host.rejections().empty());
  AuthVerdict verdict = host.test_authentication(*host.find(slug), settings);
  return {verdict, server.requests(), *log};
}

Run run_acme(const std::string& settings, Response answer = Response::json(200, R"({"ok":true})")) {
  return run_destination(kAcme, "acme-json", settings, std::move(answer));
}

// A destination whose testRequest counts `statuses` as answered.
Run run_with_statuses(const std::string& statuses, Response answer) {
  std::string manifest = R"({"slug": "statuses", "name": "Statuses", "version": "1",
    "authentication": {"scheme": "custom",
      "testRequest": {"url": "https://acme.example.com/ping", "valid": {"status": )" + statuses + "}}}}";
  return run_destination(manifest, "statuses", "{}", std::move(answer));
}

std::string acme_settings(const std::string& subdomain, const std::string& key = "abc-SECRET-123-us6",
                          const std::string& account = "42") {
  return boost::json::serialize(boost::json::object{{"subdomain", subdomain}, {"account", account}, {"apiKey", key}});
}

}  // namespace

TEST_CASE("a declarative destination renders its templates into the request") {
  Run r = run_acme(acme_settings("acme"));
  CHECK(r.verdict.message == "Credentials are valid.");
  REQUIRE(r.wire.size() == 1);
  CHECK(r.wire[0].header("Host") == "acme.example.com");
  CHECK(r.wire[0].target == "/api/accounts/42?api_key=us6");
  CHECK(r.wire[0].header("Authorization") == "Bearer abc-SECRET-123-us6");
  CHECK(r.wire[0].header("X-Partner") == "none");
}

TEST_CASE("testRequest's declared validity: a pointer that must hold a value") {
  CHECK(run_acme(acme_settings("acme"), Response::json(200, R"({"ok":false})")).verdict.message ==
        "Credentials are invalid: the answer's /ok is not true");
  CHECK(run_acme(acme_settings("acme"), Response::json(200, R"({"fine":1})")).verdict.message ==
        "Credentials are invalid: the answer has nothing at /ok");
  Run not_json = run_acme(acme_settings("acme"), Response::json(200, "plain"));
  CHECK(not_json.verdict.outcome == AuthOutcome::could_not_verify);
}

TEST_CASE("testRequest's declared validity: whole numbers compare exactly, beyond 2^53 too") {
  auto with_id = [](const std::string& expected, const std::string& answered) {
    std::string manifest = R"({"slug": "ids", "name": "Ids", "version": "1",
      "authentication": {"scheme": "custom",
        "testRequest": {"url": "https://acme.example.com/me", "valid": {"pointer": "/id", "equals": )" +
                           expected + "}}}}";
    return run_destination(manifest, "ids", "{}", Response::json(200, R"({"id":)" + answered + "}")).verdict.message;
  };
  CHECK(with_id("12345678901234567000", "12345678901234567891") ==
        "Credentials are invalid: the answer's /id is not 12345678901234567000");
  CHECK(with_id("9007199254740992", "9007199254740993") ==
        "Credentials are invalid: the answer's /id is not 9007199254740992");
  CHECK(with_id("-9007199254740993", "-9007199254740992") ==
        "Credentials are invalid: the answer's /id is not -9007199254740993");
  CHECK(with_id("-1", "18446744073709551615") == "Credentials are invalid: the answer's /id is not -1");
  CHECK(with_id("12345678901234567891", "12345678901234567891") == "Credentials are valid.");
  CHECK(with_id("1", "1.0") == "Credentials are valid.");
  CHECK(with_id("0.5", "0.5") == "Credentials are valid.");
}

TEST_CASE("testRequest's declared validity: the statuses that mean the check was answered") {
  CHECK(run_with_statuses("[200, 404]", Response::json(404, "{}")).verdict.message == "Credentials are valid.");
  CHECK(run_with_statuses("[200]", Response::json(202, "{}")).verdict.message ==
        "Credentials are invalid: the answer was 202 Accepted, not a status that means valid (200)");
  CHECK(run_with_statuses("[200, 404]", Response::json(401, "{}")).verdict.message ==
        "Credentials are invalid: 401 Unauthorized");
  CHECK(run_with_statuses("[200]", Response::json(503, "{}")).verdict.outcome == AuthOutcome::could_not_verify);
}

TEST_CASE("a hostile subdomain cannot send the key anywhere but *.example.com") {
  const std::string hostile = GENERATE("evil.com/x?", "evil.com#", "evil.com:443", "a@evil.com", "evil.com\\",
                                       "evil.com?", ".", "-x", "a..b");
  INFO(hostile);
  Run r = run_acme(acme_settings(hostile));
  CHECK(r.wire.empty());
  CHECK(r.verdict.outcome == AuthOutcome::invalid_settings);
  CHECK(r.verdict.message.starts_with("Settings are invalid"));
  CHECK(r.verdict.message.find("SECRET") == std::string::npos);
  for (const auto& problem : r.verdict.problems) CHECK(problem.message.find("SECRET") == std::string::npos);
}

TEST_CASE("a subdomain made of host characters stays under the template's domain") {
  // The test certificate covers one label under example.com, so the exchange stops at TLS: the
  // point is where it was sent.
  Run r = run_acme(acme_settings("evil.com"));
  CHECK(r.verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(r.verdict.message.find("evil.com.example.com") != std::string::npos);
  CHECK(r.log.find("> GET https://evil.com.example.com/api/accounts/42?api_key=[redacted]") != std::string::npos);
  Run refused = run_acme(acme_settings("evil.com/x?"));
  CHECK(refused.verdict.message == "Settings are invalid.");
  REQUIRE(refused.verdict.problems.size() == 1);
  CHECK(refused.verdict.problems[0].key == "subdomain");
  CHECK(refused.verdict.problems[0].message ==
        "Subdomain may hold only letters, digits, '-' and '.', because "
        "$.extendRequest.prefixUrl puts it into the URL's host.");
}

TEST_CASE("a value that would inject a header is refused, naming the template and the setting, never the value") {
  const std::string key =
      GENERATE(std::string("abc-SECRET\r\nX-Injected: 1"), std::string("abc-SECRET\nX: 1"),
               std::string("abc-SECRET\0x", 12), std::string("abc-SECRET\vx"), std::string("abc-SECRET\x7fx"));
  Run r = run_acme(acme_settings("acme", key));
  CHECK(r.wire.empty());
  CHECK(r.verdict.message == "Settings are invalid.");
  REQUIRE(r.verdict.problems.size() == 1);
  CHECK(r.verdict.problems[0].message ==
        "API Key would put a line break or another control character into the header \"Authorization\" "
        "($.extendRequest.headers.Authorization).");
}

TEST_CASE("no caller can probe a declarative destination's credentials, which its other calls do not search for") {
  // A template keeps nothing from one call to the next, so nothing of this call can reach
  // another; redacting its key in other calls would only tell their callers that it was sent.
  const std::string key = "victim-Autumn2026-key";
  Run r = run_acme(acme_settings("acme", key));
  CHECK(r.verdict.message == "Credentials are valid.");
  Redactor other_call;
  other_call.limit_to("acme-json");
  CHECK(other_call.apply("/accounts/" + key) == "/accounts/" + key);
}

TEST_CASE("values substituted into a URL's path or query are percent-encoded") {
  Run r = run_acme(acme_settings("acme", "k-us6", "../../admin?x=1#y"));
  REQUIRE(r.wire.size() == 1);
  CHECK(r.wire[0].target == "/api/accounts/..%2F..%2Fadmin%3Fx%3D1%23y?api_key=us6");
}

TEST_CASE("a value that would be a '.' or '..' path segment is refused, as it would move the request") {
  std::string dots = GENERATE(".", "..");
  Run r = run_acme(acme_settings("acme", "k-us6", dots));
  CHECK(r.wire.empty());
  CHECK(r.verdict.outcome == AuthOutcome::invalid_settings);
  // At the field, so that a settings form shows it there.
  CHECK(r.verdict.message == "Settings are invalid.");
  REQUIRE(r.verdict.problems.size() == 1);
  CHECK(r.verdict.problems[0].key == "account");
  CHECK(r.verdict.problems[0].message == "Account may not be \"" + dots +
                                             "\", because $.authentication.testRequest.url puts it into the URL's "
                                             "path, where it would move the request to another path.");
}

TEST_CASE("in a URL's query, '.' and '..' are values like any other") {
  std::string manifest = R"({"slug": "dots", "name": "Dots", "version": "1",
    "authentication": {"scheme": "custom", "fields": {"sep": {"label": "Separator", "type": "string", "required": true}},
      "testRequest": {"url": "https://acme.example.com/ping?sep={{settings.sep}}"}}})";
  Run r = run_destination(manifest, "dots", R"({"sep":".."})", Response::json(200, "{}"));
  REQUIRE(r.wire.size() == 1);
  CHECK(r.wire[0].target == "/ping?sep=..");
}

TEST_CASE("every value a template sends in a header or a credential parameter is redacted, whatever its type") {
  // The key is a "string" field, not a password; the server echoes it in its reason phrase.
  Response echo = Response::json(500, "{}");
  echo.reason = "key abc-SECRET-123-us6 and partner partner-SECRET-9 rejected";
  std::string settings = R"({"subdomain":"acme","account":"42","apiKey":"abc-SECRET-123-us6","partner":"partner-SECRET-9"})";
  Run r = run_acme(settings, echo);
  CHECK(r.verdict.outcome == AuthOutcome::could_not_verify);
  CHECK(!r.log.empty());
  for (const std::string& text : {r.verdict.message, r.log}) {
    CHECK(text.find("SECRET") == std::string::npos);
    CHECK(text.find("us6") == std::string::npos);
  }
}

TEST_CASE("a declarative file passes the trust checks of a library: permissions, pins, signatures") {
  fs::path dir = write_destination(kAcme);
  fs::path file = dir / "destkit-acme-json.json";
  auto loads = [&](const PluginTrust& trust) {
    LoadResult r = load_plugin(file, {}, trust);
    return std::holds_alternative<std::unique_ptr<LoadedPlugin>>(r) ? std::string("loaded") : std::get<Rejection>(r).reason;
  };

  SECTION("a file others can write is refused") {
    fs::permissions(file, static_cast<fs::perms>(0666));
    CHECK(loads({}) == "the file can be written by any user (mode 0666); refused (--insecure-plugin-permissions loads it anyway)");
  }
  SECTION("a wrong SHA-256 pin refuses it; the right one loads it") {
    PluginTrust pinned;
    pinned.sha256_pins["destkit-acme-json.json"] = std::string(64, '0');
    CHECK(loads(pinned).starts_with("its SHA-256 is "));
    ProcessResult sum = run_process({"/usr/bin/sha256sum", file.string()});
    pinned.sha256_pins["destkit-acme-json.json"] = sum.out.substr(0, 64);
    CHECK(loads(pinned) == "loaded");
  }
  SECTION("destkit sign and verify work on JSON files; an edited file no longer verifies") {
    auto [key, pub] = ed25519_key_pair("partner");
    REQUIRE(run_destkit({"sign", file.string(), "--key", key.string()}).exit_code == 0);
    CHECK(run_destkit({"verify", file.string(), "--public-key", pub.string()}).exit_code == 0);
    PluginTrust signed_only;
    signed_only.require_signatures = true;
    signed_only.trusted_keys = {read_file(pub)};
    CHECK(loads(signed_only) == "loaded");
    std::ofstream(file, std::ios::app) << " ";
    CHECK(loads(signed_only) == "its signature does not verify with any trusted key");
    CHECK(run_destkit({"verify", file.string(), "--public-key", pub.string()}).exit_code == 1);
  }
}

TEST_CASE("a chain of filters cannot grow a value past the settings' size: the request is refused, memory stays small") {
  std::string chain;
  for (int i = 0; i < 16; ++i) chain += " | base64";
  std::string manifest = R"({"slug": "grows", "name": "Grows", "version": "1",
    "authentication": {"scheme": "custom",
      "fields": {"k": {"label": "K", "type": "string", "required": true}},
      "testRequest": {"url": "https://acme.example.com/ping", "headers": {"X-K": "{{settings.k)" + chain + R"(}}"}}}})";
  Run run = run_destination(manifest, "grows", R"({"k":")" + std::string(20'000, 'a') + "\"}", Response::json(200, "{}"));
  CHECK(run.wire.empty());
  CHECK(run.verdict.message.find("its filters make a value larger than 1048576 bytes") != std::string::npos);
}

TEST_CASE(
    "the request is refused where filters that shrink a large value would make one call work through it without end") {
  std::string chain;
  for (int i = 0; i < 15; ++i) chain += " | lower";
  std::string substitutions;
  for (int i = 0; i < 8; ++i) substitutions += "{{settings.k" + chain + " | split('b', 0)}}";  // "" each
  std::string manifest = R"({"slug": "works", "name": "Works", "version": "1",
    "authentication": {"scheme": "custom",
      "fields": {"k": {"label": "K", "type": "string", "required": true}},
      "testRequest": {"url": "https://acme.example.com/ping", "headers": {"X-K": "x)" + substitutions + R"("}}}})";
  std::string settings = R"({"k":"b)" + std::string(900'000, 'A') + "\"}";
  Run run = run_destination(manifest, "works", settings, Response::json(200, "{}"));
  CHECK(run.wire.empty());
  CHECK(run.verdict.message.find("this call's substitutions and their filters read more than 67108864 bytes in all") !=
        std::string::npos);
  Run small = run_destination(manifest, "works", R"({"k":"bAAAA"})", Response::json(200, "{}"));
  CHECK(small.wire.size() == 1);
}

TEST_CASE("the request is refused where a value substituted many times would grow a call's templates past 4 MiB") {
  std::string many;
  for (int i = 0; i < 50; ++i) many += "{{settings.k}}";
  const std::string refused = "makes this call's templates larger than 4194304 bytes in all; refused";
  std::string settings = R"({"k":")" + std::string(100'000, 'a') + "\"}";
  auto manifest_with = [](const std::string& request) {
    return R"({"slug": "repeats", "name": "Repeats", "version": "1",
      "authentication": {"scheme": "custom",
        "fields": {"k": {"label": "K", "type": "string", "required": true}},
        "testRequest": {"url": "https://acme.example.com/ping", "method": "POST", )" + request + "}}}";
  };
  SECTION("in one header") {
    Run run = run_destination(manifest_with(R"("headers": {"X-K": ")" + many + "\"}"), "repeats", settings,
                              Response::json(200, "{}"));
    CHECK(run.wire.empty());
    CHECK(run.verdict.message.find("$.authentication.testRequest.headers.X-K " + refused) != std::string::npos);
  }
  SECTION("over the members of a JSON body, each of them 1 MB") {
    std::string members;
    for (int i = 0; i < 50; ++i) members += (i == 0 ? "" : ", ") + fmt::format(R"("m{}": "{}")", i, many.substr(0, 140));
    Run run = run_destination(manifest_with(R"("json": {)" + members + "}"), "repeats", settings,
                              Response::json(200, "{}"));
    CHECK(run.wire.empty());
    CHECK(run.verdict.message.find(refused) != std::string::npos);
  }
}
