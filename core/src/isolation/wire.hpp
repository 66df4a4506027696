// isolation/wire — the messages between the host and a plugin runner, and how they travel.
//
// A message is a frame on the socketpair: a 4-byte little-endian length, then that many bytes
// of fields. A field is a tag byte, then either an 8-byte little-endian integer (tag 'i') or a
// 4-byte length and that many bytes (tag 's'). The first field of every message is its kind.
// Both sides compile this file; neither trusts the other's frames: a frame too large, cut short
// or of the wrong shape ends the conversation (WireError), never the reader.
#pragma once

#include <poll.h>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace destkit::isolation {

// The kinds of message, as the first field of each.
enum class Kind : std::int64_t {
  descriptor = 1,  // runner -> host, once after start: what dk_plugin_entry returned
  hook = 2,        // host -> runner: run a hook (may arrive while the runner waits for a reply):
                   // hook, call, options, which get_auth names the call holds (1 accessToken,
                   // 2 refreshToken, 4 clientId, 8 clientSecret), an options handle made
                   // for the hook's first request_options_new (0 for none), the hook to run
                   // next on the same call when this one returns DK_OK (0 for none, else
                   // test_request after extend_request) and its options handle made in
                   // advance, whether the runner should look for the host's messages before it
                   // sleeps (1) or not (0: util/spin_wait.hpp), the number of the call's
                   // settings, then each as name,
                   // DK_VALUE_* kind, text
  hook_done = 3,   // runner -> host: the hook's status
  service = 4,     // runner -> host: a dk_host_api call made by the plugin
  reply = 5,       // host -> runner: the service's status and outputs
  // runner -> host: an option setter the runner found acceptable (docs/isolation.md, "Fewer
  // round trips"); the host runs it and sends no reply.
  deferred_service = 6,
};

// Hooks a host message may ask for.
enum class Hook : std::int64_t { extend_request = 1, test_request = 2, refresh_access_token = 3 };
// "extendRequest", "testRequest", "refreshAccessToken", as messages name them.
std::string_view hook_name(Hook hook);

// The largest frame either side accepts: a JSON body (64 MiB at most) with room for the rest.
inline constexpr std::uint32_t kMaxFrameBytes = (64u << 20) + 4096;

// The channel broke or a frame was malformed: the conversation cannot go on.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Message {
 public:
  Message() = default;
  explicit Message(Kind kind) { add(static_cast<std::int64_t>(kind)); }

  Message& add(std::int64_t value);
  Message& add(std::string_view bytes);
  // Replaces the kind of a message made with Message(Kind).
  void set_kind(Kind kind);
  const std::string& bytes() const { return bytes_; }

 private:
  friend class Reader;
  std::string bytes_;
};

// Reads the fields of a received frame in order; a field of the wrong type or missing throws.
class Reader {
 public:
  explicit Reader(std::string frame) : frame_(std::move(frame)) {}
  std::int64_t integer();
  std::int64_t peek_integer();  // the next integer, left to be read again
  std::string_view text();
  Kind kind() { return static_cast<Kind>(integer()); }

 private:
  std::string frame_;
  std::size_t at_ = 0;
};

// Appends `message` as a frame to `frames`, so that several frames go in one write.
void append_frame(std::string& frames, const Message& message);
// Writes one frame, or frames made with append_frame; throws WireError when the peer is gone.
// Never raises SIGPIPE.
void send(int fd, const Message& message);
// `wait` waits for room in a full channel (::poll, or fiber::poll on the host); with a
// deadline, false when the channel stayed full until then.
using PollFunction = int (*)(pollfd* fds, nfds_t count, int timeout_ms);
bool send_frames(int fd, std::string_view frames, PollFunction wait = ::poll,
                 std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

// Frames read from a channel in as few reads as the peer's writes allow: one read takes every
// frame the peer has written so far, and the next receive hands them out without a system call.
class Inbox {
 public:
  // A whole frame already read, if any. WireError when its length is past the limit.
  std::optional<Reader> take();
  // Reads what `fd` holds now, without waiting unless `wait` (then until something arrives,
  // if `fd` blocks). False when nothing was read. WireError at end of stream.
  bool fill(int fd, bool wait = false);
  // Whether bytes were read that no frame handed out holds.
  bool empty() const { return start_ == end_; }

 private:
  // Bytes read are [start_, end_): the first frame not handed out begins at start_. The rest
  // of buffer_ is room for the next read, kept so that a read does not clear memory first.
  std::string buffer_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
};

// Like receive below, through `inbox`: frames already read are handed out first.
std::optional<Reader> receive(int fd, Inbox& inbox, std::optional<std::chrono::milliseconds> timeout);

// Waits at most `timeout` (forever when empty) for one whole frame. Returns nothing on
// timeout; throws WireError at end of stream or on a malformed frame.
std::optional<Reader> receive(int fd, std::optional<std::chrono::milliseconds> timeout);

}  // namespace destkit::isolation
