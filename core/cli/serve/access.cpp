#include "access.hpp"

#include "http/request_options.hpp"
#include "plugin/file_permissions.hpp"
#include "util/printable.hpp"
#include "util/read_file.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>

namespace destkit::cli::serve {
namespace {

// A token shorter than this could be guessed by trying.
constexpr std::size_t kMinTokenBytes = 16;

std::string_view trimmed(std::string_view text) {
  const char* space = " \t\r\n";
  std::size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

}  // namespace

std::variant<ListenAddress, std::string> parse_listen_address(std::string_view given) {
  std::string text = host::printable(given);  // for messages
  std::size_t colon = given.rfind(':');
  if (colon == std::string_view::npos) return fmt::format("--listen \"{}\" is not ADDRESS:PORT", text);
  std::string_view host = given.substr(0, colon);
  std::string_view port_text = given.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  ListenAddress out;
  unsigned int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return fmt::format("--listen \"{}\": the port must be a number from 0 to 65535", text);
  }
  out.port = static_cast<unsigned short>(port);
  out.host = host == "localhost" ? "127.0.0.1" : std::string(host);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, out.host.c_str(), &v4) == 1) {
    out.loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, out.host.c_str(), &v6) == 1) {
    out.loopback = IN6_IS_ADDR_LOOPBACK(&v6);
  } else {
    return fmt::format("--listen \"{}\": \"{}\" is not an IP address (or localhost)", text, host::printable(host));
  }
  return out;
}

std::variant<BearerToken, std::string> BearerToken::load(const std::string& path, bool strict_permissions) {
  std::string name = host::printable(path);
  // Whoever can write it could put a token of their own in it, and so let themselves in.
  host::FileText file = strict_permissions ? host::read_trusted_file(path, 4096)
                                           : host::read_file(path, {.max_bytes = 4096, .regular_file_only = true});
  if (file.refused && strict_permissions) {
    return fmt::format("cannot use the token file {}: {}; refused (--insecure-plugin-permissions uses it anyway)", name,
                       file.error);
  }
  if (!file.ok()) return fmt::format("cannot read the token file: {}", file.error);
  std::string_view token = trimmed(file.text);
  if (token.size() < kMinTokenBytes) {
    return fmt::format("the token in {} is too short: use at least {} characters", name, kMinTokenBytes);
  }
  // What an Authorization header can carry and a client would send: one printable word.
  if (std::any_of(token.begin(), token.end(), [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return fmt::format(
        "the token in {} holds a space, a line break or a character that is not printable ASCII, "
        "which no client could send: put one word on one line",
        name);
  }
  BearerToken loaded(host::sha256(token));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return loaded;
  unsigned mode = st.st_mode & 07777;
  if ((mode & (S_IRGRP | S_IROTH)) != 0) {
    loaded.warning_ = fmt::format(
        "the token file {} can be read by group or others (mode {:04o}); the token "
        "lets anyone who reads it test credentials and connect accounts (chmod 600 {})",
        name, mode, name);
  }
  return loaded;
}

bool BearerToken::accepts(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view given;
  // Auth schemes are case-insensitive (RFC 9110 §11.1): "bearer" is "Bearer".
  if (authorization.size() > kScheme.size() && host::iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    given = trimmed(authorization.substr(kScheme.size()));
  }
  std::string digest = host::sha256(given);
  return CRYPTO_memcmp(digest.data(), digest_.data(), digest_.size()) == 0 && !given.empty();
}

}  // namespace destkit::cli::serve
