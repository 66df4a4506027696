// destkit mock-api used the way a partner tests a destination with it: credentials as a
// header, Basic or a query parameter; scripted routes; the OAuth token endpoint; and the
// record of every request received. Every mock-api here runs with PATH=/nonexistent, so
// its certificate cannot come from the openssl command.
#include "environment.hpp"

#include "http/client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

using namespace destkit::test;
namespace fs = std::filesystem;
namespace json = boost::json;
using destkit::host::HeaderList;
using destkit::host::HttpResponse;

namespace {

constexpr const char* kQueryKey = "query-SECRET-key-31";
constexpr const char* kApiKey = "custom-SECRET-key-42";
constexpr const char* kClientSecret = "partner-client-SECRET-7";

fs::path write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

// `destkit mock-api` with `flags`, its certificate and record in a fresh directory.
class MockApi {
 public:
  explicit MockApi(const std::vector<std::string>& flags)
      : dir_(new_directory("mock-api")), process_(command(dir_, flags)) {
    std::string out = process_.read_until(".pem\n");
    auto port_line = out.find("port ");
    auto certificate_line = out.find("\ncertificate ");
    if (port_line != 0 || certificate_line == std::string::npos) throw std::runtime_error("mock-api did not start: " + out);
    port_ = static_cast<unsigned short>(std::stoi(out.substr(5)));
    certificate_ = out.substr(certificate_line + 13, out.find('\n', certificate_line + 1) - certificate_line - 13);
  }

  const fs::path& certificate() const { return certificate_; }

  // Sends `bytes` as they are over TLS and returns all that comes back until mock-api closes.
  std::string raw_exchange(const std::string& bytes) const {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.load_verify_file(certificate_.string());
    tls.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<asio::ip::tcp::socket> stream(io, tls);
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
    stream.handshake(asio::ssl::stream_base::client);
    asio::write(stream, asio::buffer(bytes));
    std::string answer;
    boost::system::error_code ec;
    asio::read(stream, asio::dynamic_buffer(answer), ec);
    return answer;
  }
  const fs::path& directory() const { return dir_; }
  std::string record_text() const { return read_file(dir_ / "record.jsonl"); }

  std::vector<json::value> record() const {
    std::vector<json::value> lines;
    std::istringstream text(record_text());
    for (std::string line; std::getline(text, line);) lines.push_back(json::parse(line));
    return lines;
  }

  // --connect-to for the hosts the destinations use, and --cacert for this certificate.
  std::vector<std::string> to_local() const {
    std::vector<std::string> args;
    for (const char* host : {"example.com", "acme.example.com", "api.example.com"}) {
      args.insert(args.end(), {"--connect-to", std::string(host) + ":443:127.0.0.1:" + std::to_string(port_)});
    }
    args.insert(args.end(), {"--cacert", certificate_.string()});
    return args;
  }

  // One request from the host's own HTTP client, as a partner's script would send with curl.
  HttpResponse send(const std::string& method, const std::string& url, HeaderList headers = {},
                    std::optional<std::string> body = std::nullopt) const {
    destkit::host::ResolvedRequest request;
    request.method = method;
    request.url = url;
    request.headers = std::move(headers);
    request.body = std::move(body);
    destkit::host::HttpClientConfig config{.connect_to = {"example.com:443:127.0.0.1:" + std::to_string(port_)},
                                           .ca_file = certificate_.string()};
    auto result = destkit::host::send_http(request, config);
    if (auto* failure = std::get_if<destkit::host::HttpFailure>(&result)) throw std::runtime_error(failure->message);
    return std::get<HttpResponse>(result);
  }

 private:
  static std::vector<std::string> command(const fs::path& dir, const std::vector<std::string>& flags) {
    std::vector<std::string> argv{"/usr/bin/env", "PATH=/nonexistent", kDestkitCli.string(), "mock-api",
                                  "--certificate-dir", dir.string(), "--record", (dir / "record.jsonl").string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return argv;
  }

  fs::path dir_;
  SpawnedProcess process_;
  unsigned short port_ = 0;
  fs::path certificate_;
};

fs::path routes_file(const std::string& json_text) { return write_text(new_directory("routes") / "routes.json", json_text); }

ProcessResult test_auth(const MockApi& api, const std::string& slug, const std::string& settings,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"test-auth", slug, "--settings", "-"};
  for (const auto& a : api.to_local()) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return run_destkit(args, settings);
}

std::string token_form(const std::string& grant, const std::string& extra = "") {
  return "grant_type=" + grant + extra;
}

HeaderList form_headers() { return {{"Content-Type", "application/x-www-form-urlencoded"}}; }

// The tokens of a token endpoint answer.
std::pair<std::string, std::string> tokens_of(const HttpResponse& r) {
  auto body = json::parse(r.body);
  return {std::string(body.at("access_token").as_string()), std::string(body.at("refresh_token").as_string())};
}

}  // namespace

TEST_CASE("mock-api accepts a key in the query: the partner's destination passes, a wrong key is invalid, the record redacts it") {
  MockApi api({"--accept-query", std::string("api_key=") + kQueryKey, "--routes",
               routes_file(R"({"routes":[{"method":"GET","path":"/v2/me","auth":true,"body":{"id":1}}]})").string()});
  std::vector<std::string> plugins{"--plugin-path", kTestPluginDir.string()};

  ProcessResult valid = test_auth(api, "query-key", std::string(R"({"apiKey":")") + kQueryKey + "\"}", plugins);
  CHECK(valid.out == "Credentials are valid.\n");
  CHECK(valid.exit_code == 0);
  ProcessResult wrong = test_auth(api, "query-key", R"({"apiKey":"wrong-SECRET-key"})", plugins);
  CHECK(wrong.out == "Credentials are invalid: 401 Unauthorized\n");
  CHECK(wrong.exit_code == 1);

  auto record = api.record();
  REQUIRE(record.size() == 2);
  for (const auto& line : record) {
    CHECK(line.at("method") == "GET");
    CHECK(line.at("path") == "/v2/me");
    CHECK(line.at("query") == json::parse(R"({"api_key":"[redacted]"})"));
    CHECK(line.at("headers").at("host") == "api.example.com");
  }
  CHECK(record[0].at("status") == 200);
  CHECK(record[1].at("status") == 401);
  CHECK(api.record_text().find("SECRET") == std::string::npos);
}

TEST_CASE("mock-api keeps credential values in the record only with --record-secrets") {
  MockApi api({"--accept-query", "api_key=visible-key", "--accept", "X-Partner: visible-header", "--record-secrets"});
  HttpResponse r = api.send("GET", "https://example.com/any?api_key=visible-key&page=2", {{"X-Partner", "visible-header"}});
  CHECK(r.status == 200);
  auto record = api.record();
  REQUIRE(record.size() == 1);
  CHECK(record[0].at("query") == json::parse(R"({"api_key":"visible-key","page":"2"})"));
  CHECK(record[0].at("headers").at("x-partner") == "visible-header");
}

TEST_CASE("mock-api's token endpoint: client_credentials for the host, then the API accepts the token") {
  MockApi api({"--oauth-client", std::string("partner-client:") + kClientSecret, "--routes",
               routes_file(R"({"routes":[{"method":"GET","path":"/api/accounts/me.json","auth":true,"body":{"id":7}}]})")
                   .string()});
  fs::path config = write_text(new_directory("config") / "host.json",
                               std::string(R"({"destinations":{"example-oauth-managed":{"oauth":{)"
                                           R"("clientId":"partner-client","clientSecret":")") +
                                   kClientSecret +
                                   R"(","tokenUrl":"https://example.com/oauth/token","grant":"client_credentials"}}}})");
  setenv("XDG_STATE_HOME", new_directory("state").c_str(), 1);

  ProcessResult checked = test_auth(api, "example-oauth-managed", "{}", {"--config", config.string()});
  CHECK(checked.out == "Credentials are valid.\n");
  CHECK(checked.exit_code == 0);

  auto record = api.record();
  REQUIRE(record.size() == 2);
  CHECK(record[0].at("method") == "POST");
  CHECK(record[0].at("path") == "/oauth/token");
  CHECK(record[0].at("headers").at("authorization") == "[redacted]");
  CHECK(record[0].at("status") == 200);
  CHECK(record[1].at("path") == "/api/accounts/me.json");
  CHECK(record[1].at("headers").at("authorization") == "[redacted]");
  CHECK(record[1].at("status") == 200);
  CHECK(api.record_text().find("SECRET") == std::string::npos);
}

TEST_CASE("mock-api's token endpoint rotates refresh tokens and refuses a reused one") {
  MockApi api({"--oauth-client", std::string("partner-client:") + kClientSecret});
  const std::string token_url = "https://example.com/oauth/token";
  const std::string client = std::string("&client_id=partner-client&client_secret=") + kClientSecret;
  auto bearer = [](const std::string& token) { return HeaderList{{"Authorization", "Bearer " + token}}; };

  HttpResponse first = api.send("POST", token_url, form_headers(), token_form("client_credentials", client));
  REQUIRE(first.status == 200);
  auto [access1, refresh1] = tokens_of(first);
  CHECK(json::parse(first.body).at("token_type") == "Bearer");
  CHECK(api.send("GET", "https://example.com/api/me", bearer(access1)).status == 200);

  HttpResponse second = api.send("POST", token_url, form_headers(), token_form("refresh_token", "&refresh_token=" + refresh1 + client));
  REQUIRE(second.status == 200);
  auto [access2, refresh2] = tokens_of(second);
  CHECK(refresh2 != refresh1);
  CHECK(access2 != access1);
  CHECK(api.send("GET", "https://example.com/api/me", bearer(access2)).status == 200);

  HttpResponse reused = api.send("POST", token_url, form_headers(), token_form("refresh_token", "&refresh_token=" + refresh1 + client));
  CHECK(reused.status == 400);
  CHECK(json::parse(reused.body) == json::parse(R"({"error":"invalid_grant"})"));
  HttpResponse unknown = api.send("POST", token_url, form_headers(), token_form("refresh_token", "&refresh_token=made-up" + client));
  CHECK(unknown.status == 400);

  HttpResponse wrong_client = api.send("POST", token_url, form_headers(),
                                       token_form("refresh_token", "&refresh_token=" + refresh2 + "&client_id=partner-client&client_secret=wrong"));
  CHECK(wrong_client.status == 401);
  CHECK(json::parse(wrong_client.body) == json::parse(R"({"error":"invalid_client"})"));
  HttpResponse by_basic = api.send("POST", token_url,
                                   {{"Content-Type", "application/x-www-form-urlencoded"},
                                    {"Authorization", destkit::host::basic_authorization("partner-client", kClientSecret)}},
                                   token_form("refresh_token", "&refresh_token=" + refresh2));
  CHECK(by_basic.status == 200);
  CHECK(api.send("GET", "https://example.com/api/me", bearer("made-up")).status == 401);

  std::vector<int> statuses;
  for (const auto& line : api.record()) statuses.push_back(static_cast<int>(line.at("status").as_int64()));
  CHECK(statuses == std::vector<int>{200, 200, 200, 200, 400, 400, 401, 200, 401});
  for (const std::string& token : {access1, access2, refresh1, refresh2}) CHECK(api.record_text().find(token) == std::string::npos);
}

TEST_CASE("a 500 route makes test-auth say it could not verify, and the record shows what was sent") {
  MockApi api({"--accept", std::string("Authorization: Bearer ") + kApiKey, "--routes",
               routes_file(R"({"routes":[{"method":"GET","path":"/api/accounts/me.json","status":500,)"
                           R"("headers":{"Retry-After":"30"},"body":{"error":"maintenance"}}]})")
                   .string()});
  ProcessResult r = test_auth(api, "example-custom", std::string(R"({"subdomain":"acme","apiKey":")") + kApiKey + "\"}");
  CHECK(r.out == "Could not verify credentials: acme.example.com answered 500 Internal Server Error\n");
  CHECK(r.exit_code == 4);

  auto record = api.record();
  REQUIRE(record.size() == 1);
  CHECK(record[0].at("method") == "GET");
  CHECK(record[0].at("path") == "/api/accounts/me.json");
  CHECK(record[0].at("query") == json::object{});
  CHECK(record[0].at("headers").at("host") == "acme.example.com");
  CHECK(record[0].at("headers").at("authorization") == "[redacted]");
  CHECK(record[0].at("status") == 500);
}

TEST_CASE("routes answer per method and path with their status, headers and body") {
  MockApi api({"--accept-basic", "partner:pass-word", "--routes",
               routes_file(R"({"routes":[
                 {"method":"GET","path":"/me","auth":true,"headers":{"X-Plan":"pro"},"body":{"id":1}},
                 {"method":"POST","path":"/me","status":201,"body":"made"}]})")
                   .string()});
  HeaderList basic{{"Authorization", destkit::host::basic_authorization("partner", "pass-word")}};

  HttpResponse ok = api.send("GET", "https://example.com/me?x=1", basic);
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body) == json::parse(R"({"id":1})"));
  REQUIRE(ok.header("X-Plan") != nullptr);
  CHECK(*ok.header("X-Plan") == "pro");
  REQUIRE(ok.header("Content-Type") != nullptr);
  CHECK(*ok.header("Content-Type") == "application/json");

  HttpResponse refused = api.send("GET", "https://example.com/me");
  CHECK(refused.status == 401);
  CHECK(json::parse(refused.body) == json::parse(R"({"error":"invalid credentials"})"));

  HttpResponse text = api.send("POST", "https://example.com/me");
  CHECK(text.status == 201);
  CHECK(text.body == "made");
  CHECK(api.send("DELETE", "https://example.com/me").status == 405);
  CHECK(api.send("GET", "https://example.com/elsewhere", basic).status == 404);
}

TEST_CASE("without routes, any path answers 200 to an accepted credential and 401 to anything else") {
  MockApi api({"--accept", "X-Partner: header-value", "--accept-basic", "user:pw"});
  CHECK(api.send("GET", "https://example.com/a", {{"X-Partner", "header-value"}, {"X-Other", "kept"}}).status == 200);
  CHECK(api.send("POST", "https://example.com/b/c", {{"Authorization", destkit::host::basic_authorization("user", "pw")}}).body ==
        R"({"ok":true})");
  CHECK(api.send("GET", "https://example.com/a", {{"X-Partner", "other"}}).status == 401);
  CHECK(api.send("GET", "https://example.com/a", {{"Authorization", destkit::host::basic_authorization("user", "no")}}).status == 401);

  // An Authorization scheme is case-insensitive (RFC 9110 §11.1); the credentials are not.
  MockApi bearer({"--accept", "Authorization: Bearer k-SECRET-1"});
  CHECK(bearer.send("GET", "https://example.com/a", {{"Authorization", "bearer k-SECRET-1"}}).status == 200);
  CHECK(bearer.send("GET", "https://example.com/a", {{"Authorization", "BEARER k-SECRET-1"}}).status == 200);
  CHECK(bearer.send("GET", "https://example.com/a", {{"Authorization", "Bearer K-SECRET-1"}}).status == 401);

  // An accepted header is a credential in the record whatever its name says.
  auto record = api.record();
  REQUIRE(record.size() == 4);
  CHECK(record[0].at("headers").at("x-partner") == "[redacted]");
  CHECK(record[0].at("headers").at("x-other") == "kept");
  CHECK(record[2].at("headers").at("x-partner") == "[redacted]");
}

TEST_CASE("mock-api makes its own certificate: EC P-256, the names asked for and 127.0.0.1, two days, key for the owner") {
  fs::path dir = new_directory("certificate-dir");
  write_text(dir / "key.pem", "an older key");
  ::chmod((dir / "key.pem").c_str(), 0644);
  SpawnedProcess process({"/usr/bin/env", "PATH=/nonexistent", kDestkitCli.string(), "mock-api", "--certificate-dir",
                          dir.string(), "--tls-name", "partner.test", "--tls-name", "*.api.partner.test"});
  CHECK(process.read_until(".pem\n").find("certificate " + (dir / "certificate.pem").string() + "\n") != std::string::npos);
  CHECK(mode_of(dir / "key.pem") == 0600);

  FILE* file = fopen((dir / "certificate.pem").c_str(), "r");
  REQUIRE(file != nullptr);
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  fclose(file);
  REQUIRE(certificate != nullptr);
  CHECK(X509_check_host(certificate, "partner.test", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(certificate, "eu.api.partner.test", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(certificate, "example.com", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(certificate, "127.0.0.1", 0) == 1);
  CHECK(EVP_PKEY_is_a(X509_get0_pubkey(certificate), "EC"));
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate)) == 1);
  CHECK(days * 86400 + seconds <= 2 * 86400);
  CHECK(days * 86400 + seconds > 2 * 86400 - 600);
  X509_free(certificate);
}

TEST_CASE("a routes file with a mistake is refused, naming the JSON path and what is wrong") {
  fs::path dir = new_directory("refused");
  auto refused = [&](const std::string& routes) {
    ProcessResult r = run_destkit({"mock-api", "--certificate-dir", dir.string(), "--routes", routes_file(routes).string()});
    CHECK(r.exit_code == 2);
    return r.err;
  };
  CHECK_THAT(refused(R"({"routes":[{"method":"GET","path":"/a","status":"200"}]})"),
             Catch::Contains("$.routes[0].status: must be a whole number from 100 to 599, not a string"));
  CHECK_THAT(refused(R"({"routes":[{"method":"GET","path":"/a","stauts":200}]})"),
             Catch::Contains("$.routes[0].stauts: is not a known key; did you mean \"status\"?"));
  CHECK_THAT(refused(R"({"routes":[{"method":"get","path":"/a"}]})"),
             Catch::Contains("$.routes[0].method: \"get\" is not an HTTP method in capitals"));
  CHECK_THAT(refused(R"({"routes":[{"path":"/a"}]})"),
             Catch::Contains("$.routes[0]: the required key \"method\" is missing"));
  CHECK_THAT(refused(R"({"routes":[{"method":"GET","path":"a?b"}]})"),
             Catch::Contains("$.routes[0].path: \"a?b\" must start with '/'"));
  CHECK_THAT(refused(R"({"routes":[{"method":"GET","path":"/a","headers":{"Content-Length":"3"}}]})"),
             Catch::Contains("$.routes[0].headers.Content-Length: is set by mock-api from the body"));
  CHECK_THAT(refused(R"({"routes":[{"method":"GET","path":"/a"},{"method":"GET","path":"/a","status":500}]})"),
             Catch::Contains("$.routes[1]: GET /a is already answered by $.routes[0]"));
  CHECK_THAT(refused(R"({"routes":[{"method":"GET","path":"/a","auth":true,"auth":false}]})"),
             Catch::Contains("the key \"auth\" appears twice"));
  CHECK_THAT(refused(R"({"routes":[]})"), Catch::Contains("$.routes: must list at least one route"));
  CHECK_THAT(refused(R"([])"), Catch::Contains("is invalid: $: must be an object, not an array"));
  CHECK(!fs::exists(dir / "certificate.pem"));
}

TEST_CASE("mock-api refuses malformed credentials and clients on its command line") {
  fs::path dir = new_directory("usage");
  auto usage = [&](std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"mock-api", "--certificate-dir", dir.string()});
    ProcessResult r = run_destkit(flags);
    CHECK(r.exit_code == 2);
    return r.err;
  };
  CHECK_THAT(usage({"--accept", "no-colon"}), Catch::Contains("--accept takes \"Name: value\""));
  CHECK_THAT(usage({"--accept-basic", "nopassword"}), Catch::Contains("--accept-basic takes USER:PASSWORD"));
  CHECK_THAT(usage({"--accept-query", "api_key"}), Catch::Contains("--accept-query takes NAME=VALUE"));
  CHECK_THAT(usage({"--oauth-client", "only-an-id"}), Catch::Contains("--oauth-client takes ID:PASS, the client id and its secret"));
  CHECK_THAT(usage({"--tls-name", "bad name"}), Catch::Contains("--tls-name \"bad name\" is not a host name"));
  CHECK_THAT(usage({"--record-secrets"}), Catch::Contains("--record-secrets needs --record FILE"));
  CHECK(run_destkit({"mock-api"}).exit_code == 2);
}

TEST_CASE("mock-api reads a body framed by Transfer-Encoding: chunked alone, and refuses other codings") {
  MockApi api({"--accept", "X-Partner: header-value"});
  auto post_with = [&](const std::string& framing) {
    return api.raw_exchange("POST /a HTTP/1.1\r\nHost: example.com\r\nX-Partner: header-value\r\n"
                            "Connection: close\r\n" + framing + "\r\n2\r\n{}\r\n0\r\n\r\n");
  };
  CHECK(post_with("Transfer-Encoding: chunked\r\n").starts_with("HTTP/1.1 200 "));
  std::string gzip = post_with("Transfer-Encoding: gzip, chunked\r\n");
  CHECK(gzip.starts_with("HTTP/1.1 501 "));
  CHECK(gzip.find(R"({"error":"the only Transfer-Encoding accepted is \"chunked\" alone"})") != std::string::npos);
  CHECK(post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n").starts_with("HTTP/1.1 400 "));
  // Only the request read whole is recorded.
  CHECK(api.record().size() == 1);
}
