// destkit-bench-check-cpu — CPU time per sequential credential check through the embedding
// API (destkit::host::Host, the bench-basic plugin), next to a bare libcurl easy loop sending
// the same GET with the same Authorization header to the same server, in the same run.
// Prints one JSON line: CPU µs per check (process CPU time, so it counts every thread of this
// process and nothing of the server's) for both, and their ratio.
//
//   destkit-bench-check-cpu [--api http://127.0.0.1:18080/api] [--n 5000] [--rounds 5]
//                           [--profile destkit|curl]
//
// --profile runs only that side's checks, n × rounds of them, and prints nothing: for a
// profiler (perf record) to see one side alone.
//
// The API must answer GET {api}/accounts/me.json with 200 for Basic peer-user:peer-pass, as the
// peer harness's nginx does; bench/check_cpu.sh starts one on a free port and runs this.
// The rounds alternate destkit and bare curl; the figures are the medians of the rounds.
#include <destkit/host/host.hpp>

#include <boost/json.hpp>
#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double wall_seconds() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Round {
  double cpu_us = 0;   // per check
  double wall_us = 0;  // per check
  int failures = 0;
};

template <class Check>
Round timed(int n, Check&& check) {
  Round r;
  double cpu = process_cpu_seconds(), wall = wall_seconds();
  for (int i = 0; i < n; ++i) r.failures += check() ? 0 : 1;
  r.cpu_us = (process_cpu_seconds() - cpu) * 1e6 / n;
  r.wall_us = (wall_seconds() - wall) * 1e6 / n;
  return r;
}

size_t keep_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// The least a client must do per check: one reused easy handle, options set once.
class BareCurl {
 public:
  explicit BareCurl(const std::string& url) : curl_(curl_easy_init()) {
    headers_ = curl_slist_append(nullptr, "Authorization: Basic cGVlci11c2VyOnBlZXItcGFzcw==");
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_);
  }
  ~BareCurl() {
    curl_easy_cleanup(curl_);
    curl_slist_free_all(headers_);
  }
  BareCurl(const BareCurl&) = delete;
  BareCurl& operator=(const BareCurl&) = delete;

  bool check() {
    body_.clear();
    if (curl_easy_perform(curl_) != CURLE_OK) return false;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status == 200;
  }

 private:
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string body_;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string api = "http://127.0.0.1:18080/api";
  int n = 5000, rounds = 5;
  std::string profile;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--api") == 0) api = argv[i + 1];
    if (std::strcmp(argv[i], "--n") == 0) n = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--profile") == 0) profile = argv[i + 1];
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  destkit::host::HostOptions options;
  options.plugin_directories = {DESTKIT_BENCH_PLUGIN_DIR};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  destkit::host::Host host(options);
  const auto* plugin = host.find("bench-basic");
  if (plugin == nullptr) {
    std::cerr << "bench-basic did not load from " << DESTKIT_BENCH_PLUGIN_DIR << "\n";
    return 1;
  }
  const std::string settings =
      json::serialize(json::object{{"username", "peer-user"}, {"password", "peer-pass"}, {"apiBase", api}});
  auto destkit_check = [&] { return host.test_authentication(*plugin, settings).ok(); };
  BareCurl bare(api + "/accounts/me.json");
  auto bare_check = [&] { return bare.check(); };

  // Warm both: connections open, caches filled, the plugin's code paged in.
  if (timed(200, destkit_check).failures != 0 || timed(200, bare_check).failures != 0) {
    std::cerr << "the checks against " << api << " fail: is the server running?\n";
    return 1;
  }
  if (!profile.empty())
    return timed(n * rounds,
                 profile == "curl" ? std::function<bool()>(bare_check) : std::function<bool()>(destkit_check))
        .failures;
  std::vector<double> destkit_cpu, bare_cpu, destkit_wall, bare_wall;
  int failures = 0;
  for (int r = 0; r < rounds; ++r) {
    Round d = timed(n, destkit_check);
    Round b = timed(n, bare_check);
    destkit_cpu.push_back(d.cpu_us);
    destkit_wall.push_back(d.wall_us);
    bare_cpu.push_back(b.cpu_us);
    bare_wall.push_back(b.wall_us);
    failures += d.failures + b.failures;
  }
  double d = median(destkit_cpu), b = median(bare_cpu);
  auto round2 = [](double v) { return static_cast<double>(static_cast<long long>(v * 100 + 0.5)) / 100; };
  std::cout << json::serialize(json::object{{"checks_per_round", n},
                                            {"rounds", rounds},
                                            {"failures", failures},
                                            {"destkit_cpu_us", round2(d)},
                                            {"bare_curl_cpu_us", round2(b)},
                                            {"ratio_cpu", round2(d / b)},
                                            {"destkit_wall_us", round2(median(destkit_wall))},
                                            {"bare_curl_wall_us", round2(median(bare_wall))}})
            << "\n";
  curl_global_cleanup();
  return failures == 0 ? 0 : 1;
}
