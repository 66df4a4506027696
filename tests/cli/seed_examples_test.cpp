// The seed's basic and custom examples copied as they are, with their credentials declared as
// type 'string': what the host sends as a credential is redacted in log lines, errors and
// verdicts all the same.
#include "environment.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

constexpr const char* kApiKey = "seedKEY-SECRET-7f3a9c";
constexpr const char* kUsername = "seed-user-SECRET-4411";
constexpr const char* kPassword = "seedPASS-SECRET-81be";

// An API that refuses every credential and quotes what it got, as some do.
Server refusing_api() {
  return Server([](const Request& r) { return Response::json(401, "{\"refused\":\"" + r.header("Authorization") + "\"}"); },
                test_certificate());
}

ProcessResult test_auth(const Server& server, const std::string& slug, const std::string& settings,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"test-auth", slug, "--settings", "-", "--plugin-path", kTestPluginDir.string()};
  for (const auto& a : to_local(server.port())) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return run_destkit(args, settings);
}

}  // namespace

TEST_CASE("the seed's custom example: an apiKey of type string sent as Bearer is redacted everywhere") {
  Server server = refusing_api();
  std::string settings = std::string(R"({"subdomain":"acme","apiKey":")") + kApiKey + "\"}";
  ProcessResult r = test_auth(server, "seed-custom", settings, {"--verbose"});
  REQUIRE(server.request_count() == 1);
  CHECK(server.requests()[0].header("Authorization") == std::string("Bearer ") + kApiKey);
  CHECK(r.out == "Credentials are invalid: the key [redacted] was refused\n");
  CHECK(r.err.find("[seed-custom] info: extending with [redacted]") != std::string::npos);
  CHECK(r.err.find("[seed-custom] warn: checking the key [redacted]") != std::string::npos);
  CHECK(r.output().find(kApiKey) == std::string::npos);

  ProcessResult json = test_auth(server, "seed-custom", settings, {"--json"});
  CHECK(json.out.find("the key [redacted] was refused") != std::string::npos);
  CHECK(json.output().find(kApiKey) == std::string::npos);
}

TEST_CASE("the seed's basic example: username and password of type string sent as Basic are redacted everywhere") {
  Server server = refusing_api();
  std::string settings = std::string(R"({"username":")") + kUsername + R"(","password":")" + kPassword + "\"}";
  ProcessResult r = test_auth(server, "seed-basic", settings, {"--verbose"});
  REQUIRE(server.request_count() == 1);
  CHECK(r.out == "Credentials are invalid: [redacted] / [redacted] was refused\n");
  CHECK(r.err.find("[seed-basic] warn: signing in as [redacted] / [redacted]") != std::string::npos);
  CHECK(r.output().find(kUsername) == std::string::npos);
  CHECK(r.output().find(kPassword) == std::string::npos);
}

TEST_CASE("destkit check warns, and still passes, a credential field not of type password") {
  ProcessResult r = run_destkit({"check", (kTestPluginDir / "destkit-seed-custom.so").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Warning: the field \"apiKey\" (API Key) looks like a credential but is of type string") !=
        std::string::npos);
  CHECK(r.out.find("\"subdomain\"") == std::string::npos);

  ProcessResult basic = run_destkit({"check", (kTestPluginDir / "destkit-seed-basic.so").string(), "--json"});
  CHECK(basic.exit_code == 0);
  CHECK(basic.out.find("\"warnings\":[]") != std::string::npos);  // the basic password is a secret whatever its type
}

TEST_CASE("destkit check gives no password advice for a true-or-false or an object, which cannot be one") {
  fs::path file = new_directory("check-types") / "destkit-typed.json";
  std::ofstream(file) << R"({"slug": "typed", "name": "Typed", "version": "1.0.0",
    "authentication": {"scheme": "custom", "fields": {
      "token": {"label": "Use a token", "type": "boolean"},
      "credentials": {"label": "Credentials", "type": "object"},
      "apiKey": {"label": "API Key", "type": "string"}}},
    "extendRequest": {"prefixUrl": "https://api.example.com"}})";
  ProcessResult r = run_destkit({"check", file.string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("the field \"apiKey\" (API Key) looks like a credential"));
  CHECK(r.out.find("\"token\"") == std::string::npos);
  CHECK(r.out.find("\"credentials\"") == std::string::npos);
}

TEST_CASE("an apiKey of type string that the Authorization header refuses is still redacted from the hook's log") {
  Server server = refusing_api();
  // A vertical tab: the header cannot carry it, so the key is never sent, but it was meant as one.
  std::string settings = R"({"subdomain":"acme","apiKey":"sk-never\u000bsent-42"})";
  ProcessResult r = test_auth(server, "seed-custom", settings, {"--verbose"});
  CHECK(server.request_count() == 0);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("[seed-custom] info: extending with [redacted]") != std::string::npos);
  CHECK(r.output().find("never") == std::string::npos);
}

TEST_CASE("destkit check warns about a file name discovery ignores") {
  std::filesystem::path dir = new_directory("misnamed");
  std::filesystem::copy_file(kTestPluginDir / "destkit-query-key.so", dir / "query_key.so");
  ProcessResult r = run_destkit({"check", (dir / "query_key.so").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Warning: the file name \"query_key.so\" is one plugin discovery ignores; name it "
                   "destkit-query-key.so\n") != std::string::npos);

  // A manifest by any name ending in .json, in any letter case, is read as a manifest.
  for (const char* name : {"acme.json", "destkit-acme.JSON"}) {
    std::filesystem::copy_file(kBundledPluginDir / "destkit-example-custom-json.json", dir / name);
    ProcessResult manifest = run_destkit({"check", (dir / name).string()});
    CHECK(manifest.exit_code == 0);
    CHECK(manifest.out.find(std::string("Warning: the file name \"") + name +
                            "\" is one plugin discovery ignores; name it destkit-example-custom-json.json\n") !=
          std::string::npos);
  }
}
