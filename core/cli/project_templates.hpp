// project_templates — the files `destkit init` writes. @KEY@ placeholders are filled in by
// init.cpp: the slug, its display name, the scheme and what differs between schemes.
#pragma once

#include <string_view>

namespace destkit::cli::templates {

inline constexpr std::string_view kCMakeLists = R"~~~(cmake_minimum_required(VERSION 3.25)
project(@NAME@ VERSION 0.1.0 LANGUAGES @LANGUAGE@)

find_package(destkit 0.1 CONFIG REQUIRED)

# Builds destkit-@NAME@.so with what the ABI needs, installed into the host's plugin directory.
destkit_add_plugin(@NAME@ SOURCES src/@SOURCE@)

enable_testing()
add_test(NAME @NAME@-is-a-valid-plugin COMMAND ${DESTKIT_EXECUTABLE} check $<TARGET_FILE:@NAME@>)
add_test(NAME @NAME@-test-request
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/test-request.sh ${DESTKIT_EXECUTABLE} $<TARGET_FILE_DIR:@NAME@>)
)~~~";

inline constexpr std::string_view kGitignore = "/build/\n";

inline constexpr std::string_view kReadme = R"~~~(# @TITLE@

A destkit destination plugin (`@SCHEME@` scheme).

```sh
cmake -S . -B build          # needs destkit installed (find_package(destkit))
cmake --build build
ctest --test-dir build       # destkit check, then testRequest against a local API
```

- `src/@SOURCE@` is the destination: its fields, `testRequest` and `extendRequest`.
- `tests/test-request.sh` starts `destkit mock-api` on 127.0.0.1 and runs
  `destkit test-auth @NAME@` against it with the right and with wrong credentials, using
  `--connect-to` and `--cacert` so the plugin keeps its real URLs.
- `cmake --install build` puts `destkit-@NAME@.so` where the host finds it.

Try it by hand:

```sh
destkit describe @NAME@ --plugin-path build
echo '@GOOD_SETTINGS@' | destkit test-auth @NAME@ --plugin-path build --settings - \
    --connect-to api.example.com:443:127.0.0.1:PORT --cacert certificate.pem
```
)~~~";

inline constexpr std::string_view kTestScript = R"~~~(#!/usr/bin/env bash
# Runs @NAME@'s testRequest against a local HTTPS API: the right credentials must pass
# (exit 0) and wrong ones must be rejected (exit 1).
set -euo pipefail
destkit="$1"
plugin_dir="$2"
work="$(mktemp -d)"
api=""
trap '[ -n "$api" ] && kill "$api" 2>/dev/null; rm -rf "$work"' EXIT

"$destkit" mock-api --certificate-dir "$work" --accept "Authorization: @ACCEPTED@" > "$work/api.out" &
api=$!
for _ in $(seq 100); do grep -q '^port ' "$work/api.out" 2>/dev/null && break; sleep 0.05; done
port="$(awk '/^port /{print $2}' "$work/api.out")"
local_api=(--plugin-path "$plugin_dir" --connect-to "api.example.com:443:127.0.0.1:$port" --cacert "$work/certificate.pem")

echo '@GOOD_SETTINGS@' | "$destkit" test-auth @NAME@ --settings - "${local_api[@]}"

set +e
echo '@BAD_SETTINGS@' | "$destkit" test-auth @NAME@ --settings - "${local_api[@]}"
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "wrong credentials: expected exit 1 (invalid credentials), got $status" >&2
  exit 1
fi
)~~~";

inline constexpr std::string_view kCppSource = R"~~~(// @TITLE@: a destkit destination (`@SCHEME@` scheme).
#include <destkit/destkit.hpp>

namespace {

destkit::Destination @IDENTIFIER@() {
  return {
      .name = "@TITLE@",
      .slug = "@NAME@",
      .version = "0.1.0",
      .description = "Sends events to the @TITLE@ API.",
      .authentication =
          {
              .scheme = destkit::Scheme::@SCHEME_CPP@,
@CPP_FIELDS@              // A 2xx answer means the credentials work; 4xx means they do not.
              .testRequest = [](destkit::Request& request, const destkit::Input&) { request("/me"); },
          },
      .extendRequest =
          [](const destkit::Input& @CPP_INPUT@) -> destkit::RequestOptions {
            return {
                .prefixUrl = "https://api.example.com/v1",
@CPP_HEADERS@                .responseType = destkit::ResponseType::json,
            };
          },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(@IDENTIFIER@)
)~~~";

inline constexpr std::string_view kCSource = R"~~~(/* @TITLE@: a destkit destination (`@SCHEME@` scheme) in plain C99. */
#include <destkit/abi.h>

#include <stdio.h>
#include <string.h>

static const dk_host_api *host;

static dk_str str(const char *s) {
  dk_str out;
  out.data = s;
  out.size = strlen(s);
  return out;
}

/* Options applied to every request: the API's base URL and the credentials. */
static dk_status on_extend_request(dk_call *call, dk_request_options *out) {
  dk_status status = host->options_set_prefix_url(out, str("https://api.example.com/v1"));
  if (status == DK_OK) status = host->options_set_response_type(out, DK_RESPONSE_JSON);
@C_EXTEND@  return status;
}

/* A 2xx answer means the credentials work; request_send returns DK_ERR_HTTP otherwise. */
static dk_status on_test_request(dk_call *call) {
  dk_response *response = NULL;
  return host->request_send(call, str("/me"), NULL, &response);
}

static const dk_plugin descriptor = {
    sizeof(dk_plugin), DK_ABI_MAJOR, DK_ABI_MINOR, DK_PLUGIN_MAGIC,
    0, /* min_host_abi_minor: only ABI 1.0 services are used */
    0, "@NAME@", "0.1.0",
    "{\"name\":\"@TITLE@\",\"slug\":\"@NAME@\",\"version\":\"0.1.0\","
    "\"authentication\":{\"scheme\":\"@SCHEME@\",\"fields\":{@C_FIELDS@}}}",
    on_test_request, on_extend_request,
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  if (h == NULL || h->abi_major != DK_ABI_MAJOR) return NULL;
  host = h;
  return &descriptor;
}
)~~~";

inline constexpr std::string_view kJsonManifest = R"~~~({
  "slug": "@NAME@",
  "name": "@TITLE@",
  "version": "0.1.0",
  "description": "Sends events to the @TITLE@ API.",
  "authentication": {
    "scheme": "@SCHEME@",
@JSON_FIELDS@    "testRequest": {"url": "/me"}
  },
  "extendRequest": {
    "prefixUrl": "https://api.example.com/v1",
@JSON_HEADERS@    "responseType": "json"
  }
}
)~~~";

inline constexpr std::string_view kJsonReadme = R"~~~(# @TITLE@

A declarative destkit destination (`@SCHEME@` scheme): one JSON file, nothing to compile.

```sh
destkit check destkit-@NAME@.json              # the manifest and its templates are valid
tests/test-request.sh destkit .                # testRequest against a local API
```

- `destkit-@NAME@.json` is the destination: its fields, `testRequest` and `extendRequest`,
  with `{{settings.NAME}}` and `{{auth.accessToken}}` templates. Every key is described in
  `/usr/share/doc/destkit/docs/write-a-declarative-destination.md`.
- `tests/test-request.sh` starts `destkit mock-api` on 127.0.0.1 and runs
  `destkit test-auth @NAME@` against it with the right and with wrong credentials, using
  `--connect-to` and `--cacert` so the destination keeps its real URLs.
- Copy `destkit-@NAME@.json` into a plugin directory (`destkit plugins` shows the search
  path) to install it; sign it with `destkit sign` as you would a library.

Try it by hand:

```sh
destkit describe @NAME@ --plugin-path .
echo '@GOOD_SETTINGS@' | destkit test-auth @NAME@ --plugin-path . --settings - \
    --connect-to api.example.com:443:127.0.0.1:PORT --cacert certificate.pem
```
)~~~";

}  // namespace destkit::cli::templates
