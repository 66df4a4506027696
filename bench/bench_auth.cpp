// destkit-bench-auth — N sequential credential checks per destination, valid and wrong, as
// ../shared/peer/bench_auth.js does for the reference runtime; prints one JSON line.
//
//   destkit-bench-auth [--n 2000] [--warmup 100]
//
// Needs the peer harness's nginx on 127.0.0.1:18080 (bash run_all.sh starts it).
#include <destkit/host/host.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

json::object time_calls(const destkit::host::Host& host, const destkit::host::Plugin& plugin, std::string_view settings,
                        int n, bool expect_ok) {
  std::vector<double> latency_ms;
  latency_ms.reserve(static_cast<std::size_t>(n));
  int ok = 0;
  std::string last_message;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto t = Clock::now();
    auto verdict = host.test_authentication(plugin, settings);
    latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    ok += verdict.ok();
    last_message = verdict.message;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latency_ms.begin(), latency_ms.end());
  auto at = [&](double q) { return latency_ms[static_cast<std::size_t>(q * (latency_ms.size() - 1))]; };
  return json::object{{"calls", n},
                      {"as_expected", expect_ok ? ok == n : ok == 0},
                      {"calls_per_s", static_cast<double>(n) / elapsed},
                      {"p50_ms", at(0.50)},
                      {"p99_ms", at(0.99)},
                      {"message", last_message}};
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000, warmup = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--n") == 0) n = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--warmup") == 0) warmup = std::max(0, std::atoi(argv[i + 1]));
  }
  destkit::host::HostOptions options;
  options.plugin_directories = {DESTKIT_BENCH_PLUGIN_DIR};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  destkit::host::Host host(options);
  struct Case {
    const char* slug;
    const char* valid;
    const char* wrong;
  };
  // The credentials of ../shared/peer/lib/credentials.js.
  const Case cases[] = {
      {"bench-basic", R"({"username":"peer-user","password":"peer-pass"})", R"({"username":"peer-user","password":"wrong-pass"})"},
      {"bench-custom", R"({"subdomain":"acme","apiKey":"peer-api-key-0123456789"})", R"({"subdomain":"acme","apiKey":"wrong-key"})"},
  };
  json::object results;
  for (const auto& c : cases) {
    const auto* plugin = host.find(c.slug);
    if (plugin == nullptr) {
      std::cerr << c.slug << " did not load\n";
      return 1;
    }
    std::string_view valid = c.valid, wrong = c.wrong;
    for (int i = 0; i < warmup; ++i) host.test_authentication(*plugin, valid);
    results[c.slug] = json::object{{"valid", time_calls(host, *plugin, valid, n, true)},
                                   {"wrong", time_calls(host, *plugin, wrong, n, false)}};
  }
  std::cout << json::serialize(results) << "\n";
  return 0;
}
