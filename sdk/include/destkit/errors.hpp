// destkit/errors.hpp — the exceptions a destination throws or catches.
//
// Each carries the dk_status the SDK returns to the host when it escapes a hook, so the host
// can tell "the credentials are wrong" from "the server could not be reached".
#pragma once

#include <destkit/abi.h>

#include <stdexcept>
#include <string>

namespace destkit {

class Error : public std::runtime_error {
 public:
  Error(dk_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  dk_status status() const noexcept { return status_; }

 private:
  dk_status status_;
};

// The server answered with a non-2xx status (and throwHttpErrors was on).
class HttpError : public Error {
 public:
  HttpError(int status, std::string reason, std::string body)
      : Error(DK_ERR_HTTP, std::to_string(status) + " " + reason),
        http_status_(status),
        reason_(std::move(reason)),
        body_(std::move(body)) {}
  int httpStatus() const noexcept { return http_status_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& body() const noexcept { return body_; }

 private:
  int http_status_;
  std::string reason_;
  std::string body_;
};

// The request got no usable answer: connection refused, timeout, TLS or DNS failure.
class NetworkError : public Error {
 public:
  explicit NetworkError(const std::string& message) : Error(DK_ERR_NETWORK, message) {}
};

// The answer could not be used: the body is not valid JSON, or it is too large.
class ResponseError : public Error {
 public:
  explicit ResponseError(const std::string& message) : Error(DK_ERR_BAD_RESPONSE, message) {}
};

// Thrown by a testRequest that recognises wrong credentials in a 2xx answer.
class InvalidCredentials : public Error {
 public:
  explicit InvalidCredentials(const std::string& message)
      : Error(DK_ERR_INVALID_CREDENTIALS, message) {}
};

// Thrown when the settings cannot be used (e.g. a setting the code needs is absent).
class InvalidSettings : public Error {
 public:
  explicit InvalidSettings(const std::string& message) : Error(DK_ERR_INVALID_SETTINGS, message) {}
  // Names the setting at fault. `why` completes a sentence whose subject is the field's label:
  // InvalidSettings("apiKey", "must start with sk_") reads "API Key must start with sk_." under
  // that field, as the host's own settings problems do (a host older than ABI 1.2 shows
  // "Settings are invalid: apiKey must start with sk_").
  InvalidSettings(const std::string& field, const std::string& why)
      : Error(DK_ERR_INVALID_SETTINGS, field + " " + why), field_(field), why_(why) {}
  const std::string& field() const noexcept { return field_; }  // empty: no field named
  const std::string& why() const noexcept { return why_; }

 private:
  std::string field_{};
  std::string why_{};
};

}  // namespace destkit
