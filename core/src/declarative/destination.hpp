// declarative/destination — a manifest as a plugin.
//
// A declarative destination is a dk_plugin like any other: its hooks are C functions the host
// implements (declarative/hooks.cpp) that call the same dk_host_api services a compiled
// plugin calls. So it goes through the same request merge, redirects, verdicts, redaction,
// OAuth refresh and 401 retry, with no second code path to keep in step.
#pragma once

#include <destkit/abi.h>
#include "declarative/manifest.hpp"

#include <type_traits>

namespace destkit::host::declarative {

// The descriptor comes first so that a hook, handed dk_call::hooks (the descriptor it was
// called through), finds the manifest next to it. Kept as long as the plugin made of it
// (declarative/load.cpp).
struct DeclarativeDestination {
  dk_plugin descriptor;
  const Manifest* manifest;
};
static_assert(std::is_standard_layout_v<DeclarativeDestination>, "the descriptor must convert to its destination");

// The descriptor and hooks for `manifest`, which must live as long as the result.
DeclarativeDestination make_destination(const Manifest& manifest);

}  // namespace destkit::host::declarative
