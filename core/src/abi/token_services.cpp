// The dk_host_api services for the call's OAuth credentials: read (get_auth) and renewed by
// refreshAccessToken (set_tokens).
#include "abi/services.hpp"

#include "oauth/protocol.hpp"

#include <fmt/format.h>

#include <chrono>

namespace destkit::host::services {

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

dk_status set_tokens(dk_call* handle, dk_str access_token, dk_str refresh_token, int64_t expires_in_seconds) noexcept {
  return guarded([&] {
    dk_call* call = resolve(handle);
    if (call == nullptr) return DK_ERR_INVALID_ARGUMENT;
    if (call->client == nullptr)
      return fail(call, DK_ERR_INVALID_ARGUMENT, "set_tokens is for on_refresh_access_token");
    if (view(access_token).empty()) return fail(call, DK_ERR_INVALID_ARGUMENT, "the access token is empty");
    // The record must be readable again and its tokens usable in a header: one the host could
    // not read back would sign the user out for good.
    for (auto [token, named] : {std::pair{access_token, "the access token"}, {refresh_token, "the refresh token"}}) {
      if (std::string problem = token_text_problem(view(token), kMaxTokenBytes); !problem.empty()) {
        return fail(call, DK_ERR_INVALID_ARGUMENT, fmt::format("{} {}", named, problem));
      }
    }
    TokenRecord record;
    record.access_token = std::string(view(access_token));
    record.refresh_token = std::string(view(refresh_token));
    record.obtained_at = std::chrono::system_clock::now();
    record.expires_at = expiry_after(record.obtained_at, static_cast<double>(expires_in_seconds));
    call->redactor.add(record.access_token);
    call->redactor.add(record.refresh_token);
    call->new_tokens = std::move(record);
    return DK_OK;
  });
}

}  // namespace destkit::host::services
