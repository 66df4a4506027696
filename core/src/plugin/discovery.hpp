// plugin/discovery — where the host looks for plugins and which files it tries.
//
// Directories are searched in this order: those given explicitly (--plugin-path), those in
// DESTKIT_PLUGIN_PATH (colon-separated), then the installed plugin directory. In each, the
// files named destkit-*.so (libraries) and destkit-*.json (declarative destinations) are tried
// in sorted order; other files are ignored.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

inline constexpr std::string_view kPluginPrefix = "destkit-";
inline constexpr std::string_view kPluginSuffix = ".so";
inline constexpr std::string_view kDeclarativeSuffix = ".json";

bool is_plugin_file_name(std::string_view file_name);
bool is_declarative_file_name(std::string_view file_name);
// Whether a file is read as a JSON manifest when it is named to the host (`destkit check
// FILE`): its name ends in ".json", in any letter case. Discovery loads destkit-*.json only.
bool names_a_manifest(std::string_view file_name);

// The folder of the host's own code, and whether that code is a program (the destkit CLI, a
// test) rather than libdestkit-host.so: installed files are found relative to it. Empty when
// it cannot be told.
struct HostCodeLocation {
  std::filesystem::path directory{};
  bool is_program = false;
};
HostCodeLocation host_code_location();

// <directory of the host library>/destkit/plugins: where `cmake --install` puts plugins, and
// where the build tree puts the bundled ones.
std::filesystem::path installed_plugin_directory();

struct SearchPathOptions {
  std::vector<std::filesystem::path> explicit_directories{};
  bool use_environment = true;  // DESTKIT_PLUGIN_PATH
  bool use_installed = true;
};

std::vector<std::filesystem::path> plugin_search_path(const SearchPathOptions& options);

// The candidate files of one directory, sorted, and why the directory could not be listed
// (it does not exist, is not a directory, may not be read), if so.
struct PluginFiles {
  std::vector<std::filesystem::path> files{};
  std::string problem{};
};
PluginFiles plugin_files_in(const std::filesystem::path& directory);

}  // namespace destkit::host
