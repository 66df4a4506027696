// destkit/json.hpp — a small JSON value for building request bodies and the definition.
//
// Header-only and dependency-free because it is compiled into every plugin, whatever compiler
// and standard library the partner uses. It builds and serializes; parsing is the host's job.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace destkit {

class Json {
 public:
  using Array = std::vector<Json>;
  // Keys keep insertion order so serialized output follows the source.
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() : value_(nullptr) {}
  Json(std::nullptr_t) : value_(nullptr) {}
  Json(bool b) : value_(b) {}
  // Integers stay integers: a 64-bit ID is written exactly, never rounded through a double.
  Json(int i) : value_(static_cast<std::int64_t>(i)) {}
  Json(long i) : value_(static_cast<std::int64_t>(i)) {}
  Json(long long i) : value_(static_cast<std::int64_t>(i)) {}
  Json(unsigned i) : value_(static_cast<std::uint64_t>(i)) {}
  Json(unsigned long i) : value_(static_cast<std::uint64_t>(i)) {}
  Json(unsigned long long i) : value_(static_cast<std::uint64_t>(i)) {}
  Json(double d) : value_(d) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::make_shared<Array>(std::move(a))) {}
  Json(Object o) : value_(std::make_shared<Object>(std::move(o))) {}

  static Json array(std::initializer_list<Json> items = {}) { return Json(Array(items)); }
  static Json object(std::initializer_list<std::pair<std::string, Json>> members = {}) {
    return Json(Object(members));
  }

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }

  // Sets a member of an object (replacing an existing one with the same key).
  Json& set(std::string key, Json value) {
    auto& members = unshared<Object>();
    for (auto& [k, v] : members) {
      if (k == key) {
        v = std::move(value);
        return *this;
      }
    }
    members.emplace_back(std::move(key), std::move(value));
    return *this;
  }

  // Appends to an array.
  Json& push(Json value) {
    unshared<Array>().push_back(std::move(value));
    return *this;
  }

  std::string dump() const {
    std::string out;
    write(out);
    return out;
  }

 private:
  // Copies share their containers until one of them is changed.
  template <class Container>
  Container& unshared() {
    auto& shared = std::get<std::shared_ptr<Container>>(value_);
    if (shared.use_count() > 1) shared = std::make_shared<Container>(*shared);
    return *shared;
  }

  static void write_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    out += '"';
  }

  // The shortest text that reads back as the same number (8080, 0.5, 1e+21); unlike printf,
  // std::to_chars never writes a locale's decimal comma.
  template <class Number>
  static void write_number(std::string& out, Number n) {
    if constexpr (std::is_floating_point_v<Number>) {
      if (!std::isfinite(n)) {  // JSON has no NaN or infinity
        out += "null";
        return;
      }
    }
    char buf[32];
    auto result = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, result.ptr);
  }

  void write(std::string& out) const {
    if (is_null()) {
      out += "null";
    } else if (auto* b = std::get_if<bool>(&value_)) {
      out += *b ? "true" : "false";
    } else if (auto* i = std::get_if<std::int64_t>(&value_)) {
      write_number(out, *i);
    } else if (auto* u = std::get_if<std::uint64_t>(&value_)) {
      write_number(out, *u);
    } else if (auto* d = std::get_if<double>(&value_)) {
      write_number(out, *d);
    } else if (auto* s = std::get_if<std::string>(&value_)) {
      write_string(out, *s);
    } else if (auto* a = std::get_if<std::shared_ptr<Array>>(&value_)) {
      out += '[';
      bool first = true;
      for (const auto& item : **a) {
        if (!first) out += ',';
        first = false;
        item.write(out);
      }
      out += ']';
    } else if (auto* o = std::get_if<std::shared_ptr<Object>>(&value_)) {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : **o) {
        if (!first) out += ',';
        first = false;
        write_string(out, key);
        out += ':';
        value.write(out);
      }
      out += '}';
    }
  }

  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string,
               std::shared_ptr<Array>, std::shared_ptr<Object>>
      value_;
};

}  // namespace destkit
