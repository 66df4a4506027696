// What the host reads from a plugin file's dynamic section before any of its code runs: the
// libraries it names and where it tells the loader to look, or a problem — never a guess.
#include "environment.hpp"

#include "plugin/elf_dependencies.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace destkit::test;
using destkit::host::ElfDependencies;
using destkit::host::read_elf_dependencies;
namespace fs = std::filesystem;

namespace {

bool same(const ElfDependencies& a, const ElfDependencies& b) {
  return a.needed == b.needed && a.search_paths == b.search_paths;
}

}  // namespace

TEST_CASE("the libraries a plugin names and its RUNPATH are read as the dynamic loader reads them") {
  auto neighbour = read_elf_dependencies(read_file(kHostilePluginDir / "destkit-variant-needs-neighbour.so"));
  REQUIRE(std::holds_alternative<ElfDependencies>(neighbour));
  const auto& found = std::get<ElfDependencies>(neighbour);
  CHECK(std::find(found.needed.begin(), found.needed.end(), "libdestkit-test-neighbour.so") != found.needed.end());
  CHECK(found.search_paths == std::vector<std::string>{"$ORIGIN"});
  CHECK(destkit::host::dependency_problem(found) ==
        "its RUNPATH/RPATH \"$ORIGIN\" reaches outside the system library directories");

  auto probe = read_elf_dependencies(read_file(kTestPluginDir / "destkit-test-probe.so"));
  REQUIRE(std::holds_alternative<ElfDependencies>(probe));
  CHECK(std::get<ElfDependencies>(probe).search_paths.empty());
  CHECK(destkit::host::dependency_problem(std::get<ElfDependencies>(probe)).empty());
}

TEST_CASE("library names that are paths, or that no system directory holds, are problems") {
  CHECK(destkit::host::dependency_problem({{"./libevil.so"}, {}}) == "it needs \"./libevil.so\", a path rather than a library name");
  CHECK(destkit::host::dependency_problem({{"libdestkit-nowhere.so.1"}, {}}) ==
        "it needs libdestkit-nowhere.so.1, which is in no system library directory");
  CHECK(destkit::host::dependency_problem({{}, {""}}) ==
        "its RUNPATH/RPATH \"\" reaches outside the system library directories");  // "" is the working directory
  CHECK(destkit::host::dependency_problem({{}, {"/usr/lib/"}}).empty());
}

TEST_CASE("a truncated or corrupted plugin file gives a problem or the true dependencies, never other ones") {
  std::string bytes = read_file(kHostilePluginDir / "destkit-variant-needs-neighbour.so");
  const ElfDependencies truth = std::get<ElfDependencies>(read_elf_dependencies(bytes));
  for (std::size_t size = 0; size < bytes.size(); size += 3) {
    auto read = read_elf_dependencies(std::string_view(bytes).substr(0, size));
    if (auto* found = std::get_if<ElfDependencies>(&read)) {
      INFO(size);
      CHECK(same(*found, truth));
    }
  }
  // Corruption may change what the file says; the reader must still answer without reading
  // outside the bytes (the sanitizer builds check that).
  std::mt19937 random(20240611);
  for (int i = 0; i < 5000; ++i) {
    std::string damaged = bytes;
    for (int flips = 0; flips < 4; ++flips) damaged[random() % damaged.size()] ^= static_cast<char>(1u << (random() % 8));
    (void)read_elf_dependencies(damaged);
  }
}
