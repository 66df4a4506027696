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
