#include "isolation/wire.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace destkit::isolation {
namespace {

using Clock = std::chrono::steady_clock;

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t get_le(std::string_view in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return value;
}

// poll()'s timeout until `deadline` (-1 for none), rounded up so that poll() does not return
// before it and spin until it passes; nothing once it has passed.
std::optional<int> poll_timeout(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  if (left <= 0) return std::nullopt;
  return static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Fills `out` from fd; false when the deadline passed first.
bool read_exactly(int fd, char* out, std::size_t size, std::optional<Clock::time_point> deadline) {
  std::size_t done = 0;
  while (done < size) {
    std::optional<int> wait = poll_timeout(deadline);
    if (!wait) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, *wait);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw WireError(std::string("poll: ") + std::strerror(errno));
    if (ready == 0) continue;  // the deadline check above decides
    ssize_t n = ::recv(fd, out + done, size - done, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw WireError(std::string("read: ") + std::strerror(errno));
    if (n == 0) throw WireError("the peer closed the channel");
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Message& Message::add(std::int64_t value) {
  bytes_.push_back('i');
  put_le(bytes_, static_cast<std::uint64_t>(value), 8);
  return *this;
}

Message& Message::add(std::string_view bytes) {
  if (bytes.size() > kMaxFrameBytes) throw WireError("a field is larger than a frame may be");
  bytes_.push_back('s');
  put_le(bytes_, bytes.size(), 4);
  bytes_.append(bytes);
  return *this;
}

void Message::set_kind(Kind kind) {
  if (bytes_.size() < 9 || bytes_[0] != 'i') throw WireError("a message without a kind");
  std::string value;
  put_le(value, static_cast<std::uint64_t>(kind), 8);
  bytes_.replace(1, 8, value);
}

std::int64_t Reader::integer() {
  if (frame_.size() - at_ < 9 || frame_[at_] != 'i') throw WireError("malformed frame: an integer was expected");
  auto value = static_cast<std::int64_t>(get_le(std::string_view(frame_).substr(at_ + 1), 8));
  at_ += 9;
  return value;
}

std::int64_t Reader::peek_integer() {
  std::size_t at = at_;
  std::int64_t value = integer();
  at_ = at;
  return value;
}

std::string_view Reader::text() {
  if (frame_.size() - at_ < 5 || frame_[at_] != 's') throw WireError("malformed frame: text was expected");
  std::size_t size = get_le(std::string_view(frame_).substr(at_ + 1), 4);
  if (frame_.size() - at_ - 5 < size) throw WireError("malformed frame: text runs past its end");
  std::string_view out = std::string_view(frame_).substr(at_ + 5, size);
  at_ += 5 + size;
  return out;
}

void append_frame(std::string& frames, const Message& message) {
  if (message.bytes().size() > kMaxFrameBytes) throw WireError("a message is larger than a frame may be");
  put_le(frames, message.bytes().size(), 4);
  frames += message.bytes();
}

bool send_frames(int fd, std::string_view frames, PollFunction wait, std::optional<Clock::time_point> deadline) {
  std::size_t done = 0;
  while (done < frames.size()) {
    ssize_t n = ::send(fd, frames.data() + done, frames.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      std::optional<int> timeout = poll_timeout(deadline);
      if (!timeout) return false;
      pollfd p{fd, POLLOUT, 0};
      wait(&p, 1, *timeout);
      continue;
    }
    if (n <= 0) throw WireError(std::string("write: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void send(int fd, const Message& message) {
  thread_local std::string frame;  // kept: no allocation per message once it has grown
  frame.clear();
  append_frame(frame, message);
  send_frames(fd, frame);
  if (frame.capacity() > (1u << 20)) std::string().swap(frame);  // a large body is not kept
}

std::optional<Reader> Inbox::take() {
  std::size_t held = end_ - start_;
  if (held < 4) return std::nullopt;
  std::size_t size = get_le(std::string_view(buffer_).substr(start_, 4), 4);
  if (size > kMaxFrameBytes) throw WireError("a frame is larger than the limit");
  if (held - 4 < size) return std::nullopt;
  Reader frame(buffer_.substr(start_ + 4, size));
  start_ += 4 + size;
  if (start_ == end_) start_ = end_ = 0;
  return frame;
}

bool Inbox::fill(int fd, bool wait) {
  constexpr std::size_t kChunk = 64 * 1024;
  if (start_ > 0) {  // frames handed out make room
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  if (end_ == 0 && buffer_.size() > 4 * kChunk) std::string().swap(buffer_);  // a large frame is not kept
  if (buffer_.size() < end_ + kChunk) buffer_.resize(end_ + kChunk);
  ssize_t n;
  do {
    n = ::recv(fd, buffer_.data() + end_, buffer_.size() - end_, wait ? 0 : MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN) throw WireError(std::string("read: ") + std::strerror(errno));
  if (n == 0) throw WireError("the peer closed the channel");
  if (n < 0) return false;
  end_ += static_cast<std::size_t>(n);
  return true;
}

std::optional<Reader> receive(int fd, Inbox& inbox, std::optional<std::chrono::milliseconds> timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  for (;;) {
    if (auto frame = inbox.take()) return frame;
    if (!deadline) {  // one system call per wait, and a poll only if the peer made fd non-blocking
      if (!inbox.fill(fd, true)) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, -1);
      }
      continue;
    }
    std::optional<int> wait = poll_timeout(deadline);
    if (!wait) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, *wait);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw WireError(std::string("poll: ") + std::strerror(errno));
    if (ready > 0) inbox.fill(fd);
  }
}

std::optional<Reader> receive(int fd, std::optional<std::chrono::milliseconds> timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  char header[4];
  if (!read_exactly(fd, header, sizeof header, deadline)) return std::nullopt;
  std::size_t size = get_le(std::string_view(header, 4), 4);
  if (size > kMaxFrameBytes) throw WireError("a frame is larger than the limit");
  std::string frame(size, '\0');
  if (!read_exactly(fd, frame.data(), size, deadline)) return std::nullopt;
  return Reader(std::move(frame));
}

std::string_view hook_name(Hook hook) {
  switch (hook) {
    case Hook::extend_request: return "extendRequest";
    case Hook::test_request: return "testRequest";
    case Hook::refresh_access_token: return "refreshAccessToken";
  }
  return "a hook";
}

}  // namespace destkit::isolation
