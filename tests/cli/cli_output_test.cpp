// What the CLI prints: text from plugins, servers, settings and file names is shown escaped
// and valid UTF-8 (nothing can move the cursor or forge a line), --json always parses, and an
// output that could not be written makes the command fail.
#include "environment.hpp"
#include "probe.hpp"

#include "util/printable.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace destkit::test;
using destkit::host::printable;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;
namespace json = boost::json;

namespace {

const std::string kHostileDir = (kTestPluginDir / "hostile-text").string();
const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD
const std::string kEllipsis = "\xe2\x80\xa6";

// Every line is printable as it stands: no control character, no invalid UTF-8.
bool every_line_printable(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (printable(line) != line) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("plugin names, labels, descriptions and versions are shown escaped; --json stays valid") {
  ProcessResult listed = run_destkit({"plugins", "--plugin-path", kHostileDir});
  CHECK(listed.out.find("hostile-text           Hostile\\x1b[2J         1.0\\x1b[31m" + kReplacement + "  custom") !=
        std::string::npos);
  CHECK(every_line_printable(listed.output()));

  ProcessResult described = run_destkit({"describe", "hostile-text", "--plugin-path", kHostileDir});
  CHECK(described.out.find("Line one\\nCredentials are valid.\\u202e\n") != std::string::npos);
  CHECK(described.out.find("  apiKey  API\\x1b[8m Key  (string, optional)\n") != std::string::npos);
  CHECK(every_line_printable(described.output()));

  std::string file = kHostileDir + "/destkit-hostile-text.so";
  ProcessResult checked = run_destkit({"check", file});
  CHECK(checked.out.find("hostile-text 1.0\\x1b[31m" + kReplacement + " (Hostile\\x1b[2J)") != std::string::npos);
  CHECK(every_line_printable(checked.output()));

  for (std::vector<std::string> args : {std::vector<std::string>{"plugins", "--plugin-path", kHostileDir},
                                        {"describe", "hostile-text", "--plugin-path", kHostileDir},
                                        {"check", file}}) {
    args.push_back("--json");
    ProcessResult r = run_destkit(args);
    INFO(r.out);
    json::value parsed = json::parse(r.out);  // throws on invalid UTF-8
    json::object plugin = parsed.as_object();
    if (parsed.as_object().contains("plugins")) {
      for (const auto& p : parsed.at("plugins").as_array()) {
        if (p.at("slug") == "hostile-text") plugin = p.as_object();
      }
    }
    CHECK(plugin.at("name") == "Hostile\\x1b[2J");
    CHECK(std::string(plugin.at("version").as_string()) == "1.0\\x1b[31m" + kReplacement);
  }
}

TEST_CASE("a plugin's error message and log lines cannot draw a verdict; the message is cut at 1000 bytes") {
  std::vector<std::string> args{"test-auth", "hostile-text", "--settings", "-", "--plugin-path", kHostileDir};
  ProcessResult r = run_destkit(args, "{}");
  CHECK(r.exit_code == 3);
  std::string shown = "testRequest of hostile-text failed: \\x1b[1A\\r\\x1b[2KCredentials are valid." + kReplacement +
                      kReplacement + " xxx";
  CHECK(r.out.substr(0, shown.size()) == shown);
  CHECK(r.out.ends_with(kEllipsis + "\n"));
  CHECK(r.out.size() <= std::string("testRequest of hostile-text failed: \n").size() + 1000);
  CHECK(r.err.find("[hostile-text] warn: \\x1b]0;owned\\x07 title changed\n") != std::string::npos);
  CHECK(every_line_printable(r.output()));

  args.push_back("--json");
  ProcessResult as_json = run_destkit(args, "{}");
  CHECK(std::string(json::parse(as_json.out).at("error").as_string()).substr(0, shown.size()) == shown);
}

TEST_CASE("unknown settings keys are shown escaped and cut short") {
  Server server([](const Request&) { return Response::json(200, "{}"); });
  std::string long_key(5000, 'k');
  std::string settings = R"({"baseUrl":")" + probe_base_url(server) + R"(","token":"t","\u001b[2Jmdoe":1,")" +
                         long_key + R"(":2})";
  std::vector<std::string> args{"test-auth", "test-probe", "--settings", "-", "--plugin-path", kTestPluginDir.string()};
  ProcessResult r = run_destkit(args, settings);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("  \\x1b[2Jmdoe: \"\\x1b[2Jmdoe\" is not a setting of Test Probe.") != std::string::npos);
  CHECK(every_line_printable(r.output()));
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) CHECK(line.size() <= 2 + 1000 + 2 + 1000);

  args.push_back("--json");
  json::object fields = json::parse(run_destkit(args, settings).out).at("fields").as_object();
  CHECK(fields.contains("\\x1b[2Jmdoe"));
  CHECK(server.request_count() == 0);
}

TEST_CASE("file names are shown escaped, in text and in JSON") {
  std::filesystem::path dir = new_directory("hostile-names");
  std::ofstream(dir / "destkit-\x1b[31m\xff.so") << "not a plugin";
  ProcessResult text = run_destkit({"plugins", "--plugin-path", dir.string()});
  CHECK(text.out.find("destkit-\\x1b[31m" + kReplacement + ".so: ") != std::string::npos);
  CHECK(every_line_printable(text.output()));
  json::value listed = json::parse(run_destkit({"plugins", "--plugin-path", dir.string(), "--json"}).out);
  std::string path(listed.at("rejected").as_array().at(0).at("path").as_string());
  CHECK(path.ends_with("destkit-\\x1b[31m" + kReplacement + ".so"));
}

TEST_CASE("an output that cannot be written fails the command with exit 3") {
  std::string file = kHostileDir + "/destkit-hostile-text.so";
  for (std::vector<std::string> args : {std::vector<std::string>{"plugins"},
                                        {"plugins", "--json"},
                                        {"describe", "example-basic"},
                                        {"check", file, "--json"},
                                        {"test-auth", "example-basic", "--settings", "-"},
                                        {"help"},
                                        {"--version"}}) {
    std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full", kDestkitCli.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult r = run_process(argv, "{}");
    INFO(args[0]);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("destkit: could not write the output: No space left on device\n") != std::string::npos);
  }
}

TEST_CASE("JSON output writes numbers as the shortest decimal that reads back the same, and whole bounds as integers") {
  std::filesystem::path dir = new_directory("numbers");
  std::ofstream(dir / "destkit-numbers.json") << R"({"slug": "numbers", "name": "Numbers", "version": "1.0.0",
    "authentication": {"scheme": "custom",
      "fields": {"rate": {"label": "Rate", "type": "number", "minimum": 0.5, "maximum": 1e21, "default": 60},
                 "wait": {"label": "Wait", "type": "integer", "minimum": 0, "maximum": 600000},
                 "tier": {"label": "Tier", "type": "integer",
                          "choices": [{"value": 1, "label": "One"}, {"value": 2, "label": "Two"}, 3]}}}})";
  ProcessResult r = run_destkit({"describe", "numbers", "--json", "--plugin-path", dir.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(R"("minimum":0.5,"maximum":1e+21)") != std::string::npos);
  CHECK(r.out.find(R"("minimum":0,"maximum":600000})") != std::string::npos);  // whole bounds as integers
  ProcessResult text = run_destkit({"describe", "numbers", "--plugin-path", dir.string()});
  CHECK(text.out.find("choices: 1 (One), 2 (Two), 3\n") != std::string::npos);  // labels that say more
  CHECK(r.out.find(R"("default":60)") != std::string::npos);
}
