#include "mock_api/https_server.hpp"

#include "http/request_options.hpp"
#include "request_framing.hpp"
#include "util/url_form.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <csignal>
#include <memory>
#include <optional>

namespace destkit::mock_api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A client that goes quiet this long is hung up on, so a stuck test cannot pin a connection.
constexpr std::chrono::seconds kIdleTimeout{30};
constexpr std::uint64_t kMaxBodyBytes = 1 << 20;

const std::string* find_value(const NameValueList& list, std::string_view name, bool ignore_case) {
  for (const auto& [n, v] : list) {
    if (ignore_case ? host::iequals(n, name) : n == name) return &v;
  }
  return nullptr;
}

Request request_of(const http::request<http::string_body>& message) {
  Request request;
  request.method = std::string(message.method_string());
  std::string_view target = message.target();
  auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = host::parse_form(target.substr(question + 1));
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = message.body();
  return request;
}

// One client connection: TLS handshake, then requests answered in turn while it keeps alive.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, asio::ssl::context& tls, const Handler& handler)
      : stream_(std::move(socket), tls), handler_(handler) {}

  void start() {
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    // The head first: its framing is checked before any of the body is read.
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        // A head that is not HTTP gets an answer; a connection that ends or goes quiet does not.
        bool malformed = ec != http::error::end_of_stream &&
                         ec.category() == http::make_error_code(http::error::bad_field).category();
        return malformed ? self->refuse(400, "the request is not valid HTTP/1.1") : self->close();
      }
      if (auto problem = cli::framing_problem(self->parser_->get().base())) return self->refuse(problem->status, problem->message);
      http::async_read(self->stream_, self->buffer_, *self->parser_, [self](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->answer();
      });
    });
  }

  // Answers a request that was not read whole, and closes the connection after it.
  void refuse(int status, const std::string& message) {
    boost::json::value error = {{"error", message}};
    respond({status, {{"Content-Type", "application/json"}}, boost::json::serialize(error)}, false);
  }

  void answer() {
    const auto& message = parser_->get();
    Response answer;
    try {
      answer = handler_(request_of(message));
    } catch (const std::exception&) {
      answer = {500, {{"Content-Type", "application/json"}}, R"({"error":"mock-api failed to answer"})"};
    }
    respond(std::move(answer), message.keep_alive());
  }

  void respond(Response answer, bool keep_alive) {
    response_ = {};
    response_.version(parser_->get().version());
    response_.result(static_cast<unsigned>(answer.status));
    for (const auto& [name, value] : answer.headers) response_.insert(name, value);
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (!self->response_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  const Handler& handler_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

void accept(tcp::acceptor& acceptor, asio::ssl::context& tls, const Handler& handler) {
  acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;  // the server is stopping
    if (!ec) std::make_shared<Connection>(std::move(socket), tls, handler)->start();
    accept(acceptor, tls, handler);
  });
}

}  // namespace

const std::string* Request::header(std::string_view name) const { return find_value(headers, name, true); }

const std::string* Request::query_value(std::string_view name) const { return find_value(query, name, false); }

void serve_https(const TlsFiles& files, unsigned short port, const Handler& handler,
                 const std::function<void(unsigned short)>& on_listening) {
  asio::ssl::context tls(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.use_certificate_chain_file(files.certificate.string());
  tls.use_private_key_file(files.private_key.string(), asio::ssl::context::pem);
  // Declared after the TLS context: connections still pending at the stop go with it first.
  asio::io_context io;

  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();

  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](beast::error_code, int) { io.stop(); });
  accept(acceptor, tls, handler);
  on_listening(acceptor.local_endpoint().port());
  io.run();
}

}  // namespace destkit::mock_api
