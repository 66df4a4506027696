// destkit — the command-line host.
#include "arguments.hpp"
#include "commands.hpp"
#include "standard_output.hpp"

#include <fmt/format.h>

#include <exception>

int main(int argc, char** argv) {
  using namespace destkit::cli;
  protect_standard_output();
  ParseResult parsed = parse_arguments(argc, argv);
  if (!parsed.error.empty()) {
    fmt::print(stderr, "destkit: {}\nRun 'destkit help' for usage.\n", parsed.error);
    return kExitUsage;
  }
  try {
    return run_command(parsed.arguments);
  } catch (const std::exception& e) {
    fmt::print(stderr, "destkit: {}\n", e.what());
    return kExitFailure;
  }
}
