#include "check_warnings.hpp"

#include "http/redactor.hpp"
#include "plugin/discovery.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <string_view>

namespace destkit::cli {

std::vector<std::string> check_warnings(const host::Plugin& plugin, const std::string& path) {
  std::vector<std::string> warnings;
  std::string name = std::filesystem::path(path).filename().string();
  if (!host::is_plugin_file_name(name) && !host::is_declarative_file_name(name)) {
    warnings.push_back(fmt::format("the file name \"{}\" is one plugin discovery ignores; name it {}{}{}",
                                   host::printable(name), host::kPluginPrefix, plugin.slug(),
                                   host::names_a_manifest(name) ? host::kDeclarativeSuffix : host::kPluginSuffix));
  }
  for (const host::Field& field : plugin.definition().fields) {
    // The rule by which messages hide a field's value whatever its type (http/redactor.hpp).
    // A true-or-false or an object cannot be of type password, and holds no value messages quote.
    if (field.type == host::FieldType::boolean || field.type == host::FieldType::object) continue;
    if (field.secret || !(host::is_secret_name(field.key) || host::is_secret_name(field.label))) continue;
    warnings.push_back(fmt::format(
        "the field \"{}\" ({}) looks like a credential but is of type {}; declare it type password so that "
        "describe marks it secret and every message hides it, even before it is sent",
        host::printable(field.key), host::printable(field.label), host::to_string(field.type)));
  }
  return warnings;
}

}  // namespace destkit::cli
