#include "isolation/service_call.hpp"

#include "abi/call.hpp"
#include "isolation/services_wire.hpp"

namespace destkit::host {
namespace {

using isolation::Kind;
using isolation::Message;
using isolation::Reader;
using isolation::Service;

template <class T>
T* handle(std::int64_t value) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(value));
}

std::int64_t value_of(const void* h) { return static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(h)); }

dk_str str(std::string_view s) { return dk_str{s.data(), s.size()}; }
std::string_view view(dk_str s) { return s.data != nullptr && s.size != 0 ? std::string_view(s.data, s.size) : std::string_view(); }

Message reply(dk_status status) { return std::move(Message(Kind::reply).add(status)); }

Message text_reply(dk_status status, dk_str text) { return std::move(reply(status).add(view(text))); }

Message value_reply(dk_status status, const dk_value& value) {
  return std::move(reply(status).add(value.kind).add(view(value.text)));
}

}  // namespace

std::optional<Message> serve_service(Reader& m) {
  const dk_host_api& api = *host_api();
  auto service = static_cast<Service>(m.integer());
  std::int64_t h = m.integer();
  auto* call = handle<dk_call>(h);
  auto* options = handle<dk_request_options>(h);
  dk_str text{nullptr, 0};
  dk_value value{};
  switch (service) {
    case Service::log: {
      auto level = static_cast<int32_t>(m.integer());
      api.log(call, level, str(m.text()));
      return std::nullopt;
    }
    case Service::set_error: return reply(api.set_error(call, str(m.text())));
    case Service::last_error: {
      dk_status status = api.last_error(call, &text);
      return text_reply(status, text);
    }
    case Service::get_setting: {
      dk_status status = api.get_setting(call, str(m.text()), &value);
      return value_reply(status, value);
    }
    case Service::get_settings_json: {
      dk_status status = api.get_settings_json(call, &text);
      return text_reply(status, text);
    }
    case Service::get_auth: {
      dk_status status = api.get_auth(call, str(m.text()), &text);
      return text_reply(status, text);
    }
    case Service::options_set_prefix_url: return reply(api.options_set_prefix_url(options, str(m.text())));
    case Service::options_set_header: {
      std::string_view name = m.text();
      return reply(api.options_set_header(options, str(name), str(m.text())));
    }
    case Service::options_set_basic_auth: {
      std::string_view username = m.text();
      return reply(api.options_set_basic_auth(options, str(username), str(m.text())));
    }
    case Service::options_add_search_param: {
      std::string_view name = m.text();
      return reply(api.options_add_search_param(options, str(name), str(m.text())));
    }
    case Service::options_set_timeout_ms: return reply(api.options_set_timeout_ms(options, m.integer()));
    case Service::options_set_response_type:
      return reply(api.options_set_response_type(options, static_cast<int32_t>(m.integer())));
    case Service::options_set_throw_http_errors:
      return reply(api.options_set_throw_http_errors(options, static_cast<int32_t>(m.integer())));
    case Service::options_set_method: return reply(api.options_set_method(options, str(m.text())));
    case Service::options_set_body: return reply(api.options_set_body(options, str(m.text())));
    case Service::options_set_json: return reply(api.options_set_json(options, str(m.text())));
    case Service::request_options_new: {
      dk_request_options* made = nullptr;
      dk_status status = api.request_options_new(call, &made);
      return std::move(reply(status).add(value_of(made)));
    }
    case Service::request_send: {
      std::string_view url = m.text();
      auto* per_call = handle<dk_request_options>(m.integer());
      dk_response* response = nullptr;
      dk_status status = api.request_send(call, str(url), per_call, &response);
      return std::move(reply(status).add(value_of(response)));
    }
    case Service::response_status: {
      int32_t out = 0;
      dk_status status = api.response_status(call, handle<const dk_response>(m.integer()), &out);
      return std::move(reply(status).add(out));
    }
    case Service::response_reason: {
      dk_status status = api.response_reason(call, handle<const dk_response>(m.integer()), &text);
      return text_reply(status, text);
    }
    case Service::response_body: {
      dk_status status = api.response_body(call, handle<const dk_response>(m.integer()), &text);
      return text_reply(status, text);
    }
    case Service::response_header: {
      auto* response = handle<const dk_response>(m.integer());
      dk_status status = api.response_header(call, response, str(m.text()), &text);
      return text_reply(status, text);
    }
    case Service::set_tokens: {
      std::string_view access = m.text();
      std::string_view refresh = m.text();
      return reply(api.set_tokens(call, str(access), str(refresh), m.integer()));
    }
    case Service::response_json_value: {
      auto* response = handle<const dk_response>(m.integer());
      dk_status status = api.response_json_value(call, response, str(m.text()), &value);
      return value_reply(status, value);
    }
    case Service::set_invalid_setting: {
      std::string_view field = m.text();
      return reply(api.set_invalid_setting(call, str(field), str(m.text())));
    }
  }
  throw isolation::WireError("a service the host does not know");
}

}  // namespace destkit::host

namespace destkit::host {

dk_status serve_deferred_service(Reader& m) {
  auto service = static_cast<Service>(m.peek_integer());
  if (service < Service::options_set_prefix_url || service > Service::options_set_body) {
    throw isolation::WireError("a service that must be answered was sent without waiting");
  }
  std::optional<Message> answer = serve_service(m);
  Reader status(answer->bytes());
  status.kind();
  return static_cast<dk_status>(status.integer());
}

Message refusal_reply(Reader& m, dk_status status) {
  switch (static_cast<Service>(m.integer())) {
    case Service::last_error:
    case Service::get_settings_json:
    case Service::get_auth:
    case Service::response_reason:
    case Service::response_body:
    case Service::response_header: return text_reply(status, dk_str{nullptr, 0});
    case Service::get_setting:
    case Service::response_json_value: return value_reply(status, dk_value{});
    case Service::request_options_new:
    case Service::request_send:
    case Service::response_status: return std::move(reply(status).add(0));
    default: return reply(status);
  }
}

}  // namespace destkit::host
