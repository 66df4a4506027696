#include "plugin/signatures.hpp"

#include "util/encoding.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

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

Key read_private_key(const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key && EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

// A trusted key is read from the whole text, not with OpenSSL's PEM reader, which skips what comes
// before and after a block (so a file others can append to would lend its trust to a key appended
// there), honours headers inside it (one saying the block is encrypted has OpenSSL ask the
// terminal, or read standard input, for a pass phrase) and ignores bytes after the key's own.
// Accepted: one PUBLIC KEY block; blank lines, and spaces, tabs or a carriage return at either
// end of a line, are all the text may hold besides.
Key read_whole_public_key(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    lines.push_back(line.substr(first, line.find_last_not_of(" \t\r") - first + 1));
  }
  if (lines.size() < 3 || lines.front() != "-----BEGIN PUBLIC KEY-----" || lines.back() != "-----END PUBLIC KEY-----") {
    return nullptr;
  }
  std::string encoded;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    if (lines[i].find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
        std::string_view::npos) {
      return nullptr;  // a header, or anything else that is not the key's base64
    }
    encoded += lines[i];
  }
  std::optional<std::string> der = base64_decode(encoded);
  if (!der || der->empty()) return nullptr;
  const auto* at = reinterpret_cast<const unsigned char*>(der->data());
  Key key(d2i_PUBKEY(nullptr, &at, static_cast<long>(der->size())));
  bool whole = at == reinterpret_cast<const unsigned char*>(der->data()) + der->size();
  if (!key || !whole || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) return nullptr;
  return key;
}

}  // namespace

std::string sign_ed25519(std::string_view data, const std::string& private_key_pem) {
  Key key = read_private_key(private_key_pem);
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
