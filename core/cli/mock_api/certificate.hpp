// certificate — the self-signed certificate mock-api serves, made with the OpenSSL library so
// that no `openssl` command is needed.
#pragma once

#include "mock_api/https_server.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::mock_api {

// Empty when `name` can go into the certificate (a DNS name, "*.example.com", or an IPv4
// address); otherwise why not.
std::string certificate_name_problem(std::string_view name);

// Writes DIRECTORY/certificate.pem and DIRECTORY/key.pem (the key readable by the owner only):
// an EC P-256 key and a certificate valid for two days for `names` and 127.0.0.1. The
// certificate is its own CA: clients trust it with --cacert. Throws std::runtime_error.
TlsFiles make_self_signed_certificate(const std::filesystem::path& directory, const std::vector<std::string>& names);

}  // namespace destkit::mock_api
