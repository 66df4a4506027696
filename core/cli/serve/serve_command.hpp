// serve_command — `destkit serve`: the long-running host behind a UI (serve/api.hpp).
#pragma once

#include "arguments.hpp"

#include <string_view>

namespace destkit::cli {

extern const std::string_view kServeHelp;

int serve_command(const Arguments& arguments);

}  // namespace destkit::cli
