#include "request_framing.hpp"

#include "http/request_options.hpp"

#include <boost/beast/http/field.hpp>

namespace destkit::cli {

std::optional<FramingProblem> framing_problem(const boost::beast::http::fields& head) {
  namespace http = boost::beast::http;
  // Two Host lines may name two servers; which one a proxy in front of the server routed by is
  // anyone's guess (RFC 9112 §3.2: 400).
  if (head.count(http::field::host) > 1) return FramingProblem{400, "a request must have one Host header, not several"};
  std::size_t lines = head.count(http::field::transfer_encoding);
  if (lines == 0) return std::nullopt;
  std::string_view coding = head[http::field::transfer_encoding];
  if (lines > 1 || !host::iequals(coding, "chunked")) {
    bool chunked_last = lines == 1 && coding.size() >= 7 && host::iequals(coding.substr(coding.size() - 7), "chunked");
    return FramingProblem{chunked_last ? 501 : 400, "the only Transfer-Encoding accepted is \"chunked\" alone"};
  }
  if (head.count(http::field::content_length) != 0) {
    return FramingProblem{400, "a request must not have both Transfer-Encoding and Content-Length"};
  }
  return std::nullopt;
}

}  // namespace destkit::cli
