#include "commands.hpp"

#include "check_warnings.hpp"
#include "dry_run_output.hpp"
#include "host_setup.hpp"
#include "init.hpp"
#include "mock_api.hpp"
#include "oauth_commands.hpp"
#include "serve/serve_command.hpp"
#include "signing_commands.hpp"
#include "standard_output.hpp"
#include "output.hpp"

#include <destkit/abi.h>
#include <destkit/host/host.hpp>
#include "util/json_input.hpp"
#include "util/printable.hpp"
#include "util/read_file.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <unistd.h>

namespace destkit::cli {
namespace {

namespace json = boost::json;
using host::AuthOutcome;

constexpr std::string_view kGeneralHelp = R"(destkit — load destination plugins and test their authentication

Usage: destkit COMMAND [ARGUMENTS] [OPTIONS]

Commands:
  plugins                         List the discovered plugins and the files rejected, with why
  describe SLUG                   Show a destination's definition: scheme, fields, flags, defaults
  check FILE                      Validate one plugin file (.so or .json), as a partner's CI would
  test-auth SLUG --settings FILE  Validate settings and run the destination's testRequest
  sign FILE --key KEY.pem         Sign a plugin file with an Ed25519 key (writes FILE.sig)
  verify FILE                     Check a plugin's signature against the trusted keys
  oauth login|status|logout SLUG  Sign in to an OAuth destination, show or forget its tokens
  init NAME [--scheme SCHEME]     Create a plugin project (C++, C or JSON) that tests out of tree
  mock-api --certificate-dir DIR  Serve a local HTTPS API scripted as a partner's API would answer
  serve [--listen ADDRESS:PORT]   Run the host as an HTTP service: settings, credential tests, OAuth
  help [COMMAND]                  Show help for a command

Options for every command:
  --plugin-path DIR   Also search DIR for plugins (repeatable; searched first, in order)
  --config FILE       The host configuration (OAuth clients, trusted plugins); default: $DESTKIT_CONFIG
  --insecure-plugin-permissions
                      Load plugin files, and use the configuration, the files it names and
                      serve's --token-file, even if others could have written them
  --isolation process|in-process
                      Run each plugin library in a sandboxed runner process of its own, or
                      inside destkit (the default, but for serve, whose default is process;
                      overrides the configuration's "isolation")
  --json              Print machine-readable JSON (plugins, describe, check, test-auth,
                      oauth status; refused elsewhere)
  -v, --verbose       Log each request and response (credentials shown as [redacted])
  -h, --help          Show help
  --version           Show the destkit version

Plugins are files named destkit-*.so (libraries) and destkit-*.json (declarative
destinations), searched in the --plugin-path directories, then in DESTKIT_PLUGIN_PATH
(colon-separated), then in the installed plugin directory. A file (or a directory above it,
or one that holds a symbolic link on its way) owned by another user, or writable by others,
is refused; the configuration can also pin
files by SHA-256 and require Ed25519 signatures.

Exit codes: 0 ok; 1 rejected (invalid settings, invalid credentials, invalid plugin);
2 usage or configuration error (an OAuth client missing, or refused by its token endpoint);
3 host or plugin failure, or output not written; 4 could not verify (5xx,
network, timeout, TLS); 5 test-auth: settings valid, but nothing to check them with (no
testRequest).
)";

constexpr std::string_view kPluginsHelp = R"(Usage: destkit plugins [--plugin-path DIR]... [--json]

Lists every plugin found on the search path (slug, name, version, scheme, file) and every
file that was rejected, with the reason. Rejected files never stop the others from loading.
)";

constexpr std::string_view kDescribeHelp = R"(Usage: destkit describe SLUG [--json]

Shows a destination's definition: name, description, authentication scheme, whether it has
testRequest and extendRequest, and its settings fields with their types, required and
secret flags, defaults, choices and bounds.
)";

constexpr std::string_view kCheckHelp = R"(Usage: destkit check FILE [--json]

Validates one plugin file: a library (destkit-NAME.so) exports dk_plugin_entry, loads,
speaks a compatible ABI and has a valid definition; a declarative destination
(destkit-NAME.json) has a valid manifest, templates included. Both pass the same
permission, pin and signature checks.
Exit 0 when it is a valid plugin, 1 with the reason when it is rejected. A valid plugin
may get warnings (exit 0 still): a field whose key or label names a credential (key,
token, secret, password, ...) that is not of type password, and a file name that plugin
discovery ignores (only destkit-*.so and destkit-*.json are loaded).
)";

constexpr std::string_view kTestAuthHelp = R"(Usage: destkit test-auth SLUG --settings FILE|- [OPTIONS]

Validates the settings (JSON object; "-" reads standard input) against the destination's
fields, then runs its extendRequest and testRequest over HTTP. No request is sent when the
settings are invalid. OAuth destinations use the tokens stored by destkit oauth login (refreshed when expired or
refused), or an access token given in the settings as {"oauth": {"access_token": "..."}}.

Options:
  --connect-to HOST:PORT:HOST2:PORT2  Connect to HOST2:PORT2 for requests to HOST:PORT
                                      (repeatable; curl's --connect-to)
  --cacert FILE                       Trust the CA certificates in FILE (PEM)
  --timeout-ms N                      Default timeout of each request, whole exchange (10000)
  --config FILE                       The host configuration (default: $DESTKIT_CONFIG)
  --connection NAME                   Which stored OAuth tokens to use (default: "default")
  --verbose                           Show each request and response, credentials redacted
  --dry-run                           Validate the settings and run extendRequest and
                                      testRequest, but send nothing: print the first request
                                      testRequest asks for, credentials redacted (see below)
  --json                              Print {"ok", "error", "status", "fields", "note"}

Exit codes: 0 credentials valid; 1 invalid settings or credentials; 2 usage error;
3 host or plugin failure, or output not written; 4 could not verify (5xx, network, timeout,
TLS); 5 settings valid but not checked: the destination has no testRequest.

--dry-run answers every request the hooks ask for with "not sent" (as a network failure
would be answered) and prints the first one: method, URL, headers and body as destkit would
send them (the transport adds Host, Content-Length and Accept-Encoding), credential headers
and query values and every known secret [redacted].
That is the request testRequest sends when it makes one request, the common case. When it
asked for more, a note says that the later ones followed a "not sent" answer, so they depend
on an answer a dry run does not give. With --json: {"ok": false (nothing was checked),
"dryRun", "request": {"method", "url", "headers", "body"}, "requestCount", "note"}. Exit 0
when a request is shown;
otherwise the verdict says why testRequest sent none (invalid settings: 1; no testRequest: 5).
Nothing is sent from extendRequest either, nor to refresh an OAuth token: the stored token is
used as it is, expired or not.
)";

constexpr std::string_view kMockApiHelp = R"(Usage: destkit mock-api --certificate-dir DIR [OPTIONS]

Serves HTTPS on 127.0.0.1 as a partner's API would, for trying destinations locally. Prints
"port N" and "certificate FILE" when ready, and runs until SIGINT or SIGTERM. Point a
destination at it with test-auth --connect-to HOST:443:127.0.0.1:N --cacert FILE.

Without --routes, any request carrying an accepted credential gets 200 {"ok":true} and any
other gets 401 {"error":"invalid credentials"}.

Options:
  --certificate-dir DIR    Where to write the self-signed certificate (certificate.pem) and
                           its key (key.pem, readable by the owner only); made anew each run
  --tls-name NAME          A host name or IPv4 address for the certificate (repeatable;
                           default example.com and *.example.com, which the names given
                           replace); 127.0.0.1 is always included
  --port N                 The port to listen on (default: any free port)
  --accept "NAME: VALUE"   Accept this header value, e.g. "Authorization: Bearer k" (repeatable)
  --accept-basic USER:PASS Accept Basic authentication with this user and password (repeatable)
  --accept-query NAME=VAL  Accept this query parameter, e.g. api_key=k (repeatable)
  --routes FILE            Answer per method and path as FILE says (see below)
  --oauth-client ID:PASS   Serve an OAuth token endpoint at POST /oauth/token for the client
                           with this id and secret
  --record FILE            Write every request to FILE, one JSON object per line (see below)
  --record-secrets         Keep credential values in the record instead of [redacted]

A routes file is a JSON object:
  {"routes": [{"method": "GET", "path": "/api/accounts/me.json", "auth": true,
               "status": 200, "headers": {"X-Plan": "pro"}, "body": {"id": 1}}]}
"method" and "path" are required; the path is compared exactly, without the query. A
route with "auth": true answers 401 {"error":"invalid credentials"} to a request without
an accepted credential. "status" defaults to 200. A JSON "body" is sent as
application/json, a string "body" as text/plain, unless "headers" set Content-Type. A
path with no route gets 404, a path routed for other methods 405.

The token endpoint authenticates the client by HTTP Basic or by client_id and
client_secret in the form, and grants client_credentials and refresh_token. Each answer
holds a new access token, accepted as "Authorization: Bearer TOKEN" for 3600 seconds,
and a new refresh token, which works once: reusing one gets 400 invalid_grant.

Each line of the record reads
  {"method":"GET","path":"/api/me","query":{"api_key":"[redacted]"},
   "headers":{"host":"example.com","authorization":"[redacted]"},"status":200}
with header names in lower case. The values of accepted credentials' headers and query
parameters, and of those whose names say they hold a credential (Authorization,
X-Api-Key, access_token, ...), read [redacted] unless --record-secrets is given. The file
is emptied at start; each line is in it before the answer is sent.
)";

constexpr std::string_view kInitHelp =
    R"(Usage: destkit init NAME [--scheme basic|custom|oauth2|oauth-managed] [--lang cpp|c|json] [--dir DIR]

Creates a standalone plugin project in DIR (default: ./NAME): a CMakeLists.txt using
find_package(destkit), the destination's source for that scheme (custom when none is
given) in C++ (default) or C,
a README, and a test that runs destkit check on the built plugin and its testRequest
against a local API. It configures, builds and passes its test with no edits.
With --lang json: a declarative destination, destkit-NAME.json, with a README and the
same testRequest script, and nothing to build.
Refuses to write into a directory that already exists. NAME is the slug, of 1 to 63
lower-case letters, digits and dashes, starting with a letter (a loaded plugin's slug may
also start with a digit; init's names also become C identifiers).
)";

constexpr std::string_view kOAuthHelp = R"(Usage: destkit oauth login|status|logout SLUG [--connection NAME] [OPTIONS]

  login    Sign in to an OAuth destination (authorization code with PKCE): prints the
           authorization URL (and opens a browser when one is available), waits on
           127.0.0.1 for the way back, and stores the tokens. For a client_credentials
           destination it fetches a token to check the configuration.
  status   Shows what is stored: expiry, scopes, whether a refresh token is kept. Never the
           tokens themselves. Exit 1 when nothing is stored.
  logout   Deletes the stored tokens.

The OAuth client (client id and secret, authorization and token URLs, scopes, grant) comes
from the host configuration: --config FILE or DESTKIT_CONFIG. Tokens are kept in
$XDG_STATE_HOME/destkit/tokens (default ~/.local/state/destkit/tokens), one file per
destination and connection, readable by the owner only.

Options:
  --connection NAME   Keep several accounts apart (default: "default")
  --no-browser        Only print the URL
  --wait SECONDS      How long login waits for the browser to come back (300)
  --connect-to, --cacert, --timeout-ms   As for test-auth, for the token endpoint
  --json              status as JSON
)";

constexpr std::string_view kSignHelp = R"(Usage: destkit sign FILE --key PRIVATE-KEY.pem

Signs a plugin file (.so or .json) with an Ed25519 private key and writes the detached signature, base64,
to FILE.sig next to it. Make a key pair with:
  openssl genpkey -algorithm ed25519 -out partner.pem
  openssl pkey -in partner.pem -pubout -out partner.pub
Hosts that list partner.pub in plugins.trustedKeys and set plugins.requireSignatures load
only plugins signed this way.
)";

constexpr std::string_view kVerifyHelp = R"(Usage: destkit verify FILE [--public-key KEY.pem]...

Checks FILE.sig against the given public keys, or else the trusted keys of the host
configuration (--config or DESTKIT_CONFIG). Exit 0 when a key verifies it, 1 otherwise.
)";

std::string_view help_for(std::string_view command) {
  if (command == "serve") return kServeHelp;
  if (command == "sign") return kSignHelp;
  if (command == "verify") return kVerifyHelp;
  if (command == "oauth") return kOAuthHelp;
  if (command == "init") return kInitHelp;
  if (command == "mock-api") return kMockApiHelp;
  if (command == "plugins") return kPluginsHelp;
  if (command == "describe") return kDescribeHelp;
  if (command == "check") return kCheckHelp;
  if (command == "test-auth") return kTestAuthHelp;
  return kGeneralHelp;
}

int plugins(const Arguments& a) {
  auto opened = open_host(a);
  if (!opened) return kExitUsage;
  const host::Host& host = *opened;
  if (a.json) {
    json::array plugins, rejected, path;
    for (const host::Plugin* p : host.plugins()) plugins.push_back(listed_plugin_json(host, *p));
    for (const auto& r : host.rejections()) rejected.push_back(json::object{{"path", r.path.string()}, {"reason", r.reason}});
    for (const auto& dir : host.search_path()) path.push_back(json::string(dir.string()));
    print_json(json::object{{"plugins", plugins}, {"rejected", rejected}, {"searchPath", path}});
  } else {
    fmt::print(cli_output(), "{}", plugins_text(host));
  }
  return kExitOk;
}

int describe(const Arguments& a) {
  if (a.positional.size() != 1) return usage_error("describe needs exactly one SLUG", "describe");
  auto opened = open_host(a);
  if (!opened) return kExitUsage;
  const host::Host& host = *opened;
  const host::Plugin* plugin = find_plugin(host, a.positional[0], a.json);
  if (plugin == nullptr) return kExitFailure;
  if (a.json) {
    print_json(definition_json(*plugin));
  } else {
    fmt::print(cli_output(), "{}", definition_text(*plugin));
  }
  return kExitOk;
}

int check(const Arguments& a) {
  if (a.positional.size() != 1) return usage_error("check needs exactly one FILE", "check");
  std::optional<host::HostOptions> options = host_options(a);
  if (!options) return kExitUsage;
  const std::string& path = a.positional[0];
  auto checked = host::Host::check_plugin_file(path, *options);
  if (!checked) {
    if (a.json) {
      print_json(json::object{{"ok", false}, {"path", path}, {"error", checked.status().message()}});
    } else {
      fmt::print(cli_output(), "Rejected: {} {}\n", host::printable(path), host::printable(checked.status().message()));
    }
    return kExitRejected;
  }
  const host::Plugin& plugin = *checked.value();
  std::vector<std::string> warnings = check_warnings(plugin, path);
  if (a.json) {
    json::object out = definition_json(plugin).as_object();
    out["ok"] = true;
    out["warnings"] = json::value_from(warnings);
    print_json(out);
  } else {
    fmt::print(cli_output(), "OK: {} is a valid destkit plugin: {} {} ({}), ABI {}, scheme {}, {} field(s)\n",
               host::printable(plugin.path().string()), host::printable(plugin.slug()),
               host::printable(plugin.version()), host::printable(plugin.definition().name), plugin.abi_version(),
               host::to_string(plugin.definition().scheme), plugin.definition().fields.size());
    for (const auto& warning : warnings) fmt::print(cli_output(), "Warning: {}\n", warning);
  }
  return kExitOk;
}

int exit_code(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::valid: return kExitOk;
    case AuthOutcome::unchecked: return kExitUnchecked;
    case AuthOutcome::invalid_settings:
    case AuthOutcome::invalid_credentials: return kExitRejected;
    case AuthOutcome::could_not_verify: return kExitUnverified;
    case AuthOutcome::plugin_failed: return kExitFailure;
  }
  return kExitFailure;
}

int test_auth(const Arguments& a) {
  if (a.positional.size() != 1) return usage_error("test-auth needs exactly one SLUG", "test-auth");
  if (a.settings.empty()) return usage_error("test-auth needs --settings FILE (or - for standard input)", "test-auth");
  host::FileText text = read_input(a.settings);
  if (!text.ok() && !text.too_large) return usage_error(fmt::format("cannot use the settings: {}", text.error), "test-auth");

  auto opened = open_host(a);
  if (!opened) return kExitUsage;
  const host::Host& host = *opened;
  const host::Plugin* plugin = find_plugin(host, a.positional[0], a.json);
  if (plugin == nullptr) return kExitFailure;

  if (a.dry_run) {
    host::DryRun run = text.too_large ? host::DryRun{{AuthOutcome::invalid_settings,
                                                      fmt::format("Settings are invalid: {}", text.error)}}
                                      : host.dry_run_authentication(*plugin, text.text, connection_of(a));
    if (a.json) {
      print_json(dry_run_json(run));
    } else {
      fmt::print(cli_output(), "{}", dry_run_text(run));
    }
    return dry_run_shows_request(run) ? kExitOk : exit_code(run.verdict.outcome);
  }
  host::AuthVerdict verdict = text.too_large
                                  ? host::AuthVerdict{AuthOutcome::invalid_settings,
                                                      fmt::format("Settings are invalid: {}", text.error)}
                                  : host.test_authentication(*plugin, text.text, connection_of(a));
  if (a.json) {
    print_json(verdict_json(verdict));
  } else {
    fmt::print(cli_output(), "{}", verdict_text(verdict));
  }
  return exit_code(verdict.outcome);
}

}  // namespace

host::FileText read_input(const std::string& source) {
  const std::size_t limit = host::JsonLimits{}.max_bytes;
  if (source == "-") return host::read_descriptor(STDIN_FILENO, "standard input", limit);
  return host::read_file(source, {.max_bytes = limit});
}

int usage_error(std::string_view message, std::string_view command) {
  fmt::print(stderr, "destkit: {}\n\n{}", host::printable(message), help_for(command));
  return kExitUsage;
}

int run_command(const Arguments& a) {
  if (a.json && (a.version || a.help || a.command.empty() || a.command == "help")) {
    return usage_error("--json: help and --version print no JSON", a.command == "help" ? "" : a.command);
  }
  if (a.json) print_json_if_plugin_code_exits();
  if (a.version) {
    fmt::print(cli_output(), "destkit {} (plugin ABI {}.{})\n", DESTKIT_VERSION, DK_ABI_MAJOR, DK_ABI_MINOR);
    return kExitOk;
  }
  if (a.command.empty() || a.command == "help") {
    fmt::print(cli_output(), "{}", help_for(a.positional.empty() ? "" : a.positional[0]));
    return a.command.empty() && !a.help ? kExitUsage : kExitOk;
  }
  if (a.help) {
    fmt::print(cli_output(), "{}", help_for(a.command));
    return kExitOk;
  }
  bool prints_json = a.command == "plugins" || a.command == "describe" || a.command == "check" ||
                     a.command == "test-auth" ||
                     (a.command == "oauth" && a.positional.size() == 2 && a.positional[0] == "status");
  if (a.json && !prints_json) {
    return usage_error(fmt::format("--json: {} no JSON{}",
                                   a.command == "oauth" ? "oauth login and logout print" : a.command + " prints",
                                   a.command == "init" ? " (a declarative destination is --lang json)" : ""),
                       a.command);
  }
  if (a.command == "plugins") return plugins(a);
  if (a.command == "describe") return describe(a);
  if (a.command == "check") return check(a);
  if (a.command == "test-auth") return test_auth(a);
  if (a.command == "mock-api") return mock_api(a);
  if (a.command == "serve") return serve_command(a);
  if (a.command == "init") return init_project(a);
  if (a.command == "oauth") return oauth_command(a);
  if (a.command == "sign") return sign_plugin(a);
  if (a.command == "verify") return verify_plugin(a);
  return usage_error(fmt::format("unknown command \"{}\"", a.command), "");
}

}  // namespace destkit::cli
