// destkit/host/extension.hpp — the options a destination's extendRequest produced.
//
// The host applies them to every request of the destination, after its own defaults and
// before the options of each request. Values are as the destination set them, credentials
// included: they come from settings the caller gave. An OAuth token the host took from its
// token store (not one given under "oauth" in the settings) shows as [redacted].
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace destkit::host {

struct RequestExtension {
  std::optional<std::string> prefix_url{};
  std::vector<std::pair<std::string, std::string>> headers{};  // in the order set
  std::optional<std::string> username{};  // Basic authentication
  std::optional<std::string> password{};
  std::vector<std::pair<std::string, std::string>> search_params{};
  std::optional<std::chrono::milliseconds> timeout{};
  std::optional<std::string> response_type{};  // "text" or "json"
  std::optional<bool> throw_http_errors{};
};

}  // namespace destkit::host
