// plugin_refresher — an oauth2 destination's own token renewal (on_refresh_access_token) as
// the token lifecycle calls a refresher.
#pragma once

#include "abi/call.hpp"
#include "oauth/tokens.hpp"

namespace destkit::host {

// Runs `hooks`'s on_refresh_access_token in a call of its own, with the environment, settings
// and host defaults of `template_call` (not its extendRequest options: they carry the stale
// token).
OAuthTokens::Refresher plugin_refresher(const dk_plugin* hooks, const dk_call& template_call);

}  // namespace destkit::host
