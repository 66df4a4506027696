#include "plugin/discovery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace destkit::host {

namespace fs = std::filesystem;

namespace {

bool is_named(std::string_view name, std::string_view suffix) {
  return name.size() > kPluginPrefix.size() + suffix.size() && name.starts_with(kPluginPrefix) && name.ends_with(suffix);
}

}  // namespace

bool is_plugin_file_name(std::string_view name) {
  return is_named(name, kPluginSuffix) || is_named(name, kDeclarativeSuffix);
}

bool is_declarative_file_name(std::string_view name) { return is_named(name, kDeclarativeSuffix); }

bool names_a_manifest(std::string_view name) {
  constexpr std::string_view json = ".json";
  return name.size() >= json.size() &&
         std::equal(json.begin(), json.end(), name.end() - json.size(),
                    [](char lower, char c) { return lower == std::tolower(static_cast<unsigned char>(c)); });
}

namespace {

// The file mapped at `address`, as the kernel names it in /proc/self/maps: an absolute path,
// whatever the program was started as. (dladdr names the main program by argv[0], which is
// "destkit" when the shell found it on $PATH, and would be resolved against the working
// directory.)
fs::path mapped_file(const void* address) {
  std::ifstream maps("/proc/self/maps");
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::uintptr_t start = 0, end = 0;
    char dash = 0;
    std::string permissions, offset, device, inode;
    fields >> std::hex >> start >> dash >> end >> permissions >> offset >> device >> inode;
    if (!fields || at < start || at >= end) continue;
    std::string path;
    std::getline(fields >> std::ws, path);
    return path.starts_with('/') ? fs::path(path) : fs::path();
  }
  return {};
}

HostCodeLocation find_host_code() {
  fs::path module = mapped_file(reinterpret_cast<const void*>(&host_code_location));
  if (module.empty()) return {};
  std::error_code ec;
  fs::path program = fs::read_symlink("/proc/self/exe", ec);
  return {module.parent_path(), !ec && module == program};
}

}  // namespace

HostCodeLocation host_code_location() {
  // The host code lives either in libdestkit-host.so (an embedder) or in a program linked with
  // its objects (the destkit CLI); both sit where `cmake --install` and the build tree put them.
  // It does not move while the process runs.
  static const HostCodeLocation location = find_host_code();
  return location;
}

fs::path installed_plugin_directory() {
  HostCodeLocation host = host_code_location();
  if (host.directory.empty()) return {};
  if (host.is_program) return (host.directory / DESTKIT_PLUGIN_DIR_FROM_BINDIR).lexically_normal();
  return host.directory / "destkit" / "plugins";
}

std::vector<fs::path> plugin_search_path(const SearchPathOptions& options) {
  std::vector<fs::path> path = options.explicit_directories;
  if (options.use_environment) {
    if (const char* env = std::getenv("DESTKIT_PLUGIN_PATH")) {
      std::string_view rest = env;
      while (!rest.empty()) {
        auto colon = rest.find(':');
        std::string_view entry = rest.substr(0, colon);
        if (!entry.empty()) path.emplace_back(entry);
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
      }
    }
  }
  if (options.use_installed) {
    fs::path installed = installed_plugin_directory();
    if (!installed.empty()) path.push_back(installed);
  }
  // A directory listed twice is searched once, where it first appears. Relative directories
  // are made absolute now: a plugin loaded from the first may change the working directory.
  std::vector<fs::path> unique;
  for (const auto& dir : path) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(dir, ec);
    if (std::none_of(unique.begin(), unique.end(), [&](const fs::path& d) {
          std::error_code e;
          return fs::weakly_canonical(d, e) == key;
        })) {
      fs::path absolute = fs::absolute(dir, ec);
      unique.push_back(ec ? dir : absolute);
    }
  }
  return unique;
}

PluginFiles plugin_files_in(const fs::path& directory) {
  PluginFiles out;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_plugin_file_name(it->path().filename().string())) out.files.push_back(it->path());
  }
  if (ec)
    out.problem = fmt::format("the plugin directory {} cannot be searched ({})", directory.string(), ec.message());
  std::sort(out.files.begin(), out.files.end());
  return out;
}

}  // namespace destkit::host
