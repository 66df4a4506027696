// access — who may use the service: where it listens, and the bearer token it asks for.
//
// Loopback is the default. Listening anywhere else exposes credential tests and OAuth
// connections to the network, so it needs a bearer token (--token-file); without one the
// service refuses to start.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace destkit::cli::serve {

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 address, as given ("localhost" reads 127.0.0.1)
  unsigned short port = 0;
  bool loopback = false;
};

// "127.0.0.1:8642", "[::1]:8642", "0.0.0.0:80", "localhost:0"; or why the text is not one.
std::variant<ListenAddress, std::string> parse_listen_address(std::string_view text);

class BearerToken {
 public:
  // The token in `path` (surrounding white space dropped); or why it cannot be used, such as
  // a file that another user could write (plugin files' rule; not checked without
  // `strict_permissions`).
  static std::variant<BearerToken, std::string> load(const std::string& path, bool strict_permissions);

  // What the operator should know about the file, such as that others may read it; or empty.
  const std::string& warning() const { return warning_; }

  // Whether an Authorization header carries the token. Compares SHA-256 digests in constant
  // time, so neither the token's bytes nor its length show in the time taken.
  bool accepts(std::string_view authorization) const;

 private:
  explicit BearerToken(std::string digest) : digest_(std::move(digest)) {}
  std::string digest_;
  std::string warning_;
};

}  // namespace destkit::cli::serve
