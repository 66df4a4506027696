// The plugin metadata cache from the command line: destkit plugins lists the same cold and warm,
// and destkit serve keeps a cache by default.
#include "environment.hpp"
#include "serve_process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;

TEST_CASE("destkit plugins lists the same plugins and rejections cold and warm, as text and as JSON") {
  // In a directory of its own that the host makes (0700): it writes a cache nowhere else.
  fs::path cache = new_directory("cli-metadata-cache") / "destkit" / "plugin-metadata.json";
  fs::path config = new_directory("cli-metadata-config") / "host.json";
  std::ofstream(config) << "{\"metadataCache\": \"" << cache.string() << "\"}";
  for (bool as_json : {false, true}) {
    DYNAMIC_SECTION((as_json ? "--json" : "text")) {
      std::vector<std::string> args{"plugins", "--plugin-path", kTestPluginDir.string(), "--config", config.string()};
      if (as_json) args.push_back("--json");
      fs::remove(cache);
      ProcessResult cold = run_destkit(args);
      REQUIRE(fs::exists(cache));
      ProcessResult warm = run_destkit(args);
      CHECK(warm.exit_code == cold.exit_code);
      CHECK(warm.out == cold.out);
      CHECK_THAT(cold.out, Catch::Contains("test-probe") && Catch::Contains("destkit-variant-not-json.so"));
      CHECK_THAT(cold.err + warm.err, !Catch::Contains("metadata cache"));
    }
  }
}

TEST_CASE("destkit serve keeps a plugin metadata cache in XDG_CACHE_HOME unless the configuration says false") {
  fs::path plugins = new_directory("serve-cached-plugins");
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", plugins / "destkit-test-probe.so");
  {
    ServeProcess serve({"--plugin-path", plugins.string()});
    fs::path cache = fs::path(std::getenv("XDG_CACHE_HOME")) / "destkit" / "plugin-metadata.json";
    CHECK(fs::exists(cache));
    CHECK_THAT(read_file(cache), Catch::Contains((plugins / "destkit-test-probe.so").string()));
    serve.stop();
  }
  fs::path config = new_directory("serve-no-cache-config") / "host.json";
  std::ofstream(config) << R"({"metadataCache": false})";
  ServeProcess serve({"--plugin-path", plugins.string(), "--config", config.string()});
  CHECK_FALSE(fs::exists(fs::path(std::getenv("XDG_CACHE_HOME")) / "destkit"));
  serve.stop();
}
