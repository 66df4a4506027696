// The runner protocol's frames: what one side writes the other reads, and a frame that is cut
// short, too large or of the wrong shape ends the conversation with WireError, never a crash.
#include "isolation/wire.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include <sys/socket.h>
#include <unistd.h>

using namespace destkit::isolation;

namespace {

struct Channel {
  int fds[2];
  Channel() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~Channel() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  void write_raw(const std::string& bytes) { REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())); }
};

}  // namespace

TEST_CASE("a message's integers and text arrive as they were sent") {
  Channel channel;
  send(channel.fds[1], std::move(Message(Kind::service).add(-7).add(std::string_view("a\0b", 3)).add(std::string_view())));
  auto received = receive(channel.fds[0], std::chrono::milliseconds(1000));
  REQUIRE(received);
  CHECK(received->kind() == Kind::service);
  CHECK(received->integer() == -7);
  CHECK(received->text() == std::string_view("a\0b", 3));
  CHECK(received->text().empty());
  CHECK_THROWS_AS(received->integer(), WireError);  // nothing is left
}

TEST_CASE("a frame of the wrong shape, cut short or too large is refused") {
  SECTION("a text field read as an integer") {
    Channel channel;
    send(channel.fds[1], std::move(Message().add("text")));
    auto received = receive(channel.fds[0], std::chrono::milliseconds(1000));
    REQUIRE(received);
    CHECK_THROWS_AS(received->integer(), WireError);
  }
  SECTION("text longer than its frame") {
    Channel channel;
    channel.write_raw(std::string("\x06\0\0\0s\xff\0\0\0x", 10));
    auto received = receive(channel.fds[0], std::chrono::milliseconds(1000));
    REQUIRE(received);
    CHECK_THROWS_AS(received->text(), WireError);
  }
  SECTION("a length past the limit") {
    Channel channel;
    channel.write_raw(std::string("\xff\xff\xff\x7f", 4));
    CHECK_THROWS_AS(receive(channel.fds[0], std::chrono::milliseconds(1000)), WireError);
  }
  SECTION("the peer closing mid-frame") {
    Channel channel;
    channel.write_raw(std::string("\x10\0\0\0i", 5));
    ::close(channel.fds[1]);
    channel.fds[1] = -1;
    CHECK_THROWS_AS(receive(channel.fds[0], std::chrono::milliseconds(1000)), WireError);
  }
}

TEST_CASE("waiting for a frame ends at the timeout with nothing") {
  Channel channel;
  CHECK_FALSE(receive(channel.fds[0], std::chrono::milliseconds(50)));
}

TEST_CASE("frames written in one write are read in one and handed out in order through an inbox") {
  Channel channel;
  std::string frames;
  append_frame(frames, std::move(Message(Kind::deferred_service).add(1)));
  append_frame(frames, std::move(Message(Kind::service).add("two")));
  send_frames(channel.fds[1], frames);
  Inbox inbox;
  auto first = receive(channel.fds[0], inbox, std::chrono::milliseconds(1000));
  REQUIRE(first);
  CHECK(first->kind() == Kind::deferred_service);
  CHECK(first->integer() == 1);
  auto second = inbox.take();  // already read with the first
  REQUIRE(second);
  CHECK(second->kind() == Kind::service);
  CHECK(second->text() == "two");
  CHECK_FALSE(inbox.take());
  CHECK_FALSE(receive(channel.fds[0], inbox, std::chrono::milliseconds(50)));
}

TEST_CASE("an inbox puts together a frame larger than one read, and the frame after it") {
  Channel channel;
  std::string big(300 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::string frames;
  append_frame(frames, std::move(Message(Kind::reply).add(big)));
  append_frame(frames, std::move(Message(Kind::reply).add("after")));
  std::thread writer([&] { send_frames(channel.fds[1], frames); });  // more than the socket holds
  Inbox inbox;
  auto first = receive(channel.fds[0], inbox, std::chrono::milliseconds(5000));
  auto second = receive(channel.fds[0], inbox, std::chrono::milliseconds(5000));
  writer.join();
  REQUIRE(first);
  first->kind();
  CHECK(first->text() == big);
  REQUIRE(second);
  second->kind();
  CHECK(second->text() == "after");
}

TEST_CASE("an inbox refuses a length past the limit and a peer that closes mid-frame") {
  Channel channel;
  Inbox inbox;
  SECTION("too large") {
    channel.write_raw(std::string("\xff\xff\xff\x7f", 4));
    CHECK_THROWS_AS(receive(channel.fds[0], inbox, std::chrono::milliseconds(1000)), WireError);
  }
  SECTION("cut short") {
    channel.write_raw(std::string("\x10\0\0\0i", 5));
    ::close(channel.fds[1]);
    channel.fds[1] = -1;
    CHECK_THROWS_AS(receive(channel.fds[0], inbox, std::chrono::milliseconds(1000)), WireError);
  }
}

TEST_CASE("a message's kind can be replaced, its fields kept") {
  Message m(Kind::service);
  m.add(7).add("x");
  m.set_kind(Kind::deferred_service);
  Reader r(m.bytes());
  CHECK(r.kind() == Kind::deferred_service);
  CHECK(r.peek_integer() == 7);
  CHECK(r.integer() == 7);
  CHECK(r.text() == "x");
}
