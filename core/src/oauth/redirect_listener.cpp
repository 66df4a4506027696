#include "oauth/redirect_listener.hpp"
#include "util/url_form.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

namespace destkit::host {
namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : parse_form(query)) out[name] = std::move(value);
  return out;
}

void reply(int fd, int status, std::string_view reason, std::string_view body) {
  std::string response = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
      status, reason, body.size(), body);
  for (std::size_t done = 0; done < response.size();) {
    ssize_t n = ::send(fd, response.data() + done, response.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// A browser's connection whose request head is still arriving. Connections are read side by
// side: idle ones (a browser's preconnects, or a local process holding sockets open) must not
// keep the real way back waiting behind them.
struct Pending {
  int fd = -1;
  std::string head{};
  Clock::time_point gives_up{};
};

constexpr std::size_t kMaxHeadBytes = 16384;
constexpr std::size_t kMaxPending = 32;       // past it, the connection waiting longest is closed
constexpr std::chrono::seconds kHeadTime{5};  // for a client to send its request head

// Reads what has arrived; false when the client closed or sent more than a head may hold.
bool read_more(Pending& client) {
  char buffer[4096];
  ssize_t n = ::recv(client.fd, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  if (n == 0) return false;
  client.head.append(buffer, static_cast<std::size_t>(n));
  return client.head.find("\r\n\r\n") != std::string::npos || client.head.size() < kMaxHeadBytes;
}

// Answers one complete request head: the way back with the right state ends the wait (its
// parameters), anything else is answered and the wait goes on (nullopt).
std::optional<std::map<std::string, std::string>> answer(int client, std::string_view head, const std::string& state) {
  std::string_view line = head.substr(0, head.find("\r\n"));
  std::string_view target;
  if (line.starts_with("GET "))
    target = line.substr(4, line.find(' ', 4) == std::string_view::npos ? 0 : line.find(' ', 4) - 4);
  if (target != "/callback" && !target.starts_with("/callback?")) {
    reply(client, 404, "Not Found", "<!doctype html><title>destkit</title><p>Not found.");
    return std::nullopt;
  }
  auto query = target.find('?');
  auto params =
      query == std::string_view::npos ? std::map<std::string, std::string>{} : parse_query(target.substr(query + 1));
  if (params["state"] != state) {
    reply(client, 400, "Bad Request",
          "<!doctype html><title>destkit</title><p>This answer does not belong to the sign-in destkit is waiting "
          "for, so it was ignored.");
    return std::nullopt;
  }
  // The code is exchanged after this page is sent, so the page cannot say it worked.
  bool came_back_with_a_code = params.count("code") && !params.at("code").empty() && !params.count("error");
  reply(client, 200, "OK",
        came_back_with_a_code ? "<!doctype html><title>destkit</title><p>destkit received the sign-in and is "
                                "finishing it. Return to the terminal, which says whether it succeeded."
                              : "<!doctype html><title>destkit</title><p>The sign-in did not complete. See the "
                                "terminal.");
  return params;
}

}  // namespace

RedirectListener::RedirectListener() {
  socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (socket_ < 0 || ::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(socket_, 8) != 0 || ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (socket_ >= 0) ::close(socket_);
    throw std::runtime_error("cannot listen on 127.0.0.1 for the sign-in redirect");
  }
  port_ = ntohs(address.sin_port);
}

RedirectListener::~RedirectListener() { ::close(socket_); }

std::string RedirectListener::redirect_uri() const { return fmt::format("http://127.0.0.1:{}/callback", port_); }

std::optional<std::map<std::string, std::string>> RedirectListener::wait(const std::string& state,
                                                                        std::chrono::seconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::vector<Pending> clients;  // the one waiting longest first
  auto close_client = [&](std::size_t i) {
    ::close(clients[i].fd);
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
  };
  struct CloseAll {
    std::vector<Pending>& clients;
    ~CloseAll() {
      for (const Pending& c : clients) ::close(c.fd);
    }
  } close_all{clients};
  for (;;) {
    Clock::time_point now = Clock::now();
    if (now >= deadline) return std::nullopt;
    for (std::size_t i = clients.size(); i-- > 0;) {
      if (now >= clients[i].gives_up) close_client(i);  // a slow or silent client: a few seconds, not the whole wait
    }
    Clock::time_point wake = deadline;
    std::vector<pollfd> polled{{socket_, POLLIN, 0}};
    for (const Pending& c : clients) {
      polled.push_back({c.fd, POLLIN, 0});
      wake = std::min(wake, c.gives_up);
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    if (::poll(polled.data(), polled.size(), static_cast<int>(std::max<long long>(left, 0))) < 0 && errno != EINTR) {
      return std::nullopt;
    }
    for (std::size_t i = clients.size(); i-- > 0;) {
      if (polled[i + 1].revents == 0) continue;
      if (!read_more(clients[i])) {
        close_client(i);
        continue;
      }
      if (clients[i].head.find("\r\n\r\n") == std::string::npos) continue;
      auto params = answer(clients[i].fd, clients[i].head, state);
      close_client(i);
      if (params) return params;
    }
    if (polled[0].revents != 0) {
      int client = ::accept4(socket_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        if (clients.size() >= kMaxPending) close_client(0);
        clients.push_back({client, {}, Clock::now() + kHeadTime});
      }
    }
  }
}

}  // namespace destkit::host
