/*
** destkit/abi.h — the binary contract between the destkit host and a destination plugin.
**
** This header is the only file the host and a plugin share. It is C99 and uses nothing but
** <stdint.h> and <stddef.h>, so a plugin may be written in C or built with any compiler and
** standard library. No C++ type, no C enum type and no exception ever crosses this line.
**
** SHAPE
**   A plugin is a shared library that exports exactly one symbol, dk_plugin_entry(). The host
**   calls it once, passing its services (dk_host_api); the plugin returns a pointer to its
**   static descriptor (dk_plugin). Everything else happens through function pointers in those
**   two structs:
**     - hooks the host calls are the dk_plugin members named on_*;
**     - services the plugin calls are the dk_host_api members.
**
** VERSIONING
**   Both structs begin with struct_size and the ABI major/minor the side was built with.
**   - The host loads a plugin only if its abi_major equals DK_ABI_MAJOR and its
**     min_host_abi_minor is not newer than the host's minor.
**   - Structs only grow at the end. Each side copies min(struct_size, sizeof) of the other's
**     struct into a zeroed struct of its own, so members an older peer does not know read as
**     zero/NULL. A plugin must check host->struct_size before using a member added after the
**     minor it states in min_host_abi_minor (DK_HOST_HAS does), or use such a copy.
**   - A member is never removed, reordered or retyped; a changed function gets a new name
**     (on_test_request2). Removing anything is a new major.
**
** LIFETIMES AND OWNERSHIP
**   Nothing is ever freed on the other side of the line: there is no free function to call.
**   The general rules, which every member below follows unless its comment names an exception:
**   - IN: a pointer or dk_str a plugin passes to a service is read before the service returns;
**     the host keeps a copy of anything it needs later. The plugin may reuse the memory at once.
**   - OUT: text or a handle a service hands out through an out-parameter belongs to the host
**     and stays valid, unchanged, until the hook call that received the dk_call returns, even
**     when the host refreshes the call's tokens in between. After that it is gone.
**     Out-parameters are meaningful only when the service returns DK_OK.
**   - HOOKS: pointers the host passes to a hook are valid until the hook returns.
**   - STATIC: the descriptor and every string it points to are the plugin's, and must stay
**     valid and unchanged for as long as the library is loaded. The host never unloads a
**     library while its process runs.
**   Exceptions, each stated again where it applies:
**   - the dk_host_api given to dk_plugin_entry is static in the host: it may be kept for the
**     life of the process;
**   - the dk_request_options given to on_extend_request is writable only during that call of
**     on_extend_request;
**   - request_send also hands out a usable response when it returns DK_ERR_HTTP.
**   What a hook call is handed lives until it returns, so a call is handed at most 64 MiB of
**   text (settings, JSON values, errors, tokens), counting 64 bytes for each text handed out
**   plus its bytes; past that a service that hands out text returns DK_ERR_INVALID_ARGUMENT,
**   and last_error says why. Likewise what the plugin gives
**   the host to keep until the call returns: at most 64 MiB of request options, counting 1 KiB
**   for each options handle, header, search parameter, basic-auth pair or body, plus its text
**   (a body that replaces another counts only for the bytes it adds).
**   Handles (dk_call, dk_request_options, dk_response) are values the host checks, not memory
**   the plugin may read. The host refuses with DK_ERR_INVALID_ARGUMENT, and never acts on,
**   a handle that does not belong to the dk_call it is running on the calling thread: one kept
**   from an earlier call, one from another thread, one of an outer call while a nested hook
**   call runs.
**
** THREADING
**   The host may run hooks of the same plugin concurrently on different threads, each with its
**   own dk_call. Services are thread-safe; a handle must only be used on the thread running the
**   hook call it belongs to. While request_send runs, the host may call on_extend_request (and,
**   for oauth2, on_refresh_access_token) of the same plugin on the same thread: those calls
**   nest, and a plugin must not keep per-call state in globals.
**
** STRINGS
**   dk_str is UTF-8 text with an explicit size; data need not be NUL-terminated and may be
**   NULL when size is 0. A dk_str whose data is NULL reads as the empty text, whatever its
**   size; one whose size no object can have (2^48 bytes or more) is refused with
**   DK_ERR_INVALID_ARGUMENT (log does not log it). A name (a setting's key, a field's, a
**   header's or query parameter's name, a JSON pointer, a method) of more than 64 KiB is refused
**   with DK_ERR_INVALID_ARGUMENT; last_error is at most 4 KiB, cut after its secrets are
**   redacted. Descriptor strings (const char*) are NUL-terminated.
*/
#ifndef DESTKIT_ABI_H
#define DESTKIT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_ABI_MAJOR 1
#define DK_ABI_MINOR 2

/* First field a host checks after struct_size and the versions: "DKPL" read little-endian. */
#define DK_PLUGIN_MAGIC 0x4C504B44u

/* The name of the one exported symbol, for loaders and checkers. */
#define DK_PLUGIN_ENTRY_SYMBOL "dk_plugin_entry"

/* ---- Status codes ----------------------------------------------------------------------- */

/* Every hook and service returns a dk_status. A host treats an unknown value as
** DK_ERR_INTERNAL. The human-readable message travels separately (set_error, last_error). */
typedef int32_t dk_status;
#define DK_OK 0
#define DK_ERR_INVALID_ARGUMENT 1    /* a NULL, stale or foreign handle; a value out of range */
#define DK_ERR_NOT_FOUND 2           /* the setting, token or header asked for is absent      */
#define DK_ERR_HTTP 3                /* the server answered with a non-2xx status             */
#define DK_ERR_NETWORK 4             /* no usable answer: refused, timeout, TLS, DNS          */
#define DK_ERR_BAD_RESPONSE 5        /* an answer that cannot be used: bad JSON, too large    */
#define DK_ERR_INVALID_CREDENTIALS 6 /* the plugin's own verdict: the credentials are wrong   */
#define DK_ERR_INVALID_SETTINGS 7    /* the plugin's own verdict: the settings are unusable   */
#define DK_ERR_INTERNAL 8            /* a bug or an unexpected failure (a caught exception)   */

/* ---- Plain values ----------------------------------------------------------------------- */

typedef struct dk_str {
  const char *data;
  size_t size;
} dk_str;

/* A dk_str of a string literal, its size counted by the compiler: DK_STR_LIT("accessToken").
** An expression (in C, a compound literal), not a static initializer. Only for literals: the
** "" in the expansion refuses anything else. */
#ifdef __cplusplus
#define DK_STR_LIT(literal) (dk_str{"" literal, sizeof(literal) - 1})
#else
#define DK_STR_LIT(literal) ((dk_str){"" literal, sizeof(literal) - 1})
#endif

/* Kinds of dk_value, as JSON knows them. */
#define DK_VALUE_NULL 0
#define DK_VALUE_BOOL 1
#define DK_VALUE_NUMBER 2
#define DK_VALUE_STRING 3
#define DK_VALUE_ARRAY 4
#define DK_VALUE_OBJECT 5

/* A setting as the host validated it. text is the string itself for DK_VALUE_STRING,
** "true"/"false" for booleans, "null", and the serialized JSON for arrays and objects.
** A number is written in JSON's syntax, whatever the locale: an integer exactly, all its
** digits (8080, 9007199254740993); any other number as the shortest decimal that reads back
** as the same double (0.5, 1e+21). Numbers inside arrays and objects are written the same way. */
typedef struct dk_value {
  int32_t kind;
  uint32_t reserved; /* zero */
  dk_str text;
} dk_value;

/* Log levels for dk_host_api.log. */
#define DK_LOG_DEBUG 0
#define DK_LOG_INFO 1
#define DK_LOG_WARN 2
#define DK_LOG_ERROR 3

/* Response types for options_set_response_type. */
#define DK_RESPONSE_TEXT 0 /* the body is returned as it came                     */
#define DK_RESPONSE_JSON 1 /* the host checks a body is JSON: DK_ERR_BAD_RESPONSE */

/* ---- Host-owned handles ----------------------------------------------------------------- */

/* One invocation of one hook: its inputs (settings, auth tokens), its error message, and the
** handles and text handed out during it. Valid until the hook returns. One exception: a
** credential test runs on_extend_request and then on_test_request on the same dk_call (one
** check, the same settings), so its handles stay valid from the one into the other. */
typedef struct dk_call dk_call;

/* A set of request options being built: the output of on_extend_request (writable only
** during that on_extend_request call), or the options of one request made with
** request_send (valid until the hook that created them returns). */
typedef struct dk_request_options dk_request_options;

/* One HTTP response. Valid until the hook returns. */
typedef struct dk_response dk_response;

/* ---- Services the host offers (the plugin calls these) ----------------------------------- */

typedef struct dk_host_api {
  uint32_t struct_size; /* sizeof(dk_host_api) as the host was built */
  uint16_t abi_major;
  uint16_t abi_minor;

  /* -- Diagnostics -- */

  /* Writes one log line attributed to the plugin. call may be NULL inside dk_plugin_entry,
  ** and only there. Secrets known to the host are redacted from the message. A call, and each
  ** run of the entry point, logs at most 1,000 lines, each cut at 16 KiB; the host drops the
  ** rest and says so once.
  ** Lifetime: message is copied before log returns. */
  void (*log)(dk_call *call, int32_t level, dk_str message);

  /* Sets the message that explains the status the current hook is about to return.
  ** The last call wins. The host redacts known secrets before showing it.
  ** Lifetime: message is copied before set_error returns. */
  dk_status (*set_error)(dk_call *call, dk_str message);

  /* The message of the most recent service of this call that failed (for example why
  ** request_send returned DK_ERR_NETWORK). Empty when none failed.
  ** Lifetime: *out_message stays valid until the hook returns; a later failure does not
  ** change it (call last_error again for the new message). Asked again with no failure in
  ** between, it hands out the same text again, at no cost to the 64 MiB bound; past that bound
  ** it still answers, with a sentence saying the bound was reached. */
  dk_status (*last_error)(dk_call *call, dk_str *out_message);

  /* -- Inputs of the call -- */

  /* The settings after validation: defaults applied, numbers and booleans coerced.
  ** DK_ERR_NOT_FOUND when the key is absent.
  ** Lifetime: out_value->text stays valid until the hook returns. */
  dk_status (*get_setting)(dk_call *call, dk_str key, dk_value *out_value);

  /* The same settings as one JSON object, numbers written as in dk_value.
  ** Lifetime: *out_json stays valid until the hook returns. */
  dk_status (*get_settings_json)(dk_call *call, dk_str *out_json);

  /* Authentication material the host holds for this call, by name: "accessToken",
  ** "refreshToken"; inside on_refresh_access_token also "clientId" and "clientSecret".
  ** DK_ERR_NOT_FOUND when there is none.
  ** Lifetime: *out_value is a copy that stays valid until the hook returns, also after
  ** request_send refreshed the token (get_auth again to read the new one). */
  dk_status (*get_auth)(dk_call *call, dk_str name, dk_str *out_value);

  /* -- Request options (the output of on_extend_request, or the options of one request) --
  ** Lifetime for all of them: every dk_str is copied before the service returns. */

  /* Base URL joined to relative request URLs with exactly one '/'. DK_ERR_INVALID_ARGUMENT
  ** unless it is an absolute http or https URL (one with a control character is refused when
  ** a request is sent with it, the setting that put it there named). */
  dk_status (*options_set_prefix_url)(dk_request_options *options, dk_str url);
  /* Sets a header; names compare case-insensitively and a later value replaces an earlier.
   * DK_ERR_INVALID_ARGUMENT for a name that is not an HTTP token, a value with a control
   * character other than the tab, or a header the HTTP client writes itself: Host,
   * Content-Length, Transfer-Encoding, Connection, Keep-Alive, Proxy-Connection, Upgrade, TE,
   * Trailer, Expect. */
  dk_status (*options_set_header)(dk_request_options *options, dk_str name, dk_str value);
  /* Sends Authorization: Basic base64(utf8(username ":" password)). */
  dk_status (*options_set_basic_auth)(dk_request_options *options, dk_str username,
                                      dk_str password);
  /* Adds name=value to the query string (the host URL-encodes both). */
  dk_status (*options_add_search_param)(dk_request_options *options, dk_str name, dk_str value);
  /* Bounds the whole exchange: connect, redirects, headers and body. Must be > 0. */
  dk_status (*options_set_timeout_ms)(dk_request_options *options, int64_t timeout_ms);
  /* DK_RESPONSE_TEXT (the body is not checked, whatever its Content-Type) or DK_RESPONSE_JSON.
  ** Unset, a 2xx body whose Content-Type says JSON is checked as DK_RESPONSE_JSON does. */
  dk_status (*options_set_response_type)(dk_request_options *options, int32_t response_type);
  /* Non-zero (the default): a non-2xx answer makes request_send return DK_ERR_HTTP. */
  dk_status (*options_set_throw_http_errors)(dk_request_options *options, int32_t enabled);
  /* GET (the default), POST, PUT, PATCH, DELETE or HEAD, in any case. */
  dk_status (*options_set_method)(dk_request_options *options, dk_str method);
  /* A raw body. */
  dk_status (*options_set_body)(dk_request_options *options, dk_str body);
  /* A JSON body (serialized text): also sets content-type: application/json. The host checks
  ** it is valid JSON (DK_ERR_INVALID_ARGUMENT otherwise). */
  dk_status (*options_set_json)(dk_request_options *options, dk_str json);

  /* -- HTTP -- */

  /* Creates empty per-request options.
  ** Lifetime: *out_options is usable until the hook returns, for any number of requests. */
  dk_status (*request_options_new)(dk_call *call, dk_request_options **out_options);

  /* Sends one request. The options are merged in this order, later wins: host defaults,
  ** the output of on_extend_request, then options (which may be NULL). A relative url is
  ** joined to the prefix URL. Returns:
  **   DK_OK                  2xx (or any status when throw_http_errors is off); *out_response set
  **   DK_ERR_HTTP            non-2xx; *out_response set so the body can be read
  **   DK_ERR_NETWORK         no answer; *out_response NULL; last_error says why
  **   DK_ERR_BAD_RESPONSE    unusable answer; *out_response NULL; last_error says why
  **   DK_ERR_INVALID_ARGUMENT bad url or options, or the hook call has sent 100 requests
  **                          already, or its responses hold 64 MiB of bodies; last_error says why
  ** Under the oauth schemes a 401 makes the host refresh the token (once per call), run
  ** on_extend_request again and send the request again; if the refresh fails, the 401 is
  ** the answer.
  ** Lifetime: url and options are read before request_send returns; *out_response, with
  ** DK_OK and with DK_ERR_HTTP alike, is usable until the hook returns. */
  dk_status (*request_send)(dk_call *call, dk_str url, dk_request_options *options,
                            dk_response **out_response);

  /* -- Reading a response. Lifetime for all of them: text handed out stays valid until the
  ** hook returns. -- */

  dk_status (*response_status)(dk_call *call, const dk_response *response, int32_t *out_status);
  /* The reason phrase ("Unauthorized"); the standard one when the server sent none. */
  dk_status (*response_reason)(dk_call *call, const dk_response *response, dk_str *out_reason);
  dk_status (*response_body)(dk_call *call, const dk_response *response, dk_str *out_body);
  /* A response header by case-insensitive name; DK_ERR_NOT_FOUND when absent. */
  dk_status (*response_header)(dk_call *call, const dk_response *response, dk_str name,
                               dk_str *out_value);

  /* ---- ABI 1.1 ---- */

  /* Inside on_refresh_access_token: hands the host the new tokens. refresh_token may be empty
  ** (the current one stays valid); expires_in_seconds <= 0 means unknown. A token of more
  ** than 64 KiB, or holding a byte that is not printable ASCII (0x20-0x7e), is refused with
  ** DK_ERR_INVALID_ARGUMENT, and the stored tokens are kept.
  ** Lifetime: both tokens are copied before set_tokens returns. */
  dk_status (*set_tokens)(dk_call *call, dk_str access_token, dk_str refresh_token,
                          int64_t expires_in_seconds);

  /* A value inside a JSON response body, by JSON Pointer (RFC 6901, e.g. "/data/token"), so
  ** plugins need no JSON parser. DK_ERR_NOT_FOUND when absent; DK_ERR_BAD_RESPONSE when the
  ** body is not JSON. out_value is filled as get_setting fills it.
  ** Lifetime: out_value->text stays valid until the hook returns. */
  dk_status (*response_json_value)(dk_call *call, const dk_response *response, dk_str pointer,
                                   dk_value *out_value);

  /* ---- ABI 1.2 ---- */

  /* Names the setting that makes the settings unusable, before the hook returns
  ** DK_ERR_INVALID_SETTINGS. field is the setting's key as declared; why completes a sentence
  ** whose subject is the field's label: with why = "must start with sk_", the user reads
  ** "API Key must start with sk_." under that field (test-auth --json: "fields"). Call it once
  ** per unusable field: a second call for the same field replaces the first's sentence.
  ** DK_ERR_NOT_FOUND when no field has that key.
  ** Lifetime: field and why are copied before set_invalid_setting returns. */
  dk_status (*set_invalid_setting)(dk_call *call, dk_str field, dk_str why);
} dk_host_api;

/* True when the host's struct has member m (for members added after the plugin's minimum). */
#define DK_HOST_HAS(host, m)                                                                  \
  ((host)->struct_size >= offsetof(dk_host_api, m) + sizeof((host)->m) && (host)->m != NULL)

/* ---- The plugin descriptor (the host calls these hooks) ---------------------------------- */

typedef struct dk_plugin {
  uint32_t struct_size; /* sizeof(dk_plugin) as the plugin was built */
  uint16_t abi_major;   /* DK_ABI_MAJOR of the header the plugin was built with */
  uint16_t abi_minor;   /* DK_ABI_MINOR of that header */
  uint32_t magic;       /* DK_PLUGIN_MAGIC */
  uint16_t min_host_abi_minor; /* the oldest host minor whose services this plugin uses */
  uint16_t reserved;           /* zero */

  /* NUL-terminated, and static: valid and unchanged while the library is loaded. slug is the
  ** destination's stable identifier ("acme-crm", lower-case letters, digits and dashes);
  ** version is the plugin's own version ("1.4.2"). definition_json describes the destination
  ** (its keys are listed in docs/abi.md). The host parses and validates it at load and
  ** rejects the plugin, with the JSON path of the problem, if it is invalid. */
  const char *slug;
  const char *version;
  const char *definition_json;

  /* Checks the credentials in the call's settings, typically with one request_send.
  ** Returns DK_OK when they work. Optional (NULL: the host cannot verify credentials). */
  dk_status (*on_test_request)(dk_call *call);

  /* Turns the call's settings into options applied to every request of the destination
  ** (prefix URL, headers, basic auth, ...), written to out. Optional. The host runs it before
  ** each on_test_request and again inside request_send after a token refresh.
  ** Lifetime: out is writable only until this call of on_extend_request returns. */
  dk_status (*on_extend_request)(dk_call *call, dk_request_options *out);

  /* ---- ABI 1.1 (a plugin that sets it states min_host_abi_minor >= 1) ---- */

  /* oauth2 scheme: gets a new access token from the API's own token endpoint, for APIs whose
  ** refresh is not the standard refresh_token grant. Reads clientId, clientSecret and
  ** refreshToken with get_auth, makes its request with request_send (extendRequest is not
  ** applied: the access token it would send is the stale one), and reports the result with
  ** set_tokens. Optional: without it the host uses the standard grant. The renewal counts as
  ** refused (the user must sign in again) only when it returns DK_ERR_INVALID_CREDENTIALS, or
  ** DK_ERR_HTTP after a 4xx answer; any other failure (DK_ERR_NETWORK, a 5xx, a bad answer,
  ** DK_OK without set_tokens) leaves the tokens unverified, to be tried again later. */
  dk_status (*on_refresh_access_token)(dk_call *call);
} dk_plugin;

/* The one exported symbol. Called once per process, before any hook, on one thread.
** Returns the static descriptor, or NULL to refuse this host (it may log why first, with
** host->log(NULL, ...)). Must not throw.
** Lifetime: host is static in the host process and may be kept (the exception to IN above).
** Its struct_size may be smaller than this header's dk_host_api. Before using a member newer
** than min_host_abi_minor, check it with DK_HOST_HAS, or read the services from a zeroed copy
** of min(struct_size, sizeof(dk_host_api)) bytes, where such a member reads NULL. */
typedef const dk_plugin *(*dk_plugin_entry_fn)(const dk_host_api *host);

#if defined(__GNUC__) || defined(__clang__)
#define DK_EXPORT __attribute__((visibility("default")))
#else
#define DK_EXPORT
#endif

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *host);

#ifdef __cplusplus
}
#endif

#endif /* DESTKIT_ABI_H */
