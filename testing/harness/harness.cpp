#include <destkit/testing.hpp>

#include <destkit/host/host.hpp>

#include "certificates.hpp"
#include "loopback_server.hpp"
#include "util/url_form.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace destkit::testing {
namespace {

namespace fs = std::filesystem;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

ReceivedRequest received(const loopback::Request& r) {
  ReceivedRequest out{r.method, r.header("Host"), r.target, "", r.headers, r.body};
  if (auto q = out.path.find('?'); q != std::string::npos) {
    out.query = out.path.substr(q + 1);
    out.path.erase(q);
  }
  return out;
}

// A fresh private directory for the CA file and the token store, removed with the harness.
fs::path make_work_directory() {
  std::string pattern = (fs::temp_directory_path() / "destkit-testing-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temporary directory in " + fs::temp_directory_path().string());
  return pattern;
}

const char* level_name(host::LogLevel level) {
  switch (level) {
    case host::LogLevel::debug: return "debug";
    case host::LogLevel::info: return "info";
    case host::LogLevel::warn: return "warn";
    case host::LogLevel::error: return "error";
  }
  return "error";
}

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

std::string ReceivedRequest::query_value(std::string_view name) const {
  for (auto& [n, v] : host::parse_form(query)) {
    if (n == name) return v;
  }
  return {};
}

struct Harness::Impl {
  fs::path work = make_work_directory();
  certificates::Pem authority = certificates::make_certificate({}, nullptr);

  mutable std::mutex mutex;
  std::function<Answer(const ReceivedRequest&)> answer = [](const ReceivedRequest&) { return Answer{}; };
  std::vector<std::string> log_lines;

  // A server certificate for each name a request is for, signed by `authority`.
  loopback::Server api{[this](const loopback::Request& r) {
                         std::function<Answer(const ReceivedRequest&)> current;
                         {
                           std::lock_guard lock(mutex);
                           current = answer;
                         }
                         Answer a = current(received(r));
                         loopback::Response response;
                         response.status = a.status;
                         response.headers = a.headers;
                         response.body = a.body;
                         return response;
                       },
                       loopback::TlsPerName{[this](const std::string& name) {
                         std::vector<std::string> names;
                         if (!name.empty()) names.push_back(name);
                         certificates::Pem pem = certificates::make_certificate(names, &authority);
                         return std::make_pair(pem.certificate + authority.certificate, pem.private_key);
                       }}};
  std::unique_ptr<host::Host> host;
  const host::Plugin* plugin = nullptr;

  ~Impl() {
    host.reset();
    std::error_code ignored;
    fs::remove_all(work, ignored);
  }
};

Harness::Harness(const fs::path& plugin_file) : impl_(std::make_unique<Impl>()) {
  fs::path ca_file = impl_->work / "ca.pem";
  std::ofstream(ca_file) << impl_->authority.certificate;
  fs::path file = fs::absolute(plugin_file);

  host::HostOptions options;
  options.plugin_directories = {file.parent_path()};
  options.use_environment_path = false;
  options.use_installed_plugins = false;
  options.token_directory = impl_->work / "tokens";
  // Any host, any port: to the local API.
  options.connect_to = {"::127.0.0.1:" + std::to_string(impl_->api.port())};
  options.ca_file = ca_file.string();
  Impl* impl = impl_.get();
  options.log = [impl](host::LogLevel level, std::string_view, std::string_view message) {
    std::lock_guard lock(impl->mutex);
    impl->log_lines.push_back(std::string(level_name(level)) + ": " + std::string(message));
  };
  impl_->host = std::make_unique<host::Host>(std::move(options));

  std::error_code ec;
  for (const host::Plugin* p : impl_->host->plugins()) {
    if (fs::equivalent(p->path(), file, ec)) impl_->plugin = p;
  }
  if (impl_->plugin != nullptr) return;
  for (const auto& rejection : impl_->host->rejections()) {
    if (fs::equivalent(rejection.path, file, ec)) {
      throw std::runtime_error(file.string() + " was rejected: " + rejection.reason);
    }
  }
  throw std::runtime_error(file.string() + " was not loaded: is it named destkit-NAME.so or destkit-NAME.json?");
}

Harness::~Harness() = default;

void Harness::answer_with(std::function<Answer(const ReceivedRequest&)> answer) {
  std::lock_guard lock(impl_->mutex);
  impl_->answer = std::move(answer);
}

void Harness::answer_with(Answer answer) {
  answer_with([answer](const ReceivedRequest&) { return answer; });
}

host::RequestExtension Harness::extend_request(std::string_view settings_json) const {
  auto extended = impl_->host->extend_request(*impl_->plugin, settings_json);
  if (!extended) throw std::runtime_error(extended.status().message());
  return *extended;
}

host::AuthVerdict Harness::test_request(std::string_view settings_json) const {
  return impl_->host->test_authentication(*impl_->plugin, settings_json);
}

host::DryRun Harness::dry_run(std::string_view settings_json) const {
  return impl_->host->dry_run_authentication(*impl_->plugin, settings_json);
}

std::vector<ReceivedRequest> Harness::requests() const {
  std::vector<ReceivedRequest> out;
  for (const auto& r : impl_->api.requests()) out.push_back(received(r));
  return out;
}

void Harness::clear_requests() { impl_->api.clear_requests(); }

std::vector<std::string> Harness::log() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->log_lines;
}

}  // namespace destkit::testing
