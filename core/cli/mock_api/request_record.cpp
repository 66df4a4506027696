#include "mock_api/request_record.hpp"

#include "http/redactor.hpp"
#include "util/json_text.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace destkit::mock_api {
namespace {

namespace json = boost::json;

// Adds name: value; a second value for the same name turns the member into an array.
void add(json::object& object, const std::string& name, std::string_view value) {
  json::value* existing = object.if_contains(name);
  if (existing == nullptr) {
    object[name] = value;
  } else if (existing->is_array()) {
    existing->get_array().emplace_back(value);
  } else {
    *existing = json::array{*existing, json::string(value)};
  }
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

RequestRecord::RequestRecord(const std::filesystem::path& path, const Credentials& credentials, bool keep_secrets)
    : credentials_(credentials), keep_secrets_(keep_secrets) {
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
}

RequestRecord::~RequestRecord() { close(fd_); }

bool RequestRecord::write(const Request& request, int status) {
  json::object query, headers;
  for (const auto& [name, value] : request.query) {
    bool hide = !keep_secrets_ && credentials_.is_credential_query(name);
    add(query, name, hide ? host::kRedacted : std::string_view(value));
  }
  for (const auto& [name, value] : request.headers) {
    bool hide = !keep_secrets_ && credentials_.is_credential_header(name);
    add(headers, lower(name), hide ? host::kRedacted : std::string_view(value));
  }
  json::object line{{"method", request.method}, {"path", request.path}, {"query", std::move(query)},
                    {"headers", std::move(headers)}, {"status", status}};
  // One write of the whole line to a file opened O_APPEND: the line is in the file, whole,
  // before the client sees the answer.
  std::string text = host::json_text(line) + "\n";
  return ::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

}  // namespace destkit::mock_api
