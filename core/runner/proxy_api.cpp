// The dk_host_api a plugin gets in its runner: each service becomes one message to the host,
// which runs the real service on the real call and sends back the status and the outputs.
// Text in the outputs is kept here until the outermost hook returns, as abi.h promises.
#include "conversation.hpp"

#include "http/option_rules.hpp"
#include "isolation/services_wire.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace destkit::runner {
namespace {

using isolation::Kind;
using isolation::Message;
using isolation::Reader;
using isolation::Service;

std::int64_t handle(const void* h) { return static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(h)); }

template <class T>
T* handle_from(std::int64_t value) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(value));
}

std::string_view view(dk_str s) { return s.data != nullptr && s.size != 0 ? std::string_view(s.data, s.size) : std::string_view(); }

// A service message being built. A text that would make it larger than a frame is not copied:
// the message is marked too large, and the service fails with DK_ERR_INVALID_ARGUMENT instead
// of the runner (the plugin's input is wrong, not the channel).
class Outgoing {
 public:
  Outgoing(Service id, const void* h) : id_(id), handle_(h) {
    message_.add(static_cast<std::int64_t>(id)).add(handle(h));
  }
  Outgoing& add(std::int64_t value) {
    message_.add(value);
    return *this;
  }
  Outgoing& add(std::string_view text) {
    if (too_large_ == 0 && text.size() <= isolation::kMaxFrameBytes &&
        message_.bytes().size() + 5 + text.size() <= isolation::kMaxFrameBytes) {
      message_.add(text);
    } else {
      too_large_ = std::max(too_large_, text.size());
    }
    return *this;
  }
  Message& message() { return message_; }
  const Message& message() const { return message_; }
  Service id() const { return id_; }
  const void* handle_value() const { return handle_; }
  std::size_t too_large() const { return too_large_; }  // the size of the text refused, or 0

 private:
  Message message_{Kind::service};
  Service id_;
  const void* handle_;
  std::size_t too_large_ = 0;
};

Outgoing service(Service id, const void* h) { return Outgoing(id, h); }

std::string too_large_reason(std::size_t size) {
  return "a text of " + std::to_string(size) + " bytes given to a host service does not fit in a message from a " +
         "plugin runner to its host (" + std::to_string(isolation::kMaxFrameBytes) + " bytes at most)";
}

// Asks the host; `read_outputs` reads what the reply carries after its status.
template <class ReadOutputs>
dk_status ask_host(const Outgoing& m, ReadOutputs&& read_outputs) noexcept {
  // The entry point has no call, and the host answers no service while it loads the plugin.
  if (!may_talk() || !in_a_hook()) return DK_ERR_INVALID_ARGUMENT;
  try {
    if (m.too_large() != 0) {
      // An error message too large to send: the call's error says why instead.
      if (m.id() == Service::set_error) {
        ask(service(Service::set_error, m.handle_value()).add(too_large_reason(m.too_large())).message());
      }
      return DK_ERR_INVALID_ARGUMENT;
    }
    Reader reply = ask(m.message());
    auto status = static_cast<dk_status>(reply.integer());
    read_outputs(reply, status);
    return status;
  } catch (...) {
    host_is_gone();
  }
}

dk_status ask_host(const Outgoing& m) noexcept {
  return ask_host(m, [](Reader&, dk_status) {});
}

dk_status ask_text(const Outgoing& m, dk_str* out) noexcept {
  if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
  return ask_host(m, [&](Reader& r, dk_status) { *out = keep(r.text()); });
}

dk_status ask_value(const Outgoing& m, dk_value* out) noexcept {
  if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
  return ask_host(m, [&](Reader& r, dk_status) {
    *out = dk_value{};
    out->kind = static_cast<int32_t>(r.integer());
    out->text = keep(r.text());
  });
}

void log(dk_call* call, int32_t level, dk_str message) noexcept {
  if (!may_talk()) return;
  try {
    Outgoing line = service(Service::log, call).add(level).add(view(message));
    if (line.too_large() != 0) {
      line = service(Service::log, call).add(level).add("(not logged: " + too_large_reason(line.too_large()) + ")");
    }
    tell(line.message());
  } catch (...) {
    host_is_gone();
  }
}

dk_status set_error(dk_call* call, dk_str message) noexcept {
  return ask_host(service(Service::set_error, call).add(view(message)));
}

dk_status last_error(dk_call* call, dk_str* out) noexcept { return ask_text(service(Service::last_error, call), out); }

// Settings the host sent with the hook are answered here; any other name asks the host,
// whose answer (DK_ERR_NOT_FOUND) also sets last_error.
dk_status get_setting(dk_call* call, dk_str key, dk_value* out) noexcept {
  if (out != nullptr && may_talk()) {
    if (const Setting* setting = known_setting(call, view(key))) {
      try {
        *out = dk_value{};
        out->kind = setting->kind;
        out->text = keep(setting->text);
        return DK_OK;
      } catch (...) {
        return DK_ERR_INTERNAL;
      }
    }
  }
  return ask_value(service(Service::get_setting, call).add(view(key)), out);
}

dk_status get_settings_json(dk_call* call, dk_str* out) noexcept {
  return ask_text(service(Service::get_settings_json, call), out);
}

// A name the call does not hold is DK_ERR_NOT_FOUND without asking: the host told which names
// it holds with the hook (no value), and answers that status without a message.
dk_status get_auth(dk_call* call, dk_str name, dk_str* out) noexcept {
  if (out != nullptr && may_talk()) {
    std::string_view n = view(name);
    int bit = n == "accessToken" ? 1 : n == "refreshToken" ? 2 : n == "clientId" ? 4 : n == "clientSecret" ? 8 : 0;
    if (bit != 0 && auth_held(call, bit) == 0) return DK_ERR_NOT_FOUND;
  }
  return ask_text(service(Service::get_auth, call).add(view(name)), out);
}

// An option setter the host will accept goes with the next message that waits, without a
// round trip of its own: its options belong to the running hook and `acceptable` says its
// values pass the host's checks (http/option_rules.hpp). Any other goes as a question, so the
// host's own status and last_error answer it. See docs/isolation.md, "Fewer round trips".
dk_status set_option(dk_request_options* o, Outgoing m, bool acceptable) noexcept {
  if (!may_talk() || !in_a_hook()) return DK_ERR_INVALID_ARGUMENT;
  if (!acceptable || !may_write(o) || m.too_large() != 0) return ask_host(m);
  try {
    m.message().set_kind(Kind::deferred_service);
  } catch (...) {
    host_is_gone();
  }
  return tell_later(m.message()) ? DK_OK : DK_ERR_INTERNAL;
}

dk_status options_set_prefix_url(dk_request_options* o, dk_str url) noexcept {
  return set_option(o, service(Service::options_set_prefix_url, o).add(view(url)), host::is_http_url(view(url)));
}
// Whether the host keeps a setter of a name and a value, as abi/services.cpp decides: the name
// within kMaxNameBytes, and the call's options within their bound (counted here either way).
bool kept(std::string_view name, std::string_view value) {
  return host_keeps(host::kOptionsEntryBytes + name.size() + value.size()) && name.size() <= host::kMaxNameBytes;
}

dk_status options_set_header(dk_request_options* o, dk_str name, dk_str value) noexcept {
  return set_option(o, service(Service::options_set_header, o).add(view(name)).add(view(value)),
                    kept(view(name), view(value)) && host::is_header_name(view(name)) &&
                        host::is_header_value(view(value)) && !host::is_client_written_header(view(name)));
}
dk_status options_set_basic_auth(dk_request_options* o, dk_str username, dk_str password) noexcept {
  return set_option(o, service(Service::options_set_basic_auth, o).add(view(username)).add(view(password)),
                    host_keeps(host::kOptionsEntryBytes + view(username).size() + view(password).size()));
}
dk_status options_add_search_param(dk_request_options* o, dk_str name, dk_str value) noexcept {
  return set_option(o, service(Service::options_add_search_param, o).add(view(name)).add(view(value)),
                    kept(view(name), view(value)));
}
dk_status options_set_timeout_ms(dk_request_options* o, int64_t timeout_ms) noexcept {
  return set_option(o, service(Service::options_set_timeout_ms, o).add(timeout_ms), timeout_ms > 0);
}
dk_status options_set_response_type(dk_request_options* o, int32_t type) noexcept {
  return set_option(o, service(Service::options_set_response_type, o).add(type),
                    type == DK_RESPONSE_TEXT || type == DK_RESPONSE_JSON);
}
dk_status options_set_throw_http_errors(dk_request_options* o, int32_t enabled) noexcept {
  return set_option(o, service(Service::options_set_throw_http_errors, o).add(enabled), true);
}
dk_status options_set_method(dk_request_options* o, dk_str method) noexcept {
  std::string m(view(method));
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
  bool known = m == "GET" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "HEAD";
  return set_option(o, service(Service::options_set_method, o).add(view(method)), known);
}
dk_status options_set_body(dk_request_options* o, dk_str body) noexcept {
  return set_option(o, service(Service::options_set_body, o).add(view(body)), true);
}
// The host parses the JSON; the runner has no parser to predict it with.
dk_status options_set_json(dk_request_options* o, dk_str json) noexcept {
  return ask_host(service(Service::options_set_json, o).add(view(json)));
}

dk_status request_options_new(dk_call* call, dk_request_options** out) noexcept {
  if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
  if (dk_request_options* spare = may_talk() ? take_spare_options(call) : nullptr) {
    *out = spare;
    made_options(spare);
    return DK_OK;
  }
  host_keeps(host::kOptionsEntryBytes);  // counted as the host counts it (abi/request_services.cpp)
  return ask_host(service(Service::request_options_new, call),
                  [&](Reader& r, dk_status status) {
                    *out = handle_from<dk_request_options>(r.integer());
                    if (status == DK_OK) made_options(*out);
                  });
}

dk_status request_send(dk_call* call, dk_str url, dk_request_options* options, dk_response** out) noexcept {
  if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
  tokens_may_change();  // a 401 refreshes them
  return ask_host(service(Service::request_send, call).add(view(url)).add(handle(options)),
                  [&](Reader& r, dk_status) { *out = handle_from<dk_response>(r.integer()); });
}

dk_status response_status(dk_call* call, const dk_response* response, int32_t* out) noexcept {
  if (out == nullptr) return DK_ERR_INVALID_ARGUMENT;
  return ask_host(service(Service::response_status, call).add(handle(response)),
                  [&](Reader& r, dk_status) { *out = static_cast<int32_t>(r.integer()); });
}
dk_status response_reason(dk_call* call, const dk_response* response, dk_str* out) noexcept {
  return ask_text(service(Service::response_reason, call).add(handle(response)), out);
}
dk_status response_body(dk_call* call, const dk_response* response, dk_str* out) noexcept {
  return ask_text(service(Service::response_body, call).add(handle(response)), out);
}
dk_status response_header(dk_call* call, const dk_response* response, dk_str name, dk_str* out) noexcept {
  return ask_text(service(Service::response_header, call).add(handle(response)).add(view(name)), out);
}

dk_status set_tokens(dk_call* call, dk_str access_token, dk_str refresh_token, int64_t expires_in) noexcept {
  tokens_may_change();
  return ask_host(
      service(Service::set_tokens, call).add(view(access_token)).add(view(refresh_token)).add(expires_in));
}

dk_status response_json_value(dk_call* call, const dk_response* response, dk_str pointer, dk_value* out) noexcept {
  return ask_value(service(Service::response_json_value, call).add(handle(response)).add(view(pointer)), out);
}

dk_status set_invalid_setting(dk_call* call, dk_str field, dk_str why) noexcept {
  return ask_host(service(Service::set_invalid_setting, call).add(view(field)).add(view(why)));
}

const dk_host_api kProxyApi = {
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

const dk_host_api* proxy_host_api() { return &kProxyApi; }

}  // namespace destkit::runner
