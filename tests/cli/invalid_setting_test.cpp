// A destination rejects settings naming the field at fault (InvalidSettings(field, why) in the
// C++ SDK, set_invalid_setting in C, testRequest.invalidSettings in a JSON manifest): the
// verdict names the field by its label, and --json puts the message under "fields" so a UI can
// highlight the field.
#include "environment.hpp"
#include "serve_process.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <fstream>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

ProcessResult test_auth(const std::string& slug, const std::string& settings, bool json = false) {
  std::vector<std::string> args{"test-auth", slug, "--settings", "-", "--plugin-path", kTestPluginDir.string()};
  if (json) args.push_back("--json");
  return run_destkit(args, settings);
}

// The JSON twin of names-field-c: Acme answers 404 with error code "no_such_account" for an
// account it does not have, which means the account field is wrong, not the API key.
constexpr const char* kNamesFieldManifest = R"({"slug": "names-field-json", "name": "Names Field JSON",
  "version": "1.0.0",
  "authentication": {"scheme": "custom",
    "fields": {"account": {"label": "Account number", "type": "string", "required": true},
               "apiKey": {"label": "API Key", "type": "password", "required": true}},
    "testRequest": {"url": "/accounts/{{settings.account}}",
      "invalidSettings": [{"status": [404], "pointer": "/error/code", "equals": "no_such_account",
                           "field": "account", "message": "must start with A, as on your invoice"}]}},
  "extendRequest": {"prefixUrl": "https://acme.example.com",
                    "headers": {"Authorization": "Bearer {{settings.apiKey}}"}}})";

std::filesystem::path names_field_json_dir() {
  std::filesystem::path dir = new_directory("names-field-json");
  std::ofstream(dir / "destkit-names-field-json.json") << kNamesFieldManifest;
  return dir;
}

Server accounts_api() {
  return Server(
      [](const Request& r) {
        if (r.header("Authorization") != "Bearer key-SECRET-77") return Response::json(401, R"({"error":{"code":"auth"}})");
        if (r.target == "/accounts/A-1") return Response::json(200, R"({"id":"A-1"})");
        if (r.target == "/accounts/B-1") return Response::json(404, R"({"error":{"code":"no_such_account"}})");
        return Response::json(404, R"({"error":{"code":"gone"}})");
      },
      test_certificate());
}

ProcessResult test_auth_json_manifest(const Server& api, const std::string& account, bool json = false) {
  std::vector<std::string> args{"test-auth", "names-field-json", "--settings", "-", "--plugin-path",
                                names_field_json_dir().string()};
  for (const std::string& a : to_local(api.port())) args.push_back(a);
  if (json) args.push_back("--json");
  return run_destkit(args, R"({"account":")" + account + R"(","apiKey":"key-SECRET-77"})");
}

}  // namespace

TEST_CASE("InvalidSettings(field, why) from extendRequest names the field by its label") {
  ProcessResult text = test_auth("names-field", R"({"apiKey":"pk_live_SECRET_1234"})");
  CHECK(text.out == "Settings are invalid.\n  apiKey: API Key must start with sk_.\n");
  CHECK(text.exit_code == 1);

  ProcessResult json = test_auth("names-field", R"({"apiKey":"pk_live_SECRET_1234"})", true);
  auto out = boost::json::parse(json.out).as_object();
  CHECK(out.at("ok") == false);
  CHECK(out.at("fields").at("apiKey") == "API Key must start with sk_.");
  CHECK(json.output().find("pk_live_SECRET_1234") == std::string::npos);
}

TEST_CASE("a credential-named setting of no secret type that extendRequest logs and refuses is never shown") {
  // It was sent nowhere, so only its name says it is a credential.
  std::vector<std::string> args{"test-auth",     "names-field",           "--settings", "-",
                                "--plugin-path", kTestPluginDir.string(), "--verbose"};
  ProcessResult r = run_destkit(args, R"({"apiKey":"sk_SECRET_1234567","accountKey":"acct_live_2718281828"})");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("accountKey: Account Key is not an account key of Acme."));
  CHECK_THAT(r.err, Catch::Contains("checking account key [redacted]"));
  CHECK_THAT(r.output(), !Catch::Contains("2718281828"));
}

TEST_CASE("the SDK's own settings messages use the field's label") {
  ProcessResult r = test_auth("names-field", R"({"apiKey":"sk_SECRET_1234567","region":"eu"})", true);
  auto out = boost::json::parse(r.out).as_object();
  CHECK(out.at("fields").at("region") == "Region is not a number.");
}

TEST_CASE("set_invalid_setting from a C destination reaches --json under fields") {
  ProcessResult r = test_auth("names-field-c", R"({"account":"B-1"})", true);
  auto out = boost::json::parse(r.out).as_object();
  CHECK(out.at("error") == "Settings are invalid.");
  CHECK(out.at("fields").as_object().size() == 1);
  CHECK(out.at("fields").at("account") == "Account number must start with A, as on your invoice.");
  CHECK(test_auth("names-field-c", R"({"account":"A-1"})").exit_code == 0);
}

TEST_CASE("testRequest.invalidSettings in a JSON manifest rejects the field as set_invalid_setting does") {
  Server api = accounts_api();
  ProcessResult text = test_auth_json_manifest(api, "B-1");
  CHECK(text.out == "Settings are invalid.\n  account: Account number must start with A, as on your invoice.\n");
  CHECK(text.exit_code == 1);
  CHECK(text.out == test_auth("names-field-c", R"({"account":"B-1"})").out);

  ProcessResult json = test_auth_json_manifest(api, "B-1", true);
  auto out = boost::json::parse(json.out).as_object();
  auto compiled = boost::json::parse(test_auth("names-field-c", R"({"account":"B-1"})", true).out).as_object();
  CHECK(out.at("ok") == false);
  CHECK(out.at("error") == "Settings are invalid.");
  CHECK(out.at("fields") == compiled.at("fields"));
  CHECK(out.at("fields").at("account") == "Account number must start with A, as on your invoice.");
  CHECK(json.output().find("SECRET") == std::string::npos);

  // Another 404, whose code is not the one declared, gets the usual verdict.
  ProcessResult other = test_auth_json_manifest(api, "C-1");
  CHECK(other.out == "Credentials are invalid: 404 Not Found\n");
  CHECK(test_auth_json_manifest(api, "A-1").out == "Credentials are valid.\n");
  CHECK(api.request_count() == 4);
}

TEST_CASE("serve's /test names the field a JSON manifest's invalidSettings rejects") {
  Server api = accounts_api();
  std::vector<std::string> args{"--plugin-path", names_field_json_dir().string()};
  for (const std::string& a : to_local(api.port())) args.push_back(a);
  ServeProcess serve(args);
  HttpReply r = serve.post("/v1/destinations/names-field-json/test",
                           R"({"settings":{"account":"B-1","apiKey":"key-SECRET-77"}})");
  REQUIRE(r.status == 200);
  CHECK(r.json().at("outcome") == "invalid_settings");
  CHECK(r.json().at("error") == "Settings are invalid.");
  CHECK(r.json().at("fields") == boost::json::parse(R"({"account":"Account number must start with A, as on your invoice."})"));
  CHECK(r.body.find("SECRET") == std::string::npos);
}
