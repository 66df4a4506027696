// destkit/detail/call.hpp — the host services of one hook call, with C++ conveniences.
#pragma once

#include <destkit/abi.h>
#include <destkit/errors.hpp>

#include <string>
#include <string_view>

namespace destkit::detail {

inline dk_str str(std::string_view s) { return dk_str{s.data(), s.size()}; }
inline std::string copy(dk_str s) { return s.size ? std::string(s.data, s.size) : std::string(); }

struct Call {
  const dk_host_api* host;
  dk_call* call;

  std::string last_error() const {
    dk_str message{nullptr, 0};
    host->last_error(call, &message);
    return copy(message);
  }

  // A service added after ABI 1.0, or an error saying which host `what` needs. The SDK reads
  // services from its zero-filled copy of the host's table (see Exported::init), where a
  // member an older host lacks is NULL: never a call past the end of the host's table.
  template <class Service>
  Service newer(Service service, std::string_view what, int minor) const {
    if (service != nullptr) return service;
    throw Error(DK_ERR_INTERNAL, std::string(what) + " needs a destkit host of ABI " + std::to_string(DK_ABI_MAJOR) +
                                     "." + std::to_string(minor) + " or later; this host speaks " +
                                     std::to_string(host->abi_major) + "." + std::to_string(host->abi_minor));
  }

  // Turns a failed service status into the matching exception.
  void check(dk_status status, std::string_view what) const {
    if (status == DK_OK) return;
    std::string message = last_error();
    if (message.empty()) message = std::string(what) + " failed";
    switch (status) {
      case DK_ERR_NETWORK: throw NetworkError(message);
      case DK_ERR_BAD_RESPONSE: throw ResponseError(message);
      default: throw Error(status, message);
    }
  }
};

}  // namespace destkit::detail
