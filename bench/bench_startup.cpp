// destkit-bench-startup — how long a host takes to have FILES C plugins ready, without a
// metadata cache, cold (discovering every file and writing the cache) and warm (listing every
// plugin from the cache), in one run:
//   each measurement is a process of its own (loaded libraries stay loaded, so one process
//   cannot start cold twice), timing the Host's construction and reading its peak resident
//   memory (VmHWM); ROUNDS rounds of the three, plus the same with every file pinned by
//   SHA-256 (the file is then read and hashed at every start, warm included).
// Prints one JSON line with the median wall-clock and CPU times of each, their ratios to the
// start without a cache, and the largest peak resident memory of each. Numbers, never assertions: the machine may be noisy.
//
//   destkit-bench-startup [--files 1000] [--rounds 5] [--isolation in-process|process]
#include <destkit/host/host.hpp>

#include "timing.hpp"

#include "util/read_file.hpp"
#include "util/sha256.hpp"

#include <boost/json.hpp>

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using destkit::bench::Clock;
using destkit::bench::ms_since;
using destkit::host::Host;
using destkit::host::HostOptions;
using destkit::host::Isolation;

const std::string kSlug = "bench-c-000000";

// FILES copies of the bench C plugin, each with a slug of its own.
void make_plugins(const fs::path& directory, int files) {
  std::string bytes = destkit::host::read_file(fs::path(DESTKIT_BENCH_PLUGIN_DIR) / "destkit-bench-c.so",
                                               {.max_bytes = std::size_t{64} << 20})
                          .text;
  for (int i = 0; i < files; ++i) {
    std::string copy = bytes, slug = "bench-c-" + std::to_string(100000 + i);
    for (auto at = copy.find(kSlug); at != std::string::npos; at = copy.find(kSlug, at)) copy.replace(at, kSlug.size(), slug);
    std::ofstream(directory / ("destkit-" + slug + ".so"), std::ios::binary) << copy;
  }
}

// User and system time of this process so far: on a shared machine, what the start cost
// itself, whatever else was running.
double cpu_ms() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// One measurement, in this process: prints "MS CPU_MS PEAK_KB PLUGINS".
int measure(const fs::path& plugins, const std::string& cache, bool pinned, Isolation isolation) {
  HostOptions options;
  options.plugin_directories = {plugins};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.config.isolation = isolation;
  options.config.metadata_cache = cache == "none" ? fs::path() : fs::path(cache);
  if (pinned) {
    for (const auto& entry : fs::directory_iterator(plugins)) {
      options.config.plugins.sha256_pins[entry.path().filename().string()] =
          destkit::host::sha256_hex(destkit::host::read_file(entry.path(), {.max_bytes = std::size_t{64} << 20}).text);
    }
  }
  double cpu_before = cpu_ms();
  auto start = Clock::now();
  Host host(std::move(options));
  double ms = ms_since(start);
  std::printf("%f %f %ld %zu\n", ms, cpu_ms() - cpu_before, peak_rss_kb(), host.plugins().size());
  return 0;
}

struct Sample {
  double ms;
  double cpu_ms;
  long peak_kb;
};

// Runs one measurement in a child process.
Sample run(const fs::path& plugins, const std::string& cache, bool pinned, const std::string& isolation,
           std::size_t expected) {
  std::string command = "/proc/" + std::to_string(::getpid()) + "/exe --measure " + plugins.string() + " " + cache + " " +
                        (pinned ? "pinned" : "unpinned") + " " + isolation;
  FILE* child = ::popen(command.c_str(), "r");
  Sample sample{};
  std::size_t count = 0;
  if (child == nullptr || std::fscanf(child, "%lf %lf %ld %zu", &sample.ms, &sample.cpu_ms, &sample.peak_kb, &count) != 4 ||
      ::pclose(child) != 0 || count != expected) {
    std::cerr << "a measurement failed (" << count << " plugins of " << expected << ")\n";
    std::exit(1);
  }
  return sample;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--measure") {
    return measure(argv[2], argv[3], std::string(argv[4]) == "pinned",
                   std::string(argv[5]) == "process" ? Isolation::process : Isolation::in_process);
  }
  int files = 1000, rounds = 5;
  std::string isolation = "in-process";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--files") files = std::atoi(argv[i + 1]);
    if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (flag == "--isolation") isolation = argv[i + 1];
  }
  fs::path root = fs::temp_directory_path() / ("destkit-bench-startup-" + std::to_string(::getpid()));
  fs::create_directories(root / "plugins");
  fs::permissions(root, fs::perms::owner_all);
  make_plugins(root / "plugins", files);
  std::string cache = (root / "cache" / "plugin-metadata.json").string();

  json::object out{{"files", files}, {"rounds", rounds}, {"isolation", isolation}};
  for (bool pinned : {false, true}) {
    // Per start: none (no cache), cold (writes the cache), warm (reads it).
    std::vector<double> ms[3], cpu[3];
    long peak[3] = {0, 0, 0};
    for (int r = 0; r < rounds; ++r) {
      for (int start = 0; start < 3; ++start) {
        if (start == 1) fs::remove(cache);
        Sample s = run(root / "plugins", start == 0 ? "none" : cache, pinned, isolation, files);
        ms[start].push_back(s.ms);
        cpu[start].push_back(s.cpu_ms);
        peak[start] = std::max(peak[start], s.peak_kb);
      }
    }
    json::object result;
    const char* names[] = {"no_cache", "cold", "warm"};
    for (int start = 0; start < 3; ++start) {
      result[names[start]] = json::object{{"ms", median(ms[start])},
                                          {"cpu_ms", median(cpu[start])},
                                          {"ratio", median(ms[start]) / median(ms[0])},
                                          {"cpu_ratio", median(cpu[start]) / median(cpu[0])},
                                          {"peak_rss_mb", peak[start] / 1024.0}};
    }
    out[pinned ? "pinned" : "unpinned"] = std::move(result);
  }
  std::error_code ignored;
  fs::remove_all(root, ignored);
  std::cout << json::serialize(out) << "\n";
  return 0;
}
