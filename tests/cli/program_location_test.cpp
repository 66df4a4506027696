// The destkit program finds its bundled plugins and its plugin runner next to its own file,
// however it was started: by name from $PATH, from any working directory.
#include "environment.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;

TEST_CASE("destkit started by name from $PATH loads its own plugins and runner, never the working directory's") {
  // A directory with a plugin planted where "./destkit/plugins" would find it.
  fs::path cwd = new_directory("started-by-name");
  fs::create_directories(cwd / "destkit" / "plugins");
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", cwd / "destkit" / "plugins" / "destkit-planted.so");
  for (std::string isolation : {"in-process", "process"}) {
    CAPTURE(isolation);
    std::string command = "cd '" + cwd.string() + "' && PATH='" + kDestkitCli.parent_path().string() +
                          "':\"$PATH\" exec destkit plugins --isolation " + isolation;
    ProcessResult listed = run_process({"/bin/sh", "-c", command});
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("example-basic") != std::string::npos);
    CHECK(listed.output().find("planted") == std::string::npos);
    CHECK(listed.output().find("test-probe") == std::string::npos);
    CHECK(listed.output().find("runner cannot start") == std::string::npos);
  }
}

TEST_CASE("a relative --plugin-path is resolved against the working directory and shown without its \".\" parts") {
  fs::path cwd = new_directory("relative-plugin-path");
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", cwd / "destkit-test-probe.so");
  for (std::string given : {".", "./", "././"}) {
    CAPTURE(given);
    std::string command =
        "cd '" + cwd.string() + "' && exec '" + kDestkitCli.string() + "' plugins --json --plugin-path " + given;
    ProcessResult listed = run_process({"/bin/sh", "-c", command});
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("\"path\":\"" + (cwd / "destkit-test-probe.so").string() + "\"") != std::string::npos);
  }
}
