#include "util/json_input.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

namespace destkit::host {
namespace {

namespace json = boost::json;

// A basic_parser handler that only watches keys: it fails on the first key that repeats
// within one object. Everything else is accepted as is.
struct DuplicateKeyCheck {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::set<std::string>> open_objects;
  std::string partial_key;
  std::string duplicate;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    open_objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open_objects.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    partial_key.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
    partial_key.append(part.data(), part.size());
    bool inserted = open_objects.back().insert(partial_key).second;
    if (!inserted) {
      duplicate = partial_key;
      ec = json::error::extra_data;  // any error stops the parser; the caller reads `duplicate`
    }
    partial_key.clear();
    return inserted;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

std::string position(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

}  // namespace

ParsedJson parse_json_input(std::string_view text, JsonLimits limits) {
  ParsedJson result;
  if (text.size() > limits.max_bytes) {
    result.error = fmt::format("it is {} bytes, more than the limit of {} bytes", text.size(),
                               limits.max_bytes);
    return result;
  }
  json::parse_options options;
  options.max_depth = limits.max_depth;

  json::basic_parser<DuplicateKeyCheck> checker(options);
  json::error_code ec;
  std::size_t used = checker.write_some(false, text.data(), text.size(), ec);
  if (!checker.handler().duplicate.empty()) {
    result.error = fmt::format("{}: the key \"{}\" appears twice in the same object",
                               position(text, used), checker.handler().duplicate);
    return result;
  }
  if (ec == json::error::too_deep) {
    result.error = fmt::format("{}: nested deeper than {} levels", position(text, used),
                               limits.max_depth);
    return result;
  }
  if (ec) {
    result.error = fmt::format("{}: {}", position(text, used), ec.message());
    return result;
  }
  if (used != text.size()) {
    result.error = fmt::format("{}: unexpected data after the JSON value", position(text, used));
    return result;
  }
  result.value = json::parse(text, ec, {}, options);
  if (ec) result.error = ec.message();
  return result;
}

std::string_view json_kind(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    default: return "a number";
  }
}

}  // namespace destkit::host
