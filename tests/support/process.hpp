// process — runs a command as a real subprocess and captures what it printed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace destkit::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed (timeout or signal)
  std::string out;
  std::string err;
  std::string output() const { return out + err; }
};

// Adds what a process printed to the suite's output log (DESTKIT_TEST_OUTPUT_LOG), which a
// last test searches for secrets. wait() does this itself.
void remember_output(const ProcessResult& result);

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          std::chrono::seconds timeout = std::chrono::seconds(60));

// A process running in the background, whose output can be read while it runs.
class SpawnedProcess {
 public:
  explicit SpawnedProcess(const std::vector<std::string>& argv, std::string input = {});
  ~SpawnedProcess();  // kills it if still running
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;

  // Reads standard output until it contains `text` (or the timeout passes); returns all read.
  std::string read_until(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(20));
  // Waits for the exit and returns everything it printed.
  ProcessResult wait(std::chrono::seconds timeout = std::chrono::seconds(60));
  // Sends `signal` to the process, while it runs.
  void send_signal(int signal);
  int pid() const { return pid_; }

 private:
  bool pump(std::chrono::steady_clock::time_point deadline);
  void close_input();

  int pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string input_;
  std::size_t written_ = 0;
  std::string out_text_;
  std::string err_text_;
};

}  // namespace destkit::test
