// destkit-bench-declarative — a declarative destination against its compiled twin, in one run:
//   1. testRequest: N x ROUNDS sequential credential checks each, against one local HTTP
//      server, alternating call by call; prints the ratio of the median latencies (JSON /
//      compiled);
//   2. loading: a Host over 1,000 JSON destination files against one over 1,000 libraries.
// Prints one JSON line. Numbers, never assertions: the machine may be noisy.
//
//   destkit-bench-declarative [--n 2000] [--rounds 5] [--files 1000]
#include <destkit/host/host.hpp>

#include "loopback_server.hpp"
#include "timing.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using destkit::bench::Clock;
using destkit::bench::ms_since;
using destkit::bench::time_check;
using destkit::host::Host;
using destkit::host::HostOptions;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

json::object bench_test_request(int n, int rounds) {
  destkit::loopback::Server api([](const destkit::loopback::Request&) {
    return destkit::loopback::Response::json(200, R"({"id":1})");
  });
  HostOptions options;
  options.plugin_directories = {DESTKIT_BENCH_PLUGIN_DIR};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.connect_to = {"acme.example.com:80:127.0.0.1:" + std::to_string(api.port())};
  Host host(options);
  const auto* compiled = host.find("bench-custom");
  const auto* declarative = host.find("bench-custom-json");
  if (compiled == nullptr || declarative == nullptr) {
    std::cerr << "the bench destinations did not load\n";
    std::exit(1);
  }
  // The same settings for both: the JSON twin declares apiBase too, and ignores it.
  const std::string settings =
      R"({"subdomain":"acme","apiKey":"peer-api-key-0123456789","apiBase":"http://acme.example.com/api"})";
  // Alternating call by call, so both kinds see the same moments of a noisy machine.
  std::vector<double> compiled_ms, declarative_ms;
  for (int i = 0; i < n / 10 + 1; ++i) {  // warm-up
    time_check(host, *compiled, settings);
    time_check(host, *declarative, settings);
  }
  for (int i = 0; i < n * rounds; ++i) {
    bool compiled_first = i % 2 == 0;
    if (compiled_first) compiled_ms.push_back(time_check(host, *compiled, settings));
    declarative_ms.push_back(time_check(host, *declarative, settings));
    if (!compiled_first) compiled_ms.push_back(time_check(host, *compiled, settings));
  }
  double c = median(compiled_ms), d = median(declarative_ms);
  return json::object{{"checks_each", n * rounds}, {"compiled_p50_ms", c}, {"json_p50_ms", d}, {"ratio", d / c}};
}

// A Host over `count` copies of `file` in a fresh directory: milliseconds to construct it.
double time_loading(const fs::path& file, int count, const fs::path& directory) {
  fs::create_directories(directory);
  fs::permissions(directory, fs::perms::owner_all);
  for (int i = 0; i < count; ++i) {
    std::string name = "destkit-" + std::to_string(100000 + i) + file.extension().string();
    fs::copy_file(file, directory / name);
  }
  HostOptions options;
  options.plugin_directories = {directory};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  auto start = Clock::now();
  Host host(options);
  double elapsed = ms_since(start);
  if (host.plugins().size() != 1 || host.rejections().size() != static_cast<std::size_t>(count - 1)) {
    std::cerr << "loading " << file << " did not give one plugin and " << count - 1 << " slug clashes\n";
    std::exit(1);
  }
  return elapsed;
}

json::object bench_loading(int files) {
  // Every copy declares the same slug: both kinds load each file, then lose it to the first.
  fs::path root = fs::temp_directory_path() / ("destkit-bench-" + std::to_string(::getpid()));
  fs::path plugins = DESTKIT_BENCH_PLUGIN_DIR;
  double declarative = time_loading(plugins / "destkit-bench-custom-json.json", files, root / "json");
  double compiled = time_loading(plugins / "destkit-bench-custom.so", files, root / "so");
  fs::remove_all(root);
  return json::object{{"files", files}, {"compiled_ms", compiled}, {"json_ms", declarative}, {"ratio", declarative / compiled}};
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000, rounds = 5, files = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--n") == 0) n = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--files") == 0) files = std::max(2, std::atoi(argv[i + 1]));
  }
  json::object results{{"testRequest", bench_test_request(n, rounds)}, {"load", bench_loading(files)}};
  std::cout << json::serialize(results) << "\n";
  return 0;
}
