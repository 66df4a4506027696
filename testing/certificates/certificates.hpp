// certificates — TLS certificates for local test servers (destkit mock-api, the partner test
// harness), made with the OpenSSL library so that no `openssl` command is needed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::certificates {

struct Pem {
  std::string certificate;
  std::string private_key;
};

struct TlsFiles {
  std::filesystem::path certificate;  // PEM
  std::filesystem::path private_key;  // PEM
};

// Empty when `name` can go into a certificate (a DNS name, "*.example.com", or an IPv4
// address); otherwise why not.
std::string certificate_name_problem(std::string_view name);

// An EC P-256 key and a certificate valid for two days for `names` and 127.0.0.1. Without an
// issuer it is its own CA (clients trust it as their CA file); with one, it is a server
// certificate signed by that CA. Throws std::runtime_error.
Pem make_certificate(const std::vector<std::string>& names, const Pem* issuer);

// make_certificate(names, nullptr) written to DIRECTORY/certificate.pem and DIRECTORY/key.pem
// (the key readable by the owner only).
TlsFiles make_self_signed_certificate(const std::filesystem::path& directory, const std::vector<std::string>& names);

}  // namespace destkit::certificates
