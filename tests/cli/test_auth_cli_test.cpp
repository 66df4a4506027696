// destkit test-auth from the command line, against HTTPS servers on 127.0.0.1: the verdicts,
// their exit codes, and that no request is sent for invalid settings.
#include "environment.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <thread>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

constexpr const char* kPassword = "pä:ss-wörd-SECRET1";
constexpr const char* kApiKey = "custom-SECRET-key-42";
const std::string kBasicSettings = std::string(R"({"username":"tëst-user","password":")") + kPassword + "\"}";
const std::string kCustomSettings = std::string(R"({"subdomain":"acme","apiKey":")") + kApiKey + "\"}";

// An API that answers `status` to everything, and 200 to the right credentials when status is 0.
Server api(int status = 0, std::string body = R"({"id":1})") {
  return Server(
      [=](const Request& r) {
        if (status != 0) return Response::json(status, body);
        bool ok = r.header("Authorization") == "Basic dMOrc3QtdXNlcjpww6Q6c3Mtd8O2cmQtU0VDUkVUMQ==" ||
                  r.header("Authorization") == std::string("Bearer ") + kApiKey;
        return ok ? Response::json(200, body) : Response::json(401, R"({"error":"no"})");
      },
      test_certificate());
}

ProcessResult test_auth(const std::string& slug, const std::string& settings, unsigned short port,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"test-auth", slug, "--settings", "-"};
  for (const auto& a : to_local(port)) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return run_destkit(args, settings);
}

}  // namespace

TEST_CASE("valid basic credentials exit 0, sent as Basic base64 of UTF-8") {
  Server server = api();
  ProcessResult r = test_auth("example-basic", kBasicSettings, server.port());
  CHECK(r.out == "Credentials are valid.\n");
  CHECK(r.exit_code == 0);
  REQUIRE(server.request_count() == 1);
  Request seen = server.requests()[0];
  CHECK(seen.target == "/api/accounts/me.json");
  CHECK(seen.header("Host") == "example.com");
}

TEST_CASE("valid custom credentials exit 0: prefixUrl from the subdomain, Bearer from the key") {
  Server server = api();
  ProcessResult r = test_auth("example-custom", kCustomSettings, server.port());
  CHECK(r.exit_code == 0);
  REQUIRE(server.request_count() == 1);
  CHECK(server.requests()[0].header("Host") == "acme.example.com");
  CHECK(server.requests()[0].target == "/api/accounts/me.json");
}

TEST_CASE("the plain C plugin and the oauth-managed plugin pass their checks") {
  Server server([](const Request& r) {
    bool ok = r.header("Authorization") == "Token c-SECRET-token" || r.header("Authorization") == "Bearer oauth-SECRET-token";
    return Response::json(ok ? 200 : 401, "{}");
  }, test_certificate());
  CHECK(test_auth("example-c", R"({"token":"c-SECRET-token"})", server.port()).exit_code == 0);
  CHECK(test_auth("example-oauth-managed", R"({"oauth":{"access_token":"oauth-SECRET-token"}})", server.port()).exit_code == 0);
  CHECK(test_auth("example-c", R"({"token":"wrong"})", server.port()).exit_code == 1);
}

TEST_CASE("a 401 exits 1 with the reference's wording and never shows the password") {
  Server server = api();
  std::string wrong = R"({"username":"tëst-user","password":"Wrong-SECRET-Pass"})";
  ProcessResult r = test_auth("example-basic", wrong, server.port());
  CHECK(r.out == "Credentials are invalid: 401 Unauthorized\n");
  CHECK(r.exit_code == 1);
  CHECK(r.output().find("Wrong-SECRET-Pass") == std::string::npos);

  ProcessResult json = test_auth("example-basic", wrong, server.port(), {"--json"});
  CHECK(boost::json::parse(json.out) ==
        boost::json::parse(R"({"ok":false,"error":"Credentials are invalid: 401 Unauthorized","status":401})"));
  CHECK(json.exit_code == 1);
}

TEST_CASE("403 and 404 answers say the credentials are invalid") {
  int status = GENERATE(403, 404);
  Server server = api(status);
  ProcessResult r = test_auth("example-custom", kCustomSettings, server.port());
  CHECK(r.out == (status == 403 ? "Credentials are invalid: 403 Forbidden\n" : "Credentials are invalid: 404 Not Found\n"));
  CHECK(r.exit_code == 1);
}

TEST_CASE("a 500 answer could not verify the credentials, and names the host") {
  Server server = api(500);
  ProcessResult r = test_auth("example-custom", kCustomSettings, server.port());
  CHECK(r.out == "Could not verify credentials: acme.example.com answered 500 Internal Server Error\n");
  CHECK(r.exit_code == 4);
}

TEST_CASE("a 2xx answer that is not the JSON the destination expects could not verify") {
  Server server = api(0, "<html>captive portal</html>");
  ProcessResult r = test_auth("example-custom", kCustomSettings, server.port());
  CHECK(r.out.find("Could not verify credentials: the response from acme.example.com is not valid JSON") == 0);
  CHECK(r.exit_code == 4);
}

TEST_CASE("a server too slow to answer times out, the timeout covering the whole exchange") {
  SECTION("no answer at all") {
    Server server([](const Request&) {
      Response slow = Response::json(200, "{}");
      slow.delay = std::chrono::seconds(5);
      return slow;
    }, test_certificate());
    ProcessResult r = test_auth("example-custom", kCustomSettings, server.port(), {"--timeout-ms", "300"});
    CHECK(r.out == "Could not verify credentials: acme.example.com did not answer completely within 300 ms\n");
    CHECK(r.exit_code == 4);
  }
  SECTION("headers quickly, then a body that trickles") {
    Server server([](const Request&) {
      Response slow = Response::json(200, std::string(100, ' ') + "{}");
      slow.trickle = std::chrono::milliseconds(20);
      return slow;
    }, test_certificate());
    auto started = std::chrono::steady_clock::now();
    ProcessResult r = test_auth("example-custom", kCustomSettings, server.port(), {"--timeout-ms", "500"});
    CHECK(r.out == "Could not verify credentials: acme.example.com did not answer completely within 500 ms\n");
    CHECK(r.exit_code == 4);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
  }
}

TEST_CASE("a closed port could not verify, naming the host") {
  ProcessResult r = test_auth("example-custom", kCustomSettings, closed_port());
  CHECK(r.out.find("Could not verify credentials: could not connect to acme.example.com") == 0);
  CHECK(r.exit_code == 4);
}

TEST_CASE("a certificate the host does not trust fails TLS and could not verify") {
  Server server = api();
  std::vector<std::string> args{"test-auth", "example-custom", "--settings", "-"};
  for (const auto& a : to_local(server.port(), false)) args.push_back(a);
  ProcessResult r = run_destkit(args, kCustomSettings);
  CHECK(r.out.find("Could not verify credentials: the TLS connection to acme.example.com failed") == 0);
  CHECK(r.exit_code == 4);
  CHECK(server.request_count() == 0);
}

TEST_CASE("invalid settings exit 1 naming the field, and no request is sent") {
  Server server = api();
  SECTION("a required field is missing") {
    ProcessResult r = test_auth("example-custom", R"({"subdomain":"acme"})", server.port());
    CHECK(r.out == "Settings are invalid.\n  apiKey: API Key is required, but it is missing.\n");
    CHECK(r.exit_code == 1);
  }
  SECTION("a field has the wrong type") {
    ProcessResult r = test_auth("example-custom", std::string(R"({"subdomain":12.5,"apiKey":")") + kApiKey + "\"}",
                                server.port(), {"--json"});
    CHECK(boost::json::parse(r.out) ==
          boost::json::parse(R"({"ok":false,"error":"Settings are invalid.",)"
                             R"("fields":{"subdomain":"Subdomain must be a string, but it is a number (12.5)."}})"));
    CHECK(r.exit_code == 1);
    CHECK(r.output().find(kApiKey) == std::string::npos);
  }
  SECTION("the settings are not JSON") {
    ProcessResult r = test_auth("example-custom", "{\"apiKey\": oops", server.port());
    CHECK(r.out.find("Settings are invalid: the settings are not valid JSON (line 1, column 12") == 0);
    CHECK(r.exit_code == 1);
  }
  SECTION("a number out of range is found by its place, naming no key, which could be a misplaced secret") {
    ProcessResult r = test_auth("example-custom", R"({"subdomain": 1e999, "apiKey": "k"})", server.port());
    CHECK(r.out ==
          "Settings are invalid: the settings are not valid JSON (line 1, column 20: the number is out of range "
          "(numbers are read up to 1.8e308 in size))\n");
    CHECK(r.exit_code == 1);
  }
  CHECK(server.request_count() == 0);
}

TEST_CASE("usage errors exit 2 and an unknown slug exits 3") {
  CHECK(run_destkit({"test-auth", "example-custom"}).exit_code == 2);
  CHECK(run_destkit({"test-auth", "example-custom", "--settings", "/no/such/file"}).exit_code == 2);
  CHECK(run_destkit({"frobnicate"}).exit_code == 2);
  // --json where no JSON is printed is refused rather than ignored.
  ProcessResult init = run_destkit({"init", "acme", "--json", "--dir", (new_directory("json-init") / "acme").string()});
  CHECK(init.exit_code == 2);
  CHECK(init.err.starts_with("destkit: --json: init prints no JSON (a declarative destination is --lang json)\n"));
  CHECK(run_destkit({"mock-api", "--json"}).exit_code == 2);
  CHECK(run_destkit({"--version", "--json"}).exit_code == 2);
  CHECK(run_destkit({"help", "test-auth", "--json"}).exit_code == 2);
  CHECK(run_destkit({"oauth", "logout", "example-oauth2", "--json"}).exit_code == 2);
  ProcessResult r = run_destkit({"test-auth", "nope", "--settings", "-"}, "{}");
  CHECK_THAT(r.err,
             Catch::Contains("no plugin with slug \"nope\" (found: example-basic-json, example-basic, example-c"));
  CHECK(r.exit_code == 3);
}

TEST_CASE("a numeric option is refused unless all of it is a whole number in range") {
  for (const std::string& bad : {"1e3", "2.5", "10s", "0", "-1", " 5", "3600001"}) {
    INFO(bad);
    ProcessResult r = run_destkit({"test-auth", "example-custom", "--settings", "-", "--timeout-ms", bad}, "{}");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err,
               Catch::StartsWith("destkit: --timeout-ms needs a whole number of milliseconds from 1 to 3600000"));
  }
  ProcessResult wait = run_destkit({"oauth", "login", "example-oauth2", "--wait", "2e5"});
  CHECK(wait.exit_code == 2);
  CHECK_THAT(wait.err, Catch::StartsWith("destkit: --wait needs a whole number of seconds from 1 to 3600000"));
}

TEST_CASE("a mistyped slug gets a did-you-mean, and a rejected file's slug the reason it was rejected") {
  ProcessResult typo = run_destkit({"test-auth", "example-custon", "--settings", "-"}, "{}");
  CHECK(typo.err == "destkit: no plugin with slug \"example-custon\"; did you mean \"example-custom\"?\n");
  CHECK(typo.exit_code == 3);
  ProcessResult rejected = run_destkit(
      {"test-auth", "variant-bad-field-type", "--plugin-path", kTestPluginDir.string(), "--settings", "-"}, "{}");
  CHECK(rejected.err.find("no plugin with slug \"variant-bad-field-type\": its file ") != std::string::npos);
  CHECK(rejected.err.find("destkit-variant-bad-field-type.so was rejected: its definition is invalid: "
                          "$.authentication.fields.apiKey.type") != std::string::npos);
  CHECK(rejected.exit_code == 3);
}

TEST_CASE("a destination without testRequest exits 5, not 0: its credentials were not checked") {
  ProcessResult r = run_destkit({"test-auth", "frozen-v1-0", "--plugin-path", kTestPluginDir.string(), "--settings",
                                 "-"},
                                R"({"apiKey":"never-SECRET-sent"})");
  CHECK(r.out == "Settings are valid. Variant has no testRequest, so the credentials were not checked.\n");
  CHECK(r.exit_code == 5);

  ProcessResult json =
      run_destkit({"test-auth", "frozen-v1-0", "--plugin-path", kTestPluginDir.string(), "--settings", "-", "--json"},
                  R"({"apiKey":"never-SECRET-sent"})");
  CHECK(boost::json::parse(json.out) ==
        boost::json::parse(R"({"ok":false,"note":"Settings are valid. Variant has no testRequest, so the )"
                           R"(credentials were not checked."})"));
  CHECK(json.exit_code == 5);
}

TEST_CASE("every command has help") {
  for (const char* command : {"plugins", "describe", "check", "test-auth", "mock-api", "init"}) {
    ProcessResult r = run_destkit({command, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(std::string("Usage: destkit ") + command) == 0);
  }
  CHECK(run_destkit({"--help"}).out.find("Commands:") != std::string::npos);
}

TEST_CASE("init writes a project and never overwrites an existing directory") {
  std::filesystem::path dir = new_directory("init") / "acme";
  ProcessResult created = run_destkit({"init", "acme", "--scheme", "basic", "--dir", dir.string()});
  CHECK(created.exit_code == 0);
  for (const char* file : {"CMakeLists.txt", "README.md", "src/acme.cpp", "tests/test-request.sh"}) {
    CHECK(std::filesystem::exists(dir / file));
  }
  std::filesystem::resize_file(dir / "src/acme.cpp", 0);
  ProcessResult again = run_destkit({"init", "acme", "--scheme", "basic", "--dir", dir.string()});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("already exists; init never overwrites anything") != std::string::npos);
  CHECK(std::filesystem::file_size(dir / "src/acme.cpp") == 0);

  CHECK(run_destkit({"init", "Not_A_Slug"}).exit_code == 2);
  for (const std::string& name : {std::string("3dee"), std::string(64, 'a')}) {
    ProcessResult refused = run_destkit({"init", name});
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("cannot name a project: use 1 to 63 lower-case letters"));
  }
  CHECK(run_destkit({"init", "acme", "--scheme", "kerberos"}).exit_code == 2);
}
