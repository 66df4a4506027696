#include "oauth/redirect_listener.hpp"
#include "util/url_form.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <stdexcept>

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

// Reads the request head (up to 16 KiB) within `deadline`; empty on failure.
std::string read_head(int fd, Clock::time_point deadline) {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return {};
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return {};
    head.append(buffer, static_cast<std::size_t>(n));
  }
  return head;
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
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{socket_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    int client = ::accept4(socket_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // A slow or silent client gets a few seconds, not the whole wait.
    std::string head = read_head(client, std::min(deadline, Clock::now() + std::chrono::seconds(5)));
    std::string_view line = std::string_view(head).substr(0, head.find("\r\n"));
    std::string_view target;
    if (line.starts_with("GET ")) target = line.substr(4, line.find(' ', 4) == std::string_view::npos ? 0 : line.find(' ', 4) - 4);
    if (target == "/callback" || target.starts_with("/callback?")) {
      auto query = target.find('?');
      auto params = query == std::string_view::npos ? std::map<std::string, std::string>{} : parse_query(target.substr(query + 1));
      if (params["state"] != state) {
        reply(client, 400, "Bad Request",
              "<!doctype html><title>destkit</title><p>This answer does not belong to the sign-in destkit is waiting "
              "for, so it was ignored.");
        ::close(client);
        continue;
      }
      bool ok = params.count("code") && !params.count("error");
      reply(client, 200, "OK",
            ok ? "<!doctype html><title>destkit</title><p>Signed in. You can close this window and return to the terminal."
               : "<!doctype html><title>destkit</title><p>The sign-in did not complete. See the terminal.");
      ::close(client);
      return params;
    }
    reply(client, 404, "Not Found", "<!doctype html><title>destkit</title><p>Not found.");
    ::close(client);
  }
}

}  // namespace destkit::host
