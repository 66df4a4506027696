// probe — the test-probe destination loaded in process through the embedding API.
#pragma once

#include "loopback_server.hpp"

#include <destkit/host/host.hpp>

#include <string>

namespace destkit::test {

inline constexpr const char* kProbeToken = "probe-SECRET-token-7";

// A host that loads only the test plugins, trusts the test certificate, and caps responses
// at 1 MiB.
const host::Host& probe_host();

// The settings for test-probe: requests go to base_url, testRequest does what `mode` says.
std::string probe_settings(const std::string& base_url, const std::string& mode);

// The base URL test-probe is given for a server on 127.0.0.1: SCHEME://127.0.0.1:PORT/base
std::string probe_base_url(const loopback::Server& server, const char* scheme = "http");

// Runs testRequest of test-probe, or of another test plugin with the same settings (slug).
host::AuthVerdict run_probe(const std::string& base_url, const std::string& mode,
                            const std::string& slug = "test-probe");

// A plain HTTP server on 127.0.0.1 that answers every request with `status` and `body`.
loopback::Server answering(int status, std::string body = "{}");

}  // namespace destkit::test
