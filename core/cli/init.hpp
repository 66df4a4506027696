// init — `destkit init NAME`: a standalone plugin project that builds and tests out of tree.
#pragma once

#include "arguments.hpp"

namespace destkit::cli {

int init_project(const Arguments& arguments);

}  // namespace destkit::cli
