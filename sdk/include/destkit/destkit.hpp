// destkit/destkit.hpp — everything a partner needs to write a destination in C++.
#pragma once

#include <destkit/abi.h>
#include <destkit/definition.hpp>
#include <destkit/destination.hpp>
#include <destkit/errors.hpp>
#include <destkit/export.hpp>
#include <destkit/json.hpp>
#include <destkit/request.hpp>
#include <destkit/settings.hpp>
