#include "probe.hpp"

#include "environment.hpp"

#include <stdexcept>

namespace destkit::test {

const host::Host& probe_host() {
  static const host::Host h({.plugin_directories = {kTestPluginDir},
                             .use_environment_path = false,
                             .use_installed_plugins = false,
                             .config = test_host_config(),
                             .ca_file = test_certificate().certificate,
                             .default_timeout = std::chrono::milliseconds(3000),
                             .max_response_bytes = 1 << 20});
  return h;
}

std::string probe_settings(const std::string& base_url, const std::string& mode) {
  return R"({"baseUrl":")" + base_url + R"(","token":")" + kProbeToken + R"(","mode":")" + mode + "\"}";
}

std::string probe_base_url(const loopback::Server& server, const char* scheme) {
  return origin_of(server, scheme) + "/base";
}

host::AuthVerdict run_probe(const std::string& base_url, const std::string& mode, const std::string& slug) {
  const host::Plugin* probe = probe_host().find(slug);
  if (probe == nullptr) throw std::runtime_error(slug + " did not load");
  return probe_host().test_authentication(*probe, probe_settings(base_url, mode));
}

loopback::Server answering(int status, std::string body) {
  return loopback::Server([=](const loopback::Request&) { return loopback::Response::json(status, body); });
}

}  // namespace destkit::test
