#include "loopback_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace destkit::loopback {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string wire_bytes(const Response& r) {
  if (r.raw) return *r.raw;
  std::string reason = r.reason.empty()
                           ? std::string(http::obsolete_reason(static_cast<http::status>(r.status)))
                           : r.reason;
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : r.headers) {
    out += name + ": " + value + "\r\n";
    has_length = has_length || iequals(name, "content-length") || iequals(name, "transfer-encoding");
  }
  if (!has_length) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  return out + "\r\n" + r.body;
}

}  // namespace

std::string Request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

bool Request::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  return r;
}

Response Response::redirect(int status, std::string location) {
  Response r;
  r.status = status;
  r.headers = {{"Location", std::move(location)}};
  return r;
}

TlsFiles make_self_signed_certificate(const std::string& directory, const std::vector<std::string>& hosts) {
  TlsFiles files{directory + "/certificate.pem", directory + "/key.pem"};
  std::string names = "subjectAltName=IP:127.0.0.1";
  for (const auto& host : hosts) names += ",DNS:" + host;
  std::vector<std::string> args = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                   "-subj", "/CN=destkit-loopback", "-addext", names,
                                   "-keyout", files.private_key, "-out", files.certificate};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn, not fork: a forked child of a process with server threads must not allocate.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("openssl could not make a test certificate (is the openssl command installed?)");
  }
  return files;
}

struct Server::Impl {
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
  TlsPerName per_name;
  std::map<std::string, asio::ssl::context> contexts;  // per server name, guarded by mutex

  asio::ssl::context& context_for(const std::string& name) {
    std::lock_guard lock(mutex);
    auto found = contexts.find(name);
    if (found != contexts.end()) return found->second;
    auto [certificate, key] = per_name.certificate_for(name);
    asio::ssl::context& context = contexts.emplace(name, asio::ssl::context::tls_server).first->second;
    context.use_certificate_chain(asio::buffer(certificate));
    context.use_private_key(asio::buffer(key), asio::ssl::context::pem);
    return context;
  }

  // OpenSSL's SNI callback: switches the connection to the certificate for the name asked.
  static int on_server_name(SSL* ssl, int*, void* arg) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr) return SSL_TLSEXT_ERR_OK;
    try {
      SSL_set_SSL_CTX(ssl, static_cast<Impl*>(arg)->context_for(name).native_handle());
    } catch (const std::exception&) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
  }
  std::thread accept_thread;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  std::vector<Request> requests;
  std::list<std::thread> connections;
  std::vector<int> open_sockets;

  // Sleeps in small steps so a stopping server never waits for a long delay.
  void pause(std::chrono::milliseconds duration) {
    auto until = std::chrono::steady_clock::now() + duration;
    while (!stopping && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min(duration, std::chrono::milliseconds(10)));
    }
  }

  template <class Stream>
  void write_response(Stream& stream, const Response& response) {
    pause(response.delay);
    std::string bytes = wire_bytes(response);
    if (response.trickle.count() == 0) {
      asio::write(stream, asio::buffer(bytes));
      return;
    }
    for (char c : bytes) {
      if (stopping) return;
      asio::write(stream, asio::buffer(&c, 1));
      pause(response.trickle);
    }
  }

  template <class Stream>
  void serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec || stopping) return;
      const auto& message = parser.get();
      Request request{std::string(message.method_string()), std::string(message.target()), {}, message.body()};
      for (const auto& field : message) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      {
        std::lock_guard lock(mutex);
        requests.push_back(request);
      }
      Response response = handler(request);
      write_response(stream, response);
      if (response.raw || !message.keep_alive()) return;
    }
  }

  void handle(tcp::socket socket) {
    try {
      if (tls) {
        asio::ssl::stream<tcp::socket&> stream(socket, *tls);
        stream.handshake(asio::ssl::stream_base::server);
        serve(stream);
      } else {
        serve(socket);
      }
    } catch (const std::exception&) {
      // A client that hangs up or fails the TLS handshake ends only its own connection.
    }
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    // Forget the descriptor before it closes, so the destructor never touches a reused one.
    std::lock_guard lock(mutex);
    std::erase(open_sockets, socket.native_handle());
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec || stopping) return;
      std::lock_guard lock(mutex);
      open_sockets.push_back(socket.native_handle());
      connections.emplace_back([this, s = std::move(socket)]() mutable { handle(std::move(s)); });
      accept();
    });
  }
};

Server::Server(Handler handler, std::optional<TlsFiles> tls, unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  if (tls) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->certificate);
    impl_->tls->use_private_key_file(tls->private_key, asio::ssl::context::pem);
  }
  listen(port);
}

Server::Server(Handler handler, TlsPerName tls, unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->per_name = std::move(tls);
  auto [certificate, key] = impl_->per_name.certificate_for("");
  impl_->tls.emplace(asio::ssl::context::tls_server);
  impl_->tls->use_certificate_chain(asio::buffer(certificate));
  impl_->tls->use_private_key(asio::buffer(key), asio::ssl::context::pem);
  SSL_CTX_set_tlsext_servername_callback(impl_->tls->native_handle(), &Impl::on_server_name);
  SSL_CTX_set_tlsext_servername_arg(impl_->tls->native_handle(), impl_.get());
  listen(port);
}

void Server::listen(unsigned short port) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->accept();
  impl_->accept_thread = std::thread([this] { impl_->io.run(); });
}

Server::~Server() {
  impl_->stopping = true;
  asio::post(impl_->io, [this] { impl_->acceptor.close(); });
  impl_->accept_thread.join();
  std::list<std::thread> connections;
  {
    std::lock_guard lock(impl_->mutex);
    // Unblocks connection threads waiting in a read.
    for (int fd : impl_->open_sockets) ::shutdown(fd, SHUT_RDWR);
    connections.swap(impl_->connections);
  }
  for (auto& t : connections) t.join();
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

std::vector<Request> Server::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

void Server::clear_requests() {
  std::lock_guard lock(impl_->mutex);
  impl_->requests.clear();
}

std::size_t Server::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests.size();
}

}  // namespace destkit::loopback
