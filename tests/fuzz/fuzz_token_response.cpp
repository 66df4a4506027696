// libFuzzer target: a token endpoint's answer, read as the host reads it after a sign-in or a
// refresh. The first byte picks the status: '0' 200, '1' 400, '2' 401, '3' 429, '4' 503.
#include "oauth/protocol.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr int statuses[] = {200, 400, 401, 429, 503};
  destkit::host::HttpResponse response;
  response.status = statuses[static_cast<unsigned char>(data[0] - '0') % 5];
  response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  destkit::host::OAuthClientConfig client;
  client.scopes = {"read"};
  client.client_secret = "fuzz-client-secret";
  destkit::host::Redactor redactor;
  destkit::host::add_client_secrets(redactor, client);
  destkit::host::TokenResult result = destkit::host::read_token_response(response, client, "auth.example.com", redactor);
  if (auto* record = std::get_if<destkit::host::TokenRecord>(&result); record != nullptr && record->expires_at) {
    // The expiry is one the clock can hold and compare.
    (void)record->expires_within(std::chrono::seconds(30));
  }
  return 0;
}
