// destkit/host/log.hpp — where the host and its plugins write log lines.
#pragma once

#include <functional>
#include <string_view>

namespace destkit::host {

enum class LogLevel { debug, info, warn, error };

// source is a plugin slug or file, or "destkit". Messages are already redacted.
using LogSink = std::function<void(LogLevel level, std::string_view source, std::string_view message)>;

}  // namespace destkit::host
