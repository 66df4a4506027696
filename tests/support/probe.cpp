#include "probe.hpp"

#include "environment.hpp"

#include <boost/json/parse.hpp>

#include <stdexcept>

namespace destkit::test {

const host::Host& probe_host() {
  static const host::Host h({.search = {.explicit_directories = {kTestPluginDir}, .use_environment = false,
                                        .use_installed = false},
                             .requests = {.http = {.ca_file = test_certificate().certificate,
                                                   .max_response_bytes = 1 << 20},
                                          .default_timeout = std::chrono::milliseconds(3000)}});
  return h;
}

std::string probe_settings(const std::string& base_url, const std::string& mode) {
  return R"({"baseUrl":")" + base_url + R"(","token":")" + kProbeToken + R"(","mode":")" + mode + "\"}";
}

std::string probe_base_url(const loopback::Server& server, const char* scheme) {
  return origin_of(server, scheme) + "/base";
}

host::AuthVerdict run_probe(const std::string& base_url, const std::string& mode) {
  const host::Plugin* probe = probe_host().find("test-probe");
  if (probe == nullptr) throw std::runtime_error("test-probe did not load");
  return probe_host().test_authentication(*probe, boost::json::parse(probe_settings(base_url, mode)));
}

}  // namespace destkit::test
