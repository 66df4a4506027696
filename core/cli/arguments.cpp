#include "arguments.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <string_view>

namespace destkit::cli {
namespace {

// Options that take a value, as "--name VALUE" or "--name=VALUE".
std::string* value_slot(Arguments& a, std::string_view name) {
  if (name == "--plugin-path") return &a.plugin_paths.emplace_back();
  if (name == "--connect-to") return &a.connect_to.emplace_back();
  if (name == "--cacert") return &a.cacert;
  if (name == "--settings") return &a.settings;
  if (name == "--config") return &a.config;
  if (name == "--key") return &a.key;
  if (name == "--public-key") return &a.public_keys.emplace_back();
  if (name == "--connection") return &a.connection;
  if (name == "--isolation") return &a.isolation;
  if (name == "--scheme") return &a.scheme;
  if (name == "--lang") return &a.lang;
  if (name == "--dir") return &a.dir;
  if (name == "--accept") return &a.accept.emplace_back();
  if (name == "--accept-basic") return &a.accept_basic.emplace_back();
  if (name == "--accept-query") return &a.accept_query.emplace_back();
  if (name == "--routes") return &a.routes;
  if (name == "--oauth-client") return &a.oauth_client;
  if (name == "--record") return &a.record;
  if (name == "--tls-name") return &a.tls_names.emplace_back();
  if (name == "--certificate-dir") return &a.certificate_dir;
  if (name == "--listen") return &a.listen;
  if (name == "--token-file") return &a.token_file;
  return nullptr;
}

// Plugin code may change the working directory while it loads, so a relative path given on
// the command line is resolved once, against the directory the command started in.
bool is_path_option(std::string_view name) {
  return name == "--plugin-path" || name == "--cacert" || name == "--settings" || name == "--config" ||
         name == "--key" || name == "--public-key" || name == "--dir" || name == "--certificate-dir" ||
         name == "--token-file";
}

std::string absolute_path(const std::string& value) {
  if (value == "-") return value;  // standard input
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(value, ec);
  if (ec) return value;
  // Without its "." parts ("--plugin-path ." names the directory, not "dir/."); ".." stays,
  // since through a symbolic link it need not lead where dropping a part would.
  std::filesystem::path clean;
  for (const auto& part : path) {
    if (part != ".") clean /= part;
  }
  return clean.string();
}

// The whole text as a number from `low` to `high`: "1e3", "2.5" or "10s" is no number, rather
// than the digits it starts with.
std::optional<long long> whole_number_in(const std::optional<std::string>& text, long long low, long long high) {
  long long number = 0;
  if (!text) return std::nullopt;
  const char* end = text->data() + text->size();
  auto [stop, ec] = std::from_chars(text->data(), end, number);
  if (ec != std::errc() || stop != end || number < low || number > high) return std::nullopt;
  return number;
}

// The options that take a whole number: what it is, its range, and where it goes.
struct NumberOption {
  std::string_view name, counts;
  long long low, high;
  void (*store)(Arguments&, long long);
};
constexpr NumberOption kNumberOptions[] = {
    {"--timeout-ms", "a whole number of milliseconds", 1, 3600000, [](Arguments& a, long long n) { a.timeout_ms = n; }},
    {"--wait", "a whole number of seconds", 1, 3600000, [](Arguments& a, long long n) { a.wait_seconds = n; }},
    {"--port", "a port number", 0, 65535, [](Arguments& a, long long n) { a.port = n; }},
    {"--workers", "a number of threads", 4, 1024, [](Arguments& a, long long n) { a.workers = n; }},
    {"--max-connections", "a number of connections", 1, 1000000,
     [](Arguments& a, long long n) { a.max_connections = n; }},
};

const NumberOption* number_option(std::string_view name) {
  for (const NumberOption& option : kNumberOptions) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

}  // namespace

ParseResult parse_arguments(int argc, char** argv) {
  ParseResult result;
  Arguments& a = result.arguments;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg.substr(0, arg.find('='));
    bool inline_value = name.size() != arg.size();
    auto take_value = [&]() -> std::optional<std::string> {
      if (inline_value) return std::string(arg.substr(name.size() + 1));
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };

    if (arg == "--json") {
      a.json = true;
    } else if (arg == "-h" || arg == "--help") {
      a.help = true;
    } else if (arg == "-v" || arg == "--verbose") {
      a.verbose = true;
    } else if (arg == "--dry-run") {
      a.dry_run = true;
    } else if (arg == "--insecure-plugin-permissions") {
      a.insecure_plugin_permissions = true;
    } else if (arg == "--record-secrets") {
      a.record_secrets = true;
    } else if (arg == "--no-browser") {
      a.no_browser = true;
    } else if (arg == "--version") {
      a.version = true;
    } else if (const NumberOption* option = number_option(name)) {
      auto number = whole_number_in(take_value(), option->low, option->high);
      if (!number) {
        result.error = fmt::format("{} needs {} from {} to {}", name, option->counts, option->low, option->high);
        return result;
      }
      option->store(a, *number);
    } else if (std::string* slot = value_slot(a, name)) {
      auto value = take_value();
      if (!value || value->empty()) {
        result.error = fmt::format("{} needs a value", name);
        return result;
      }
      *slot = is_path_option(name) ? absolute_path(*value) : *value;
    } else if (arg.size() > 1 && arg.front() == '-' && arg != "-") {
      result.error = fmt::format("unknown option {}", arg);
      return result;
    } else if (a.command.empty()) {
      a.command = arg;
    } else {
      a.positional.emplace_back(arg);
    }
  }
  return result;
}

}  // namespace destkit::cli
