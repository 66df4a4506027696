// serve_process — a real `destkit serve` on 127.0.0.1 (any free port) for the tests, and a
// plain HTTP client to talk to it.
#pragma once

#include "process.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <thread>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace destkit::test {

// Waits (up to 30 s) until `condition` holds.
template <class Condition>
bool eventually(Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

struct HttpReply {
  int status = 0;  // 0: no answer (refused, timed out)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(std::string_view name) const;  // case-insensitive; empty when absent
  boost::json::value json() const;                   // the body parsed; null when it is not JSON
};

// One request with libcurl (the host's HTTP client), redirects not followed.
HttpReply http_request(const std::string& method, const std::string& url, const std::string& body = {},
                       std::vector<std::pair<std::string, std::string>> headers = {},
                       const std::string& ca_file = {});

class ServeProcess {
 public:
  // Starts `destkit serve --listen 127.0.0.1:0 ARGS...` and waits until it listens. Its
  // standard error (the JSON-lines log) goes to a file, so a busy service never blocks on a
  // full pipe. Plugin code runs as the suite runs it (--isolation, environment.hpp) unless
  // `args` choose, or, with serve_default_isolation, as serve chooses by default.
  explicit ServeProcess(const std::vector<std::string>& args, bool serve_default_isolation = false);
  ~ServeProcess();

  const std::string& origin() const { return origin_; }  // http://127.0.0.1:PORT
  HttpReply get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpReply post(const std::string& path, const std::string& json_body,
                 std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpReply del(const std::string& path) const;

  void send_signal(int signal);
  int pid() const { return process_->pid(); }
  // The log so far.
  std::string log() const;
  // SIGTERM, then waits for the exit; the result's `err` is the whole log.
  ProcessResult stop();
  // Waits for an exit that something else caused.
  ProcessResult wait();

 private:
  std::filesystem::path log_file_;
  std::unique_ptr<SpawnedProcess> process_;
  std::string origin_;
  bool finished_ = false;
};

}  // namespace destkit::test
