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

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          std::chrono::seconds timeout = std::chrono::seconds(60));

// Every line ever printed by a process run through run_process, to check for leaked secrets.
const std::string& all_output_so_far();

}  // namespace destkit::test
