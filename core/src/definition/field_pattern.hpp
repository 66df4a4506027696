// field_pattern — a field's `pattern`, compiled with RE2: matching takes time linear in the
// value's length and never recurses per character, and the compiled pattern's memory is
// capped, so neither a settings value nor a definition can exhaust the host's stack.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace destkit::host {

// Longest pattern a definition may declare, in bytes.
inline constexpr std::size_t kMaxPatternLength = 1000;
// The most RE2 instructions all of a definition's patterns may compile to together: compiling
// takes time and memory in proportion, at every load and every settings check.
inline constexpr int kMaxPatternProgramPerDefinition = 100'000;

class FieldPattern {
 public:
  explicit FieldPattern(std::string_view pattern);
  ~FieldPattern();
  FieldPattern(const FieldPattern&) = delete;
  FieldPattern& operator=(const FieldPattern&) = delete;

  // Why the pattern cannot be used (too long, not valid RE2 syntax, too large once
  // compiled), or empty when it can.
  const std::string& error() const { return error_; }

  // Whether the whole value matches (a match of a part does not count). A pattern with an
  // error matches nothing.
  bool matches(std::string_view value) const;

  // The compiled program's size in RE2 instructions (0 for a pattern with an error).
  int program_size() const;

 private:
  std::unique_ptr<re2::RE2> compiled_;
  std::string error_;
};

}  // namespace destkit::host
