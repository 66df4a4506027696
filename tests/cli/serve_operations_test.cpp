// destkit serve as operations see it: a slow partner API does not hold up the others,
// SIGTERM loses no request in flight, SIGHUP adds new plugins, and only loopback is served
// without a bearer token.
#include "environment.hpp"
#include "serve_process.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

using namespace destkit::test;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace json = boost::json;

namespace {

const std::string kBasic = R"({"settings":{"username":"slow-user","password":"slow-SECRET-pass"}})";
const std::string kCustom = R"({"settings":{"subdomain":"acme","apiKey":"fast-SECRET-key"}})";

// A partner API that holds every request until released, counting how many it holds at once.
struct HeldApi {
  std::atomic<bool> released{false};
  std::atomic<int> holding{0};
  std::atomic<int> most_held{0};
  std::atomic<int> received{0};
  Server server{[this](const Request&) {
                  ++received;
                  int now = ++holding;
                  int seen = most_held;
                  while (now > seen && !most_held.compare_exchange_weak(seen, now)) {
                  }
                  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(50);
                  while (!released && std::chrono::steady_clock::now() < give_up) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                  }
                  --holding;
                  return Response::json(200, "{}");
                },
                test_certificate()};
};

std::vector<std::string> connect(std::vector<std::pair<std::string, unsigned short>> routes) {
  std::vector<std::string> args;
  for (auto& [host, port] : routes) {
    args.push_back("--connect-to");
    args.push_back(host + ":443:127.0.0.1:" + std::to_string(port));
  }
  args.push_back("--cacert");
  args.push_back(test_certificate().certificate);
  args.push_back("--timeout-ms");
  args.push_back("60000");
  return args;
}

std::string outcome(const HttpReply& reply) {
  json::value v = reply.json();
  return v.is_object() && v.as_object().contains("outcome") ? std::string(v.at("outcome").as_string()) : "";
}

}  // namespace

TEST_CASE("a destination whose API holds 64 tests does not delay another destination's tests") {
  HeldApi slow;
  Server fast([](const Request&) { return Response::json(200, "{}"); }, test_certificate());
  ServeProcess serve(connect({{"example.com", slow.server.port()}, {"acme.example.com", fast.port()}}));

  std::atomic<int> slow_answered{0};
  std::atomic<int> slow_valid{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back([&] {
      HttpReply r = serve.post("/v1/destinations/example-basic/test", kBasic);
      if (outcome(r) == "valid") ++slow_valid;
      ++slow_answered;
    });
  }
  // The slow destination takes its share of the workers (a quarter of 64) and no more.
  REQUIRE(eventually([&] { return slow.holding == 16; }));

  for (int i = 0; i < 20; ++i) {
    CHECK(outcome(serve.post("/v1/destinations/example-custom/test", kCustom)) == "valid");
  }
  CHECK(serve.get("/readyz").status == 200);
  CHECK(slow_answered == 0);  // every fast test finished while the slow API still held its requests
  CHECK(slow.most_held == 16);

  slow.released = true;
  for (auto& client : clients) client.join();
  CHECK(slow_valid == 64);
  CHECK(slow.most_held == 16);
}

TEST_CASE("SIGTERM answers every request in flight, then exits 0") {
  HeldApi slow;
  ServeProcess serve(connect({{"example.com", slow.server.port()}}));
  std::atomic<int> valid{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      if (outcome(serve.post("/v1/destinations/example-basic/test", kBasic)) == "valid") ++valid;
    });
  }
  REQUIRE(eventually([&] { return slow.holding == 8; }));
  serve.send_signal(SIGTERM);
  // Stopped accepting: readiness fails, then nothing answers on a new connection.
  REQUIRE(eventually([&] { return serve.get("/readyz").status != 200; }));
  slow.released = true;
  for (auto& client : clients) client.join();
  CHECK(valid == 8);
  ProcessResult stopped = serve.wait();
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.err.find("\"message\":\"stopped\"") != std::string::npos);
  CHECK(http_request("GET", serve.origin() + "/healthz").status == 0);
}

TEST_CASE("SIGHUP loads a plugin copied in since the start and reports a changed one, unloading nothing") {
  auto dir = new_directory("serve-rescan");
  std::filesystem::copy_file(kTestPluginDir / "destkit-reads-numbers.so", dir / "destkit-reads-numbers.so");
  ServeProcess serve({"--plugin-path", dir.string()});
  std::size_t before = serve.get("/v1/destinations").json().at("destinations").as_array().size();

  std::filesystem::copy_file(kTestPluginDir / "destkit-query-key.so", dir / "destkit-query-key.so");
  std::filesystem::last_write_time(dir / "destkit-reads-numbers.so",
                                   std::filesystem::last_write_time(dir / "destkit-reads-numbers.so") +
                                       std::chrono::seconds(5));
  std::string slug = std::string(json::parse(run_destkit({"check", (dir / "destkit-query-key.so").string(), "--json"}).out)
                                     .at("slug")
                                     .as_string());
  serve.send_signal(SIGHUP);
  REQUIRE(eventually([&] { return serve.get("/v1/destinations/" + slug).status == 200; }));
  CHECK(serve.get("/v1/destinations").json().at("destinations").as_array().size() == before + 1);
  REQUIRE(eventually([&] { return serve.log().find("plugin file changed") != std::string::npos; }));
  CHECK(serve.log().find("destkit-reads-numbers.so") != std::string::npos);
  CHECK(serve.stop().exit_code == 0);
}

TEST_CASE("serve refuses a non-loopback address without a token, and then requires the token") {
  ProcessResult refused = run_destkit({"serve", "--listen", "0.0.0.0:0"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("refusing to listen on 0.0.0.0:0") != std::string::npos);
  CHECK(refused.err.find("--token-file") != std::string::npos);

  auto dir = new_directory("serve-token");
  std::ofstream(dir / "short") << "abc\n";
  CHECK(run_destkit({"serve", "--listen", "0.0.0.0:0", "--token-file", (dir / "short").string()}).exit_code == 2);

  const std::string token = "serve-token-SECRET-0123456789";
  std::ofstream(dir / "token") << token << "\n";
  ServeProcess serve({"--listen", "0.0.0.0:0", "--token-file", (dir / "token").string()});
  // Reached on loopback, as every test reaches the service.
  std::string origin = "http://127.0.0.1:" + serve.origin().substr(serve.origin().rfind(':') + 1);
  HttpReply without = http_request("GET", origin + "/v1/destinations");
  CHECK(without.status == 401);
  CHECK(without.header("WWW-Authenticate") == "Bearer");
  CHECK(without.json().at("error").at("code") == "unauthorized");
  CHECK(http_request("GET", origin + "/v1/destinations", {}, {{"Authorization", "Bearer " + token + "x"}}).status == 401);
  CHECK(http_request("GET", origin + "/metrics").status == 401);
  CHECK(http_request("GET", origin + "/v1/destinations", {}, {{"Authorization", "Bearer " + token}}).status == 200);
  // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
  CHECK(http_request("GET", origin + "/v1/destinations", {}, {{"Authorization", "bearer " + token}}).status == 200);
  CHECK(http_request("GET", origin + "/v1/destinations", {}, {{"Authorization", "BEARER " + token}}).status == 200);
  CHECK(http_request("GET", origin + "/v1/destinations", {}, {{"Authorization", "Bearer serve-token-secret-0123456789"}})
            .status == 401);
  CHECK(http_request("GET", origin + "/healthz").status == 200);
  CHECK(serve.stop().err.find("SECRET") == std::string::npos);
}

TEST_CASE("serve refuses a token file another user could write, and warns of one others may read") {
  auto dir = new_directory("serve-token-mode");
  auto token = dir / "token";
  std::ofstream(token) << "serve-token-0123456789abcdef\n";
  std::filesystem::permissions(token, std::filesystem::perms(0666));
  ProcessResult refused = run_destkit({"serve", "--listen", "127.0.0.1:0", "--token-file", token.string()});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("cannot use the token file " + token.string() +
                         ": the file can be written by any user (mode 0666)") != std::string::npos);
  CHECK(refused.err.find("0123456789abcdef") == std::string::npos);
  std::filesystem::permissions(token, std::filesystem::perms(0600));
  std::filesystem::permissions(dir, std::filesystem::perms(0777));
  refused = run_destkit({"serve", "--listen", "127.0.0.1:0", "--token-file", token.string()});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("its directory " + dir.string() + " can be written by any user (mode 0777)") !=
        std::string::npos);
  std::filesystem::permissions(dir, std::filesystem::perms(0700));

  for (const char* unusable : {"serve-token-0123456789abcdef\nline2", "serve-token-0123456789abcdef\x01"}) {
    std::ofstream(token) << unusable;
    refused = run_destkit({"serve", "--listen", "127.0.0.1:0", "--token-file", token.string()});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("which no client could send") != std::string::npos);
  }
  std::ofstream(token) << "serve-token-0123456789abcdef\n";

  std::filesystem::permissions(token, std::filesystem::perms(0640));
  ServeProcess readable({"--token-file", token.string()});
  CHECK(readable.log().find("can be read by group or others (mode 0640)") != std::string::npos);
  std::filesystem::permissions(token, std::filesystem::perms(0600));
  ServeProcess owner_only({"--token-file", token.string()});
  CHECK(owner_only.log().find("group or others") == std::string::npos);
  CHECK(owner_only.get("/v1/destinations", {{"Authorization", "Bearer serve-token-0123456789abcdef"}}).status == 200);
}

TEST_CASE("serve sends no CORS headers, so no other site's page can read its answers") {
  ServeProcess serve({});
  HttpReply r = serve.get("/v1/destinations", {{"Origin", "https://elsewhere.example"}});
  CHECK(r.status == 200);
  CHECK(r.header("Access-Control-Allow-Origin").empty());
  HttpReply preflight = http_request("OPTIONS", serve.origin() + "/v1/destinations/example-basic/test", {},
                                     {{"Origin", "https://elsewhere.example"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status == 405);
  CHECK(preflight.header("Access-Control-Allow-Origin").empty());
  CHECK(serve.get("/").header("Content-Type").starts_with("text/html"));
}

namespace {

// A raw TCP connection to the service, to hold it open or send bytes by hand.
class RawConnection {
 public:
  explicit RawConnection(const ServeProcess& serve) {
    std::string origin = serve.origin();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(origin.substr(origin.rfind(':') + 1))));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawConnection() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(const std::string& text) {
    REQUIRE(write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void send_health_check() { send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); }
  // A request head announcing a body of `length` bytes, of which none is sent.
  void send_head_of_body(std::size_t length, const std::string& extra_headers = "") {
    send("POST /v1/destinations/example-basic/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
         "application/json\r\n" + extra_headers + "Content-Length: " + std::to_string(length) + "\r\n\r\n");
  }
  // What the service answered within `wait`; empty when it answered nothing.
  std::string answer(std::chrono::milliseconds wait) {
    pollfd ready{fd_, POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(wait.count())) <= 0) return {};
    char buffer[4096];
    ssize_t n = read(fd_, buffer, sizeof buffer);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }
  // Whether the service closed the connection within `wait`.
  bool closed_by_service(std::chrono::milliseconds wait) {
    pollfd ready{fd_, POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(wait.count())) <= 0) return false;
    char buffer[1];
    return read(fd_, buffer, sizeof buffer) == 0;
  }

 private:
  int fd_ = -1;
};

// User plus system CPU time the process has used, in seconds.
double cpu_seconds(int pid) {
  std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long user = 0, system = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) user = std::stoull(field);
    if (i == 15) system = std::stoull(field);
  }
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The descriptor number the process's next accept() would get: the lowest one not open.
rlim_t lowest_free_descriptor(int pid) {
  std::set<rlim_t> open;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    open.insert(std::stoull(entry.path().filename().string()));
  }
  rlim_t free = 0;
  while (open.count(free) != 0) ++free;
  return free;
}

}  // namespace

TEST_CASE("serve at --max-connections makes room for a waiting client by closing the connection idle longest") {
  ServeProcess serve({"--max-connections", "2"});
  RawConnection first(serve), second(serve);
  for (RawConnection* held : {&first, &second}) {  // answered, and kept open
    held->send_health_check();
    CHECK(held->answer(std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
  }
  RawConnection third(serve);
  third.send_health_check();
  CHECK(third.answer(std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
  // Which of the two waited longest depends on when serve finished writing each answer.
  bool first_closed = first.closed_by_service(std::chrono::seconds(5));
  RawConnection& kept = first_closed ? second : first;
  CHECK((first_closed || second.closed_by_service(std::chrono::seconds(1))));
  kept.send_health_check();  // the other is still open
  CHECK(kept.answer(std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
  CHECK(serve.log().find("\"maxConnections\":2") != std::string::npos);
}

TEST_CASE("clients that open connections and send nothing do not keep others out of serve") {
  ServeProcess serve({"--max-connections", "3"});
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 6; ++i) silent.push_back(std::make_unique<RawConnection>(serve));
  RawConnection client(serve);
  client.send_health_check();
  // Well before the 30 s a silent connection may wait for its request head.
  CHECK(client.answer(std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
}

TEST_CASE("clients that send a request head and then drip its body do not keep others out of serve") {
  ServeProcess serve({"--max-connections", "3"});
  std::vector<std::unique_ptr<RawConnection>> dripping;
  for (int i = 0; i < 6; ++i) {
    dripping.push_back(std::make_unique<RawConnection>(serve));
    dripping.back()->send_head_of_body(1000000);
    dripping.back()->send("{");
  }
  RawConnection client(serve);
  client.send_health_check();
  // Well before the 30 s a connection may take to send its request.
  CHECK(client.answer(std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
}

TEST_CASE(
    "serve does not run a test whose client left, gives its queue place to a new one, and refuses tests past a full "
    "queue") {
  // In runners (fiber lanes) and in service (worker threads): one test of the destination
  // runs at once, with one runner per plugin or a quarter of 4 workers, and four may wait.
  std::string isolation = GENERATE(std::string("process"), std::string("in-process"));
  CAPTURE(isolation);
  HeldApi slow;
  auto args = connect({{"example.com", slow.server.port()}});
  std::filesystem::path config = new_directory("serve-queue") / "destkit.json";
  std::ofstream(config) << R"({"runner":{"runnersPerPlugin":1}})";
  args.insert(args.end(), {"--workers", "4", "--config", config.string(), "--isolation", isolation});
  ServeProcess serve(args);
  auto in_flight = [&](int count) {
    return serve.get("/metrics").body.find("destkit_http_requests_in_flight " + std::to_string(count) + "\n") !=
           std::string::npos;
  };
  std::string first_outcome;  // assigned on its thread, checked on this one once joined
  std::thread first([&] { first_outcome = outcome(serve.post("/v1/destinations/example-basic/test", kBasic)); });
  REQUIRE(eventually([&] { return slow.holding == 1; }));
  const std::string request = "POST /v1/destinations/example-basic/test HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                              "application/json\r\nContent-Length: " + std::to_string(kBasic.size()) + "\r\n\r\n" + kBasic;
  for (int i = 0; i < 4; ++i) {
    RawConnection leaving(serve);
    leaving.send(request);
    REQUIRE(eventually([&] { return in_flight(i + 3); }));  // the first, these, /metrics
  }  // each client has closed its connection: the queue is full of tests nobody waits for

  // Four clients that stay take their places: the first of them makes room, and the four that
  // left are answered 499 at once, while the first test still runs.
  auto answered_499 = [&](int count) {
    return serve.get("/metrics").body.find("status=\"499\"} " + std::to_string(count) + "\n") != std::string::npos;
  };
  std::vector<std::unique_ptr<RawConnection>> staying;
  for (int i = 0; i < 4; ++i) {
    staying.push_back(std::make_unique<RawConnection>(serve));
    staying.back()->send(request);
    // The 499s are counted once written: then in flight are the first, these, and /metrics.
    REQUIRE(eventually([&] { return answered_499(4) && in_flight(i + 3); }));
  }
  // A queue full of clients that wait refuses the next.
  HttpReply refused = serve.post("/v1/destinations/example-basic/test", kBasic);
  CHECK(refused.status == 503);
  CHECK(refused.header("Retry-After") == "1");
  CHECK(refused.json().at("error").at("code") == "busy");

  slow.released = true;
  first.join();
  CHECK(first_outcome == "valid");
  for (auto& client : staying) CHECK(client->answer(std::chrono::seconds(20)).starts_with("HTTP/1.1 200"));
  CHECK(slow.received == 5);  // the first test and the four staying: none of the four whose clients left
}

TEST_CASE("a chunked request whose trailer is too large is refused, and serve goes on") {
  ServeProcess serve({});
  const std::string head = "POST /v1/destinations/example-basic/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                           "application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n";
  std::string many_fields;
  for (int i = 0; i < 20000; ++i) many_fields += "X-T" + std::to_string(i) + ": a\r\n";
  // One field of 64 KiB made the parser throw; many small ones grew the memory without bound.
  for (const std::string& trailer : {"X-T: " + std::string(70000, 'a') + "\r\n", many_fields}) {
    RawConnection client(serve);
    client.send(head + trailer + "\r\n");
    CHECK(client.answer(std::chrono::seconds(10)).starts_with("HTTP/1.1 431"));
    CHECK(serve.get("/healthz").status == 200);
  }
}

TEST_CASE("serve with a token refuses a request without it from its head, without waiting for its body") {
  auto dir = new_directory("serve-token-head");
  std::ofstream(dir / "token") << "serve-token-0123456789abcdef\n";
  ServeProcess serve({"--listen", "0.0.0.0:0", "--token-file", (dir / "token").string()});
  RawConnection client(serve);
  client.send_head_of_body(100000);
  CHECK(client.answer(std::chrono::seconds(5)).starts_with("HTTP/1.1 401"));
  RawConnection wrong(serve);
  wrong.send_head_of_body(100000, "Authorization: Bearer not-the-token-0123456789\r\n");
  CHECK(wrong.answer(std::chrono::seconds(5)).starts_with("HTTP/1.1 401"));
}

TEST_CASE("serve out of descriptors waits to accept instead of spinning, and serves once it has some") {
  ServeProcess serve({});
  REQUIRE(serve.get("/healthz").status == 200);  // up, with every thread it starts by itself
  int pid = serve.pid();
  rlimit original{};
  REQUIRE(prlimit(pid, RLIMIT_NOFILE, nullptr, &original) == 0);
  rlimit tight{lowest_free_descriptor(pid), original.rlim_max};  // not one descriptor to spare
  REQUIRE(prlimit(pid, RLIMIT_NOFILE, &tight, nullptr) == 0);
  RawConnection waiting(serve);
  waiting.send_health_check();
  double before = cpu_seconds(pid);
  CHECK(waiting.answer(std::chrono::seconds(2)).empty());
  // A loop retrying accept() at once would use a whole core for these two seconds.
  CHECK(cpu_seconds(pid) - before < 0.5);
  REQUIRE(prlimit(pid, RLIMIT_NOFILE, &original, nullptr) == 0);
  CHECK(waiting.answer(std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
  CHECK(serve.log().find("cannot accept a connection") != std::string::npos);
}

TEST_CASE("serve gives a client that asks to continue leave to send its body, and answers the request") {
  ServeProcess serve({});
  std::string body = R"({"settings":{"username":"u","password":"p"}})";
  RawConnection client(serve);
  client.send_head_of_body(body.size(), "Expect: 100-continue\r\n");
  // Without the interim answer the client would wait for nothing until serve's read timeout.
  CHECK(client.answer(std::chrono::seconds(10)) == "HTTP/1.1 100 Continue\r\n\r\n");
  client.send(body);
  CHECK(client.answer(std::chrono::seconds(10)).starts_with("HTTP/1.1 200"));
}

TEST_CASE("serve's test log shows a destination's own lines with their source and level\, the exchange as it went") {
  Server api([&](const Request&) { return Response::json(200, "{}"); });
  ServeProcess serve({"--plugin-path", kTestPluginDir.string()});
  const std::string test = R"({"settings":{"baseUrl":"http://127.0.0.1:)" + std::to_string(api.port()) +
                           R"(/base","token":"probe-token-1234","mode":"log"}})";
  HttpReply r = serve.post("/v1/destinations/test-probe/test", test);
  REQUIRE(r.status == 200);
  json::value answer = r.json();
  std::vector<std::string> lines;
  for (const auto& line : answer.at("log").as_array()) lines.emplace_back(line.as_string());
  CAPTURE(lines);
  CHECK(std::count(lines.begin(), lines.end(), "[test-probe] warn: checking with token [redacted]") == 1);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("> GET http"); }));
  CHECK(r.body.find("probe-token-1234") == std::string::npos);
}

// The sanitizers' allocators keep freed memory on purpose: this is built without them only.
#ifndef DESTKIT_SANITIZED
TEST_CASE("serve gives back the memory of large answers once their tests have ended") {
  const std::string big = R"({"padding":")" + std::string(12 << 20, 'x') + R"("})";
  Server api([&](const Request&) { return Response::json(401, big); });
  ServeProcess serve({"--plugin-path", kTestPluginDir.string()});
  const std::string test = R"({"settings":{"baseUrl":"http://127.0.0.1:)" + std::to_string(api.port()) +
                           R"(/base","token":"probe-token-1234"}})";
  // Sixteen clients at once, four tests each: the tests run on many of serve's worker threads.
  std::atomic<int> invalid{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&] {
      for (int k = 0; k < 4; ++k)
        invalid += outcome(serve.post("/v1/destinations/test-probe/test", test)) == "invalid_credentials";
    });
  }
  for (auto& client : clients) client.join();
  CHECK(invalid == 64);
  long resident = resident_kib(std::to_string(serve.pid()));
  INFO("serve's resident memory: " << resident << " KiB");
  CHECK(resident > 0);
  CHECK(resident < 100 * 1024);  // kept in the worker threads' allocators: about 400 MiB
}
#endif

TEST_CASE("serve on an address in use says which address and why, in one line") {
  ServeProcess first({});
  std::string address = first.origin().substr(std::string("http://").size());
  ProcessResult second = run_destkit({"serve", "--listen", address});
  CHECK(second.exit_code == 3);
  CHECK(second.err.find("destkit: cannot listen on " + address + ": Address already in use\n") != std::string::npos);
}
