#include "certificates.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

namespace destkit::certificates {
namespace {

// A certificate made now is accepted by a client whose clock is a little behind.
constexpr long kClockSkewSeconds = 5 * 60;
constexpr long kValiditySeconds = 2 * 24 * 60 * 60;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const std::string& what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "no detail";
  if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error(what + " (" + reason + ")");
}

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

bool is_ipv4(std::string_view name) {
  in_addr address{};
  return inet_pton(AF_INET, std::string(name).c_str(), &address) == 1;
}

// basicConstraints, key identifiers and subjectAltName, in the form OpenSSL's configuration
// files use ("DNS:a,IP:b"); the names were checked, so no ',' can split one.
void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension) fail(std::string("cannot make the certificate extension ") + OBJ_nid2sn(nid));
  check(X509_add_ext(certificate, extension.get(), -1), "cannot add a certificate extension");
}

std::string pem_of(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) fail("cannot write PEM");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Replaces the file with `text`, leaving it with exactly `mode` even when it existed before.
void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0 || fchmod(fd, mode) != 0) {
    int error = errno;
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(error));
  }
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      int error = errno;
      close(fd);
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
}

}  // namespace

std::string certificate_name_problem(std::string_view name) {
  if (is_ipv4(name)) return {};
  std::string_view host = name.starts_with("*.") ? name.substr(2) : name;
  bool valid = !host.empty() && host.size() <= 253 && host.front() != '.' && host.back() != '.' &&
               host.front() != '-' && host.find("..") == std::string_view::npos;
  for (char c : host) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.');
  if (valid) return {};
  return "\"" + std::string(name) + "\" is not a host name (letters, digits, '-' and '.', optionally starting with \"*.\") "
         "or an IPv4 address";
}

Pem make_certificate(const std::vector<std::string>& names, const Pem* issuer) {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot make an EC P-256 key");
  Certificate issuer_certificate;
  Key issuer_key;
  if (issuer != nullptr) {
    Bio certificate_pem(BIO_new_mem_buf(issuer->certificate.data(), static_cast<int>(issuer->certificate.size())));
    Bio key_pem(BIO_new_mem_buf(issuer->private_key.data(), static_cast<int>(issuer->private_key.size())));
    if (!certificate_pem || !key_pem) fail("cannot read the issuer");
    issuer_certificate.reset(PEM_read_bio_X509(certificate_pem.get(), nullptr, nullptr, nullptr));
    issuer_key.reset(PEM_read_bio_PrivateKey(key_pem.get(), nullptr, nullptr, nullptr));
    if (!issuer_certificate || !issuer_key) fail("cannot read the issuer's certificate and key");
  }

  Certificate certificate(X509_new());
  if (!certificate) fail("cannot make a certificate");
  check(X509_set_version(certificate.get(), X509_VERSION_3), "cannot set the certificate version");
  std::uint64_t serial = 0;
  check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial), "the random number generator failed");
  check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate.get()), serial >> 1), "cannot set the serial number");
  if (X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kClockSkewSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValiditySeconds) == nullptr) {
    fail("cannot set the validity period");
  }
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  std::string common_name = issuer == nullptr || names.empty() ? "destkit test CA" : names.front();
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "cannot set the subject");
  check(X509_set_issuer_name(certificate.get(), issuer == nullptr ? subject : X509_get_subject_name(issuer_certificate.get())),
        "cannot set the issuer");
  check(X509_set_pubkey(certificate.get(), key.get()), "cannot set the public key");

  std::string alt_names = "IP:127.0.0.1";
  for (const auto& name : names) {
    if (std::string problem = certificate_name_problem(name); !problem.empty()) throw std::runtime_error(problem);
    if (name != "127.0.0.1") alt_names += (is_ipv4(name) ? ",IP:" : ",DNS:") + name;
  }
  X509* signer = issuer == nullptr ? certificate.get() : issuer_certificate.get();
  add_extension(certificate.get(), signer, NID_basic_constraints, issuer == nullptr ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(certificate.get(), signer, NID_subject_key_identifier, "hash");
  add_extension(certificate.get(), signer, NID_authority_key_identifier, "keyid:always");
  add_extension(certificate.get(), signer, NID_subject_alt_name, alt_names);
  if (X509_sign(certificate.get(), issuer == nullptr ? key.get() : issuer_key.get(), EVP_sha256()) <= 0) {
    fail("cannot sign the certificate");
  }
  return {pem_of([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); }),
          pem_of([&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr); })};
}

TlsFiles make_self_signed_certificate(const std::filesystem::path& directory, const std::vector<std::string>& names) {
  Pem pem = make_certificate(names, nullptr);
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw std::runtime_error("cannot create " + directory.string() + ": " + ec.message());
  TlsFiles files{directory / "certificate.pem", directory / "key.pem"};
  write_file(files.private_key, pem.private_key, 0600);
  write_file(files.certificate, pem.certificate, 0644);
  return files;
}

}  // namespace destkit::certificates
