// Plugins whose code reaches into the process that loads them — exit(), standard output, the
// working directory — and special files named like plugins: none of it changes what the
// destkit CLI reports, and nothing of it reads as success.
#include "environment.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <sys/stat.h>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kToken = "hostile-plugin-test-SECRET-token";

// A fresh plugin directory holding test-probe and, unless empty, the hostile variant `variant`.
fs::path directory_with(const std::string& variant) {
  fs::path dir = new_directory("hostile-" + (variant.empty() ? std::string("none") : variant));
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", dir / "destkit-test-probe.so");
  if (!variant.empty()) {
    std::string file = "destkit-variant-" + variant + ".so";
    fs::copy_file(kHostilePluginDir / file, dir / file);
  }
  return dir;
}

// An API that accepts test-probe's token and refuses anything else.
Server api(bool with_tls = false) {
  auto handler = [](const Request& r) {
    return r.header("X-Api-Token") == kToken ? Response::json(200, "{}") : Response::json(401, R"({"error":"bad key"})");
  };
  return with_tls ? Server(handler, test_certificate()) : Server(handler);
}

std::string probe_settings(const Server& server, const std::string& token, const std::string& mode,
                           const char* scheme = "http") {
  return std::string(R"({"baseUrl":")") + scheme + "://127.0.0.1:" + std::to_string(server.port()) +
         R"(/base","token":")" + token + R"(","mode":")" + mode + "\"}";
}

ProcessResult test_auth(const fs::path& plugin_dir, const std::string& settings) {
  return run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", plugin_dir.string()}, settings);
}

// The guard against exit() from plugin code in the host's own process; a plugin in a runner
// that exits gets a verdict instead (tests/host/isolation_test.cpp).
ProcessResult test_auth_in_process(const fs::path& plugin_dir, const std::string& settings) {
  return run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", plugin_dir.string(),
                      "--isolation", "in-process"},
                     settings);
}

std::vector<std::string> slugs(const json::value& listing) {
  std::vector<std::string> out;
  for (const auto& p : listing.at("plugins").as_array()) out.emplace_back(p.at("slug").as_string());
  return out;
}

}  // namespace

TEST_CASE("a plugin calling exit() in its entry point makes check fail with a message, never succeed") {
  fs::path dir = directory_with("exits-in-entry");
  ProcessResult r =
      run_destkit({"check", (dir / "destkit-variant-exits-in-entry.so").string(), "--isolation", "in-process"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.find("destkit: plugin destkit-variant-exits-in-entry.so called exit() in its entry point; "
                   "exiting with status 3") != std::string::npos);
}

TEST_CASE("a plugin calling exit() while it loads cannot make test-auth of another plugin read as success") {
  Server server = api();
  ProcessResult r =
      test_auth_in_process(directory_with("exits-in-entry"), probe_settings(server, "a-wrong-key", "plain"));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("called exit() in its entry point") != std::string::npos);
}

TEST_CASE("a plugin's exit handler or thread calling exit outside a hook cannot set test-auth's status") {
  // Both start from the entry point, run at discovery by every command.
  Server server([](const Request&) {
    Response refused = Response::json(401, R"({"error":"bad key"})");
    refused.delay = std::chrono::milliseconds(1500);  // the thread's exit comes while this waits
    return refused;
  });
  std::string fault = GENERATE(as<std::string>{}, "exit-handler", "thread-exit");
  DYNAMIC_SECTION(fault) {
    std::string slug = "faulty-" + fault + "-entry";
    ProcessResult r =
        run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string(),
                     "--plugin-path", (kTestPluginDir / "faulty" / slug).string(), "--isolation", "in-process"},
                    probe_settings(server, "a-wrong-key", "plain"));
    if (fault == "exit-handler") {
      CHECK(r.exit_code == 1);  // the verdict's status: the handler never runs
      CHECK_THAT(r.out, Catch::StartsWith("Credentials are invalid"));
    } else {
      CHECK(r.exit_code != 0);  // while testRequest waits, or after: either way not the plugin's 0
                                // exit() runs destructors on the plugin's thread while the command runs on: a race that
                                // ThreadSanitizer reports, ending with a status of its own.
#ifndef DESTKIT_SANITIZED
      CHECK(r.exit_code == 3);
      CHECK_THAT(r.err, Catch::Contains("destkit: exit() was called ") && Catch::Contains("exiting with status 3"));
#endif
    }
  }
}

TEST_CASE("a plugin calling exit() in testRequest makes test-auth fail, never succeed") {
  Server server = api();
  ProcessResult r = test_auth_in_process(kTestPluginDir, probe_settings(server, "a-wrong-key", "exit"));
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.find("destkit: plugin test-probe called exit() in testRequest; exiting with status 3") != std::string::npos);
}

TEST_CASE("a plugin calling exit() in process still leaves one JSON object for --json") {
  Server server = api();
  ProcessResult tested = run_destkit({"test-auth", "test-probe", "--settings", "-", "--plugin-path",
                                      kTestPluginDir.string(), "--isolation", "in-process", "--json"},
                                     probe_settings(server, "a-wrong-key", "exit"));
  CHECK(tested.exit_code == 3);
  json::value verdict;
  REQUIRE_NOTHROW(verdict = json::parse(tested.out));
  CHECK(verdict.at("ok") == false);
  CHECK(verdict.at("error") == "plugin test-probe called exit() in testRequest; exiting with status 3");

  fs::path dir = directory_with("exits-in-entry");
  ProcessResult listed = run_destkit({"plugins", "--json", "--plugin-path", dir.string(), "--isolation", "in-process"});
  CHECK(listed.exit_code == 3);
  REQUIRE_NOTHROW(verdict = json::parse(listed.out));
  CHECK(verdict.at("ok") == false);
  CHECK(std::string(verdict.at("error").as_string()).find("called exit() in its entry point") != std::string::npos);
}

TEST_CASE("what a plugin prints to standard output while it loads goes to standard error and --json stays JSON") {
  fs::path dir = directory_with("prints-at-load");
  ProcessResult listed = run_destkit({"plugins", "--json", "--plugin-path", dir.string()});
  CHECK(listed.exit_code == 0);
  json::value listing;
  REQUIRE_NOTHROW(listing = json::parse(listed.out));
  CHECK(slugs(listing).at(1) == "variant");
  CHECK(listed.err.find("a plugin constructor printing to standard output") != std::string::npos);

  ProcessResult checked = run_destkit({"check", (dir / "destkit-variant-prints-at-load.so").string(), "--json"});
  CHECK(checked.exit_code == 0);
  REQUIRE_NOTHROW(json::parse(checked.out));
}

TEST_CASE("a plugin closing standard output while it loads does not silence the verdict") {
  Server server = api();
  fs::path dir = directory_with("closes-stdout");
  ProcessResult wrong = test_auth(dir, probe_settings(server, "a-wrong-key", "plain"));
  CHECK(wrong.out == "Credentials are invalid: 401 Unauthorized\n");
  CHECK(wrong.exit_code == 1);
  ProcessResult right = test_auth(dir, probe_settings(server, kToken, "plain"));
  CHECK(right.out == "Credentials are valid.\n");
  CHECK(right.exit_code == 0);
}

TEST_CASE("a plugin changing the working directory while it loads does not change what relative paths name") {
  Server server = api(true);
  // Everything the command names lives under the directory it starts in, named relative to it.
  fs::path work = new_directory("relative-paths");
  fs::create_directory(work / "first");
  fs::copy_file(kHostilePluginDir / "destkit-variant-chdir-at-load.so", work / "first" / "destkit-variant-chdir-at-load.so");
  fs::create_directory(work / "second");
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", work / "second" / "destkit-test-probe.so");
  fs::copy_file(test_certificate().certificate, work / "ca.pem");
  std::ofstream(work / "settings.json") << probe_settings(server, kToken, "plain", "https");

  ProcessResult r = run_process({"/usr/bin/env", "--chdir", work.string(), kDestkitCli.string(), "test-auth",
                                 "test-probe", "--settings", "settings.json", "--plugin-path", "first",
                                 "--plugin-path", "second", "--cacert", "ca.pem"});
  CHECK(r.out == "Credentials are valid.\n");
  CHECK(r.exit_code == 0);
}

TEST_CASE("a FIFO named like a plugin is refused without being opened") {
  fs::path dir = directory_with("");
  fs::path fifo = dir / "destkit-fifo.so";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::vector<std::string> argv{kDestkitCli.string(), "plugins", "--json", "--plugin-path", dir.string()};
  ProcessResult r = run_process(argv, "", std::chrono::seconds(20));
  REQUIRE(r.exit_code == 0);
  json::value listing = json::parse(r.out);
  CHECK(slugs(listing).at(0) == "test-probe");
  json::value rejected = listing.at("rejected").at(0);
  CHECK(std::string(rejected.at("path").as_string()) == fifo.string());
  CHECK(rejected.at("reason") == "is a FIFO, not a regular file: refused without opening it");

  ProcessResult checked = run_process({kDestkitCli.string(), "check", fifo.string()}, "", std::chrono::seconds(20));
  CHECK(checked.out == "Rejected: " + fifo.string() + " is a FIFO, not a regular file: refused without opening it\n");
  CHECK(checked.exit_code == 1);
}

TEST_CASE("a plugin writable through a group other users share is refused, even the process's own group") {
  // nogroup is also nobody's primary group: a group of several users, not the user's own.
  const passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr || nobody->pw_gid != 65534) {
    WARN("skipped: this machine has no user nobody in group 65534");
    return;
  }
  fs::path dir = new_directory("shared-group");
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", dir / "destkit-test-probe.so");
  for (const fs::path& path : {dir, dir / "destkit-test-probe.so"}) REQUIRE(::chown(path.c_str(), 0, 65534) == 0);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_all | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir / "destkit-test-probe.so", fs::perms::owner_read | fs::perms::owner_write |
                                                     fs::perms::group_read | fs::perms::group_write |
                                                     fs::perms::others_read);
  ProcessResult listed = run_process({"/usr/bin/setpriv", "--regid", "65534", "--clear-groups", kDestkitCli.string(),
                                      "plugins", "--plugin-path", dir.string(), "--isolation", "in-process"});
  CHECK(listed.output().find("can be written by group 65534") != std::string::npos);
  CHECK(listed.out.find("\ntest-probe ") == std::string::npos);  // not among the loaded
}
