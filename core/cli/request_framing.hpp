// request_framing — the one body framing destkit's servers (serve, mock-api) read.
//
// A request whose Transfer-Encoding is anything but a single "chunked" ("gzip, chunked", two
// Transfer-Encoding lines, or chunked beside a Content-Length) could be framed differently by a
// proxy in front of the server (request smuggling), so it is refused before its body is read;
// so is a request with more than one Host header.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>

namespace destkit::cli {

struct FramingProblem {
  int status;           // 501 for a transfer coding other than chunked, 400 otherwise (RFC 9112 §6)
  std::string message;
};

// Why the request head's framing is refused; nothing when it is accepted.
std::optional<FramingProblem> framing_problem(const boost::beast::http::fields& head);

}  // namespace destkit::cli
