#include "abi/sent_credentials.hpp"

#include "http/redactor.hpp"
#include "http/request_options.hpp"
#include "util/encoding.hpp"
#include "util/url_form.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <string>
#include <vector>

namespace destkit::host {
namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// `value` stands in `text` as a whole token ("Bearer abc", "token=abc", "abc:"), so a short
// setting such as a region "us" is not taken for a secret because a token contains "us".
bool stands_in(std::string_view text, std::string_view value) {
  for (auto at = text.find(value); at != std::string_view::npos; at = text.find(value, at + 1)) {
    bool starts = at == 0 || !is_alnum(text[at - 1]) || !is_alnum(value.front());
    bool ends = at + value.size() == text.size() || !is_alnum(text[at + value.size()]) || !is_alnum(value.back());
    if (starts && ends) return true;
  }
  return false;
}

// A credential header's value, and the user:password inside it when it is Basic.
void add_header_value(std::vector<std::string>& sent, std::string_view value) {
  sent.emplace_back(value);
  constexpr std::string_view basic = "Basic ";  // the scheme's name is case-insensitive (RFC 9110 §11.1)
  if (value.size() > basic.size() && iequals(value.substr(0, basic.size()), basic)) {
    if (auto decoded = base64_decode(value.substr(basic.size()))) sent.push_back(std::move(*decoded));
  }
}

void add_headers(std::vector<std::string>& sent, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (is_secret_name(name)) add_header_value(sent, value);
  }
}

void add_query(std::vector<std::string>& sent, std::string_view url) {
  auto query = url.find('?');
  if (query == std::string_view::npos) return;
  std::string_view text = url.substr(query + 1);
  text = text.substr(0, text.find('#'));
  for (auto& [name, value] : parse_form(text)) {
    if (is_secret_name(name)) sent.push_back(std::move(value));
  }
}

// Each settings value (text, or an integer's digits) that stands in one of the sent credentials.
void remember(dk_call& call, const std::vector<std::string>& sent) {
  if (sent.empty() || call.settings == nullptr) return;
  for (const auto& [key, v] : *call.settings) {
    std::string value;
    if (v.is_string()) value = std::string(v.get_string());
    else if (v.is_int64() || v.is_uint64()) value = boost::json::serialize(v);
    if (value.empty()) continue;
    for (const auto& credential : sent) {
      if (stands_in(credential, value)) {
        call.redactor.add(value);
        if (call.env.remembers_sent_secrets) remember_secret(value, call.env.plugin_slug);
        break;
      }
    }
  }
}

}  // namespace

void remember_credentials_in(dk_call& call, const RequestOptions& layer) {
  std::vector<std::string> sent;
  add_headers(sent, layer.headers);
  if (layer.username) sent.push_back(*layer.username);
  if (layer.password) sent.push_back(*layer.password);
  for (const auto& [name, value] : layer.search_params) {
    if (is_secret_name(name)) sent.push_back(value);
  }
  if (layer.prefix_url) add_query(sent, *layer.prefix_url);
  remember(call, sent);
}

void remember_credentials_in(dk_call& call, const ResolvedRequest& request) {
  std::vector<std::string> sent;
  add_headers(sent, request.headers);
  add_query(sent, request.url);
  remember(call, sent);
}

}  // namespace destkit::host
