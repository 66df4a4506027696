#include "util/json_input.hpp"

#include "util/printable.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace destkit::host {
namespace {

namespace json = boost::json;

// The basic_parser handler callbacks that accept anything; the checks below add the key ones.
struct AcceptValues {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
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

// Where a key's text is: in the input itself when it had no escapes, else in a pool of
// decoded keys (offsets past the input's end). 8 bytes a key, and only while its object is open.
struct KeyRef {
  std::uint32_t offset;
  std::uint32_t size;
};

// A number beyond a double's range, which Boost would read as infinity, and the key it is under.
struct NumberOutOfRange {
  std::string key;  // empty outside any object
};

// A basic_parser handler that watches keys and numbers: when an object closes, its keys are
// sorted and the first that repeats is kept in `duplicate` (with the object's ordinal); a
// number out of range is kept in `out_of_range`; the parse stops there. Everything else is
// accepted as is.
class DuplicateKeyCheck : public AcceptValues {
 public:
  explicit DuplicateKeyCheck(std::string_view text) : text_(text) {}

  std::optional<std::string> duplicate;
  std::size_t duplicate_object = 0;
  std::optional<NumberOutOfRange> out_of_range;

  bool on_double(double d, json::string_view, json::error_code& ec) {
    if (std::isfinite(d)) return true;
    out_of_range = NumberOutOfRange{key_};
    ec = json::error::exponent_overflow;
    return false;
  }
  // Boost's own error for an exponent too long to read: the same mistake.
  void exponent_overflow() { out_of_range = NumberOutOfRange{key_}; }

  bool on_array_begin(json::error_code&) {
    containers_.push_back(key_);  // an array's items are under the array's key
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    key_ = std::move(containers_.back());
    containers_.pop_back();
    return true;
  }
  bool on_object_begin(json::error_code&) {
    containers_.push_back(std::move(key_));
    key_.clear();
    open_.push_back({objects_++, keys_.size()});
    return true;
  }
  bool on_object_end(std::size_t, json::error_code& ec) {
    key_ = std::move(containers_.back());
    containers_.pop_back();
    auto [ordinal, first] = open_.back();
    open_.pop_back();
    auto begin = keys_.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(begin, keys_.end(), [&](KeyRef a, KeyRef b) { return view(a) < view(b); });
    auto repeat = std::adjacent_find(begin, keys_.end(), [&](KeyRef a, KeyRef b) { return view(a) == view(b); });
    if (repeat != keys_.end()) {
      duplicate = std::string(view(*repeat));
      duplicate_object = ordinal;
      ec = json::error::extra_data;  // any error stops the parser; the caller reads `duplicate`
      return false;
    }
    keys_.erase(begin, keys_.end());
    if (open_.empty()) pool_.clear();
    return true;
  }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    if (!in_parts_) key_start_ = pool_.size();
    in_parts_ = true;
    pool_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code&) {
    if (!in_parts_ && part.data() >= text_.data() && part.data() + part.size() <= text_.data() + text_.size()) {
      keys_.push_back({static_cast<std::uint32_t>(part.data() - text_.data()), static_cast<std::uint32_t>(part.size())});
      key_ = std::string(part);
      return true;
    }
    if (!in_parts_) key_start_ = pool_.size();
    pool_.append(part.data(), part.size());
    keys_.push_back({static_cast<std::uint32_t>(text_.size() + key_start_),
                     static_cast<std::uint32_t>(pool_.size() - key_start_)});
    key_ = std::string(view(keys_.back()));
    in_parts_ = false;
    return true;
  }

 private:
  std::string_view view(KeyRef k) const {
    return k.offset < text_.size() ? text_.substr(k.offset, k.size)
                                   : std::string_view(pool_).substr(k.offset - text_.size(), k.size);
  }

  std::string_view text_;
  std::vector<KeyRef> keys_;  // of every open object, innermost last
  std::vector<std::pair<std::size_t, std::size_t>> open_;  // open objects: ordinal, first key
  std::size_t objects_ = 0;
  std::string pool_;
  std::size_t key_start_ = 0;
  bool in_parts_ = false;
  std::string key_;                      // the key of the value being read
  std::vector<std::string> containers_;  // the key of each open array and object
};

// A second, rare pass once a duplicate is known: stops at the key's second appearance in the
// object with that ordinal, so the error can say where it is.
class DuplicateKeyLocator : public AcceptValues {
 public:
  DuplicateKeyLocator(std::string key, std::size_t object) : key_(std::move(key)), object_(object) {}

  bool on_object_begin(json::error_code&) {
    open_.push_back(objects_++);
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    partial_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
    partial_.append(part.data(), part.size());
    bool found = open_.back() == object_ && partial_ == key_ && ++seen_ == 2;
    partial_.clear();
    if (found) ec = json::error::extra_data;
    return !found;
  }

 private:
  std::string key_;
  std::size_t object_;
  std::vector<std::size_t> open_;
  std::size_t objects_ = 0;
  std::string partial_;
  int seen_ = 0;
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

std::string check_json_input(std::string_view text, JsonLimits limits) {
  // Key positions are 32-bit offsets into the text and the decoded keys that follow it.
  constexpr std::size_t kHardLimit = std::numeric_limits<std::uint32_t>::max() / 2;
  if (text.size() > std::min(limits.max_bytes, kHardLimit)) {
    return fmt::format("it is {} bytes, more than the limit of {} bytes", text.size(),
                       std::min(limits.max_bytes, kHardLimit));
  }
  json::parse_options options;
  options.max_depth = limits.max_depth;

  json::basic_parser<DuplicateKeyCheck> checker(options, text);
  json::error_code ec;
  std::size_t used = checker.write_some(false, text.data(), text.size(), ec);
  if (const std::optional<std::string>& key = checker.handler().duplicate) {
    json::basic_parser<DuplicateKeyLocator> locator(options, *key, checker.handler().duplicate_object);
    json::error_code ignored;
    used = locator.write_some(false, text.data(), text.size(), ignored);
    if (!limits.name_keys) return fmt::format("{}: a key appears twice in the same object", position(text, used));
    return fmt::format("{}: the key \"{}\" appears twice in the same object", position(text, used), *key);
  }
  if (ec == json::error::exponent_overflow && !checker.handler().out_of_range) checker.handler().exponent_overflow();
  if (const std::optional<NumberOutOfRange>& number = checker.handler().out_of_range) {
    // The number itself is not quoted: it may be the value of a secret.
    return fmt::format(
        "{}: the number {}is out of range (numbers are read up to 1.8e308 in size)", position(text, used),
        number->key.empty() || !limits.name_keys ? "" : fmt::format("of \"{}\" ", printable(number->key, 100)));
  }
  if (ec == json::error::too_deep) {
    return fmt::format("{}: nested deeper than {} levels", position(text, used), limits.max_depth);
  }
  if (ec) return fmt::format("{}: {}", position(text, used), ec.message());
  if (used != text.size()) return fmt::format("{}: unexpected data after the JSON value", position(text, used));
  return {};
}

ParsedJson parse_json_input(std::string_view text, JsonLimits limits) {
  ParsedJson result;
  result.error = check_json_input(text, limits);
  if (!result.ok()) return result;
  json::parse_options options;
  options.max_depth = limits.max_depth;
  json::error_code ec;
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
