// Input is bounded while it is read, not after: files, pipes and devices are read no further
// than the limit plus one byte, and a large JSON answer costs a few bytes a key to check.
#include "endless_fifo.hpp"
#include "environment.hpp"
#include "probe.hpp"

#include "util/json_input.hpp"
#include "util/read_file.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace destkit::test;
using namespace destkit::host;
namespace fs = std::filesystem;

namespace {

// Forgets the peak memory of this process so far (Linux: clear_refs 5 resets VmHWM).
void reset_peak_memory() { std::ofstream("/proc/self/clear_refs") << "5"; }

// The most memory this process has held since the last reset, in bytes.
long long peak_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

// Sanitizers keep freed memory in quarantine and add their own: peaks say nothing there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kPeaksAreMeaningful = false;
#else
constexpr bool kPeaksAreMeaningful = true;
#endif

// {"0":0,"1":0,...,"zzz":0}: about `bytes` of distinct keys of one to four characters.
std::string object_of_tiny_keys(std::size_t bytes) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string text = "{";
  text.reserve(bytes + 16);
  for (std::size_t n = 0; text.size() < bytes; ++n) {
    if (n > 0) text += ',';
    text += '"';
    std::size_t k = n;
    do {
      text += digits[k % 62];
      k /= 62;
    } while (k > 0);
    text += "\":0";
  }
  text += '}';
  return text;
}

}  // namespace

TEST_CASE("a file is read no further than its limit, whatever it is") {
  FileText zero = read_file("/dev/zero", {.max_bytes = 4096});
  CHECK(zero.error == "/dev/zero is larger than the limit of 4096 bytes");
  CHECK(zero.too_large);

  fs::path dir = new_directory("bounded");
  std::ofstream(dir / "exact") << std::string(4096, 'x');
  std::ofstream(dir / "over") << std::string(4097, 'x');
  CHECK(read_file(dir / "exact", {.max_bytes = 4096}).text.size() == 4096);
  CHECK(read_file(dir / "over", {.max_bytes = 4096}).too_large);
  CHECK(read_file(dir, {.max_bytes = 4096}).error == dir.string() + " is a directory, not a file");
  FileText missing = destkit::host::read_file(dir / "missing");
  CHECK(missing.missing);
  CHECK(missing.error == "cannot read " + (dir / "missing").string() + " (No such file or directory)");
}

TEST_CASE("a device that never gives anything to read is an error after the FIFO wait, not a hang") {
  destkit::host::FileText read = read_file("/dev/ptmx", {.max_bytes = 4096});
  CHECK(read.error == "the device /dev/ptmx gave nothing to read within 10 seconds");
  CHECK(read_file("/dev/null", {.max_bytes = 4096}).ok());  // a device with something to say: its end
}

TEST_CASE("a FIFO is refused at once where only regular files are wanted") {
  fs::path fifo = new_directory("bounded") / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_file(fifo, {.max_bytes = 4096, .regular_file_only = true}).error == fifo.string() + " is not a regular file");
}

TEST_CASE(
    "a configuration FIFO is refused at once; one read anyway that nothing is written to is an error after a "
    "bound, not a hang") {
  fs::path fifo = new_directory("config") / "host.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  ProcessResult refused = run_destkit({"plugins", "--config", fifo.string()});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains(fifo.string() + " is not a regular file"));
  SpawnedProcess process({kDestkitCli.string(), "plugins", "--config", fifo.string(), "--insecure-plugin-permissions"});
  ProcessResult result = process.wait(std::chrono::seconds(30));
  CHECK(result.err ==
        "destkit: invalid configuration: cannot use the configuration file: nothing was written to the "
        "FIFO " +
            fifo.string() + " within 10 seconds\n");
  CHECK(result.exit_code == 2);
}

TEST_CASE("an endless settings file is refused once it passes 1 MiB") {
  EndlessFifo settings(new_directory("settings") / "settings.json", 2 << 20);
  SpawnedProcess process({kDestkitCli.string(), "test-auth", "test-probe", "--plugin-path", kTestPluginDir.string(),
                          "--settings", settings.path().string()});
  ProcessResult result = process.wait(std::chrono::seconds(20));
  CHECK(result.out == "Settings are invalid: " + settings.path().string() + " is larger than the limit of 1048576 bytes\n");
  CHECK(result.exit_code == 1);
}

TEST_CASE("an endless configuration file is refused once it passes 1 MiB") {
  EndlessFifo config(new_directory("config") / "host.json", 2 << 20);
  SpawnedProcess process(
      {kDestkitCli.string(), "plugins", "--config", config.path().string(), "--insecure-plugin-permissions"});
  ProcessResult result = process.wait(std::chrono::seconds(20));
  CHECK(result.err == "destkit: invalid configuration: cannot use the configuration file: " + config.path().string() +
                          " is larger than the limit of 1048576 bytes\n");
  CHECK(result.exit_code == 2);
}

TEST_CASE("checking a 15 MiB JSON answer of tiny keys costs a few bytes a key") {
  std::string text = object_of_tiny_keys(15 << 20);  // about 1.9 million keys
  reset_peak_memory();
  long long before = peak_memory();
  CHECK(check_json_input(text, {.max_bytes = 16 << 20, .max_depth = 64}).empty());
  long long used = peak_memory() - before;
  if (!kPeaksAreMeaningful) {
    WARN("memory not measured under a sanitizer");
    return;
  }
  INFO("peak grew by " << used / (1 << 20) << " MiB");
  CHECK(used < 64LL << 20);
}

TEST_CASE("a 15 MiB JSON answer of tiny keys is checked, not built, when no value is asked for") {
  std::string body = object_of_tiny_keys(15 << 20);
  destkit::loopback::Server server([&](const destkit::loopback::Request&) { return destkit::loopback::Response::json(200, body); });
  Host host({.plugin_directories = {kTestPluginDir},
             .use_environment_path = false,
             .use_installed_plugins = false,
             .default_timeout = std::chrono::milliseconds(20000)});
  const Plugin* probe = host.find("test-probe");
  REQUIRE(probe != nullptr);
  reset_peak_memory();
  long long before = peak_memory();
  AuthVerdict verdict = host.test_authentication(*probe, probe_settings(probe_base_url(server), "json"));
  long long used = peak_memory() - before;
  CHECK(verdict.message == "Credentials are valid.");
  if (!kPeaksAreMeaningful) {
    WARN("memory not measured under a sanitizer");
    return;
  }
  INFO("peak grew by " << used / (1 << 20) << " MiB");
  CHECK(used < 128LL << 20);
}
