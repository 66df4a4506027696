#include "plugin/discovery.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
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

HostCodeLocation host_code_location() {
  // The host code lives either in libdestkit-host.so (an embedder) or in a program linked with
  // its objects (the destkit CLI); both sit where `cmake --install` and the build tree put them.
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&host_code_location), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  fs::path module = fs::weakly_canonical(info.dli_fname, ec);
  fs::path program = fs::read_symlink("/proc/self/exe", ec);
  return {module.parent_path(), !ec && module == program};
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

std::vector<fs::path> plugin_files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_plugin_file_name(it->path().filename().string())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace destkit::host
