// commands — the destkit subcommands. Each returns the process exit code.
#pragma once

#include "arguments.hpp"

#include "util/read_file.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace destkit::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;      // invalid settings or credentials; plugin rejected
inline constexpr int kExitUsage = 2;         // the command line is wrong
inline constexpr int kExitFailure = 3;       // host or plugin failure (e.g. slug not found)
inline constexpr int kExitUnverified = 4;    // could not verify: 5xx, network, timeout, TLS
inline constexpr int kExitUnchecked = 5;     // settings valid; the destination has no testRequest

int run_command(const Arguments& arguments);

// Prints the message and the command's help to stderr; returns kExitUsage.
int usage_error(std::string_view message, std::string_view command);

// The text of a file, or of standard input for "-", read no further than settings may hold
// (1 MiB): JSON input the user names on the command line.
host::FileText read_input(const std::string& source);

}  // namespace destkit::cli
