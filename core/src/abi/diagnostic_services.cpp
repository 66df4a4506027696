// The dk_host_api services for diagnostics: the plugin's log, its error, a setting it
// refuses, and the last service failure.
#include "abi/services.hpp"

#include "abi/plugin_log.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace destkit::host::services {

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
      case PluginLogBudget::Next::say_dropped:
        lvl = LogLevel::warn;
        message = dk_str{kPluginLogDropped.data(), kPluginLogDropped.size()};
        break;
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

}  // namespace destkit::host::services
