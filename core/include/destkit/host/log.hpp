// destkit/host/log.hpp — where the host and its plugins write log lines.
#pragma once

#include <functional>
#include <string_view>

namespace destkit::host {

enum class LogLevel { debug, info, warn, error };

// source is a plugin slug or file, or "destkit". Messages are already redacted.
using LogSink = std::function<void(LogLevel level, std::string_view source, std::string_view message)>;

// What an isolated plugin's runner wrote between calls (a thread of the plugin) is logged with
// its slug followed by this as source: it belongs to no call, whichever call is running.
inline constexpr std::string_view kBetweenCallsSource = " (between calls)";

}  // namespace destkit::host
