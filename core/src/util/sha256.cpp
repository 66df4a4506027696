#include "util/sha256.hpp"

#include <openssl/evp.h>

namespace destkit::host {

std::string sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256_hex(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : sha256(bytes)) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace destkit::host
