// oauth_commands — `destkit oauth login|status|logout SLUG`.
#pragma once

#include "arguments.hpp"

namespace destkit::cli {

int oauth_command(const Arguments& arguments);

}  // namespace destkit::cli
