// mock_api — `destkit mock-api`: a local HTTPS API to try destinations against.
#pragma once

#include "arguments.hpp"

namespace destkit::cli {

int mock_api(const Arguments& arguments);

}  // namespace destkit::cli
