// destkit-bench-isolation — a plugin in its runner against the same plugin in process, in one
// run:
//   1. testRequest: N x ROUNDS sequential credential checks of bench-custom against one local
//      HTTP server (the benchmark's own, or nginx on 127.0.0.1:PORT with --api-port PORT and
//      ../shared/peer's configuration), alternating between an isolated host and an in-process one call by call;
//      prints calls/s and p99 of each and the ratio of their throughputs (isolated / in-process);
//   2. concurrent: THREADS threads making N/THREADS checks each, against each host in turn
//      (in process first, then isolated, ROUNDS times); calls/s of each and their ratio;
//   3. runners: the time to discover one plugin in a runner against in process, and the
//      resident memory of each runner (VmRSS of the host's child processes);
//   4. channel: the round trip of a small message between this process and a child over a
//      socketpair, as a host and its runner talk, without any work: the machine's floor for
//      each of the two round trips an isolated testRequest makes (its hook, and its request).
// Prints one JSON line. Numbers, never assertions: the machine may be noisy.
//
//   destkit-bench-isolation [--n 2000] [--rounds 5] [--threads 8] [--runners 20] [--api-port PORT]
//                           [--api-delay-ms MS]
// --api-delay-ms makes the benchmark's own server take MS to answer, as a partner API across a
// network does: the same IPC then weighs against a realistic exchange rather than loopback's.
#include <destkit/host/host.hpp>

#include "loopback_server.hpp"
#include "timing.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
using destkit::host::Isolation;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;  // nothing measured (--runners 0)
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * values.size()))];
}

HostOptions options_for(const fs::path& directory, Isolation isolation) {
  HostOptions options;
  options.plugin_directories = {directory};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.config.isolation = isolation;
  return options;
}

const std::string kSettings =
    R"({"subdomain":"acme","apiKey":"peer-api-key-0123456789","apiBase":"http://acme.example.com/api"})";

// bench-custom in process and isolated, against one local API: the benchmark's own server, or
// the one listening on 127.0.0.1:`api_port`.
struct Hosts {
  int api_delay_ms;
  destkit::loopback::Server api{[this](const destkit::loopback::Request&) {
    auto response = destkit::loopback::Response::json(200, R"({"id":1})");
    response.delay = std::chrono::milliseconds(api_delay_ms);
    return response;
  }};
  int api_port;
  Host in_process{options(Isolation::in_process)};
  Host isolated{options(Isolation::process)};
  const destkit::host::Plugin* local = in_process.find("bench-custom");
  const destkit::host::Plugin* remote = isolated.find("bench-custom");

  Hosts(int port, int delay_ms) : api_delay_ms(delay_ms), api_port(port) {
    if (local == nullptr || remote == nullptr) {
      std::cerr << "bench-custom did not load\n";
      std::exit(1);
    }
  }
  HostOptions options(Isolation isolation) const {
    HostOptions o = options_for(DESTKIT_BENCH_PLUGIN_DIR, isolation);
    o.connect_to = {"acme.example.com:80:127.0.0.1:" + std::to_string(api_port != 0 ? api_port : api.port())};
    return o;
  }
};

json::object bench_test_request(Hosts& hosts, int n, int rounds) {
  const Host& in_process = hosts.in_process;
  const Host& isolated = hosts.isolated;
  const auto* local = hosts.local;
  const auto* remote = hosts.remote;
  const std::string& settings = kSettings;
  std::vector<double> local_ms, remote_ms;
  for (int i = 0; i < n / 10 + 1; ++i) {  // warm-up
    time_check(in_process, *local, settings);
    time_check(isolated, *remote, settings);
  }
  for (int i = 0; i < n * rounds; ++i) {  // alternating, so both see the same moments of a noisy machine
    bool local_first = i % 2 == 0;
    if (local_first) local_ms.push_back(time_check(in_process, *local, settings));
    remote_ms.push_back(time_check(isolated, *remote, settings));
    if (!local_first) local_ms.push_back(time_check(in_process, *local, settings));
  }
  auto per_second = [](const std::vector<double>& ms) {
    double total = 0;
    for (double m : ms) total += m;
    return ms.size() * 1000.0 / total;
  };
  double local_rate = per_second(local_ms), remote_rate = per_second(remote_ms);
  return json::object{{"checks_each", n * rounds},
                      {"in_process_calls_per_s", local_rate},
                      {"isolated_calls_per_s", remote_rate},
                      {"in_process_p99_ms", percentile(local_ms, 0.99)},
                      {"isolated_p99_ms", percentile(remote_ms, 0.99)},
                      {"ratio", remote_rate / local_rate}};
}

// Calls/s of `threads` threads making `each` checks at once.
double concurrent_rate(const Host& host, const destkit::host::Plugin& plugin, int threads, int each) {
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < each; ++i) time_check(host, plugin, kSettings);
    });
  }
  for (auto& worker : workers) worker.join();
  return threads * each * 1000.0 / ms_since(start);
}

json::object bench_concurrent(Hosts& hosts, int n, int rounds, int threads) {
  int each = std::max(1, n / threads);
  concurrent_rate(hosts.in_process, *hosts.local, threads, 1 + each / 10);  // warm-up: every runner started
  concurrent_rate(hosts.isolated, *hosts.remote, threads, 1 + each / 10);
  double local = 0, remote = 0;
  for (int round = 0; round < rounds; ++round) {
    local += concurrent_rate(hosts.in_process, *hosts.local, threads, each);
    remote += concurrent_rate(hosts.isolated, *hosts.remote, threads, each);
  }
  return json::object{{"threads", threads},
                      {"checks_each", threads * each * rounds},
                      {"in_process_calls_per_s", local / rounds},
                      {"isolated_calls_per_s", remote / rounds},
                      {"ratio", remote / local}};
}

// VmRSS in kB of every child process of this one.
std::vector<long> children_rss_kb() {
  std::vector<long> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream status(entry.path() / "status");
    std::string line;
    long rss = -1, ppid = -1;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0) ppid = std::atol(line.c_str() + 5);
      if (line.rfind("VmRSS:", 0) == 0) rss = std::atol(line.c_str() + 6);
    }
    if (ppid == ::getpid() && rss >= 0) out.push_back(rss);
  }
  return out;
}

json::object bench_runners(int count) {
  fs::path root = fs::temp_directory_path() / ("destkit-bench-isolation-" + std::to_string(::getpid()));
  fs::create_directories(root);
  fs::permissions(root, fs::perms::owner_all);
  fs::copy_file(fs::path(DESTKIT_BENCH_PLUGIN_DIR) / "destkit-bench-custom.so", root / "destkit-bench-custom.so");
  std::vector<double> isolated_ms, local_ms;
  for (int i = 0; i < count; ++i) {
    auto start = Clock::now();
    { Host host(options_for(root, Isolation::process)); isolated_ms.push_back(ms_since(start)); }
    start = Clock::now();
    { Host host(options_for(root, Isolation::in_process)); local_ms.push_back(ms_since(start)); }
  }
  // Runners alive at once, one per host, to read their memory.
  std::vector<std::unique_ptr<Host>> hosts;
  for (int i = 0; i < count; ++i) hosts.push_back(std::make_unique<Host>(options_for(root, Isolation::process)));
  std::vector<long> rss = children_rss_kb();
  hosts.clear();
  fs::remove_all(root);
  long total = 0;
  for (long kb : rss) total += kb;
  return json::object{{"runners", rss.size()},
                      {"discover_isolated_p50_ms", percentile(isolated_ms, 0.5)},
                      {"discover_in_process_p50_ms", percentile(local_ms, 0.5)},
                      {"rss_per_runner_kb", rss.empty() ? 0 : total / static_cast<long>(rss.size())}};
}

// Median µs for a 64-byte message to reach a child over a stream socketpair and come back.
double channel_round_trip_us(int n) {
  int channel[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) return 0;
  pid_t child = ::fork();
  if (child == 0) {  // echoes until the parent closes its end; only calls safe after fork()
    ::close(channel[0]);
    char buffer[64];
    for (;;) {
      ssize_t got = ::recv(channel[1], buffer, sizeof buffer, MSG_WAITALL);
      if (got <= 0 || ::send(channel[1], buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) != got) ::_exit(0);
    }
  }
  ::close(channel[1]);
  std::vector<double> us;
  char buffer[64] = {};
  for (int i = 0; child > 0 && i < n; ++i) {
    auto start = Clock::now();
    if (::send(channel[0], buffer, sizeof buffer, MSG_NOSIGNAL) != sizeof buffer) break;
    pollfd ready{channel[0], POLLIN, 0};  // the host polls its runner's channel, then reads
    ::poll(&ready, 1, -1);
    if (::recv(channel[0], buffer, sizeof buffer, MSG_WAITALL) != sizeof buffer) break;
    us.push_back(ms_since(start) * 1000);
  }
  ::close(channel[0]);
  if (child > 0) ::waitpid(child, nullptr, 0);
  return percentile(us, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000, rounds = 5, threads = 8, runners = 20, api_port = 0, api_delay_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--n") == 0) n = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--runners") == 0) runners = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--api-port") == 0) api_port = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--api-delay-ms") == 0) api_delay_ms = std::max(0, std::atoi(argv[i + 1]));
  }
  json::object result;
  {
    Hosts hosts(api_port, api_delay_ms);
    result["test_request"] = bench_test_request(hosts, n, rounds);
    result["concurrent"] = bench_concurrent(hosts, n, rounds, threads);
  }
  result["runners"] = bench_runners(runners);
  result["channel_round_trip_us"] = channel_round_trip_us(n);
  std::cout << json::serialize(result) << "\n";
}
