#include "util/json_text.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>

namespace destkit::host {
namespace {

namespace json = boost::json;

// std::to_chars without a format is the shortest round-trip form, and never depends on the
// locale (printf's decimal point does).
template <class Number>
void write_number(std::string& out, Number n) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, end);
}

void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64: write_number(out, v.get_int64()); break;
    case json::kind::uint64: write_number(out, v.get_uint64()); break;
    case json::kind::double_:
      if (std::isfinite(v.get_double())) {
        write_number(out, v.get_double());
      } else {
        out += "null";
      }
      break;
    case json::kind::array: {
      out += '[';
      const char* separator = "";
      for (const auto& item : v.get_array()) {
        out += separator;
        write(out, item);
        separator = ",";
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      const char* separator = "";
      for (const auto& member : v.get_object()) {
        out += separator;
        out += json::serialize(member.key());
        out += ':';
        write(out, member.value());
        separator = ",";
      }
      out += '}';
      break;
    }
    default: out += json::serialize(v); break;  // null, booleans and strings
  }
}

}  // namespace

std::string json_text(const json::value& value) {
  std::string out;
  write(out, value);
  return out;
}

}  // namespace destkit::host
