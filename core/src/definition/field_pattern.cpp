#include "definition/field_pattern.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cstdint>

namespace destkit::host {
namespace {

// RE2's budget for one compiled pattern (program and match cache); a pattern that needs more
// is refused at load, and matching within the budget stays linear.
constexpr std::int64_t kPatternMemory = 1 << 20;

RE2::Options pattern_options() {
  RE2::Options options;
  options.set_max_mem(kPatternMemory);
  options.set_log_errors(false);  // errors are reported to the caller, never printed
  return options;
}

}  // namespace

FieldPattern::FieldPattern(std::string_view pattern) {
  if (pattern.size() > kMaxPatternLength) {
    error_ = fmt::format("is {} bytes long; a pattern may have at most {}", pattern.size(), kMaxPatternLength);
    return;
  }
  compiled_ = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), pattern_options());
  if (!compiled_->ok()) error_ = "is not a valid regular expression (RE2 syntax): " + compiled_->error();
}

FieldPattern::~FieldPattern() = default;

int FieldPattern::program_size() const { return error_.empty() ? compiled_->ProgramSize() : 0; }

bool FieldPattern::matches(std::string_view value) const {
  return error_.empty() && RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *compiled_);
}

}  // namespace destkit::host
