// destkit/settings.hpp — what a hook receives: typed settings, the auth tokens, a log.
//
// The host has validated the settings against the destination's fields before any hook runs:
// required fields are present, types are right, defaults are applied.
#pragma once

#include <destkit/detail/call.hpp>
#include <destkit/detail/numbers.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace destkit {

class Settings {
 public:
  explicit Settings(detail::Call call) : call_(call) {}

  bool has(std::string_view key) const { return lookup(key).has_value(); }

  std::string string(std::string_view key) const { return require(key, DK_VALUE_STRING); }
  std::optional<std::string> optionalString(std::string_view key) const {
    auto value = lookup(key);
    if (!value || value->kind != DK_VALUE_STRING) return std::nullopt;
    return detail::copy(value->text);
  }
  double number(std::string_view key) const {
    std::string text = require(key, DK_VALUE_NUMBER);
    double value = 0;
    if (!detail::parse_number(text, value)) throw InvalidSettings(std::string(key), "is not a number");
    return value;
  }
  // Exact for every whole number that fits (64-bit IDs included); any other number is refused.
  long long integer(std::string_view key) const {
    std::string text = require(key, DK_VALUE_NUMBER);
    long long value = 0;
    if (!detail::parse_number(text, value)) {
      throw InvalidSettings(std::string(key), "is not a whole number that fits in a long long");
    }
    return value;
  }
  bool boolean(std::string_view key) const { return require(key, DK_VALUE_BOOL) == "true"; }
  // Any setting (object, array, ...) as JSON text.
  std::string json(std::string_view key) const {
    auto value = lookup(key);
    if (!value) throw InvalidSettings(std::string(key), "is not set");
    return detail::copy(value->text);
  }
  // All settings as one JSON object.
  std::string toJson() const {
    dk_str out{nullptr, 0};
    call_.check(call_.host->get_settings_json(call_.call, &out), "get_settings_json");
    return detail::copy(out);
  }

 private:
  std::optional<dk_value> lookup(std::string_view key) const {
    dk_value value{};
    dk_status status = call_.host->get_setting(call_.call, detail::str(key), &value);
    if (status == DK_ERR_NOT_FOUND) return std::nullopt;
    call_.check(status, "get_setting");
    return value;
  }

  std::string require(std::string_view key, int32_t kind) const {
    auto value = lookup(key);
    if (!value || value->kind == DK_VALUE_NULL) {
      throw InvalidSettings(std::string(key), "is not set");
    }
    if (value->kind != kind) {
      throw InvalidSettings(std::string(key), std::string("is not ") + kind_name(kind));
    }
    return detail::copy(value->text);
  }

  static const char* kind_name(int32_t kind) {
    switch (kind) {
      case DK_VALUE_STRING: return "text";
      case DK_VALUE_NUMBER: return "a number";
      case DK_VALUE_BOOL: return "true or false";
      default: return "of the type the destination reads";
    }
  }

  detail::Call call_;
};

// Authentication material the host holds (OAuth schemes): empty when there is none.
struct Auth {
  std::string accessToken;
  std::string refreshToken;
};

// Log lines attributed to the destination. The host redacts the secrets it knows.
class Log {
 public:
  explicit Log(detail::Call call) : call_(call) {}
  void debug(std::string_view message) const { write(DK_LOG_DEBUG, message); }
  void info(std::string_view message) const { write(DK_LOG_INFO, message); }
  void warn(std::string_view message) const { write(DK_LOG_WARN, message); }
  void error(std::string_view message) const { write(DK_LOG_ERROR, message); }

 private:
  void write(int32_t level, std::string_view message) const {
    call_.host->log(call_.call, level, detail::str(message));
  }
  detail::Call call_;
};

// What every hook receives besides the request function.
struct Input {
  Settings settings;
  Auth auth;
  Log log;
};

// What refreshAccessToken receives: the OAuth client and the current tokens.
struct OAuthClient {
  std::string clientId;
  std::string clientSecret;
  std::string accessToken;
  std::string refreshToken;
};

struct RefreshInput {
  Settings settings;
  OAuthClient auth;
  Log log;
};

// What refreshAccessToken returns. An empty refreshToken keeps the current one.
struct Tokens {
  std::string accessToken{};
  std::string refreshToken{};
  std::optional<std::chrono::seconds> expiresIn{};
};

}  // namespace destkit
