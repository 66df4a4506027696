#include "definition/field_value.hpp"

#include "definition/value_formats.hpp"
#include "http/redactor.hpp"

#include "util/json_text.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <charconv>
#include <cmath>

namespace destkit::host {
namespace {

namespace json = boost::json;

std::string_view expected(FieldType type) {
  switch (type) {
    case FieldType::number: return "a number";
    case FieldType::integer: return "a whole number";
    case FieldType::boolean: return "true or false";
    case FieldType::object: return "an object";
    case FieldType::datetime: return "a date and time (ISO 8601)";
    default: return "a string";
  }
}

std::string_view kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "a list";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// The value is shown only for ordinary fields, not for long values, for secrets, or for fields
// whose key or label names a credential whatever their type (a key typed into a plain string
// field is still a key).
// ", but it is ..." for a problem with `v`: its kind, and its text where it can be shown. A
// string in a text field says nothing more when it cannot be shown (a secret, or long).
std::string but_it_is(const Field& field, const json::value& v) {
  std::string kind(kind_of(v));
  bool may_hold_a_secret = field.secret || is_secret_name(field.key) || is_secret_name(field.label);
  bool text_field = v.is_string() && is_string_type(field.type);  // its type is not what is wrong
  std::string text = json_text(v);
  if (may_hold_a_secret || v.is_structured() || v.is_null() || text.size() > 40) {
    return text_field ? "" : ", but it is " + kind;
  }
  return text_field ? ", but it is " + text : fmt::format(", but it is {} ({})", kind, text);
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A number as JSON would hold it: integers stay int64/uint64 (a 64-bit ID must not round
// through a double), anything else is a double. Surrounding spaces and a leading '+' are
// forgiven, as people type them.
std::optional<json::value> parse_number(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  const char* first = s.data();
  const char* last = s.data() + s.size();
  std::int64_t i = 0;
  if (auto [end, ec] = std::from_chars(first, last, i); ec == std::errc() && end == last) return json::value(i);
  std::uint64_t u = 0;
  if (auto [end, ec] = std::from_chars(first, last, u); ec == std::errc() && end == last) return json::value(u);
  double d = 0;
  auto [end, ec] = std::from_chars(first, last, d);
  if (ec != std::errc() || end != last || !std::isfinite(d)) return std::nullopt;
  return json::value(d);
}

// An integer field's value: whole numbers of up to 64 bits, exactly as given. A double
// (1e3, 8080.0) counts when it is whole and within 2^53, where doubles are still exact.
std::optional<json::value> whole_number(const json::value& number) {
  if (!number.is_double()) return number;
  double d = number.get_double();
  if (std::floor(d) != d || std::fabs(d) > 9007199254740992.0) return std::nullopt;
  return json::value(static_cast<std::int64_t>(d));
}

std::string bounds_text(const Field& field, bool length) {
  auto number = [](double d) { return fmt::format("{}", d); };
  std::string unit = length ? " characters" : "";
  if (field.minimum && field.maximum) {
    return fmt::format("between {} and {}{}", number(*field.minimum), number(*field.maximum), unit);
  }
  if (field.minimum) return fmt::format("at least {}{}", number(*field.minimum), unit);
  return fmt::format("at most {}{}", number(*field.maximum), unit);
}

// Compared in long double, which holds every 64-bit integer and every double exactly.
bool out_of_bounds(const Field& field, long double x) {
  return (field.minimum && x < *field.minimum) || (field.maximum && x > *field.maximum);
}

long double exact_number(const json::value& number) {
  if (number.is_int64()) return static_cast<long double>(number.get_int64());
  if (number.is_uint64()) return static_cast<long double>(number.get_uint64());
  return number.get_double();
}

// Checks a single (not multiple) value; `pattern` is the field's, compiled once for all values.
CheckedValue check_single(const Field& field, const json::value& input, const FieldPattern* pattern) {
  auto fail = [&](std::string problem) { return CheckedValue{nullptr, std::move(problem)}; };
  auto type_error = [&] { return fail(fmt::format("must be {}{}", expected(field.type), but_it_is(field, input))); };
  json::value value;

  if (is_string_type(field.type)) {
    if (input.is_string()) {
      value = input;
    } else if (input.is_int64() || input.is_uint64()) {
      value = json::serialize(input);  // numeric passwords and IDs are common in JSON files
    } else {
      return type_error();
    }
    std::string_view s = value.as_string();
    if (field.type == FieldType::datetime && !s.empty() &&
        !format_problem("date-time", s).empty()) {
      return type_error();
    }
    if (!s.empty()) {
      std::string wanted = format_problem(field.format, s);
      if (!wanted.empty()) {
        return fail(fmt::format("must be {}{}", wanted, but_it_is(field, input)));
      }
      // Never quotes the value: patterns mostly guard keys and IDs, whatever their type.
      if (pattern != nullptr && !pattern->matches(s)) {
        return fail(fmt::format("must match the pattern {}, but it does not", field.pattern));
      }
    }
    if (out_of_bounds(field, static_cast<long double>(utf8_length(s)))) {
      std::size_t length = utf8_length(s);
      return fail(fmt::format("must be {} long, but it is {} character{} long", bounds_text(field, true), length,
                              length == 1 ? "" : "s"));
    }
  } else if (field.type == FieldType::number || field.type == FieldType::integer) {
    std::optional<json::value> number;
    bool finite = !input.is_double() || std::isfinite(input.get_double());  // Boost reads 1e999 as inf
    if (input.is_number() && finite) number = input;
    if (input.is_string()) number = parse_number(input.get_string());
    if (number && field.type == FieldType::integer) {
      bool whole_but_inexact = number->is_double() && std::floor(number->get_double()) == number->get_double();
      number = whole_number(*number);
      if (!number && whole_but_inexact) {
        return fail(
            fmt::format("must be a whole number between -9223372036854775808 and 18446744073709551615, "
                        "written as digits only beyond 9007199254740992 (2^53, where numbers with a "
                        "decimal point or an exponent stop being exact){}",
                        but_it_is(field, input)));
      }
    }
    if (!number) return type_error();
    value = *number;
    if (out_of_bounds(field, exact_number(value))) {
      return fail(fmt::format("must be {}{}", bounds_text(field, false), but_it_is(field, value)));
    }
  } else if (field.type == FieldType::boolean) {
    if (input.is_bool()) {
      value = input;
    } else if (input.is_string() && (input.get_string() == "true" || input.get_string() == "false")) {
      value = input.get_string() == "true";
    } else {
      return type_error();
    }
  } else if (field.type == FieldType::object) {
    if (!input.is_object()) return type_error();
    value = input;
  }

  if (!field.choices.empty()) {
    for (const auto& choice : field.choices) {
      json::value allowed_value = json::parse(choice.value_json);
      if (allowed_value == value ||
          (allowed_value.is_number() && value.is_number() &&
           allowed_value.to_number<double>() == value.to_number<double>())) {
        return CheckedValue{value, {}};
      }
    }
    std::string allowed;
    for (std::size_t i = 0; i < field.choices.size(); ++i) {
      if (i > 0) allowed += i + 1 == field.choices.size() ? " or " : ", ";
      allowed += field.choices[i].value_json;
    }
    return fail(fmt::format("must be one of {}{}", allowed, but_it_is(field, input)));
  }
  return CheckedValue{value, {}};
}

}  // namespace

bool is_string_type(FieldType type) {
  return type == FieldType::string || type == FieldType::text || type == FieldType::password ||
         type == FieldType::datetime;
}

CheckedValue check_field_value(const Field& field, const json::value& input) {
  if (field.pattern.empty()) return check_field_value(field, input, nullptr);
  FieldPattern pattern(field.pattern);
  return check_field_value(field, input, &pattern);
}

CheckedValue check_field_value(const Field& field, const json::value& input, const FieldPattern* pattern) {
  if (!field.multiple) return check_single(field, input, pattern);
  if (!input.is_array()) {  // a single value stands for a list of one
    CheckedValue one = check_single(field, input, pattern);
    if (one.ok()) one.value = json::array{one.value};
    return one;
  }
  json::array values;
  const auto& items = input.get_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    CheckedValue item = check_single(field, items[i], pattern);
    if (!item.ok()) return CheckedValue{nullptr, fmt::format("item {}: {}", i + 1, item.problem)};
    values.push_back(std::move(item.value));
  }
  return CheckedValue{std::move(values), {}};
}

}  // namespace destkit::host
