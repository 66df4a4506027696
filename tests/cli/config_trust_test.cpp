// The host configuration decides which plugins are trusted and where tokens are sent: it, the
// files it names and serve's bearer token file are refused when another user could write them,
// by the rule for plugin files, unless --insecure-plugin-permissions says otherwise.
#include "environment.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;

namespace {

// A configuration whose OAuth client secret is kept in the file `secret`.
std::string config_naming(const fs::path& secret) {
  return R"({"destinations": {"example-oauth-managed": {"oauth": {"clientId": "id", "clientSecret": {"file": ")" +
         secret.string() +
         R"("}, "authorizeUrl": "https://127.0.0.1/authorize", "tokenUrl": "https://127.0.0.1/token"}}}})";
}

ProcessResult plugins_with(const fs::path& config, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"plugins", "--config", config.string(), "--plugin-path", kTestPluginDir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_destkit(args);
}

}  // namespace

TEST_CASE("a configuration, or a file it names, that another user could write is refused, saying which",
          "[own-isolation]") {
  fs::path dir = new_directory("config-trust");
  fs::path config = dir / "host.json";
  fs::path secret = dir / "client-secret";
  std::ofstream(secret) << "config-trust-SECRET\n";
  std::ofstream(config) << config_naming(secret);
  fs::permissions(secret, fs::perms(0600));
  fs::permissions(config, fs::perms(0600));
  REQUIRE(plugins_with(config).exit_code == 0);

  SECTION("the configuration file itself") {
    fs::permissions(config, fs::perms(0666));
    ProcessResult r = plugins_with(config);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot use the configuration file " + config.string() +
                                      ": the file can be written by any user (mode 0666)") &&
                          Catch::Contains("(--insecure-plugin-permissions uses it anyway)"));
    CHECK(plugins_with(config, {"--insecure-plugin-permissions"}).exit_code == 0);
  }
  SECTION("a directory above it, reached through a symbolic link") {
    fs::path link = new_directory("config-trust-link") / "host.json";
    fs::create_symlink(config, link);
    fs::permissions(dir, fs::perms(0777));
    ProcessResult r = plugins_with(link);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("it resolves to " + config.string() + "; its directory " + dir.string() +
                                      " can be written by any user (mode 0777)"));
  }
  SECTION("a symbolic link to it or to a file it names, in a directory another user could change") {
    fs::path open_dir = new_directory("config-trust-open");
    fs::permissions(open_dir, fs::perms(0777));
    fs::path config_link = open_dir / "host.json";
    fs::create_symlink(config, config_link);
    ProcessResult r = plugins_with(config_link);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("the symbolic link " + config_link.string() +
                                      " on its way is in a directory another user can change (its directory " +
                                      open_dir.string() + " can be written by any user (mode 0777))"));
    fs::path secret_link = open_dir / "client-secret";
    fs::create_symlink(secret, secret_link);
    std::ofstream(config) << config_naming(secret_link);
    ProcessResult named = plugins_with(config);
    CHECK(named.exit_code == 2);
    CHECK_THAT(named.err, Catch::Contains("cannot use the file " + secret_link.string()) &&
                              Catch::Contains("the symbolic link " + secret_link.string() + " on its way"));
    CHECK(named.output().find("config-trust-SECRET") == std::string::npos);
  }
  SECTION("a file it names") {
    fs::permissions(secret, fs::perms(0666));
    ProcessResult r = plugins_with(config);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("destinations.example-oauth-managed.oauth.clientSecret: cannot use the file " +
                                      secret.string() + ": the file can be written by any user (mode 0666)"));
    CHECK(r.output().find("config-trust-SECRET") == std::string::npos);
    CHECK(plugins_with(config, {"--insecure-plugin-permissions"}).exit_code == 0);
  }
}
