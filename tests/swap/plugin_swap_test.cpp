// A plugin file replaced by another right after the host verified it: the code that runs is
// the code that was verified, never the replacement's.
//
// The replacement happens at the moment that matters, just before the host asks the dynamic
// loader for the library: this program defines dlopen itself, and the host's calls reach it
// because a program's own definitions come before those of the libraries it loads. That is
// why this test is a program of its own.
#include "environment.hpp"

#include "plugin/loader.hpp"
#include "plugin/signatures.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <functional>
#include <utility>

namespace {

std::function<void()> before_next_dlopen;

}  // namespace

extern "C" void* dlopen(const char* file, int mode) noexcept {
  using Dlopen = void* (*)(const char*, int);
  static const auto next = reinterpret_cast<Dlopen>(dlsym(RTLD_NEXT, "dlopen"));
  if (auto swap = std::exchange(before_next_dlopen, nullptr)) swap();
  return next(file, mode);
}

using namespace destkit::test;
namespace fs = std::filesystem;

namespace {

// Set by the constructor of variant-marks-load: the replacement's code ran.
constexpr const char* kMark = "DESTKIT_TEST_UNVERIFIED_CODE_RAN";

}  // namespace

TEST_CASE("a plugin file replaced right after verification cannot run the replacement's code") {
  std::string variant = GENERATE(as<std::string>{}, "pinned", "unpinned");
  fs::path dir = new_directory("swap-" + variant);
  fs::path plugin = dir / "destkit-swapped.so";
  fs::path impostor = dir / "impostor";
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", plugin);
  std::ofstream(plugin, std::ios::app) << variant;  // bytes of its own: this process has not loaded them yet
  fs::copy_file(kHostilePluginDir / "destkit-variant-marks-load.so", impostor);

  destkit::host::PluginTrust trust;
  if (variant == "pinned") trust.sha256_pins[plugin.filename().string()] = destkit::host::sha256_hex(read_file(plugin));
  ::unsetenv(kMark);
  bool swapped = false;
  before_next_dlopen = [&] { swapped = std::rename(impostor.c_str(), plugin.c_str()) == 0; };
  auto loaded = destkit::host::load_plugin(plugin, [](auto...) {}, trust);
  before_next_dlopen = nullptr;

  REQUIRE(swapped);
  CHECK(std::getenv(kMark) == nullptr);
  auto* plugin_loaded = std::get_if<std::unique_ptr<destkit::host::LoadedPlugin>>(&loaded);
  REQUIRE(plugin_loaded != nullptr);
  CHECK((*plugin_loaded)->slug() == "test-probe");
  CHECK((*plugin_loaded)->path() == plugin);
}
