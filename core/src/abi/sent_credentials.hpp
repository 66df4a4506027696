// sent_credentials — settings values the host sends as credentials become secrets.
//
// Partners copy examples that declare an API key as `type: 'string'`. What the host sends
// decides what is secret: a settings value found in a credential-named header (Authorization,
// X-Api-Key, ...), in the user:password of Basic auth, or in a credential-named query
// parameter is added to the call's redactor and remembered for the rest of the process.
#pragma once

#include "abi/call.hpp"

namespace destkit::host {

// After extendRequest: the credentials its options (and the host's defaults) carry.
void remember_credentials_in(dk_call& call, const RequestOptions& layer);
// Before a request is sent: the credentials it carries, whichever layer put them there.
void remember_credentials_in(dk_call& call, const ResolvedRequest& request);

}  // namespace destkit::host
