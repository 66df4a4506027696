// destkit serve runs plugin libraries in runners by default: a plugin that crashes gets the
// verdict plugin_failed naming the signal, is quarantined when it keeps crashing until SIGHUP,
// and a thousand crashes in a row leave the service's descriptors, threads and memory as they
// were. Tests waiting in runners hold no thread of the service.
#include "environment.hpp"
#include "process.hpp"
#include "serve_process.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kSlug = "faulty-segfault-test";
const std::string kCrashed = "Plugin `faulty-segfault-test` crashed (SIGSEGV) during testRequest";

// A configuration file with these runner limits, everything else the defaults.
std::string runner_config(const std::string& name, const std::string& runner) {
  fs::path file = new_directory(name) / "destkit.json";
  std::ofstream(file) << R"({"runner":)" << runner << "}";
  return file.string();
}

// serve with the faulty plugin and the bundled ones; the isolation is serve's default unless
// `isolation` chooses.
std::vector<std::string> faulty_serve_args(const std::string& config, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--plugin-path", (kTestPluginDir / "faulty" / kSlug).string(), "--config", config};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

json::value crash_test(const ServeProcess& serve) {
  HttpReply reply = serve.post("/v1/destinations/" + kSlug + "/test", R"({"settings":{}})");
  REQUIRE(reply.status == 200);
  return reply.json();
}

const json::object* listed(const json::value& list, const std::string& slug) {
  for (const auto& item : list.at("destinations").as_array()) {
    if (item.at("slug").as_string() == slug) return &item.as_object();
  }
  return nullptr;
}

// What /proc says about a process: open descriptors, threads, resident memory in KiB.
struct Usage {
  std::size_t descriptors = 0;
  long threads = 0;
  long rss_kib = 0;
};

Usage usage_of(int pid) {
  Usage usage;
  fs::path proc = fs::path("/proc") / std::to_string(pid);
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(proc / "fd")) ++usage.descriptors;
  std::ifstream status(proc / "status");
  std::string key;
  while (status >> key) {
    if (key == "Threads:") status >> usage.threads;
    if (key == "VmRSS:") status >> usage.rss_kib;
    status.ignore(1 << 10, '\n');
  }
  return usage;
}

// Basic credentials checked by a partner API on 127.0.0.1.
Server basic_api() {
  return Server(
      [](const Request& r) {
        return r.header("Authorization") == "Basic dXNlcjpzZWNyZXQtcGFzcw==" ? Response::json(200, R"({"id":1})")
                                                                              : Response::json(401, R"({"error":"no"})");
      },
      test_certificate());
}

}  // namespace

TEST_CASE("serve runs plugins in runners by default: a crash is the verdict plugin_failed and serve goes on", "[own-isolation]") {
  ServeProcess serve(faulty_serve_args(runner_config("serve-crash", "{}")), true);
  json::value verdict = crash_test(serve);
  CHECK(verdict.at("outcome").as_string() == "plugin_failed");
  CHECK(verdict.at("error").as_string() == kCrashed);
  CHECK(serve.get("/healthz").status == 200);
  CHECK(crash_test(serve).at("error").as_string() == kCrashed);
  CHECK(serve.stop().exit_code == 0);
}

TEST_CASE("serve --isolation in-process runs plugin code in the service itself", "[own-isolation]") {
  // The crash then ends the service: the reason process isolation is serve's default.
  ServeProcess serve(faulty_serve_args(runner_config("serve-in-process", "{}"), {"--isolation", "in-process"}));
  serve.post("/v1/destinations/" + kSlug + "/test", R"({"settings":{}})");
  CHECK(serve.wait().exit_code != 0);
}

TEST_CASE("serve lists a quarantined destination with its reason, and SIGHUP lifts the quarantine", "[own-isolation]") {
  ServeProcess serve(faulty_serve_args(runner_config("serve-quarantine", R"({"crashesBeforeQuarantine":2})")), true);
  CHECK(listed(serve.get("/v1/destinations").json(), kSlug)->if_contains("quarantined") == nullptr);
  CHECK(crash_test(serve).at("error").as_string() == kCrashed);
  CHECK(crash_test(serve).at("error").as_string() == kCrashed);
  json::value quarantined = crash_test(serve);
  CHECK(quarantined.at("outcome").as_string() == "plugin_failed");
  CHECK_THAT(std::string(quarantined.at("error").as_string()),
             Catch::StartsWith("Plugin `" + kSlug + "` is quarantined: its runner ended 2 times within 60 s"));
  json::value list = serve.get("/v1/destinations").json();
  const json::object* item = listed(list, kSlug);
  REQUIRE(item != nullptr);
  REQUIRE(item->if_contains("quarantined") != nullptr);
  CHECK_THAT(std::string(item->at("quarantined").as_string()), Catch::StartsWith("its runner ended 2 times within 60 s"));

  serve.send_signal(SIGHUP);
  REQUIRE(eventually([&] {
    return listed(serve.get("/v1/destinations").json(), kSlug)->if_contains("quarantined") == nullptr;
  }));
  CHECK(crash_test(serve).at("error").as_string() == kCrashed);
  CHECK(serve.log().find("quarantine lifted") != std::string::npos);
  CHECK(serve.stop().exit_code == 0);
}

TEST_CASE("serve survives a thousand plugin crashes in a row without growing, then tests a healthy destination", "[own-isolation]") {
  // No quarantine within the run (at most 1,000 ends in one second), and no wait between
  // restarts, so the run takes the crashes' own time.
  std::string config =
      runner_config("serve-thousand-crashes", R"({"crashesBeforeQuarantine":1000,"crashWindowSeconds":1,"restartBackoffMs":0})");
  Server api = basic_api();
  ServeProcess serve(faulty_serve_args(config, to_local(api.port())), true);
  // Warm up first: the workers, the allocator's arenas and the log reach their working size.
  for (int i = 0; i < 50; ++i) REQUIRE(crash_test(serve).at("error").as_string() == kCrashed);
  Usage before = usage_of(serve.pid());
  int crashed = 0;
  for (int i = 0; i < 1000; ++i) crashed += crash_test(serve).at("error").as_string() == kCrashed ? 1 : 0;
  Usage after = usage_of(serve.pid());
  CHECK(crashed == 1000);
  INFO("descriptors " << before.descriptors << " -> " << after.descriptors << ", threads " << before.threads << " -> "
                      << after.threads << ", RSS " << before.rss_kib << " -> " << after.rss_kib << " KiB");
  CHECK(after.descriptors <= before.descriptors);
  CHECK(after.threads <= before.threads);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's allocator and shadow memory keep growing with the work done, so resident
  // memory says nothing about serve's own there; LeakSanitizer checks serve's leaks at its exit.
  WARN("resident memory is compared in builds without a sanitizer only");
#else
  CHECK(after.rss_kib <= before.rss_kib + 4096);  // slack: 4 MiB of allocator and page-cache noise
#endif

  HttpReply healthy = serve.post("/v1/destinations/example-basic/test",
                                 R"({"settings":{"username":"user","password":"secret-pass"}})");
  REQUIRE(healthy.status == 200);
  CHECK(healthy.json().at("outcome").as_string() == "valid");
  CHECK(serve.stop().exit_code == 0);
}

TEST_CASE("serve holds no thread for a test waiting in a runner: more wait on the API than it has workers",
          "[own-isolation]") {
  constexpr int kTests = 24;
  std::atomic<bool> released{false};
  std::atomic<int> holding{0};
  Server held_api(
      [&](const Request&) {
        ++holding;
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(50);
        while (!released && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(5ms);
        --holding;
        return Response::json(200, R"({"id":1})");
      },
      test_certificate());
  std::string config = runner_config("serve-fibers", R"({"runnersPerPlugin":24})");
  ServeProcess serve({"--config", config, "--workers", "4", "--connect-to",
                      "example.com:443:127.0.0.1:" + std::to_string(held_api.port()), "--cacert",
                      test_certificate().certificate, "--timeout-ms", "60000"},
                     true);
  std::vector<std::thread> clients;
  std::atomic<int> valid{0};
  for (int i = 0; i < kTests; ++i) {
    clients.emplace_back([&] {
      HttpReply reply =
          serve.post("/v1/destinations/example-basic/test", R"({"settings":{"username":"u","password":"p"}})");
      if (reply.status == 200 && reply.json().at("outcome").as_string() == "valid") ++valid;
    });
  }
  // Every test waits on the API at once: six times the four threads that run in-service calls,
  // and more than all of serve's threads.
  bool all_held = eventually([&] { return holding == kTests; });
  Usage while_held = usage_of(serve.pid());
  released = true;
  for (auto& client : clients) client.join();
  CHECK(all_held);
  CHECK(valid == kTests);
  INFO("serve's threads with " << kTests << " tests waiting: " << while_held.threads);
  CHECK(while_held.threads < kTests);
  CHECK(serve.stop().exit_code == 0);
}

TEST_CASE("SIGHUP while serve discovers its plugins does not end it: it rescans once it listens", "[own-isolation]") {
  // The entry point sleeps until the hook deadline, so discovery takes 2 s.
  std::vector<std::string> argv{
      kDestkitCli.string(), "serve",
      "--listen",           "127.0.0.1:0",
      "--plugin-path",      (kTestPluginDir / "faulty" / "faulty-sleep-entry").string(),
      "--config",           runner_config("serve-hangup-at-start", R"({"hookDeadlineMs":2000})")};
  setenv("XDG_CACHE_HOME", new_directory("serve-hangup-cache").c_str(), 1);
  SpawnedProcess serve(argv);
  // Once the plugin's runner is up, discovery is under way.
  auto has_a_runner = [&] {
    for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(serve.pid()) + "/task")) {
      if (!read_file(task.path() / "children").empty()) return true;
    }
    return false;
  };
  REQUIRE(eventually(has_a_runner));
  serve.send_signal(SIGHUP);
  std::string out = serve.read_until("listening on ", std::chrono::seconds(30));
  REQUIRE(out.find("listening on ") != std::string::npos);
  std::string origin = out.substr(out.find("listening on ") + 13);
  origin = origin.substr(0, origin.find('\n'));
  CHECK(http_request("GET", origin + "/healthz").status == 200);
  serve.send_signal(SIGTERM);
  ProcessResult stopped = serve.wait();
  CAPTURE(stopped.err);
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.err.find("SIGHUP: rescanning the plugin path") != std::string::npos);
}
