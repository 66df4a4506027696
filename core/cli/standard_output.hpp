// standard_output — the CLI's own output, out of reach of plugin code.
//
// Plugins run inside this process: a constructor may print to standard output or close it.
// At startup the CLI moves its standard output to a private descriptor (close-on-exec) and
// points descriptor 1 at standard error, and everything the CLI itself prints goes through
// cli_output(). What plugins print lands on standard error, --json output stays JSON, and a
// plugin closing descriptor 1 closes a copy of standard error.
#pragma once

#include <cstdio>

namespace destkit::cli {

// Called first in main, before any plugin is loaded.
void protect_standard_output();

// Where the CLI prints its results.
std::FILE* cli_output();

}  // namespace destkit::cli
