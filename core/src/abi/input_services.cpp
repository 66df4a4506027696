// The dk_host_api services that read the call's settings.
#include "abi/services.hpp"

#include "util/json_text.hpp"

#include <fmt/format.h>

namespace destkit::host::services {

namespace json = boost::json;

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

}  // namespace destkit::host::services
