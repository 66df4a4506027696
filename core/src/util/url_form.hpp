// url_form — reading application/x-www-form-urlencoded text: a URL's query string or a form
// body, as browsers and OAuth clients send them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace destkit::host {

// Percent-decodes `text`, reading '+' as a space; a '%' not followed by two hex digits stays.
std::string form_decode(std::string_view text);

// "a=1&b=x+y" -> {{"a", "1"}, {"b", "x y"}}, in order, names and values decoded. A pair
// without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view text);

}  // namespace destkit::host
