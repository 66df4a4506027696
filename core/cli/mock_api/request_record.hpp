// request_record — the JSON-lines file in which mock-api writes down every request it
// answers, for a test to read back:
//
//   {"method":"GET","path":"/api/me","query":{"api_key":"[redacted]"},
//    "headers":{"host":"example.com","authorization":"[redacted]"},"status":200}
//
// Header names are lower-cased; a name that repeats gets an array of its values. Values of
// credential headers and query parameters read [redacted] unless secrets are to be kept.
#pragma once

#include "mock_api/credentials.hpp"
#include "mock_api/https_server.hpp"

#include <filesystem>
#include <string>

namespace destkit::mock_api {

class RequestRecord {
 public:
  // Creates or empties the file (readable by the owner only); throws std::runtime_error.
  RequestRecord(const std::filesystem::path& path, const Credentials& credentials, bool keep_secrets);
  ~RequestRecord();
  RequestRecord(const RequestRecord&) = delete;
  RequestRecord& operator=(const RequestRecord&) = delete;

  // Appends one line, written to the file before the answer leaves. False when it failed.
  bool write(const Request& request, int status);

 private:
  int fd_ = -1;
  const Credentials& credentials_;
  bool keep_secrets_;
};

}  // namespace destkit::mock_api
