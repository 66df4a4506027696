// secret_forms — the encoded forms of a secret that a redactor searches for as they are,
// because a text cannot be decoded back from them (URL, form, JSON and HTML escapes are
// decoded from the text instead).
#pragma once

#include "http/redactor.hpp"

#include <string_view>
#include <vector>

namespace destkit::host {

// Appends to `forms` those of `secret` not in it yet: the secret itself; base64 with and
// without its padding (some servers drop it), base64url (RFC 4648 §5), hexadecimal in either
// case, Latin-1 (a server's own charset); and, for a secret not too short to be told from
// chance (kShortSecret), base64 and base64url of it at each offset inside longer data.
void add_forms(std::vector<Redactor::Secret>& forms, std::string_view secret);

}  // namespace destkit::host
