#include "http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <csignal>
#include <optional>
#include <thread>

namespace destkit::cli::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A client that opens a connection and sends nothing, or stops half-way, is dropped.
constexpr std::chrono::seconds kReadTimeout{30};
constexpr std::chrono::seconds kWriteTimeout{30};
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::chrono::seconds kLingerTimeout{5};
// Threads that accept, read and write; hooks never run on them (lanes.hpp).
constexpr int kIoThreads = 2;

struct Shared {
  Api& api;
  Metrics& metrics;
  EventLog& log;
  ServiceState& state;
  std::atomic<long> in_flight{0};
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

ServeRequest request_of(const http::request<http::string_body>& message) {
  ServeRequest out;
  out.method = std::string(message.method_string());
  std::string_view target = message.target();
  std::size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  std::string_view type = message[http::field::content_type];
  out.content_type = lower(type.substr(0, type.find(';')));
  while (!out.content_type.empty() && out.content_type.back() == ' ') out.content_type.pop_back();
  out.authorization = std::string(message[http::field::authorization]);
  out.host = std::string(message[http::field::host]);
  out.body = message.body();
  return out;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}

  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    parser_->header_limit(kMaxHeaderBytes);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    started_ = Clock::now();
    if (ec) {
      // The request could not be read whole: the connection cannot be used after it.
      keep_alive_ = false;
      linger_ = true;
      head_ = false;
      method_ = "?";
      ++shared_.in_flight;
      if (ec == http::error::body_limit) {
        return write(error_answer(413, "payload_too_large", "the request body is larger than 1 MiB"));
      }
      if (ec == http::error::header_limit) return write(error_answer(431, "bad_request", "the request headers are too large"));
      return write(error_answer(400, "bad_request", "the request is not valid HTTP/1.1"));
    }
    const auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_ = message.method() == http::verb::head;
    method_ = std::string(message.method_string());
    ++shared_.in_flight;
    shared_.metrics.in_flight(1);
    stream_.expires_never();  // a credential test may take as long as the partner's API
    shared_.api.handle(request_of(message), [self = shared_from_this()](ServeAnswer answer) {
      asio::post(self->stream_.get_executor(), [self, answer = std::move(answer)]() mutable {
        self->shared_.metrics.in_flight(-1);
        self->write(std::move(answer));
      });
    });
  }

  void write(ServeAnswer answer) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status),
                                                                         version_);
    response->set(http::field::content_type, answer.content_type);
    response->set(http::field::cache_control, "no-store");
    response->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : answer.headers) response->set(name, value);
    bool keep = keep_alive_ && !shared_.state.stopping;
    response->keep_alive(keep);
    response->content_length(answer.body.size());
    if (!head_) response->body() = std::move(answer.body);
    status_ = answer.status;
    route_ = std::move(answer.route);
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response, keep](beast::error_code ec, std::size_t bytes) {
                        self->on_written(ec, bytes, keep);
                      });
  }

  void on_written(beast::error_code ec, std::size_t bytes, bool keep) {
    auto took = Clock::now() - started_;
    shared_.metrics.request_done(route_, status_, took);
    shared_.log.access({{"method", method_},
                        {"route", route_},
                        {"status", status_},
                        {"us", std::chrono::duration_cast<std::chrono::microseconds>(took).count()},
                        {"bytes", bytes},
                        {"written", !ec}});
    --shared_.in_flight;
    if (ec || !keep) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!linger_) return stream_.close();
    // The client may still be sending the body that was refused; closing with it unread
    // would reset the connection and could destroy the answer before the client reads it.
    // Read and drop what comes until the client closes, for a few seconds at most.
    stream_.expires_after(kLingerTimeout);
    drop_input();
  }

  void drop_input() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stream_.close();
      self->drop_input();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Shared& shared_;
  Clock::time_point started_{};
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::string method_;
  int status_ = 0;
  std::string route_;
  bool linger_ = false;
  std::array<char, 16 * 1024> discard_{};
};

}  // namespace

struct HttpServer::Impl {
  asio::io_context io{kIoThreads};
  tcp::acceptor acceptor{asio::make_strand(io)};
  Shared shared;

  Impl(Api& api, Metrics& metrics, EventLog& log, ServiceState& state) : shared{api, metrics, log, state} {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), shared)->read();
      accept();
    });
  }
};

HttpServer::HttpServer(Api& api, Metrics& metrics, EventLog& log, ServiceState& state, const ListenAddress& address)
    : impl_(std::make_unique<Impl>(api, metrics, log, state)) {
  tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

bool HttpServer::run(const std::function<void()>& on_ready, std::function<void()> on_hangup,
                     std::chrono::seconds drain) {
  Impl& impl = *impl_;
  asio::signal_set stop_signals(impl.io, SIGTERM, SIGINT);
  asio::signal_set hangup(impl.io, SIGHUP);
  asio::steady_timer drain_timer(impl.io);
  bool drained = true;
  Clock::time_point deadline{};

  std::function<void()> wait_for_hangup = [&] {
    hangup.async_wait([&](beast::error_code ec, int) {
      if (ec) return;
      on_hangup();
      wait_for_hangup();
    });
  };
  std::function<void()> check_drained = [&] {
    if (impl.shared.in_flight == 0 || Clock::now() >= deadline) {
      drained = impl.shared.in_flight == 0;
      impl.io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](beast::error_code) { check_drained(); });
  };
  stop_signals.async_wait([&](beast::error_code ec, int signal) {
    if (ec) return;
    impl.shared.state.stopping = true;
    impl.shared.log.event("info", "destkit",
                          signal == SIGTERM ? "SIGTERM: no new connections; finishing the requests in flight"
                                            : "SIGINT: no new connections; finishing the requests in flight",
                          {{"inFlight", impl.shared.in_flight.load()}});
    beast::error_code ignored;
    impl.acceptor.close(ignored);
    hangup.cancel();
    deadline = Clock::now() + drain;
    check_drained();
  });
  wait_for_hangup();
  impl.accept();
  on_ready();

  std::vector<std::thread> threads;
  for (int i = 1; i < kIoThreads; ++i) threads.emplace_back([&] { impl.io.run(); });
  impl.io.run();
  for (auto& thread : threads) thread.join();
  return drained;
}

}  // namespace destkit::cli::serve
