// The project destkit init writes tests what its destination really does: its test learns the
// URL and the credential placement from the destination (test-auth --dry-run), so it still
// passes after the URL and the auth style change, and fails when the destination stops
// sending the credential it is given.
#include "environment.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace destkit::test;

namespace {

// The generated project's own test, as its README runs it.
ProcessResult project_test(const std::filesystem::path& dir) {
  return run_process({"/bin/bash", (dir / "tests" / "test-request.sh").string(), kDestkitCli.string(), dir.string()});
}

void write_manifest(const std::filesystem::path& file, const std::string& extend_request, const std::string& test_url) {
  std::ofstream(file) << R"({
  "slug": "acme", "name": "Acme", "version": "0.1.0",
  "authentication": {
    "scheme": "custom",
    "fields": {"apiKey": {"label": "API Key", "type": "password", "required": true}},
    "testRequest": {"url": ")" << test_url << R"("}
  },
  "extendRequest": )" << extend_request << "\n}\n";
}

}  // namespace

TEST_CASE("the init project's test follows its destination's URL and auth style") {
  std::filesystem::path dir = new_directory("init-project") / "acme";
  REQUIRE(run_destkit({"init", "acme", "--lang", "json", "--dir", dir.string()}).exit_code == 0);
  std::filesystem::path manifest = dir / "destkit-acme.json";

  ProcessResult as_written = project_test(dir);
  INFO(as_written.out + as_written.err);
  CHECK(as_written.exit_code == 0);
  CHECK(as_written.out.find("testRequest: GET api.example.com/v1/me; the right settings pass, wrong ones read: "
                            "Credentials are invalid: 401 Unauthorized") != std::string::npos);

  SECTION("another host, port and path, the key in the query") {
    write_manifest(manifest, R"({"prefixUrl": "https://eu.api.example.org:8443/v2", "searchParams": {"key": "{{settings.apiKey}}"}})",
                   "/accounts/current");
    ProcessResult moved = project_test(dir);
    INFO(moved.out + moved.err);
    CHECK(moved.exit_code == 0);
    CHECK(moved.out.find("testRequest: GET eu.api.example.org/v2/accounts/current;") != std::string::npos);
  }
  SECTION("Basic authentication with the key as the user name") {
    write_manifest(manifest, R"({"prefixUrl": "https://api.example.net", "username": "{{settings.apiKey}}", "password": "x"})",
                   "/ping");
    ProcessResult basic = project_test(dir);
    INFO(basic.out + basic.err);
    CHECK(basic.exit_code == 0);
    CHECK(basic.out.find("testRequest: GET api.example.net/ping;") != std::string::npos);
  }
  SECTION("a destination that ignores the key fails its test") {
    write_manifest(manifest, R"({"prefixUrl": "https://api.example.com/v1", "headers": {"X-Api-Key": "always-the-same"}})", "/me");
    ProcessResult ignored = project_test(dir);
    CHECK(ignored.exit_code != 0);
    CHECK(ignored.err.find("wrong credentials: expected exit 1 (invalid credentials), got 0") != std::string::npos);
  }
}
