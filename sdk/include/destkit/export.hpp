// destkit/export.hpp — DESTKIT_EXPORT_DESTINATION: the entry symbol and the noexcept
// trampolines that connect a destkit::Destination to the C ABI.
//
// Every exception a partner's code throws stops here and becomes a dk_status plus a message;
// nothing C++ crosses into the host.
#pragma once

#include <destkit/abi.h>
#include <destkit/destination.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <string>

namespace destkit::detail {

// Every 1.x host offers at least the services of ABI 1.0, which end with response_header.
inline constexpr std::size_t kHostTableV1_0 = offsetof(dk_host_api, response_header) + sizeof(dk_host_api::response_header);

// One instantiation per plugin (Factory is the plugin's own function), so two plugins built
// from this header never share state even if their symbols were visible to each other.
template <Destination (*Factory)()>
struct Exported {
  // The host's services, copied into a zeroed table as abi.h says each side does: a service
  // newer than the host reads NULL here, which Call::newer turns into a clear error.
  static inline dk_host_api host_table{};
  static inline const dk_host_api* host = nullptr;
  static inline const Destination* destination = nullptr;
  static inline std::string definition;
  static inline dk_plugin descriptor{};

  static const dk_plugin* entry(const dk_host_api* h) noexcept {
    static const dk_plugin* const result = init(h);
    return result;
  }

 private:
  static const dk_plugin* init(const dk_host_api* h) noexcept {
    if (h == nullptr || h->abi_major != DK_ABI_MAJOR || h->struct_size < kHostTableV1_0) return nullptr;
    std::memcpy(&host_table, h, std::min<std::size_t>(h->struct_size, sizeof host_table));
    host = &host_table;
    try {
      static const Destination instance = Factory();
      destination = &instance;
      definition = definition_json(instance);
      descriptor.struct_size = sizeof(dk_plugin);
      descriptor.abi_major = DK_ABI_MAJOR;
      descriptor.abi_minor = DK_ABI_MINOR;
      descriptor.magic = DK_PLUGIN_MAGIC;
      // refreshAccessToken is a hook of ABI 1.1, known here: it raises the minimum. The other
      // 1.1 services depend on the code that runs, so Call::newer checks them at the call.
      descriptor.min_host_abi_minor = instance.authentication.refreshAccessToken ? 1 : 0;
      descriptor.slug = instance.slug.c_str();
      descriptor.version = instance.version.c_str();
      descriptor.definition_json = definition.c_str();
      descriptor.on_test_request = instance.authentication.testRequest ? &on_test_request : nullptr;
      descriptor.on_extend_request = instance.extendRequest ? &on_extend_request : nullptr;
      descriptor.on_refresh_access_token =
          instance.authentication.refreshAccessToken ? &on_refresh_access_token : nullptr;
      return &descriptor;
    } catch (const std::exception& e) {
      log_refusal(e.what());
    } catch (...) {
      log_refusal("unknown exception");
    }
    return nullptr;
  }

  static void log_refusal(const char* why) noexcept {
    std::string_view message = why;
    host->log(nullptr, DK_LOG_ERROR, dk_str{message.data(), message.size()});
  }

  static std::string auth_value(const Call& c, const char* name) {
    dk_str value{nullptr, 0};
    if (c.host->get_auth(c.call, str(name), &value) != DK_OK) return {};
    return copy(value);
  }

  static Input input(const Call& c) {
    return Input{Settings(c), Auth{auth_value(c, "accessToken"), auth_value(c, "refreshToken")}, Log(c)};
  }

  // Runs body and converts every exception into a status plus a message for the host.
  template <class Body>
  static dk_status guarded(dk_call* call, Body&& body) noexcept {
    Call c{host, call};
    try {
      body(c);
      return DK_OK;
    } catch (const InvalidSettings& e) {
      // The field is named where the host offers it (ABI 1.2); the message is there for all.
      if (!e.field().empty() && c.host->set_invalid_setting != nullptr) {
        c.host->set_invalid_setting(c.call, str(e.field()), str(e.why()));
      }
      return fail(c, e.status(), e.what());
    } catch (const Error& e) {
      return fail(c, e.status(), e.what());
    } catch (const std::exception& e) {
      return fail(c, DK_ERR_INTERNAL, e.what());
    } catch (...) {
      return fail(c, DK_ERR_INTERNAL, "unknown exception");
    }
  }

  static dk_status fail(const Call& c, dk_status status, const char* message) noexcept {
    std::string_view text = message;
    c.host->set_error(c.call, dk_str{text.data(), text.size()});
    return status;
  }

  static dk_status on_test_request(dk_call* call) noexcept {
    return guarded(call, [](const Call& c) {
      Request request(c);
      destination->authentication.testRequest(request, input(c));
    });
  }

  static dk_status on_refresh_access_token(dk_call* call) noexcept {
    return guarded(call, [](const Call& c) {
      Request request(c);
      RefreshInput in{Settings(c),
                      OAuthClient{auth_value(c, "clientId"), auth_value(c, "clientSecret"),
                                  auth_value(c, "accessToken"), auth_value(c, "refreshToken")},
                      Log(c)};
      Tokens tokens = destination->authentication.refreshAccessToken(request, in);
      std::int64_t expires_in = tokens.expiresIn ? tokens.expiresIn->count() : 0;
      auto set_tokens = c.newer(c.host->set_tokens, "refreshAccessToken", 1);
      c.check(set_tokens(c.call, str(tokens.accessToken), str(tokens.refreshToken), expires_in), "set_tokens");
    });
  }

  static dk_status on_extend_request(dk_call* call, dk_request_options* out) noexcept {
    return guarded(call, [out](const Call& c) {
      write_options(c, out, destination->extendRequest(input(c)));
    });
  }
};

}  // namespace destkit::detail

// Exports the destination returned by `factory` (a function returning destkit::Destination)
// as this library's plugin. Use it exactly once per plugin.
#define DESTKIT_EXPORT_DESTINATION(factory)                                       \
  extern "C" DK_EXPORT const dk_plugin* dk_plugin_entry(const dk_host_api* host) { \
    return ::destkit::detail::Exported<&factory>::entry(host);                    \
  }
