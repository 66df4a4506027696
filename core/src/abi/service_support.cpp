// What the dk_host_api services share: handles resolved, text handed out and kept within the
// call's budget, failures recorded, settings blamed, JSON values handed out.
#include "abi/services.hpp"

#include "util/json_text.hpp"
#include "util/printable.hpp"

#include <fmt/format.h>

namespace destkit::host::services {

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

}  // namespace destkit::host::services
