#include "serve_process.hpp"

#include "environment.hpp"

#include "http/client.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <stdexcept>

namespace destkit::test {

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return {};
}

boost::json::value HttpReply::json() const {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : value;
}

HttpReply http_request(const std::string& method, const std::string& url, const std::string& body,
                       std::vector<std::pair<std::string, std::string>> headers, const std::string& ca_file) {
  host::ResolvedRequest request;
  request.method = method;
  request.url = url;
  request.headers = std::move(headers);
  if (!body.empty()) request.body = body;
  request.timeout = std::chrono::seconds(60);
  request.throw_http_errors = false;
  host::HttpClientConfig config;
  config.max_redirects = 0;
  config.ca_file = ca_file;
  host::HttpResult result = host::send_http(request, config);
  HttpReply reply;
  if (auto* response = std::get_if<host::HttpResponse>(&result)) {
    reply.status = response->status;
    reply.headers = response->headers;
    reply.body = response->body;
  }
  return reply;
}

ServeProcess::ServeProcess(const std::vector<std::string>& args, bool serve_default_isolation) {
  log_file_ = new_directory("serve-log") / "stderr.jsonl";
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>\"$DESTKIT_SERVE_LOG\"", kDestkitCli.string(),
                                "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!serve_default_isolation && std::find(args.begin(), args.end(), "--isolation") == args.end()) {
    argv.insert(argv.end(), {"--isolation", test_isolation()});
  }
  setenv("DESTKIT_SERVE_LOG", log_file_.c_str(), 1);
  // serve keeps a plugin metadata cache there by default: one of its own for each process.
  setenv("XDG_CACHE_HOME", new_directory("serve-cache").c_str(), 1);
  process_ = std::make_unique<SpawnedProcess>(argv);
  std::string out = process_->read_until("\n");
  std::size_t at = out.find("listening on ");
  if (at == std::string::npos) {
    ProcessResult failed = process_->wait();
    finished_ = true;
    throw std::runtime_error("destkit serve did not start: " + failed.out + read_file(log_file_));
  }
  origin_ = out.substr(at + 13, out.find('\n', at) - at - 13);
}

ServeProcess::~ServeProcess() {
  if (!finished_) stop();
}

HttpReply ServeProcess::get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers) const {
  return http_request("GET", origin_ + path, {}, std::move(headers));
}

HttpReply ServeProcess::post(const std::string& path, const std::string& json_body,
                             std::vector<std::pair<std::string, std::string>> headers) const {
  headers.emplace_back("Content-Type", "application/json");
  return http_request("POST", origin_ + path, json_body, std::move(headers));
}

HttpReply ServeProcess::del(const std::string& path) const { return http_request("DELETE", origin_ + path); }

void ServeProcess::send_signal(int signal) { process_->send_signal(signal); }

std::string ServeProcess::log() const { return read_file(log_file_); }

ProcessResult ServeProcess::stop() {
  send_signal(SIGTERM);
  return wait();
}

ProcessResult ServeProcess::wait() {
  ProcessResult result = process_->wait();
  finished_ = true;
  result.err += read_file(log_file_);
  remember_output({result.exit_code, "", read_file(log_file_)});
  // The log explains an unexpected exit (a sanitizer's report lands there too); ctest shows
  // it only when the test fails.
  if (result.exit_code != 0) std::fprintf(stderr, "destkit serve exited %d; its log:\n%s\n", result.exit_code, result.err.c_str());
  return result;
}

}  // namespace destkit::test
