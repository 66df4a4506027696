#include "check_warnings.hpp"

#include "plugin/discovery.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <string_view>

namespace destkit::cli {
namespace {

// "apiKey", "API Key", "api_key" -> {"api", "key"}: lower-case words, split at case changes
// and at anything that is not a letter or digit.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  char previous = 0;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    bool starts_word = std::isupper(u) && std::islower(static_cast<unsigned char>(previous));
    if (!std::isalnum(u) || starts_word) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    }
    if (std::isalnum(u)) word += static_cast<char>(std::tolower(u));
    previous = c;
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool names_a_credential(std::string_view text) {
  static constexpr std::array<std::string_view, 11> kWords = {"key",    "apikey", "token",    "secret",     "password", "passwd",
                                                              "pwd",    "pass",   "passcode", "credential", "credentials"};
  auto words = words_of(text);
  return std::any_of(words.begin(), words.end(), [](const std::string& w) {
    return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
  });
}

}  // namespace

std::vector<std::string> check_warnings(const host::Plugin& plugin, const std::string& path) {
  std::vector<std::string> warnings;
  std::string name = std::filesystem::path(path).filename().string();
  if (!host::is_plugin_file_name(name) && !host::is_declarative_file_name(name)) {
    warnings.push_back(fmt::format("the file name \"{}\" is one plugin discovery ignores; name it {}{}{}",
                                   host::printable(name), host::kPluginPrefix, plugin.slug(),
                                   host::names_a_manifest(name) ? host::kDeclarativeSuffix : host::kPluginSuffix));
  }
  for (const host::Field& field : plugin.definition().fields) {
    if (field.secret || !(names_a_credential(field.key) || names_a_credential(field.label))) continue;
    warnings.push_back(fmt::format(
        "the field \"{}\" ({}) looks like a credential but is of type {}; declare it type password so that "
        "describe marks it secret and every message hides it, even before it is sent",
        host::printable(field.key), host::printable(field.label), host::to_string(field.type)));
  }
  return warnings;
}

}  // namespace destkit::cli
