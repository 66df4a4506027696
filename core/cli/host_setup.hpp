// host_setup — the Host as the CLI's options describe it.
#pragma once

#include "arguments.hpp"

#include <destkit/host/host.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace destkit::cli {

// Log lines of the host and its plugins, to stderr: "[slug] warn: message". Debug lines only
// when verbose.
host::LogSink cli_log_sink(bool verbose);

// The configuration from --config or DESTKIT_CONFIG (empty when neither is given), with the
// command line's overrides. Prints why and returns nothing when it is invalid.
std::optional<host::HostConfig> load_config(const Arguments& arguments);

// The host's options from the configuration and the command line. Prints why and returns
// nothing when the configuration is invalid.
std::optional<host::HostOptions> host_options(const Arguments& arguments);

// Loads the configuration and the plugins. Prints why and returns nothing when the
// configuration is invalid.
std::unique_ptr<host::Host> open_host(const Arguments& arguments);

// $XDG_CACHE_HOME/destkit/plugin-metadata.json ($HOME/.cache when XDG_CACHE_HOME is not an
// absolute path); empty (no cache) when neither is set.
std::filesystem::path default_metadata_cache();

// Finds a plugin by slug, or prints why not (with what is available).
const host::Plugin* find_plugin(const host::Host& host, std::string_view slug, bool as_json);

std::string connection_of(const Arguments& arguments);

}  // namespace destkit::cli
