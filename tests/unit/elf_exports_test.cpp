// How the host finds a plugin's entry point in the file's bytes before any of its code runs:
// through the dynamic symbol table and its hash table, as dlsym finds it.
#include "environment.hpp"

#include "plugin/elf_exports.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace destkit::test;
using destkit::host::ElfImage;
using destkit::host::exports_function;
using destkit::host::read_elf_image;

namespace {

const std::filesystem::path kElfSymbols = kTestPluginDir / "elf-symbols";

// exports_function on the file's bytes: true, false, or the problem's text.
std::variant<bool, std::string> exports(std::string_view bytes, std::string_view name) {
  auto image = read_elf_image(bytes);
  if (auto* problem = std::get_if<std::string>(&image)) return *problem;
  return exports_function(std::get<ElfImage>(image), name);
}

bool has_tag(std::string_view bytes, std::int64_t tag) {
  auto value = std::get<ElfImage>(read_elf_image(bytes)).single(tag);
  return std::get<0>(value).has_value();
}

}  // namespace

TEST_CASE("the entry point is found through a GNU hash table and through a System V one") {
  std::string gnu = read_file(kTestPluginDir / "destkit-test-probe.so");
  REQUIRE(has_tag(gnu, DT_GNU_HASH));
  CHECK(exports(gnu, "dk_plugin_entry") == std::variant<bool, std::string>(true));
  CHECK(exports(gnu, "dk_plugin_entrx") == std::variant<bool, std::string>(false));
  CHECK(exports(gnu, "") == std::variant<bool, std::string>(false));

  std::string sysv = read_file(kElfSymbols / "destkit-sysv-hash.so");
  REQUIRE_FALSE(has_tag(sysv, DT_GNU_HASH));
  REQUIRE(has_tag(sysv, DT_HASH));
  CHECK(exports(sysv, "dk_plugin_entry") == std::variant<bool, std::string>(true));
  CHECK(exports(sysv, "dk_plugin_entrx") == std::variant<bool, std::string>(false));
}

TEST_CASE("a library without the entry point, or with it hidden from dlsym, does not export it") {
  CHECK(exports(read_file(kTestPluginDir / "destkit-no-entry.so"), "dk_plugin_entry") ==
        std::variant<bool, std::string>(false));
  std::string hidden = read_file(kElfSymbols / "destkit-hidden-entry.so");
  REQUIRE(hidden.find("dk_plugin_entry") != std::string::npos);  // in the full symbol table
  CHECK(exports(hidden, "dk_plugin_entry") == std::variant<bool, std::string>(false));
  CHECK(exports(hidden, "not_a_plugin") == std::variant<bool, std::string>(true));
}

TEST_CASE("a truncated or corrupted library gives a problem or the true answer for a name it lacks") {
  for (const auto& file : {kHostilePluginDir / "destkit-variant-needs-neighbour.so", kElfSymbols / "destkit-sysv-hash.so"}) {
    std::string bytes = read_file(file);
    REQUIRE(exports(bytes, "dk_plugin_entry") == std::variant<bool, std::string>(true));
    for (std::size_t size = 0; size < bytes.size(); size += 3) {
      auto answer = exports(std::string_view(bytes).substr(0, size), "dk_plugin_entrx");
      INFO(file.filename().string() << " cut at " << size);
      CHECK_FALSE(answer == std::variant<bool, std::string>(true));
    }
    // Corruption may change what the file says; the reader must still answer without reading
    // outside the bytes or looping (the sanitizer builds check the reads).
    std::mt19937 random(20261129);
    for (int i = 0; i < 5000; ++i) {
      std::string damaged = bytes;
      for (int flips = 0; flips < 4; ++flips) damaged[random() % damaged.size()] ^= static_cast<char>(1u << (random() % 8));
      (void)exports(damaged, "dk_plugin_entry");
    }
  }
}
