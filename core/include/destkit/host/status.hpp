// destkit/host/status.hpp — the one error convention of the embedding API.
//
// No function of the embedding API throws. A call that can fail returns a Status, or a
// Result<T> holding either its value or the Status that says why not. Verdicts about a user's
// credentials are not errors: they are AuthVerdict values (verdict.hpp).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace destkit::host {

class Status {
 public:
  enum class Code {
    ok,
    invalid_argument,  // the caller's input is unusable (bad settings text, unknown slug)
    not_found,         // nothing of that name (no plugin, no stored connection)
    rejected,          // a file or a server said no (an untrusted plugin, a refused grant)
    unavailable,       // could not be done now (a server down, a timeout): may work later
    failed,            // anything else; the message says what
  };

  Status() = default;
  static Status error(Code code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  // A sentence for a person; never contains a secret.
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::ok;
  std::string message_{};
};

// A value, or the Status saying why there is none. A Result is never built from an ok Status.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design, like std::optional
  Result(Status status) : state_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // Only when ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Status() (ok) when there is a value.
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace destkit::host
