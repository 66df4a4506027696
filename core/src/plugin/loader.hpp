// plugin/loader — turns a file into a loaded plugin, or a rejection that says why.
//
// Loading checks, in order: the file passes every check made before its code runs
// (plugin/verification.hpp), it exports the entry symbol, it loads (rtld_now | rtld_local), its
// descriptor has the right magic, ABI major and a host minor we provide, and its definition
// is valid. A library once loaded stays loaded until the process exits.
#pragma once

#include <destkit/abi.h>
#include <destkit/host/config.hpp>
#include <destkit/host/log.hpp>
#include <destkit/host/plugin.hpp>

#include "plugin/loaded_plugin.hpp"
#include "plugin/verification.hpp"

#include <filesystem>

namespace destkit::host {

// Loads one file: a library, or a declarative destination (destkit-NAME.json). Never throws
// and never crashes on a file that is not a plugin.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const PluginTrust& trust = {});
// As above, with the trust rules of `config` and its isolation: with "process" the entry point
// runs in a runner (a plugin that crashes while loading is rejected with the signal), and a
// destination's own setting decides where its hooks run.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const HostConfig& config);
// As above, recording in `facts` what the load learned about the file, for the metadata cache.
LoadResult load_plugin(const std::filesystem::path& path, const LogSink& log, const HostConfig& config,
                       LoadFacts& facts);

}  // namespace destkit::host
