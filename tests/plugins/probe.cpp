// test-probe: a destination whose testRequest does what its `mode` setting says, so tests can
// drive the request options, errors and exceptions through the real SDK and host.
#include <destkit/destkit.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace {

destkit::Destination probe() {
  using destkit::FieldType;
  return {
      .name = "Test Probe",
      .slug = "test-probe",
      .version = "0.1.0",
      .authentication =
          {
              .scheme = destkit::Scheme::custom,
              .fields =
                  {
                      {"baseUrl", {.label = "Base URL", .type = FieldType::string, .required = true, .format = "uri"}},
                      {"token", {.label = "Token", .type = FieldType::password, .required = true}},
                      {"mode",
                       {.label = "Mode",
                        .type = FieldType::string,
                        .defaultValue = "plain",
                        .choices = {"plain",
                                    "call-options",
                                    "throw",
                                    "invalid",
                                    "json",
                                    "text",
                                    "lenient",
                                    "log",
                                    "numbers",
                                    "exit",
                                    "post-secret",
                                    "crlf-url",
                                    "print",
                                    "print-later",
                                    "log-flood",
                                    "print-flood",
                                    "send-flood",
                                    "read-flood",
                                    "token-in-path",
                                    "print-in-extend",
                                    "print-flood-in-extend",
                                    "log-token-flood-in-extend",
                                    "token-as-method",
                                    "framing-header",
                                    "log-escapes"}}},
                      {"retries", {.label = "Retries", .type = FieldType::integer, .minimum = 0, .maximum = 10}},
                      {"amount", {.label = "Amount", .type = FieldType::number}},
                      {"id", {.label = "ID", .type = FieldType::integer}},
                      {"verbose", {.label = "Verbose", .type = FieldType::boolean, .defaultValue = false}},
                      {"accountId", {.label = "Account ID", .type = FieldType::string, .pattern = "[0-9]{6}"}},
                  },
              .testRequest =
                  [](destkit::Request& request, const destkit::Input& input) {
                    std::string mode = input.settings.string("mode");
                    if (mode == "plain") {
                      request("/check");
                    } else if (mode == "call-options") {
                      request("check", {.method = "post",
                                        .headers = {{"x-ext", "from-call"}, {"X-Call", "yes"}},
                                        .searchParams = {{"q", "a b&c"}, {"ext", "2"}},
                                        .json = destkit::Json::object({{"hello", "wörld"}})});
                    } else if (mode == "throw") {
                      throw std::runtime_error("boom while holding " + input.settings.string("token"));
                    } else if (mode == "invalid") {
                      throw destkit::InvalidCredentials("the account is suspended");
                    } else if (mode == "json") {
                      request("/check", {.responseType = destkit::ResponseType::json});
                    } else if (mode == "text") {
                      request("/check", {.responseType = destkit::ResponseType::text});
                    } else if (mode == "lenient") {
                      destkit::Response r = request("/check", {.throwHttpErrors = false});
                      if (r.status() != 418) throw destkit::InvalidCredentials("expected a teapot");
                    } else if (mode == "numbers") {  // what the SDK read, sent back for the test
                      request("/check", {.method = "POST",
                                         .json = destkit::Json::object({{"text", input.settings.json("amount")},
                                                                        {"number", input.settings.number("amount")},
                                                                        {"id", input.settings.integer("id")}})});
                    } else if (mode == "log") {
                      input.log.warn("checking with token " + input.settings.string("token"));
                      request("/check");
                    } else if (mode == "exit") {
                      std::exit(0);
                    } else if (mode == "post-secret") {
                      // The secret in a header of this one request and in its body.
                      std::string token = input.settings.string("token");
                      request("/check", {.method = "POST",
                                         .headers = {{"X-Call-Secret", token}, {"Accept-Language", "de"}},
                                         .json = destkit::Json::object({{"token", token}})});
                    } else if (mode == "crlf-url") {
                      request("/check\r\nX-Injected: 1");
                    } else if (mode == "token-in-path") {
                      request("/check/" + input.settings.string("token"));
                    } else if (mode == "token-as-method") {  // a mistake whose message quotes the method
                      request("/check", {.method = input.settings.string("token")});
                    } else if (mode == "log-escapes") {  // one line of 12 MiB of JSON and URL escapes
                      std::string line;
                      for (int i = 0; i < 2 * 1024 * 1024; ++i) line += R"(\n%41+)";
                      input.log.info(line);
                    } else if (mode == "framing-header") {  // a header only the HTTP client may write
                      request("/check", {.headers = {{"content-LENGTH", "5"}}});
                    } else if (mode == "print") {  // isolated only: in process it would write to the host's streams
                      std::printf("printing token %s\n", input.settings.string("token").c_str());
                      std::fprintf(stderr, "partial %s", input.settings.string("token").c_str());
                      std::fflush(stdout);
                      request("/check");
                      // Left in the plugin's own buffers when the hook returns.
                      std::printf("unflushed %s", input.settings.string("token").c_str());
                    } else if (mode == "print-later") {  // isolated only: a thread prints after the call
                      std::thread([token = input.settings.string("token")] {
                        std::this_thread::sleep_for(std::chrono::milliseconds(200));
                        std::printf("later %s\n", token.c_str());
                        std::fflush(stdout);
                      }).detach();
                    } else if (mode == "log-flood") {
                      for (int i = 0; i < 1500; ++i) input.log.info(std::string(20 * 1024, 'x'));
                    } else if (mode == "read-flood") {  // each value read is kept until the hook returns
                      destkit::Response r = request("/check");
                      for (int i = 0; i < 100; ++i) r.json("/big");
                    } else if (mode == "send-flood") {
                      for (int i = 0; i < 150; ++i) request("/check");
                    } else if (mode == "print-flood") {  // isolated only
                      for (int i = 0; i < 1500; ++i) std::printf("line %d\n", i);
                      std::fflush(stdout);
                    }
                  },
          },
      .extendRequest = [](const destkit::Input& input) -> destkit::RequestOptions {
        destkit::RequestOptions options{
            .prefixUrl = input.settings.string("baseUrl"),
            .headers = {{"X-Api-Token", input.settings.string("token")}, {"X-Ext", "from-extend"}},
            .searchParams = {{"ext", "1"}},
        };
        if (input.settings.string("mode") == "print-in-extend") {  // isolated only
          // A setting of no secret type, that becomes a credential only as this hook returns.
          std::string account = input.settings.string("accountId");
          std::printf("extending for %s\n", account.c_str());
          std::fflush(stdout);
          std::fprintf(stderr, "extending for %s\n", account.c_str());
          options.headers.emplace_back("X-Account-Key", account);
        }
        if (input.settings.string("mode") == "log-token-flood-in-extend") {  // one line of the token, 70 KB
          std::string token = input.settings.string("token"), line;
          while (line.size() < 70'000) line += token;
          input.log.info(line);
        }
        if (input.settings.string("mode") == "print-flood-in-extend") {  // isolated only: held until it returns
          for (int i = 0; i < 1500; ++i) std::printf("line %d\n", i);
          std::fflush(stdout);
        }
        return options;
      },
  };
}

}  // namespace

DESTKIT_EXPORT_DESTINATION(probe)
