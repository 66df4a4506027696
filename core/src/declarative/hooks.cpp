// The hooks of declarative destinations: noexcept C functions that render the manifest's
// templates and call the dk_host_api services exactly as a compiled plugin built with the
// C++ SDK does (same services, same order, same messages on failure).
#include "declarative/destination.hpp"

#include "abi/services.hpp"
#include "http/option_rules.hpp"
#include "http/redactor.hpp"
#include "util/encoding.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace destkit::host::declarative {
namespace {

namespace json = boost::json;

dk_str str(std::string_view s) { return dk_str{s.data(), s.size()}; }
std::string copy(dk_str s) { return s.size != 0 && s.data != nullptr ? std::string(s.data, s.size) : std::string(); }

// Two JSON numbers by value: whole numbers of 64 bits exactly (an account id beyond 2^53 is not
// another one's), a fraction or a larger number as a double, where 1 and 1.0 are the same.
bool same_number(const json::value& a, const json::value& b) {
  auto whole = [](const json::value& v) { return v.is_int64() || v.is_uint64(); };
  if (whole(a) && whole(b)) {
    bool a_negative = a.is_int64() && a.get_int64() < 0;
    bool b_negative = b.is_int64() && b.get_int64() < 0;
    if (a_negative || b_negative) return a_negative && b_negative && a.get_int64() == b.get_int64();
    return a.to_number<std::uint64_t>() == b.to_number<std::uint64_t>();
  }
  return a.to_number<double>() == b.to_number<double>();
}

bool same_value(const dk_value& found, const json::value& expected) {
  if (found.kind == DK_VALUE_STRING) return expected.is_string() && expected.get_string() == copy(found.text);
  json::error_code ec;
  json::value value = json::parse(copy(found.text), ec);
  if (ec) return false;
  if (value.is_number() && expected.is_number()) return same_number(value, expected);
  return value == expected;
}

// A step that failed: the status the hook returns and the message it reports.
struct Failure {
  dk_status status;
  std::string message;
  std::string field{};  // a setting whose value is the cause, shown at its field with `why`
  std::string why{};
};

// What a rendered value is for: it decides the checks, and whether it becomes a known secret.
enum class Use { text, header, credential };

// One hook call: the services, the call's handle, and the manifest of the destination whose
// descriptor the host called the hook through.
class Hook {
 public:
  explicit Hook(dk_call* handle) : handle_(handle), call_(services::resolve(handle)) {
    if (call_ == nullptr || call_->hooks == nullptr) throw Failure{DK_ERR_INVALID_ARGUMENT, "the call is not active"};
    manifest_ = reinterpret_cast<const DeclarativeDestination*>(call_->hooks)->manifest;
  }

  const Manifest& manifest() const { return *manifest_; }
  const dk_host_api& host() const { return *host_; }
  dk_call* handle() const { return handle_; }

  // A failed service becomes the failure of the hook, with the service's own message.
  void check(dk_status status, std::string_view what) const {
    if (status == DK_OK) return;
    dk_str message{nullptr, 0};
    host_->last_error(handle_, &message);
    std::string text = copy(message);
    throw Failure{status, text.empty() ? std::string(what) + " failed" : text};
  }

  std::string render(const TemplateAt& t, Use use, std::string_view header = {}) const {
    std::string out = t.parsed.literals.front();
    for (std::size_t i = 0; i < t.parsed.substitutions.size(); ++i) {
      out += substitute(t, t.parsed.substitutions[i], use, header);
      out += t.parsed.literals[i + 1];
      if (rendered_ + out.size() > kMaxRenderedBytesPerCall) {
        throw Failure{DK_ERR_INVALID_SETTINGS,
                      fmt::format("{} makes this call's templates larger than {} bytes in all; refused", t.path,
                                  kMaxRenderedBytesPerCall)};
      }
    }
    rendered_ += out.size();
    if (t.parsed.host_suffix && !is_host_with_suffix(url_host_of(out), *t.parsed.host_suffix)) {
      throw Failure{DK_ERR_INVALID_SETTINGS,
                    fmt::format("{} makes a URL whose host is not a valid name ending in \"{}\"; refused", t.path,
                                *t.parsed.host_suffix)};
    }
    return out;
  }

  json::value render_json(const JsonTemplate& t) const {
    if (t.text) return json::string(render(*t.text, Use::text));
    if (t.is_object) {
      json::object object;
      for (const auto& [key, member] : t.members) object[key] = render_json(member);
      return object;
    }
    if (t.is_array) {
      json::array array;
      for (const auto& item : t.items) array.push_back(render_json(item));
      return array;
    }
    return t.literal;
  }

  dk_request_options* new_options() const {
    dk_request_options* options = nullptr;
    check(host_->request_options_new(handle_, &options), "request_options_new");
    return options;
  }

  void write_headers(dk_request_options* options, const NamedTemplates& headers) const {
    for (const auto& [name, value] : headers) {
      check(host_->options_set_header(options, str(name), str(render(value, Use::header, name))), "headers");
    }
  }

  void write_basic_auth(dk_request_options* options, const std::optional<TemplateAt>& username,
                        const std::optional<TemplateAt>& password) const {
    if (!username && !password) return;
    std::string user = username ? render(*username, Use::credential) : "";
    std::string pass = password ? render(*password, Use::credential) : "";
    check(host_->options_set_basic_auth(options, str(user), str(pass)), "username/password");
  }

  void write_search_params(dk_request_options* options, const NamedTemplates& params) const {
    for (const auto& [name, value] : params) {
      Use use = is_secret_name(name) ? Use::credential : Use::text;
      check(host_->options_add_search_param(options, str(name), str(render(value, use))), "searchParams");
    }
  }

  // Sends the request; a non-2xx answer is a Failure unless `accepted` says otherwise.
  const dk_response* send(const TemplateAt& url, dk_request_options* options,
                          const std::vector<int>& accepted = {}) const {
    std::string target = render(url, Use::text);
    dk_response* response = nullptr;
    dk_status status = host_->request_send(handle_, str(target), options, &response);
    if (status == DK_ERR_HTTP && response != nullptr) {
      int code = status_of(response);
      if (std::find(accepted.begin(), accepted.end(), code) == accepted.end()) {
        throw Failure{DK_ERR_HTTP, fmt::format("{} {}", code, reason_of(response))};
      }
      return response;
    }
    check(status, "request");
    return response;
  }

  int status_of(const dk_response* response) const {
    int32_t status = 0;
    check(host_->response_status(handle_, response, &status), "response_status");
    return status;
  }

  std::string reason_of(const dk_response* response) const {
    dk_str reason{nullptr, 0};
    check(host_->response_reason(handle_, response, &reason), "response_reason");
    return copy(reason);
  }

  // The value at `pointer` in a JSON answer; nothing when absent.
  std::optional<dk_value> json_value(const dk_response* response, const std::string& pointer) const {
    dk_value value{};
    dk_status status = host_->response_json_value(handle_, response, str(pointer), &value);
    if (status == DK_ERR_NOT_FOUND) return std::nullopt;
    check(status, "response_json_value");
    return value;
  }

  // Whether the answer is one `when` describes; an answer that is not JSON has no pointer.
  bool matches(const dk_response* response, int status, const Validity& when) const {
    if (std::find(when.statuses.begin(), when.statuses.end(), status) == when.statuses.end()) return false;
    if (!when.pointer) return true;
    dk_value value{};
    if (host_->response_json_value(handle_, response, str(*when.pointer), &value) != DK_OK) return false;
    return !when.equals || same_value(value, *when.equals);
  }

 private:
  std::string value_of(const TemplateAt& t, const Substitution& s) const {
    if (s.source == Substitution::Source::settings) {
      dk_value value{};
      dk_status status = host_->get_setting(handle_, str(s.name), &value);
      if (status == DK_ERR_NOT_FOUND || (status == DK_OK && value.kind == DK_VALUE_NULL)) {
        throw Failure{DK_ERR_INVALID_SETTINGS, fmt::format("{} needs {}, which is not set", t.path, s.reference())};
      }
      check(status, "get_setting");
      return copy(value.text);
    }
    dk_str value{nullptr, 0};
    dk_status status = host_->get_auth(handle_, str(s.name), &value);
    if (status == DK_ERR_NOT_FOUND) {
      throw Failure{DK_ERR_INVALID_SETTINGS, fmt::format("{} needs {}, which this call does not have", t.path, s.reference())};
    }
    check(status, "get_auth");
    return copy(value);
  }

  bool holds_a_secret(const Substitution& s) const {
    if (s.source == Substitution::Source::auth) return true;
    const auto& fields = manifest().definition.fields;
    auto field = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == s.name; });
    return field != fields.end() && field->secret;
  }

  // One substitution's value, filtered, checked for where it goes, and encoded for a URL.
  std::string substitute(const TemplateAt& t, const Substitution& s, Use use, std::string_view header) const {
    std::string raw = value_of(t, s);
    auto filtered = apply_filters(raw, s.filters, filter_bytes_left_);
    if (filtered.index() == 1) {
      throw Failure{DK_ERR_INVALID_SETTINGS, fmt::format("{}: {} of {}", t.path, std::get<1>(filtered), s.reference())};
    }
    std::string value = std::get<0>(std::move(filtered));
    if (use == Use::header || use == Use::credential || holds_a_secret(s)) {
      // Sent as a credential, or made from a secret (lower-cased, cut, encoded, it is still
      // one): known to the redactor before anything can echo it.
      call_->redactor.add(raw);
      if (value != raw) call_->redactor.add(value);
    }
    if (use == Use::header && !is_header_value(value)) {
      refuse(s, fmt::format("would put a line break or another control character into the header \"{}\" ({})", header,
                            t.path));
    }
    switch (s.url_part) {
      case UrlPart::host:
        if (!is_host_text(value)) {
          refuse(s, fmt::format("may hold only letters, digits, '-' and '.', because {} puts it into the URL's host",
                                t.path));
        }
        return value;
      case UrlPart::port:
        if (value.empty() || value.size() > 5 || !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
          refuse(s, fmt::format("must be a port number, because {} puts it into the URL's port", t.path));
        }
        return value;
      case UrlPart::path:
        // Percent-encoding keeps '/' out, but a segment of "." or ".." is resolved away by
        // the client, or else by the server, and the request goes to another path.
        if (value == "." || value == "..") {
          refuse(s, fmt::format("may not be \"{}\", because {} puts it into the URL's path, where it would move the "
                                "request to another path",
                                value, t.path));
        }
        return percent_encode(value);
      case UrlPart::query: return percent_encode(value);
      case UrlPart::none: return value;
    }
    return value;
  }

  // A value of `s` that its template cannot use: `phrase` follows the setting's name in the
  // call's error, and the setting's label at its field in the verdict.
  [[noreturn]] static void refuse(const Substitution& s, const std::string& phrase) {
    bool a_setting = s.source == Substitution::Source::settings;
    throw Failure{DK_ERR_INVALID_SETTINGS, fmt::format("{} {}; refused", s.reference(), phrase),
                  a_setting ? s.name : std::string(), phrase};
  }

  const dk_host_api* host_ = host_api();
  dk_call* handle_;
  dk_call* call_;
  const Manifest* manifest_ = nullptr;
  mutable std::size_t rendered_ = 0;  // bytes this call's templates made so far
  mutable std::size_t filter_bytes_left_ = kMaxFilteredBytesPerCall;
};

// Runs a hook's body; every failure becomes a status plus a message, nothing escapes.
template <class Body>
dk_status guarded(dk_call* handle, Body&& body) noexcept {
  auto fail = [&](dk_status status, std::string_view message) {
    host_api()->set_error(handle, str(message));
    return status;
  };
  try {
    Hook hook(handle);
    body(hook);
    return DK_OK;
  } catch (const Failure& f) {
    if (!f.field.empty()) host_api()->set_invalid_setting(handle, str(f.field), str(f.why));
    return fail(f.status, f.message);
  } catch (const std::exception& e) {
    return fail(DK_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(DK_ERR_INTERNAL, "unknown exception");
  }
}

// Whole seconds from a JSON number or a numeric string; nothing when it is neither.
std::optional<std::int64_t> seconds_of(const dk_value& value) {
  std::string text = copy(value.text);
  if (value.kind != DK_VALUE_NUMBER && value.kind != DK_VALUE_STRING) return std::nullopt;
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds)) return std::nullopt;
  return static_cast<std::int64_t>(seconds);
}

dk_status on_extend_request(dk_call* handle, dk_request_options* out) noexcept {
  return guarded(handle, [out](const Hook& hook) {
    const Extension& e = *hook.manifest().extend_request;
    const dk_host_api& host = hook.host();
    if (e.prefix_url) hook.check(host.options_set_prefix_url(out, str(hook.render(*e.prefix_url, Use::text))), "prefixUrl");
    hook.write_headers(out, e.headers);
    hook.write_basic_auth(out, e.username, e.password);
    hook.write_search_params(out, e.search_params);
    if (e.timeout_ms) hook.check(host.options_set_timeout_ms(out, *e.timeout_ms), "timeout");
    if (e.response_json) {
      hook.check(host.options_set_response_type(out, *e.response_json ? DK_RESPONSE_JSON : DK_RESPONSE_TEXT),
                 "responseType");
    }
  });
}

dk_status on_test_request(dk_call* handle) noexcept {
  return guarded(handle, [](const Hook& hook) {
    const TestRequest& t = *hook.manifest().test_request;
    const dk_host_api& host = hook.host();
    dk_request_options* options = hook.new_options();
    if (!t.method.empty()) hook.check(host.options_set_method(options, str(t.method)), "method");
    hook.write_headers(options, t.headers);
    hook.write_search_params(options, t.search_params);
    if (t.json) hook.check(host.options_set_json(options, str(json::serialize(hook.render_json(*t.json)))), "json");
    std::vector<int> answered = t.valid.statuses;
    for (const SettingRejection& r : t.invalid_settings) answered.insert(answered.end(), r.when.statuses.begin(), r.when.statuses.end());
    const dk_response* response = hook.send(t.url, options, answered);
    int status = hook.status_of(response);
    for (const SettingRejection& r : t.invalid_settings) {
      if (!hook.matches(response, status, r.when)) continue;
      // As the C++ SDK's InvalidSettings(field, why) reports it.
      hook.check(host.set_invalid_setting(hook.handle(), str(r.field), str(r.message)), "set_invalid_setting");
      throw Failure{DK_ERR_INVALID_SETTINGS, r.field + " " + r.message};
    }
    const auto& accepted = t.valid.statuses;
    bool listed = std::find(accepted.begin(), accepted.end(), status) != accepted.end();
    if (!listed && (status < 200 || status > 299)) {
      // Let through for an invalidSettings entry that did not match: the usual verdict.
      throw Failure{DK_ERR_HTTP, fmt::format("{} {}", status, hook.reason_of(response))};
    }
    if (!accepted.empty() && !listed) {
      std::string listed;
      for (int s : accepted) listed += (listed.empty() ? "" : ", ") + std::to_string(s);
      throw Failure{DK_ERR_INVALID_CREDENTIALS,
                    fmt::format("the answer was {} {}, not a status that means valid ({})", status,
                                hook.reason_of(response), listed)};
    }
    if (!t.valid.pointer) return;
    std::optional<dk_value> found = hook.json_value(response, *t.valid.pointer);
    if (!found) throw Failure{DK_ERR_INVALID_CREDENTIALS, fmt::format("the answer has nothing at {}", *t.valid.pointer)};
    if (t.valid.equals && !same_value(*found, *t.valid.equals)) {
      throw Failure{DK_ERR_INVALID_CREDENTIALS,
                    fmt::format("the answer's {} is not {}", *t.valid.pointer, json::serialize(*t.valid.equals))};
    }
  });
}

dk_status on_refresh_access_token(dk_call* handle) noexcept {
  return guarded(handle, [](const Hook& hook) {
    const Refresh& r = *hook.manifest().refresh;
    const dk_host_api& host = hook.host();
    dk_request_options* options = hook.new_options();
    hook.check(host.options_set_method(options, str(r.method)), "method");
    hook.write_headers(options, r.headers);
    hook.write_basic_auth(options, r.username, r.password);
    if (r.encoding == Refresh::Encoding::json) {
      hook.check(host.options_set_json(options, str(json::serialize(hook.render_json(r.body)))), "json");
    } else {
      std::string form;
      for (const auto& [name, value] : r.body.members) {
        form += fmt::format("{}{}={}", form.empty() ? "" : "&", percent_encode(name),
                            percent_encode(hook.render(*value.text, Use::text)));
      }
      bool typed = std::any_of(r.headers.begin(), r.headers.end(),
                               [](const auto& h) { return iequals(h.first, "content-type"); });
      if (!typed) {
        hook.check(host.options_set_header(options, str("Content-Type"), str("application/x-www-form-urlencoded")),
                   "headers");
      }
      hook.check(host.options_set_body(options, str(form)), "body");
    }
    hook.check(host.options_set_response_type(options, DK_RESPONSE_JSON), "responseType");
    const dk_response* response = hook.send(r.url, options);

    std::optional<dk_value> access = hook.json_value(response, r.access_token);
    if (!access || access->kind != DK_VALUE_STRING || access->text.size == 0) {
      throw Failure{DK_ERR_BAD_RESPONSE, fmt::format("the renewal answer has no access token at {}", r.access_token)};
    }
    std::optional<dk_value> refresh = hook.json_value(response, r.refresh_token);
    std::string refresh_token = refresh && refresh->kind == DK_VALUE_STRING ? copy(refresh->text) : "";
    std::int64_t expires_in = 0;
    if (std::optional<dk_value> expires = hook.json_value(response, r.expires_in)) {
      std::optional<std::int64_t> seconds = seconds_of(*expires);
      if (!seconds) {
        throw Failure{DK_ERR_BAD_RESPONSE, fmt::format("the renewal answer's {} is not a number of seconds", r.expires_in)};
      }
      expires_in = *seconds;
    }
    hook.check(host.set_tokens(hook.handle(), access->text, str(refresh_token), expires_in), "set_tokens");
  });
}

}  // namespace

DeclarativeDestination make_destination(const Manifest& manifest) {
  DeclarativeDestination d{};
  d.descriptor.struct_size = sizeof(dk_plugin);
  d.descriptor.abi_major = DK_ABI_MAJOR;
  d.descriptor.abi_minor = DK_ABI_MINOR;
  d.descriptor.magic = DK_PLUGIN_MAGIC;
  // The services the hooks call: set_tokens came with ABI 1.1, set_invalid_setting with 1.2.
  d.descriptor.min_host_abi_minor = !manifest.test_request || manifest.test_request->invalid_settings.empty()
                                        ? (manifest.refresh ? 1 : 0)
                                        : 2;
  d.descriptor.slug = manifest.definition.slug.c_str();
  d.descriptor.version = manifest.definition.version.c_str();
  d.descriptor.definition_json = manifest.definition_json.c_str();
  d.descriptor.on_test_request = manifest.test_request ? &on_test_request : nullptr;
  d.descriptor.on_extend_request = manifest.extend_request ? &on_extend_request : nullptr;
  d.descriptor.on_refresh_access_token = manifest.refresh ? &on_refresh_access_token : nullptr;
  d.manifest = &manifest;
  return d;
}

}  // namespace destkit::host::declarative
