// check_warnings — what destkit check advises without rejecting the plugin.
#pragma once

#include <destkit/host/plugin.hpp>

#include <string>
#include <vector>

namespace destkit::cli {

// A field whose key or label names a credential (apiKey, token, secret, password, key, ...)
// but is not a secret, and a file name plugin discovery would skip.
std::vector<std::string> check_warnings(const host::Plugin& plugin, const std::string& path);

}  // namespace destkit::cli
