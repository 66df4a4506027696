// The dk_host_api services for diagnostics, the call's inputs and request options, and the
// table that gathers all services. Each one checks its handles, never throws, and copies what
// the plugin passes before returning.
#include "abi/services.hpp"

#include "abi/plugin_log.hpp"
#include "util/json_input.hpp"
#include "util/json_text.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace destkit::host {
namespace services {

namespace json = boost::json;

std::string_view view(dk_str s) {
  if (s.data == nullptr || s.size == 0) return {};
  // No object is that large (no 64-bit machine maps 2^48 bytes for a process): the size is a
  // bug or a lie, and reading it would run into memory the plugin does not have.
  if (s.size >= kImpossibleTextBytes) throw ImpossibleSize{};
  return std::string_view(s.data, s.size);
}

dk_str hand_out(dk_call* call, std::string text) {
  // Kept until the call ends: a plugin asking for the same value in a loop must not take the
  // host's memory with it. Each text costs its slot too, so a loop of empty answers counts.
  std::size_t cost = kHandOutEntryBytes + text.size();
  if (call->handed_out_bytes + cost > kMaxKeptBytesPerCall) {
    call->last_error = fmt::format("this call has been handed {} bytes of text, the most one hook call may keep",
                                   call->handed_out_bytes);
    throw OverCallBudget{};
  }
  call->handed_out_bytes += cost;
  const std::string& kept = call->strings.emplace_back(std::move(text));
  return dk_str{kept.data(), kept.size()};
}

void keep_given(dk_call& call, std::size_t text_bytes) {
  std::size_t bytes = kOptionsEntryBytes + text_bytes;
  if (call.given_bytes + bytes > kMaxKeptBytesPerCall) {
    call.last_error = fmt::format(
        "this call has given the host {} bytes of request options, the most one hook call may keep", call.given_bytes);
    throw OverCallBudget{};
  }
  call.given_bytes += bytes;
}

std::string held_text(dk_call& call, std::string_view text) {
  if (call.held_bytes + text.size() > kMaxHeldBytes) {
    return fmt::format("(not logged: a text of {} bytes, past the {} bytes extendRequest may have held)", text.size(),
                       kMaxHeldBytes);
  }
  call.held_bytes += text.size();
  return std::string(text);
}

std::uintptr_t value_of(const void* handle) { return reinterpret_cast<std::uintptr_t>(handle); }

dk_call* resolve(dk_call* handle) {
  dk_call* call = ActiveCall::current();
  return handle != nullptr && call != nullptr && value_of(handle) == call->id ? call : nullptr;
}

RequestOptions* options_of(dk_request_options* handle) {
  dk_call* call = ActiveCall::current();
  if (call == nullptr || handle == nullptr) return nullptr;
  if (value_of(handle) == call->extension.id) return call->extension_writable ? &call->extension.options : nullptr;
  for (auto& o : call->options) {
    if (o.id == value_of(handle)) return &o.options;
  }
  return nullptr;
}

dk_status fail(dk_call* call, dk_status status, std::string message) {
  // Cut once redacted (a secret across the cut would not be recognised): a message quoting
  // what the plugin passed stays small, however much it passed.
  std::string redacted = call->redactor.apply_to_start(message, kMaxLastErrorBytes + 1);
  call->last_error = redacted.size() > kMaxLastErrorBytes ? printable(redacted, kMaxLastErrorBytes) : redacted;
  return status;
}

std::string_view name_of(dk_call& call, dk_str s, std::string_view what) {
  std::string_view name = view(s);
  if (name.size() > kMaxNameBytes) {
    call.last_error = fmt::format("a {} of {} bytes; names are at most {} bytes", what, name.size(), kMaxNameBytes);
    throw OverCallBudget{};
  }
  return name;
}

void blame_settings_in(dk_call& call, std::string_view refused, bool (*fits)(std::string_view),
                       std::string_view problem, bool at_start) {
  if (call.settings == nullptr) return;
  for (const auto& [key, value] : *call.settings) {
    if (!value.is_string() || value.get_string().empty() || fits(value.get_string())) continue;
    std::string_view text = value.get_string();
    // memmem is linear in the lengths (two-way search), whatever the texts a user gave.
    const void* found = ::memmem(refused.data(), refused.size(), text.data(), text.size());
    if (found == nullptr || (at_start && found != refused.data())) continue;
    const Field* declared = call.definition != nullptr ? call.definition->field(key) : nullptr;
    std::string label = declared != nullptr && !declared->label.empty() ? declared->label : std::string(key);
    std::string_view name = key;  // a structured binding cannot be captured before clang 16
    bool known = std::any_of(call.unusable_settings.begin(), call.unusable_settings.end(),
                             [&](const SettingsProblem& p) { return p.key == name; });
    if (known) continue;
    call.unusable_settings.push_back(
        {std::string(key), printable(fmt::format("{} {}.", label, problem), kShownMessageBytes)});
  }
}

int32_t value_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return DK_VALUE_NULL;
    case json::kind::bool_: return DK_VALUE_BOOL;
    case json::kind::string: return DK_VALUE_STRING;
    case json::kind::array: return DK_VALUE_ARRAY;
    case json::kind::object: return DK_VALUE_OBJECT;
    default: return DK_VALUE_NUMBER;
  }
}

std::string value_text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : json_text(v); }

dk_value to_dk_value(dk_call* call, const json::value& v) {
  dk_value out{};
  out.kind = value_kind(v);
  out.text = hand_out(call, value_text(v));
  return out;
}

namespace {

// Timeouts longer than this are clamped: a destination must not hold a worker for hours.
constexpr std::int64_t kMaxTimeoutMs = 5 * 60 * 1000;

// "Bearer abc" is redacted whole and as "abc", in case a server echoes only the token.
void redact_credential(Redactor& redactor, std::string_view value) {
  redactor.add(value);
  if (auto space = value.find(' '); space != std::string_view::npos) redactor.add(value.substr(space + 1));
}

template <class Body>
dk_status with_options(dk_request_options* handle, Body&& body) noexcept {
  return guarded([&] {
    RequestOptions* options = options_of(handle);
    if (options == nullptr) return DK_ERR_INVALID_ARGUMENT;
    return body(*options, *ActiveCall::current());
  });
}

// ---- Diagnostics ----

void log(dk_call* handle, int32_t level, dk_str message) noexcept {
  try {
    dk_call* call = resolve(handle);
    LogLevel lvl = level <= DK_LOG_DEBUG  ? LogLevel::debug
                   : level == DK_LOG_INFO ? LogLevel::info
                   : level == DK_LOG_WARN ? LogLevel::warn
                                          : LogLevel::error;
    if (handle == nullptr) {
      LoadingLog::write(lvl, bounded_log_line(std::string(view(message))));
      return;
    }
    if (call == nullptr || call->env.log == nullptr || !*call->env.log) return;
    switch (call->log_budget.take()) {
      case PluginLogBudget::Next::log: break;
      case PluginLogBudget::Next::say_dropped: lvl = LogLevel::warn; message = dk_str{kPluginLogDropped.data(), kPluginLogDropped.size()}; break;
      case PluginLogBudget::Next::drop: return;
    }
    if (call->extension_writable) {
      call->held_log.emplace_back(lvl, held_text(*call, view(message)));
      return;
    }
    (*call->env.log)(lvl, call->env.plugin_slug, redacted_log_line(call->redactor, view(message)));
  } catch (...) {
  }
}

dk_status set_error(dk_call* handle, dk_str message) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr) return DK_ERR_INVALID_ARGUMENT;
    // Inside extendRequest, held whole: redacted and cut once it returns (run_extend_request).
    call->error = call->extension_writable ? held_text(*call, view(message))
                                           : call->redactor.shown(view(message), kShownMessageBytes);
    return DK_OK;
  });
}

// "API Key" + "must start with sk_" -> "API Key must start with sk_.", as the host's own
// settings problems read.
dk_status set_invalid_setting(dk_call* handle, dk_str field, dk_str why) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr) return DK_ERR_INVALID_ARGUMENT;
    std::string_view name = name_of(*call, field, "field name");
    const Field* declared = call->definition != nullptr ? call->definition->field(name) : nullptr;
    if (declared == nullptr) {
      return fail(call, DK_ERR_NOT_FOUND, fmt::format("set_invalid_setting: no field \"{}\"", printable(name)));
    }
    std::string sentence = fmt::format("{} {}", declared->label.empty() ? declared->key : declared->label, view(why));
    if (!sentence.ends_with('.') && !sentence.ends_with('?') && !sentence.ends_with('!')) sentence += '.';
    // One sentence per field, the last one given: a hook calling this in a loop keeps no more.
    // Inside extendRequest, held whole: redacted and cut once it returns (run_extend_request).
    std::string shown =
        call->extension_writable ? held_text(*call, sentence) : call->redactor.shown(sentence, kShownMessageBytes);
    auto same = std::find_if(call->invalid_settings.begin(), call->invalid_settings.end(),
                             [&](const SettingsProblem& p) { return p.key == declared->key; });
    if (same != call->invalid_settings.end()) {
      same->message = std::move(shown);
    } else {
      call->invalid_settings.push_back({declared->key, std::move(shown)});
    }
    return DK_OK;
  });
}

dk_status last_error(dk_call* handle, dk_str* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    // Asked again with no failure in between: the text handed out last time, not a new copy.
    if (call->last_error_handed && *call->last_error_handed == call->last_error) {
      *out = dk_str{call->last_error_handed->data(), call->last_error_handed->size()};
      return DK_OK;
    }
    try {
      *out = hand_out(call, call->last_error);
      call->last_error_handed = &call->strings.back();
    } catch (const OverCallBudget&) {
      // The one answer that must still come: why nothing more is handed out.
      static constexpr std::string_view kSpent =
          "this call has been handed the most text one hook call may keep (64 MiB)";
      *out = dk_str{kSpent.data(), kSpent.size()};
    }
    return DK_OK;
  });
}

// ---- Inputs ----

dk_status get_setting(dk_call* handle, dk_str key, dk_value* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    std::string_view name = name_of(*call, key, "setting name");
    const json::value* v = call->settings->if_contains(name);
    if (v == nullptr) return fail(call, DK_ERR_NOT_FOUND, fmt::format("no setting \"{}\"", name));
    *out = to_dk_value(call, *v);
    return DK_OK;
  });
}

dk_status get_settings_json(dk_call* handle, dk_str* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    *out = hand_out(call, json_text(*call->settings));
    return DK_OK;
  });
}

dk_status get_auth(dk_call* handle, dk_str name, dk_str* out) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr || out == nullptr) return DK_ERR_INVALID_ARGUMENT;
    const std::string* value = nullptr;
    if (view(name) == "accessToken") value = &call->auth.access_token;
    if (view(name) == "refreshToken") value = &call->auth.refresh_token;
    if (call->client != nullptr && view(name) == "clientId") value = &call->client->client_id;
    if (call->client != nullptr && view(name) == "clientSecret") value = &call->client->client_secret;
    if (value == nullptr || value->empty()) return DK_ERR_NOT_FOUND;
    // A copy: a refresh during this call replaces the tokens, and abi.h promises the text
    // stays valid until the hook returns.
    *out = hand_out(call, *value);
    return DK_OK;
  });
}

// ---- Request options ----

dk_status options_set_prefix_url(dk_request_options* handle, dk_str url) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    if (!is_http_url(view(url))) {
      blame_settings_in(call, view(url), is_http_url, "must be an http or https URL to be the API's address", true);
      return fail(&call, DK_ERR_INVALID_ARGUMENT, "prefixUrl must be an absolute http(s) URL");
    }
    o.prefix_url = std::string(view(url));
    return DK_OK;
  });
}

dk_status options_set_header(dk_request_options* handle, dk_str name, dk_str value) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    name_of(call, name, "header name");
    std::string problem = request_header_problem(view(name), view(value));
    if (!problem.empty()) {
      // Meant as a credential, refused or not: the hook's log lines must not show it.
      if (is_secret_name(view(name))) redact_credential(call.redactor, view(value));
      if (is_header_name(view(name)) && !is_client_written_header(view(name))) {
        blame_settings_in(
            call, view(value), is_header_value,
            fmt::format("holds a line break or another control character, which the header \"{}\" cannot carry",
                        view(name)));
      }
      return fail(&call, DK_ERR_INVALID_ARGUMENT, problem);
    }
    keep_given(call, view(name).size() + view(value).size());
    if (is_secret_name(view(name))) redact_credential(call.redactor, view(value));
    o.headers.emplace_back(std::string(view(name)), std::string(view(value)));
    return DK_OK;
  });
}

dk_status options_set_basic_auth(dk_request_options* handle, dk_str username, dk_str password) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    keep_given(call, view(username).size() + view(password).size());
    o.username = std::string(view(username));
    o.password = std::string(view(password));
    call.redactor.add(view(password));
    call.redactor.add(fmt::format("{}:{}", view(username), view(password)));
    return DK_OK;
  });
}

dk_status options_add_search_param(dk_request_options* handle, dk_str name, dk_str value) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    keep_given(call, name_of(call, name, "query parameter name").size() + view(value).size());
    if (is_secret_name(view(name))) redact_credential(call.redactor, view(value));
    o.search_params.emplace_back(std::string(view(name)), std::string(view(value)));
    return DK_OK;
  });
}

dk_status options_set_timeout_ms(dk_request_options* handle, int64_t timeout_ms) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    if (timeout_ms <= 0) return fail(&call, DK_ERR_INVALID_ARGUMENT, "timeout must be positive");
    o.timeout = std::chrono::milliseconds(std::min(timeout_ms, kMaxTimeoutMs));
    return DK_OK;
  });
}

dk_status options_set_response_type(dk_request_options* handle, int32_t type) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    if (type != DK_RESPONSE_TEXT && type != DK_RESPONSE_JSON) {
      return fail(&call, DK_ERR_INVALID_ARGUMENT, fmt::format("unknown response type {}", type));
    }
    o.response_type = type == DK_RESPONSE_JSON ? ResponseType::json : ResponseType::text;
    return DK_OK;
  });
}

dk_status options_set_throw_http_errors(dk_request_options* handle, int32_t enabled) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call&) {
    o.throw_http_errors = enabled != 0;
    return DK_OK;
  });
}

dk_status options_set_method(dk_request_options* handle, dk_str method) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    std::string m(name_of(call, method, "method"));
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
    for (const char* allowed : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}) {
      if (m == allowed) {
        o.method = m;
        return DK_OK;
      }
    }
    // Quoted as given: in capitals, a secret passed by mistake would not be recognised.
    return fail(&call, DK_ERR_INVALID_ARGUMENT,
                fmt::format("\"{}\" is not an HTTP method destkit sends", view(method)));
  });
}

dk_status options_set_body(dk_request_options* handle, dk_str body) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call&) {
    o.body = std::string(view(body));
    o.body_is_json = false;
    return DK_OK;
  });
}

dk_status options_set_json(dk_request_options* handle, dk_str text) noexcept {
  return with_options(handle, [&](RequestOptions& o, dk_call& call) {
    ParsedJson parsed = parse_json_input(view(text), {.max_bytes = 64 << 20, .max_depth = 256});
    if (!parsed.ok()) return fail(&call, DK_ERR_INVALID_ARGUMENT, "json body: " + parsed.error);
    o.body = std::string(view(text));
    o.body_is_json = true;
    return DK_OK;
  });
}

const dk_host_api kHostApi = {
    sizeof(dk_host_api),
    DK_ABI_MAJOR,
    DK_ABI_MINOR,
    log,
    set_error,
    last_error,
    get_setting,
    get_settings_json,
    get_auth,
    options_set_prefix_url,
    options_set_header,
    options_set_basic_auth,
    options_add_search_param,
    options_set_timeout_ms,
    options_set_response_type,
    options_set_throw_http_errors,
    options_set_method,
    options_set_body,
    options_set_json,
    request_options_new,
    request_send,
    response_status,
    response_reason,
    response_body,
    response_header,
    set_tokens,
    response_json_value,
    set_invalid_setting,
};

}  // namespace
}  // namespace services

const dk_host_api* host_api() { return &services::kHostApi; }

}  // namespace destkit::host
