#include "http_server.hpp"

#include "request_framing.hpp"
#include "util/printable.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <poll.h>

#include <array>
#include <atomic>
#include <csignal>
#include <list>
#include <memory>
#include <mutex>
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
// Bytes read and not yet parsed. The body goes to the request as it is parsed, but a chunked
// body's trailer is parsed only once it is all here, and the parser bounds neither its size nor
// its fields' (one of 64 KiB or more throws): this bound is what stops both.
constexpr std::size_t kMaxUnparsedBytes = 2 * kMaxHeaderBytes;
constexpr std::chrono::seconds kLingerTimeout{5};
// Threads that accept, read and write; hooks never run on them (lanes.hpp).
constexpr int kIoThreads = 2;

// When accept() fails (out of descriptors, most often), it fails again at once: wait a little
// instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};

class Session;

// Connections waiting for a request, its head or its body (idle keep-alive ones included), the
// longest waiting first. At the connection limit the first is closed to make room, so clients
// that open connections and send nothing (or a byte now and then, in the head or in the body)
// cannot keep the others out.
class WaitingForRequest {
 public:
  struct Waiting {
    std::weak_ptr<Session> session;
    bool closing = false;  // chosen by take_longest
  };
  using Entry = std::list<Waiting>::iterator;

  Entry add(std::weak_ptr<Session> session) {
    std::lock_guard lock(mutex_);
    return sessions_.insert(sessions_.end(), Waiting{std::move(session)});
  }
  void remove(Entry entry) {
    std::lock_guard lock(mutex_);
    sessions_.erase(entry);
  }
  // The connection that has waited longest and is not being closed already, if any.
  std::shared_ptr<Session> take_longest() {
    std::lock_guard lock(mutex_);
    for (auto& waiting : sessions_) {
      if (waiting.closing) continue;
      if (auto session = waiting.session.lock()) {
        waiting.closing = true;
        return session;
      }
    }
    return nullptr;
  }

 private:
  std::mutex mutex_;
  std::list<Waiting> sessions_;
};

struct Shared {
  Api& api;
  Metrics& metrics;
  EventLog& log;
  ServiceState& state;
  std::atomic<long> in_flight{0};
  std::atomic<std::size_t> connections{0};
  // Set by the server: resumes accepting below the limit.
  std::function<void()> connection_closed;
  // Set by the server: the connection chosen to make room had a request in flight by then.
  std::function<void()> room_not_made;
  WaitingForRequest waiting;
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
  Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) { ++shared_.connections; }
  ~Session() {
    stop_waiting();
    --shared_.connections;
    shared_.connection_closed();
  }

  // Closes the connection if it still waits for a request (on its own strand).
  static void close_waiting(std::shared_ptr<Session> session) {
    auto executor = session->stream_.get_executor();
    asio::post(executor, [session = std::move(session)] {
      if (!session->waiting_) return session->shared_.room_not_made();
      // The read ends and on_read closes. Cancelling alone is not enough: between two reads
      // of the body no read is pending, and the next would wait; after the shutdown it ends.
      session->evicted_ = true;
      beast::error_code ignored;
      session->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      session->stream_.cancel();
    });
  }

  void read() {
    waiting_ = shared_.waiting.add(weak_from_this());
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    parser_->header_limit(kMaxHeaderBytes);
    stream_.expires_after(kReadTimeout);
    // The head first: its framing, and whether the client may make the request at all, are
    // checked before any of the body is read.
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || self->evicted_) {
        self->stop_waiting();
        return self->on_read(ec);
      }
      if (auto problem = framing_problem(self->parser_->get().base())) {
        self->stop_waiting();
        self->refuse();
        return self->write(error_answer(problem->status, problem->status == 501 ? "not_implemented" : "bad_request",
                                        problem->message));
      }
      if (auto refusal = self->shared_.api.refusal_before_body(request_of(self->parser_->get()))) {
        self->stop_waiting();
        self->refuse();
        return self->write(std::move(*refusal));
      }
      if (self->waits_for_continue()) return self->send_continue();
      self->read_body();
    });
  }

 private:
  void read_body() {
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->stop_waiting();
      self->on_read(ec);
    });
  }

  // A client that sent "Expect: 100-continue" (curl does for a body over 1 KiB) waits for
  // leave to send its body, else for a second of its own, on every such request.
  bool waits_for_continue() const {
    const auto& head = parser_->get();
    return head.version() == 11 && beast::iequals(head[http::field::expect], "100-continue") && buffer_.size() == 0 &&
           !parser_->is_done();
  }

  void send_continue() {
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(stream_, *interim, [self = shared_from_this(), interim](beast::error_code ec, std::size_t) {
      if (ec || self->evicted_) {
        self->stop_waiting();
        return self->close();
      }
      self->read_body();
    });
  }

  void stop_waiting() {
    if (waiting_) shared_.waiting.remove(*waiting_);
    waiting_.reset();
  }

  // The request is answered without being read whole: the connection cannot be used after it.
  void refuse() {
    started_ = Clock::now();
    keep_alive_ = false;
    linger_ = true;
    head_ = false;
    method_ = "?";
    ++shared_.in_flight;
  }

  void on_read(beast::error_code ec) {
    if (evicted_ || ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    started_ = Clock::now();
    if (ec) {
      refuse();
      if (ec == http::error::body_limit) {
        return write(error_answer(413, "payload_too_large", "the request body is larger than 1 MiB"));
      }
      if (ec == http::error::header_limit) return write(error_answer(431, "bad_request", "the request headers are too large"));
      if (ec == http::error::buffer_overflow) {
        return write(error_answer(431, "bad_request", "the request's headers or chunked trailer are too large"));
      }
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
    ServeRequest request = request_of(message);
    // The connection stays open until the answer is written: its descriptor is this one.
    request.client_gone = [fd = stream_.socket().native_handle()] {
      pollfd connection{fd, POLLRDHUP, 0};
      return ::poll(&connection, 1, 0) > 0 && (connection.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
    };
    shared_.api.handle(request, [self = shared_from_this()](ServeAnswer answer) {
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
  beast::flat_buffer buffer_{kMaxUnparsedBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  Shared& shared_;
  std::optional<WaitingForRequest::Entry> waiting_;  // listed while it waits for a request
  Clock::time_point started_{};
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::string method_;
  int status_ = 0;
  std::string route_;
  bool linger_ = false;
  bool evicted_ = false;  // closed to make room for a waiting client
  std::array<char, 16 * 1024> discard_{};
};

}  // namespace

struct HttpServer::Impl {
  // First, so it is destroyed last: sessions still queued in the io_context when the service
  // stops are destroyed with it, and leave `shared` as they go.
  Shared shared;
  asio::io_context io{kIoThreads};
  tcp::acceptor acceptor{asio::make_strand(io)};
  asio::steady_timer accept_retry{acceptor.get_executor()};
  std::size_t max_connections;
  bool accept_paused = false;  // on the acceptor's strand: the limit was reached
  bool room_wanted = false;    // on the acceptor's strand: make_room_when_a_client_waits is waiting

  Impl(Api& api, Metrics& metrics, EventLog& log, ServiceState& state, std::size_t max_connections)
      : shared{api, metrics, log, state, {}, {}, {}, {}, {}}, max_connections(max_connections) {
    shared.connection_closed = [this] {
      if (shared.state.stopping) return;  // no accepting again, and the loop may be ending
      asio::post(acceptor.get_executor(), [this] {
        if (!accept_paused || !acceptor.is_open() || shared.connections >= this->max_connections) return;
        accept_paused = false;
        accept();
      });
    };
    shared.room_not_made = [this] {
      asio::post(acceptor.get_executor(), [this] {
        if (accept_paused && acceptor.is_open()) make_room_when_a_client_waits();
      });
    };
  }

  // Beyond max_connections the service stops accepting until a connection closes: the kernel
  // keeps the next ones waiting in the listen queue, and descriptors stay for the plugins' calls.
  void accept() {
    if (shared.connections >= max_connections) {
      accept_paused = true;
      make_room_when_a_client_waits();
      return;
    }
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        shared.log.event("warn", "destkit", "cannot accept a connection", {{"reason", ec.message()}});
        accept_retry.expires_after(kAcceptRetry);
        accept_retry.async_wait([this](beast::error_code waited) {
          if (!waited && acceptor.is_open()) accept();
        });
        return;
      }
      std::make_shared<Session>(std::move(socket), shared)->read();
      accept();
    });
  }

  // At the limit, once a client waits in the listen queue: closes the connection that has
  // waited longest for a request, whose close resumes accepting. While every connection has a
  // request in flight, looks again every kAcceptRetry.
  void make_room_when_a_client_waits() {
    if (room_wanted) return;
    room_wanted = true;
    acceptor.async_wait(tcp::acceptor::wait_read, [this](beast::error_code ec) {
      room_wanted = false;
      if (ec || !acceptor.is_open() || !accept_paused) return;
      // The reactor may wake this wait for an arrival that was accepted already: close nothing
      // unless a client is in the listen queue now.
      if (!client_waiting()) return make_room_when_a_client_waits();
      if (auto longest = shared.waiting.take_longest()) return Session::close_waiting(std::move(longest));
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](beast::error_code waited) {
        if (!waited && acceptor.is_open() && accept_paused) make_room_when_a_client_waits();
      });
    });
  }

  // An exception out of a handler (a bug, or memory running out) unwinds that handler, which
  // holds its connection: the connection ends, the service runs on.
  void run_io() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        shared.log.event("error", "destkit", "a connection failed unexpectedly and was closed",
                         {{"reason", host::printable(e.what(), 200)}});
      } catch (...) {
        shared.log.event("error", "destkit", "a connection failed unexpectedly and was closed");
      }
    }
  }

  bool client_waiting() {
    pollfd listening{acceptor.native_handle(), POLLIN, 0};
    return poll(&listening, 1, 0) == 1 && (listening.revents & POLLIN) != 0;
  }
};

HttpServer::HttpServer(Api& api, Metrics& metrics, EventLog& log, ServiceState& state, const ListenAddress& address,
                       std::size_t max_connections)
    : impl_(std::make_unique<Impl>(api, metrics, log, state, max_connections)) {
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
    asio::post(impl.acceptor.get_executor(), [&impl] {  // the acceptor and its timer live on that strand
      beast::error_code ignored;
      impl.acceptor.close(ignored);
      impl.accept_retry.cancel();
    });
    hangup.cancel();
    deadline = Clock::now() + drain;
    check_drained();
  });
  wait_for_hangup();
  asio::post(impl.acceptor.get_executor(), [&impl] { impl.accept(); });
  std::vector<std::thread> threads;
  for (int i = 1; i < kIoThreads; ++i) threads.emplace_back([&] { impl.run_io(); });
  on_ready();  // once every thread the service needs is running
  impl.run_io();
  for (auto& thread : threads) thread.join();
  return drained;
}

}  // namespace destkit::cli::serve
