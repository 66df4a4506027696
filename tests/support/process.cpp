#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace destkit::test {
namespace {

std::mutex output_mutex;

int milliseconds_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

// Appends what a process printed to DESTKIT_TEST_OUTPUT_LOG when set, where a last test looks
// for any secret that leaked in any run.
void remember_output(const ProcessResult& result) {
  std::lock_guard lock(output_mutex);
  if (const char* path = std::getenv("DESTKIT_TEST_OUTPUT_LOG")) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string text = result.output();
      for (std::size_t done = 0; done < text.size();) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      close(fd);
    }
  }
}

SpawnedProcess::SpawnedProcess(const std::vector<std::string>& argv, std::string input) : input_(std::move(input)) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  signal(SIGPIPE, SIG_IGN);  // a child that exits before reading its input must not kill us
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // posix_spawn, not fork: the tests run server threads, and a forked child that allocates
  // before exec can wait forever for a lock one of them held (seen under AddressSanitizer).
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  int spawned = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  if (spawned != 0) {
    pid_ = -1;
    close_input();
    for (int* fd : {&out_, &err_}) close(std::exchange(*fd, -1));
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(spawned));
  }
  if (input_.empty()) close_input();
}

SpawnedProcess::~SpawnedProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close_input();
  for (int fd : {out_, err_}) {
    if (fd >= 0) close(fd);
  }
}

void SpawnedProcess::close_input() {
  if (in_ >= 0) close(in_);
  in_ = -1;
}

// Moves data one step: writes pending input, reads what is ready. False when nothing is left.
bool SpawnedProcess::pump(std::chrono::steady_clock::time_point deadline) {
  if (out_ < 0 && err_ < 0) return false;
  pollfd fds[3] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}, {in_, POLLOUT, 0}};
  if (poll(fds, 3, milliseconds_until(deadline)) <= 0) return false;
  char buffer[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].revents == 0) continue;
    ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
    int& fd = i == 0 ? out_ : err_;
    if (n <= 0) {
      close(fd);
      fd = -1;
    } else {
      (i == 0 ? out_text_ : err_text_).append(buffer, static_cast<std::size_t>(n));
    }
  }
  if (in_ >= 0 && fds[2].revents != 0) {
    ssize_t n = write(in_, input_.data() + written_, input_.size() - written_);
    if (n > 0) written_ += static_cast<std::size_t>(n);
    if (n <= 0 || written_ == input_.size()) close_input();
  }
  return true;
}

std::string SpawnedProcess::read_until(const std::string& text, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out_text_.find(text) == std::string::npos && pump(deadline)) {
  }
  return out_text_;
}

ProcessResult SpawnedProcess::wait(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pump(deadline)) {
  }
  if (out_ >= 0 || err_ >= 0) kill(pid_, SIGKILL);  // the time ran out
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  ProcessResult result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out_text_, err_text_};
  remember_output(result);
  return result;
}

void SpawnedProcess::send_signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input, std::chrono::seconds timeout) {
  return SpawnedProcess(argv, input).wait(timeout);
}

}  // namespace destkit::test
