#include "plugin/signatures.hpp"

#include "util/encoding.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>

namespace destkit::host {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;

Key read_key(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  Key key(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                     : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key && EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

bool only_whitespace(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// A key the host trusts is the whole text: OpenSSL skips what comes before and after a PEM block,
// so a file that others can append to (a log, a mail spool) would otherwise lend its trust to a
// key appended there.
Key read_whole_public_key(const std::string& pem) {
  std::size_t begin = pem.find("-----BEGIN ");
  std::size_t end_line = pem.find("-----END ");
  std::size_t end = end_line == std::string::npos ? end_line : pem.find("-----", end_line + 9);
  if (begin == std::string::npos || end == std::string::npos ||
      !only_whitespace(std::string_view(pem).substr(0, begin)) ||
      !only_whitespace(std::string_view(pem).substr(end + 5))) {
    return nullptr;
  }
  return read_key(pem, false);
}

}  // namespace

std::string sign_ed25519(std::string_view data, const std::string& private_key_pem) {
  Key key = read_key(private_key_pem, true);
  if (!key) throw std::runtime_error("the key is not an Ed25519 private key in PEM form");
  std::unique_ptr<EVP_MD_CTX, ContextDeleter> ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  std::size_t length = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &length, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1) {
    throw std::runtime_error("signing failed");
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(signature), length));
}

bool is_ed25519_public_key(const std::string& pem) { return read_whole_public_key(pem) != nullptr; }

bool verify_ed25519(std::string_view data, std::string_view signature_base64, const std::string& public_key_pem) {
  Key key = read_whole_public_key(public_key_pem);
  std::string signature = base64_decode(signature_base64).value_or("");
  if (!key || signature.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, ContextDeleter> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace destkit::host
