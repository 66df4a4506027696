#include <destkit/host/config.hpp>
#include "plugin/file_permissions.hpp"
#include "plugin/signatures.hpp"

#include "http/client.hpp"
#include "http/request_options.hpp"
#include "util/json_input.hpp"
#include "util/json_path.hpp"
#include "util/read_file.hpp"
#include "util/url_form.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdlib>
#include <sys/stat.h>

namespace destkit::host {
namespace {

namespace json = boost::json;

// 127.0.0.0/8, ::1 and localhost: traffic to them never leaves the machine.
bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "[::1]") return true;
  unsigned char address[4];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 && address[0] == 127;
}

// An https URL; http only to a loopback host (a local test server), since the client secret
// and the tokens travel in these requests.
std::string url_at(const json::object& o, const char* key, const std::string& path, bool required) {
  std::string url = string_member(o, key, path, required ? Presence::required : Presence::non_empty);
  if (url.empty()) return url;
  if (!url.starts_with("https://") && !url.starts_with("http://")) invalid_at(path + "." + key, "must be an http(s) URL");
  if (url.find(' ') != std::string::npos || !is_url_text(url)) {
    invalid_at(path + "." + key, "must not hold a space or a control character (a space is written %20)");
  }
  if (url.starts_with("http://") && !is_loopback_host(url_host(url))) {
    invalid_at(path + "." + key,
            "must be an https URL: over http the client secret and the tokens would travel in clear text "
            "(http is accepted only for 127.0.0.1, ::1 and localhost)");
  }
  // The sign-in adds its parameters to the query: after a fragment a browser would never send
  // them. A user name or password in the URL would be shown wherever the URL is.
  std::string_view authority = std::string_view(url).substr(url.find("://") + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (url.find('#') != std::string::npos) invalid_at(path + "." + key, "must not have a fragment (#...)");
  if (authority.find('@') != std::string_view::npos) {
    invalid_at(path + "." + key, "must not carry a user name or password (the client's are clientId and clientSecret)");
  }
  return url;
}

// How the files a configuration names are read: with `strict`, as the configuration file
// itself is (read_trusted_file).
struct NamedFiles {
  bool strict = false;
};

// A secret inline, or a reference to where it is kept: {"env": "NAME"} or {"file": "PATH"};
// the file's absolute path in `file_read`, if one was read.
std::string secret_at(const json::object& o, const char* key, const std::string& path, const NamedFiles& named,
                      std::string* file_read = nullptr) {
  const json::value* v = o.if_contains(key);
  std::string where = path + "." + key;
  if (v == nullptr) invalid_at(where, "is required");
  if (v->is_string()) {
    if (v->get_string().empty()) invalid_at(where, "must not be empty");
    return std::string(v->get_string());
  }
  const auto& ref = object_at(*v, where);
  if (ref.size() != 1 || !(ref.contains("env") || ref.contains("file"))) {
    invalid_at(where, "must be a string, {\"env\": \"NAME\"} or {\"file\": \"PATH\"}");
  }
  if (ref.contains("env")) {
    std::string name = string_member(ref, "env", where, Presence::required);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') invalid_at(where, fmt::format("the environment variable {} is not set", name));
    return value;
  }
  // Relative to the working directory, as on the command line; errors name the path tried.
  std::error_code ec;
  std::filesystem::path given = string_member(ref, "file", where, Presence::required);
  std::string file = std::filesystem::absolute(given, ec).lexically_normal().string();
  if (ec) file = given.string();
  FileText read =
      named.strict ? read_trusted_file(file, kMaxSecretFileBytes) : read_file(file, {.max_bytes = kMaxSecretFileBytes});
  if (read.refused && named.strict) {
    invalid_at(where, fmt::format("cannot use the file {}: {}; whoever can write it decides the key or secret destkit "
                                  "uses; refused (--insecure-plugin-permissions uses it anyway)",
                                  file, read.error));
  }
  if (!read.ok()) invalid_at(where, read.error);
  std::string secret = std::move(read.text);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) invalid_at(where, fmt::format("the file {} is empty", file));
  if (file_read != nullptr) *file_read = file;
  return secret;
}

// What to say when others can read where a client secret is kept.
std::string readable_secret_warning(const std::string& file, std::string_view slug, mode_t mode,
                                    std::string_view instead) {
  return fmt::format(
      "{} holds the client secret of {} and other users can read it (mode {:04o}): make it readable by "
      "its owner only (chmod 600 {}){}",
      file, slug, mode & 07777, file, instead);
}

OAuthClientConfig parse_oauth(const json::value& v, const std::string& path, std::string_view slug,
                              const NamedFiles& named, std::vector<std::string>& warnings) {
  const auto& o = object_at(v, path);
  for (const auto& [key, _] : o) {
    static constexpr std::string_view known[] = {"clientId", "clientSecret", "authorizeUrl", "tokenUrl", "scopes", "grant"};
    if (std::find(std::begin(known), std::end(known), std::string_view(key)) == std::end(known)) {
      invalid_at(fmt::format("{}.{}", path, std::string_view(key)), "is not a known key");
    }
  }
  OAuthClientConfig c;
  c.client_id = string_member(o, "clientId", path, Presence::required);
  std::string secret_file;
  c.client_secret = secret_at(o, "clientSecret", path, named, &secret_file);
  c.secret_inline = o.if_contains("clientSecret")->is_string();
  struct stat st {};
  if (!secret_file.empty() && ::stat(secret_file.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    warnings.push_back(readable_secret_warning(secret_file, slug, st.st_mode, ""));
  }
  std::string grant = o.contains("grant") ? string_member(o, "grant", path, Presence::required) : "authorization_code";
  if (grant == "client_credentials") {
    c.grant = OAuthGrant::client_credentials;
  } else if (grant != "authorization_code") {
    invalid_at(path + ".grant", "must be \"authorization_code\" or \"client_credentials\"");
  }
  c.authorize_url = url_at(o, "authorizeUrl", path, c.grant == OAuthGrant::authorization_code);
  // The sign-in sets these itself; a second one would leave the provider to choose.
  if (auto query = c.authorize_url.find('?'); query != std::string::npos) {
    for (const auto& [name, value] : parse_form(std::string_view(c.authorize_url).substr(query + 1))) {
      for (std::string_view own : {"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                                   "code_challenge_method"}) {
        if (name == own)
          invalid_at(path + ".authorizeUrl", fmt::format("must not set \"{}\": the sign-in sets it", name));
      }
    }
  }
  c.token_url = url_at(o, "tokenUrl", path, true);
  if (const json::value* scopes = o.if_contains("scopes")) {
    if (!scopes->is_array()) invalid_at(path + ".scopes", "must be a list of strings");
    for (const auto& s : scopes->get_array()) {
      if (!s.is_string() || s.get_string().empty()) invalid_at(path + ".scopes", "must be a list of strings");
      c.scopes.emplace_back(s.get_string());
    }
  }
  return c;
}

PluginTrust parse_plugins(const json::value& v, const NamedFiles& named) {
  const std::string path = "plugins";
  const auto& o = object_at(v, path);
  PluginTrust trust;
  for (const auto& [key, value] : o) {
    std::string where = fmt::format("{}.{}", path, std::string_view(key));
    if (key == "sha256") {
      for (const auto& [file, digest] : object_at(value, where)) {
        std::string hex = digest.is_string() ? std::string(digest.get_string()) : std::string();
        std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return std::tolower(c); });
        if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
          invalid_at(fmt::format("{}.\"{}\"", where, std::string_view(file)), "must be a SHA-256 digest in hex (64 characters)");
        }
        trust.sha256_pins.emplace(std::string(file), hex);
      }
    } else if (key == "trustedKeys") {
      if (!value.is_array()) invalid_at(where, "must be a list of public keys");
      for (std::size_t i = 0; i < value.get_array().size(); ++i) {
        json::object holder{{"key", value.get_array()[i]}};
        std::string pem = secret_at(holder, "key", fmt::format("{}[{}]", where, i), named);
        if (!is_ed25519_public_key(pem)) {
          invalid_at(fmt::format("{}[{}]", where, i), "is not an Ed25519 public key in PEM form, alone in its text");
        }
        trust.trusted_keys.push_back(pem);
      }
    } else if (key != "requirePins" && key != "requireSignatures") {
      invalid_at(where, "is not a known key");
    }
  }
  trust.require_pins = bool_member(o, "requirePins", path);
  trust.require_signatures = bool_member(o, "requireSignatures", path);
  if (trust.require_signatures && trust.trusted_keys.empty()) {
    invalid_at(path + ".trustedKeys", "must list at least one key when requireSignatures is true");
  }
  return trust;
}

Isolation isolation_at(const json::value& v, const std::string& path) {
  if (v.is_string() && v.get_string() == "process") return Isolation::process;
  if (v.is_string() && v.get_string() == "in-process") return Isolation::in_process;
  invalid_at(path, "must be \"process\" or \"in-process\"");
}

// A whole number in [low, high].
std::int64_t number_at(const json::value& v, const std::string& path, std::int64_t low, std::int64_t high) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(high)) {
    n = static_cast<std::int64_t>(v.get_uint64());
  } else {
    invalid_at(path, fmt::format("must be a whole number from {} to {}", low, high));
  }
  if (n < low || n > high) invalid_at(path, fmt::format("must be a whole number from {} to {}", low, high));
  return n;
}

RunnerLimits parse_runner(const json::value& v) {
  RunnerLimits limits;
  for (const auto& [key, value] : object_at(v, "runner")) {
    std::string where = fmt::format("runner.{}", std::string_view(key));
    if (key == "hookDeadlineMs") {
      limits.hook_deadline = std::chrono::milliseconds(number_at(value, where, 1, 3600 * 1000));
    } else if (key == "addressSpaceMb") {
      limits.address_space_bytes = static_cast<std::size_t>(number_at(value, where, 64, 1 << 20)) << 20;
    } else if (key == "openFiles") {
      limits.open_files = static_cast<int>(number_at(value, where, 16, 65536));
    } else if (key == "crashesBeforeQuarantine") {
      limits.crashes_before_quarantine = static_cast<int>(number_at(value, where, 1, 1000));
    } else if (key == "crashWindowSeconds") {
      limits.crash_window = std::chrono::seconds(number_at(value, where, 1, 86400));
    } else if (key == "restartBackoffMs") {
      limits.restart_backoff = std::chrono::milliseconds(number_at(value, where, 0, 60000));
    } else if (key == "restartBackoffMaxMs") {
      limits.restart_backoff_max = std::chrono::milliseconds(number_at(value, where, 0, 600000));
    } else if (key == "runnersPerPlugin") {
      limits.runners_per_plugin = static_cast<int>(number_at(value, where, 1, 1024));
    } else {
      invalid_at(where, "is not a known key");
    }
  }
  return limits;
}

Status invalid_config(std::string message) {
  return Status::error(Status::Code::invalid_argument, std::move(message));
}

}  // namespace

const OAuthClientConfig* HostConfig::oauth_client(std::string_view slug) const {
  auto it = destinations.find(slug);
  return it != destinations.end() && it->second.oauth ? &*it->second.oauth : nullptr;
}

Isolation HostConfig::isolation_of(std::string_view slug) const {
  auto it = destinations.find(slug);
  return it != destinations.end() && it->second.isolation ? *it->second.isolation
                                                          : isolation.value_or(Isolation::in_process);
}

namespace {

// An absolute path, or false: none.
std::filesystem::path metadata_cache_at(const json::value& v) {
  if (v.is_bool() && !v.get_bool()) return {};
  std::filesystem::path path = v.is_string() ? std::filesystem::path(std::string(v.get_string())) : std::filesystem::path();
  if (!path.is_absolute() || !path.has_filename()) invalid_at("metadataCache", "must be the absolute path of a file, or false");
  return path;
}

Result<HostConfig> parse_config(std::string_view text, const std::string& source, const NamedFiles& named) {
  ParsedJson parsed = parse_json_input(text);
  if (!parsed.ok()) return invalid_config(fmt::format("{}: not valid JSON ({})", source, parsed.error));
  try {
    HostConfig config;
    const auto& top = object_at(parsed.value, "the configuration");
    for (const auto& [key, value] : top) {
      if (key == "plugins") {
        config.plugins = parse_plugins(value, named);
        continue;
      }
      if (key == "isolation") {
        config.isolation = isolation_at(value, "isolation");
        continue;
      }
      if (key == "runner") {
        config.runner = parse_runner(value);
        continue;
      }
      if (key == "metadataCache") {
        config.metadata_cache = metadata_cache_at(value);
        continue;
      }
      if (key != "destinations") {
        invalid_at(std::string(key), "is not a known key (expected \"destinations\", \"plugins\", \"isolation\", "
                                     "\"runner\" or \"metadataCache\")");
      }
      for (const auto& [slug, destination] : object_at(value, "destinations")) {
        std::string path = fmt::format("destinations.{}", std::string_view(slug));
        DestinationConfig d;
        for (const auto& [name, item] : object_at(destination, path)) {
          if (name == "isolation") {
            d.isolation = isolation_at(item, path + ".isolation");
            continue;
          }
          if (name != "oauth") invalid_at(fmt::format("{}.{}", path, std::string_view(name)), "is not a known key");
          d.oauth = parse_oauth(item, path + ".oauth", std::string_view(slug), named, config.warnings);
        }
        config.destinations.emplace(std::string(slug), std::move(d));
      }
    }
    return config;
  } catch (const JsonPathError& e) {
    return invalid_config(fmt::format("{}: {}", source, e.to_string()));
  } catch (const std::exception& e) {
    return invalid_config(fmt::format("{}: {}", source, e.what()));
  }
}

}  // namespace

Result<HostConfig> parse_host_config(std::string_view text, const std::string& source) {
  return parse_config(text, source, NamedFiles{});
}

Result<HostConfig> load_host_config(const std::filesystem::path& path, bool strict_permissions) {
  constexpr std::size_t kMaxBytes = JsonLimits{}.max_bytes;
  FileText read = strict_permissions ? read_trusted_file(path, kMaxBytes) : read_file(path, {.max_bytes = kMaxBytes});
  if (read.refused && strict_permissions) {
    return invalid_config(
        fmt::format("cannot use the configuration file {}: {}; whoever can write it decides which "
                    "plugins are trusted and where tokens are sent; refused "
                    "(--insecure-plugin-permissions uses it anyway)",
                    path.string(), read.error));
  }
  if (!read.ok()) return invalid_config(fmt::format("cannot use the configuration file: {}", read.error));
  auto parsed = parse_config(read.text, path.string(), NamedFiles{strict_permissions});
  struct stat st {};
  if (parsed.ok() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    for (const auto& [slug, destination] : parsed->destinations) {
      if (!destination.oauth || !destination.oauth->secret_inline) continue;
      parsed->warnings.push_back(
          readable_secret_warning(path.string(), slug, st.st_mode,
                                  ", or keep the secret elsewhere ({\"env\": \"NAME\"} or {\"file\": \"PATH\"})"));
    }
  }
  return parsed;
}

}  // namespace destkit::host
