// signing_commands — `destkit sign FILE --key KEY.pem` and `destkit verify FILE`.
#pragma once

#include "arguments.hpp"

namespace destkit::cli {

int sign_plugin(const Arguments& arguments);
int verify_plugin(const Arguments& arguments);

}  // namespace destkit::cli
