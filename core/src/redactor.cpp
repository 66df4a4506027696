#include "redactor.hpp"

#include <destkit/host/request_options.hpp>

#include <algorithm>

namespace destkit::host {

void Redactor::add(std::string_view secret) {
  if (secret.empty()) return;
  for (std::string form : {std::string(secret), percent_encode(secret), base64_encode(secret)}) {
    if (std::find(secrets_.begin(), secrets_.end(), form) == secrets_.end()) {
      secrets_.push_back(std::move(form));
    }
  }
  std::sort(secrets_.begin(), secrets_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::apply(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secrets_) {
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at)) {
      out.replace(at, secret.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  return out;
}

}  // namespace destkit::host
