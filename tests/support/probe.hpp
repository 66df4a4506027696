// probe — the test-probe destination loaded in process through the embedding API.
#pragma once

#include <destkit/host/host.hpp>

#include <string>

namespace destkit::test {

inline constexpr const char* kProbeToken = "probe-SECRET-token-7";

// A host that loads only the test plugins, trusts the test certificate, and caps responses
// at 1 MiB.
const host::Host& probe_host();

// The settings for test-probe: requests go to base_url, testRequest does what `mode` says.
std::string probe_settings(const std::string& base_url, const std::string& mode);

host::AuthVerdict run_probe(const std::string& base_url, const std::string& mode);

}  // namespace destkit::test
