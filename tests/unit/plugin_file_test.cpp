// A plugin file, signature or metadata cache read whole with a limit: the bytes as they are up
// to the limit, a clear refusal past it, and no special file opened.
#include "environment.hpp"

#include "plugin/plugin_file.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace destkit::test;
using destkit::host::FileContents;
using destkit::host::read_regular_file;
namespace fs = std::filesystem;

TEST_CASE("a regular file of exactly the limit is read whole; one byte more is refused") {
  fs::path dir = new_directory("plugin-file");
  std::string bytes(100'000, '\0');  // more than one read's buffer, with bytes of every value
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  std::ofstream(dir / "at-limit", std::ios::binary) << bytes;
  std::ofstream(dir / "past-limit", std::ios::binary) << bytes << 'x';

  FileContents at = read_regular_file(dir / "at-limit", bytes.size());
  REQUIRE(at.bytes.has_value());
  CHECK(*at.bytes == bytes);
  CHECK(at.problem.empty());

  FileContents past = read_regular_file(dir / "past-limit", bytes.size());
  CHECK_FALSE(past.bytes.has_value());
  CHECK(past.reason() == "is larger than the limit of 100000 bytes");
}

TEST_CASE("a FIFO is refused by its type, without being opened") {
  fs::path fifo = new_directory("plugin-file-fifo") / "destkit-fifo.so";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  FileContents read = read_regular_file(fifo, 1024);  // opening a FIFO without a writer would block
  CHECK_FALSE(read.bytes.has_value());
  CHECK(read.special_file);
  CHECK(read.reason() == "is a FIFO, not a regular file: refused without opening it");
}

TEST_CASE("a file that cannot be opened is refused with the system's reason") {
  FileContents missing = read_regular_file(new_directory("plugin-file-missing") / "absent.so", 1024);
  CHECK_FALSE(missing.bytes.has_value());
  CHECK(missing.error == ENOENT);
  CHECK(missing.reason() == "cannot be read (No such file or directory)");
}
