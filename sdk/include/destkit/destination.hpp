// destkit/destination.hpp — a whole destination as one object, as the docs write it in JS:
//
//   destkit::Destination destination() {
//     return {
//         .name = "Acme", .slug = "acme", .version = "1.0.0",
//         .authentication = {.scheme = destkit::Scheme::custom, .fields = {...},
//                            .testRequest = [](destkit::Request& request, const destkit::Input&) {
//                              request("/me");
//                            }},
//         .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {...},
//     };
//   }
//   DESTKIT_EXPORT_DESTINATION(destination)
#pragma once

#include <destkit/definition.hpp>
#include <destkit/hooks.hpp>
#include <destkit/request.hpp>
#include <destkit/settings.hpp>

#include <string>

namespace destkit {

struct Authentication {
  Scheme scheme = Scheme::custom;
  Fields fields{};
  // Checks the credentials; returning normally means they work. Optional.
  TestRequestHook testRequest{};
  // oauth2 only: gets new tokens from a non-standard token endpoint. Optional: without it the
  // host uses the standard refresh_token grant. Needs a host of ABI 1.1 or later.
  RefreshAccessTokenHook refreshAccessToken{};
};

struct Destination {
  std::string name{};
  std::string slug{};  // stable identifier: lower-case letters, digits, dashes
  std::string version = "0.0.0";
  std::string description{};
  Authentication authentication{};
  // Options applied to every request of the destination. Optional.
  ExtendRequestHook extendRequest{};
};

namespace detail {

inline std::string definition_json(const Destination& d) {
  Json fields = Json::object();
  for (const auto& [key, field] : d.authentication.fields) fields.set(key, to_json(field));
  Json definition = Json::object({
      {"name", d.name},
      {"slug", d.slug},
      {"version", d.version},
      {"authentication", Json::object({{"scheme", to_string(d.authentication.scheme)},
                                       {"fields", fields}})},
  });
  if (!d.description.empty()) definition.set("description", d.description);
  return definition.dump();
}

}  // namespace detail
}  // namespace destkit
