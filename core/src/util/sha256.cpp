#include "util/sha256.hpp"

#include "util/encoding.hpp"

#include <openssl/evp.h>

namespace destkit::host {

std::string sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256_hex(std::string_view bytes) { return hex_encode(sha256(bytes)); }

}  // namespace destkit::host
