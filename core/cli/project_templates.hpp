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
- `tests/test-request.sh` learns from the destination what its testRequest sends (with
  `destkit test-auth --dry-run`), starts `destkit mock-api` on 127.0.0.1 accepting exactly
  that, and runs `destkit test-auth @NAME@` against it with the right and with wrong
  credentials, using `--connect-to` and `--cacert` so the plugin keeps its real URLs. Change
  the URL or the way credentials are sent and the test follows.
- `cmake --install build --prefix "$(pkg-config --variable=prefix destkit-sdk)"` puts
  `destkit-@NAME@.so` where the host finds it (under destkit's own prefix; `/usr` for the
  Debian packages).

Try it by hand:

```sh
destkit describe @NAME@ --plugin-path build
echo '@GOOD_SETTINGS@' | destkit test-auth @NAME@ --plugin-path build --settings - \
    --connect-to api.example.com:443:127.0.0.1:PORT --cacert certificate.pem
```
)~~~";

inline constexpr std::string_view kTestScript = R"~~~(#!/usr/bin/env bash
# Runs @NAME@'s testRequest against a local HTTPS API (destkit mock-api) that accepts what the
# destination sends with the right settings and nothing else. What that API expects is learned
# from the destination, so this test keeps its meaning when its URL or its auth style changes:
#   1. test-auth --dry-run --json shows the request testRequest sends, without sending it:
#      its method and URL, and which headers and query parameters carry credentials (they
#      read [redacted]);
#   2. one run against mock-api, which accepts nothing, records the values the right settings
#      put there;
#   3. mock-api again, accepting exactly those values at that path: the right settings must
#      read "Credentials are valid.", the wrong ones "Credentials are invalid: 401 ...", and the
#      record must show that both requests reached the API.
# Usage: test-request.sh DESTKIT PLUGIN_DIR
set -euo pipefail
destkit="$1"
plugin_dir="$2"
good='@GOOD_SETTINGS@'
bad='@BAD_SETTINGS@'
work="$(mktemp -d)"
api=""
stop_api() {
  if [ -n "$api" ]; then kill "$api" 2>/dev/null || true; wait "$api" 2>/dev/null || true; fi
  api=""
  if [ -s "$work/api.err" ]; then cat "$work/api.err" >&2; fi
  rm -f "$work/api.err" "$work/api.out"
}
trap 'stop_api; rm -rf "$work"' EXIT
fail() { echo "test-request: $*" >&2; exit 1; }

# The value of "key":"..." in one line of JSON (values with a '"' inside are not supported).
json_value() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<< "$2" | head -n 1; }

test_auth() {
  echo "$1" | "$destkit" test-auth @NAME@ --plugin-path "$plugin_dir" --settings - \
      --connect-to "$host:$port:127.0.0.1:$api_port" --cacert "$work/certificate.pem"
}

# Starts mock-api with the arguments given; sets api and api_port.
start_api() {
  # Emptied here, not by the redirection below, which the background process makes when it
  # gets to it: the loop must not read the port of the mock-api started before this one.
  : > "$work/api.out"
  "$destkit" mock-api --certificate-dir "$work" --tls-name "$host" "$@" > "$work/api.out" 2> "$work/api.err" &
  api=$!
  # Until it says its port, or ends; a busy machine may take seconds to start it.
  for _ in $(seq 1200); do
    grep -q '^port ' "$work/api.out" 2>/dev/null && break
    kill -0 "$api" 2>/dev/null || break
    sleep 0.05
  done
  api_port="$(awk '/^port /{print $2}' "$work/api.out")"
  if [ -z "$api_port" ]; then
    how="still starting after 60 seconds"
    if ! kill -0 "$api" 2>/dev/null; then
      code=0
      wait "$api" || code=$?
      how="it ended with status $code"
      api=""
    fi
    fail "destkit mock-api did not start ($how)"
  fi
}

# 1. What testRequest sends.
dry="$(echo "$good" | "$destkit" test-auth @NAME@ --plugin-path "$plugin_dir" --settings - --dry-run --json)" ||
  fail "the dry run failed: $dry"
method="$(json_value method "$dry")"
url="$(json_value url "$dry")"
[ -n "$url" ] || fail "testRequest asks for no request: $dry"
authority="${url#*://}"
authority="${authority%%[/?#]*}"
host="${authority%%:*}"
port=443
[ "$authority" = "$host" ] || port="${authority##*:}"
rest="${url#*://"$authority"}"
path="${rest%%[?#]*}"
path="${path:-/}"
credential_headers="$(grep -o '"[^"]*":"\[redacted\]"' <<< "${dry#*\"headers\":}" | sed 's/^"\([^"]*\)".*/\1/' || true)"
credential_query="$(grep -o '[?&][^=&#]*=\[redacted\]' <<< "$url" | sed 's/^.\([^=]*\)=.*/\1/' || true)"
[ -n "$credential_headers$credential_query" ] ||
  fail "testRequest sends no credential in a header or a query parameter: $dry"

# 2. The credential values the right settings send.
start_api --record "$work/learned.jsonl" --record-secrets
test_auth "$good" > /dev/null || true
stop_api
learned="$(head -n 1 "$work/learned.jsonl")"
[ -n "$learned" ] || fail "no request reached the API"
accept=()
for name in $credential_headers; do
  lower="$(tr '[:upper:]' '[:lower:]' <<< "$name")"
  accept+=(--accept "$name: $(json_value "$lower" "${learned#*\"headers\":}")")
done
for name in $credential_query; do
  accept+=(--accept-query "$name=$(json_value "$name" "${learned#*\"query\":}")")
done

# 3. The right settings pass and the wrong ones are refused, both by the API.
printf '{"routes": [{"method": "%s", "path": "%s", "auth": true, "status": 200, "body": {"ok": true}}]}\n' \
  "$method" "$path" > "$work/routes.json"
start_api "${accept[@]}" --routes "$work/routes.json" --record "$work/requests.jsonl"
verdict="$(test_auth "$good")" || fail "the right settings were refused: $verdict"
[ "$verdict" = "Credentials are valid." ] || fail "unexpected verdict for the right settings: $verdict"
set +e
verdict="$(test_auth "$bad")"
status=$?
set -e
[ "$status" -eq 1 ] || fail "wrong credentials: expected exit 1 (invalid credentials), got $status: $verdict"
case "$verdict" in
  "Credentials are invalid: 401"*) ;;
  *) fail "wrong credentials: expected \"Credentials are invalid: 401 ...\", got: $verdict" ;;
esac
stop_api
sent="$(grep -c "\"path\":\"$path\"" "$work/requests.jsonl" || true)"
[ "$sent" -eq 2 ] || fail "expected both requests to reach $path, the API saw $sent"
echo "testRequest: $method $host$path; the right settings pass, wrong ones read: $verdict"
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
  @DECLARATIVE_GUIDE@.
- `tests/test-request.sh` learns from the destination what its testRequest sends (with
  `destkit test-auth --dry-run`), starts `destkit mock-api` on 127.0.0.1 accepting exactly
  that, and runs `destkit test-auth @NAME@` against it with the right and with wrong
  credentials, using `--connect-to` and `--cacert` so the destination keeps its real URLs.
  Change the URL or the way credentials are sent and the test follows.
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
