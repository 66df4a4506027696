#include "auth/credential_test.hpp"

#include "abi/call.hpp"
#include "abi/plugin_code.hpp"
#include "auth/call_session.hpp"
#include "util/printable.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace destkit::host {
namespace {

std::string_view or_default(const std::string& message, std::string_view fallback) {
  return message.empty() ? fallback : std::string_view(message);
}

// 4xx says the credentials (or the account) are wrong, except answers about the request
// itself that say nothing about them.
bool rejects_credentials(int status) {
  return status >= 400 && status < 500 && status != 408 && status != 429;
}

RequestOptions host_defaults(const LoadedPlugin& plugin, const ValidatedSettings& settings,
                             const RequestEnvironment& env) {
  RequestOptions defaults;
  defaults.headers = {{"User-Agent", env.user_agent}, {"Accept", "*/*"}};
  defaults.timeout = env.default_timeout;
  if (plugin.definition().scheme == Scheme::basic) {
    auto text = [&](const char* key) {
      const auto* v = settings.values.if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    defaults.username = text("username");
    defaults.password = text("password");
  }
  return defaults;
}

AuthVerdict hook_failed(const dk_call& call, dk_status status, std::string_view hook, const Plugin& plugin) {
  if (!call.fault.empty()) return {AuthOutcome::plugin_failed, call.fault, std::nullopt, {}};
  if (!call.unusable_settings.empty()) {
    std::vector<SettingsProblem> problems = call.unusable_settings;
    problems.insert(problems.end(), call.invalid_settings.begin(), call.invalid_settings.end());
    return {AuthOutcome::invalid_settings, "Settings are invalid.", std::nullopt, std::move(problems)};
  }
  if (status == DK_ERR_INVALID_SETTINGS && !call.invalid_settings.empty()) {
    return {AuthOutcome::invalid_settings, "Settings are invalid.", std::nullopt, call.invalid_settings};
  }
  if (status == DK_ERR_INVALID_SETTINGS) {
    return {AuthOutcome::invalid_settings,
            fmt::format("Settings are invalid: {}", or_default(call.error, "the destination rejected them")),
            std::nullopt, {}};
  }
  return {AuthOutcome::plugin_failed,
          fmt::format("{} of {} failed: {}", hook, plugin.slug(), or_default(call.error, "no reason given")),
          std::nullopt, {}};
}

AuthVerdict verdict(const dk_call& call, dk_status status, const Plugin& plugin) {
  if (status != DK_OK && !call.unusable_settings.empty()) return hook_failed(call, status, "testRequest", plugin);
  const auto& failure = call.last_request_failure;
  switch (status) {
    case DK_OK:
      // A success from where the credentials were not sent says nothing about them.
      if (!call.answered_from_other_origin.empty()) {
        return {AuthOutcome::could_not_verify,
                fmt::format("Could not verify credentials: a redirect took the test's request to another origin ({}), "
                            "which answered without being sent the credentials",
                            printable(call.answered_from_other_origin, kShownReasonBytes)),
                std::nullopt, {}};
      }
      return {AuthOutcome::valid, "Credentials are valid.", std::nullopt, {}};
    case DK_ERR_HTTP:
      if (failure && failure->kind == RequestFailure::Kind::refresh) {
        if (failure->oauth_unavailable) {
          return {AuthOutcome::could_not_verify, fmt::format("Could not verify credentials: {}", failure->message),
                  failure->status, {}};
        }
        return {AuthOutcome::invalid_credentials,
                fmt::format("Credentials are invalid: {} {}, and {}", failure->status, failure->reason, failure->message),
                failure->status, {}};
      }
      if (failure && failure->kind == RequestFailure::Kind::http) {
        // Refused where the credentials were not sent: that says nothing of them either.
        if (!failure->answered_from.empty()) {
          return {AuthOutcome::could_not_verify,
                  fmt::format("Could not verify credentials: a redirect took the test's request to another origin "
                              "({}), which answered {} {} without being sent the credentials",
                              printable(failure->answered_from, kShownReasonBytes), failure->status, failure->reason),
                  failure->status, {}};
        }
        if (rejects_credentials(failure->status)) {
          return {AuthOutcome::invalid_credentials,
                  fmt::format("Credentials are invalid: {} {}", failure->status, failure->reason),
                  failure->status, {}};
        }
        return {AuthOutcome::could_not_verify,
                fmt::format("Could not verify credentials: {}", failure->message), failure->status, {}};
      }
      [[fallthrough]];
    case DK_ERR_INVALID_CREDENTIALS:
      return {AuthOutcome::invalid_credentials,
              fmt::format("Credentials are invalid: {}", or_default(call.error, "the destination rejected them")),
              std::nullopt, {}};
    case DK_ERR_NETWORK:
    case DK_ERR_BAD_RESPONSE: {
      std::optional<int> http_status;
      if (failure && failure->status != 0) http_status = failure->status;
      std::string_view why = failure ? std::string_view(failure->message) : or_default(call.error, "no reason given");
      return {AuthOutcome::could_not_verify, fmt::format("Could not verify credentials: {}", why), http_status, {}};
    }
    default:
      return hook_failed(call, status, "testRequest", plugin);
  }
}

// The verdict when the host cannot get a token for an OAuth destination.
AuthVerdict token_unavailable(const OAuthError& e) {
  switch (e.kind) {
    case OAuthError::Kind::not_signed_in: return {AuthOutcome::invalid_settings, "Not signed in: " + e.message, std::nullopt, {}};
    case OAuthError::Kind::rejected: return {AuthOutcome::invalid_credentials, "Credentials are invalid: " + e.message, std::nullopt, {}};
    // A token answer the host cannot use, or a token store it cannot use, says nothing of the
    // credentials, and is no fault of the plugin's.
    case OAuthError::Kind::unavailable:
    case OAuthError::Kind::invalid:
    case OAuthError::Kind::client_refused: break;
  }
  return {AuthOutcome::could_not_verify, "Could not verify credentials: " + e.message, std::nullopt, {}};
}

ShownRequest shown(const ResolvedRequest& request, const Redactor& redactor) {
  ShownRequest out{request.method, redactor.apply(redact_url(request.url)), {}, std::nullopt};
  for (const auto& [name, value] : request.headers) {
    out.headers.emplace_back(name, is_secret_name(name) ? std::string(kRedacted) : redactor.apply(value));
  }
  if (request.body) out.body = redactor.apply(*request.body);
  return out;
}

// extendRequest's options with the tokens the token store gave the call (not the caller's
// settings) shown as [redacted]: the host hands out no stored token (oauth.hpp).
RequestOptions without_stored_tokens(RequestOptions options, const AuthTokens& used, const AuthTokens& given) {
  Redactor stored;
  stored.own_secrets_only();
  bool any = false;
  for (const auto& [token, from_caller] :
       {std::pair{&used.access_token, &given.access_token}, std::pair{&used.refresh_token, &given.refresh_token}}) {
    if (token->empty() || *token == *from_caller) continue;
    stored.add(*token);
    any = true;
  }
  if (!any) return options;
  for (std::optional<std::string>* text : {&options.prefix_url, &options.username, &options.password}) {
    if (*text) **text = stored.apply(**text);
  }
  for (HeaderList* list : {&options.headers, &options.search_params}) {
    for (auto& [name, value] : *list) value = stored.apply(value);
  }
  return options;
}

// What a caller observes besides the verdict: with `dry_run` set, the requests testRequest asks
// for are recorded there, redacted, instead of sent; with `extension` set, extendRequest's
// options are copied there and testRequest does not run.
struct Observed {
  DryRun* dry_run = nullptr;
  RequestOptions* extension = nullptr;
};

AuthVerdict check_credentials(const LoadedPlugin& plugin, const boost::json::value& input, const RequestEnvironment& env,
                              const std::string& connection, Observed observed) {
  DryRun* dry_run = observed.dry_run;
  const Definition& definition = plugin.definition();
  ValidatedSettings settings = validate_settings(definition, input);
  if (!settings.ok()) {
    return {AuthOutcome::invalid_settings, "Settings are invalid.", std::nullopt, settings.problems};
  }

  std::string unloadable;
  const dk_plugin* code = plugin.descriptor(unloadable);
  if (code == nullptr) return {AuthOutcome::plugin_failed, fmt::format("{}: {}", plugin.slug(), unloadable), std::nullopt, {}};
  const dk_plugin& hooks = *code;
  dk_call call;
  call.env = {&env.http, &env.log, plugin.slug(), env.verbose, plugin.runs_partner_code()};
  call.redactor.limit_to(plugin.slug());
  call.hooks = &hooks;
  call.settings = &settings.values;
  call.definition = &definition;
  call.auth = settings.auth;
  call.defaults = host_defaults(plugin, settings, env);
  for (const auto& secret : settings.secrets(definition)) call.redactor.add(secret);
  for (const auto& [key, value] : settings.values) {
    std::string text = value.is_string() ? std::string(value.get_string()) : boost::json::serialize(value);
    // A credential-named field of another type (an apiKey declared a string) may be logged
    // before it is sent anywhere, which would make it known as a credential.
    if (is_secret_name(key) && !value.is_structured() && text.size() >= kMinRememberedSecretBytes) {
      call.redactor.add(text);
    }
    call.redactor.add_known_to_caller(text);
  }
  if (call.defaults.username) {
    call.redactor.add(fmt::format("{}:{}", *call.defaults.username, call.defaults.password.value_or("")));
  }

  // Whatever a server echoes, the OAuth client's secret is never shown.
  const OAuthClientConfig* client =
      env.oauth && definition.uses_oauth() ? env.oauth->config().oauth_client(plugin.slug()) : nullptr;
  if (client != nullptr) add_client_secrets(call.redactor, *client);
  // A dry run sends nothing, from any hook: each request is recorded instead.
  std::vector<ResolvedRequest> recorded;
  if (dry_run != nullptr) call.dry_run = &recorded;
  CallSession session(env.oauth.get(), env.on_token_refresh, connection);
  if (auto error = session.begin(call)) return token_unavailable(*error);

  ActiveCall active(&call);
  call.test_request_follows = observed.extension == nullptr && hooks.on_test_request != nullptr;
  if (dk_status status = run_extend_request(&call); status != DK_OK) {
    return hook_failed(call, status, "extendRequest", plugin);
  }
  if (observed.extension != nullptr) {
    *observed.extension = without_stored_tokens(call.extension.options, call.auth, settings.auth);
    return {AuthOutcome::unchecked, "extendRequest ran; testRequest did not.", std::nullopt, {}};
  }
  if (hooks.on_test_request == nullptr) {
    return {AuthOutcome::unchecked,
            fmt::format("Settings are valid. {} has no testRequest, so the credentials were not checked.",
                        definition.name),
            std::nullopt, {}};
  }
  call.error.clear();
  if (dry_run != nullptr) dry_run->ran_test_request = true;
  dk_status status = run_hook(call, "in testRequest", [&] { return hooks.on_test_request(handle_of(call)); });
  if (dry_run != nullptr) {
    for (const auto& request : recorded) dry_run->requests.push_back(shown(request, call.redactor));
  }
  return verdict(call, status, plugin);
}

}  // namespace

AuthVerdict test_authentication(const LoadedPlugin& plugin, const boost::json::value& input,
                                const RequestEnvironment& env, const std::string& connection) {
  return check_credentials(plugin, input, env, connection, {});
}

std::variant<RequestOptions, AuthVerdict> extend_request(const LoadedPlugin& plugin, const boost::json::value& input,
                                                         const RequestEnvironment& env, const std::string& connection) {
  RequestOptions extension;
  AuthVerdict verdict = check_credentials(plugin, input, env, connection, {.extension = &extension});
  if (verdict.outcome != AuthOutcome::unchecked) return verdict;
  return extension;
}

DryRun dry_run_authentication(const LoadedPlugin& plugin, const boost::json::value& input,
                              const RequestEnvironment& env, const std::string& connection) {
  DryRun run;
  run.verdict = check_credentials(plugin, input, env, connection, {.dry_run = &run});
  return run;
}

}  // namespace destkit::host
