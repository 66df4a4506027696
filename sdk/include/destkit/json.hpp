// destkit/json.hpp — a small JSON value for building request bodies and the definition.
//
// Header-only and dependency-free because it is compiled into every plugin, whatever compiler
// and standard library the partner uses. It builds and serializes; parsing is the host's job.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
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
  Json(int i) : value_(static_cast<double>(i)) {}
  Json(long i) : value_(static_cast<double>(i)) {}
  Json(long long i) : value_(static_cast<double>(i)) {}
  Json(unsigned i) : value_(static_cast<double>(i)) {}
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

  static void write_number(std::string& out, double d) {
    if (!std::isfinite(d)) {  // JSON has no NaN or infinity
      out += "null";
      return;
    }
    char buf[32];
    if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
    } else {
      std::snprintf(buf, sizeof buf, "%.17g", d);
    }
    out += buf;
  }

  void write(std::string& out) const {
    if (is_null()) {
      out += "null";
    } else if (auto* b = std::get_if<bool>(&value_)) {
      out += *b ? "true" : "false";
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

  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      value_;
};

}  // namespace destkit
