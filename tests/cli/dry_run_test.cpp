// destkit test-auth --dry-run: the settings are validated and extendRequest and testRequest
// run, but nothing is sent; the first request testRequest asks for is printed, redacted.
#include "environment.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

constexpr const char* kKey = "dryKEY-SECRET-55e1c0";

ProcessResult dry_run(const Server& server, const std::string& slug, const std::string& settings, bool json = false) {
  std::vector<std::string> args{"test-auth", slug, "--settings", "-", "--dry-run", "--plugin-path", kTestPluginDir.string()};
  for (const auto& a : to_local(server.port())) args.push_back(a);
  if (json) args.push_back("--json");
  return run_destkit(args, settings);
}

Server answering_api() {
  return Server([](const Request&) { return Response::json(200, "{}"); }, test_certificate());
}

}  // namespace

TEST_CASE("test-auth --dry-run prints the request testRequest would send, redacted, and sends nothing") {
  Server server = answering_api();
  ProcessResult r = dry_run(server, "seed-custom", std::string(R"({"subdomain":"acme","apiKey":")") + kKey + "\"}");
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("Dry run: testRequest would send this request (not sent; credentials redacted):\n"
                          "GET https://www.example.com/api/accounts/me.json\n"
                          "User-Agent: destkit/"));
  CHECK(r.out.ends_with("\nAccept: */*\nAuthorization: [redacted]\n"));
  CHECK(server.request_count() == 0);
  CHECK(r.output().find(kKey) == std::string::npos);
}

TEST_CASE("test-auth --dry-run --json shows the request, its query credential redacted") {
  Server server = answering_api();
  ProcessResult r = dry_run(server, "query-key", std::string(R"({"apiKey":")") + kKey + "\"}", true);
  CHECK(r.exit_code == 0);
  auto out = boost::json::parse(r.out).as_object();
  CHECK(out.at("ok") == false);  // nothing was sent: nothing says the credentials work
  CHECK(out.at("dryRun") == true);
  CHECK(out.at("requestCount") == 1);
  CHECK(out.at("request").at("method") == "GET");
  CHECK(out.at("request").at("url") == "https://api.example.com/v2/me?api_key=[redacted]");
  CHECK(out.at("request").at("body").is_null());
  CHECK(server.request_count() == 0);
  CHECK(r.output().find(kKey) == std::string::npos);
}

TEST_CASE("test-auth --dry-run with invalid settings says why testRequest sent nothing") {
  Server server = answering_api();
  ProcessResult r = dry_run(server, "seed-custom", R"({"subdomain":"acme"})");
  CHECK(r.exit_code == 1);
  CHECK(r.out.starts_with("Settings are invalid.\n"));
  ProcessResult json = dry_run(server, "seed-custom", R"({"subdomain":"acme"})", true);
  auto out = boost::json::parse(json.out).as_object();
  CHECK(out.at("dryRun") == true);
  CHECK(out.at("requestCount") == 0);
  CHECK(out.at("fields").as_object().contains("apiKey"));
}

TEST_CASE("test-auth --dry-run sends nothing that extendRequest asks for either") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/from-extend";
  ProcessResult r = run_destkit({"test-auth", "faulty-send-to-mode-extend", "--settings", "-", "--dry-run",
                                 "--plugin-path", (kTestPluginDir / "faulty" / "faulty-send-to-mode-extend").string()},
                                R"({"mode":")" + url + "\"}");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("GET " + url));
  CHECK(server.request_count() == 0);
}
