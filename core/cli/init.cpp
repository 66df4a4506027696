#include "init.hpp"

#include "commands.hpp"
#include "project_templates.hpp"
#include "standard_output.hpp"


#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace destkit::cli {
namespace {

namespace fs = std::filesystem;

// What differs between schemes, in C++, in C, in JSON, and in the generated test.
struct SchemeTemplate {
  std::string cpp_scheme, cpp_fields, cpp_input, cpp_headers, c_fields, c_extend, good, bad, json_fields,
      json_headers;
};

constexpr std::string_view kBearerFromC = R"(  if (status == DK_OK) {
    char header[1024];
    dk_str value = {NULL, 0};
    @READ@
    if (status == DK_OK) {
      int n = snprintf(header, sizeof header, "Bearer %.*s", (int)value.size, value.data);
      if (n < 0 || (size_t)n >= sizeof header) return DK_ERR_INVALID_SETTINGS;
      status = host->options_set_header(out, str("Authorization"), str(header));
    }
  }
)";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

SchemeTemplate scheme_template(const std::string& scheme) {
  if (scheme == "basic") {
    return {"basic", "", "", "", "", "  (void)call;\n",
            R"({"username":"test-user","password":"test-password"})",
            R"({"username":"test-user","password":"wrong-password"})", "", ""};
  }
  if (scheme == "custom") {
    return {"custom",
            "              .fields = {{\"apiKey\", {.label = \"API Key\", .description = \"Your @TITLE@ API key.\",\n"
            "                                      .type = destkit::FieldType::password, .required = true}}},\n",
            "input",
            "                .headers = {{\"Authorization\", \"Bearer \" + input.settings.string(\"apiKey\")}},\n",
            R"(\"apiKey\":{\"label\":\"API Key\",\"type\":\"password\",\"required\":true})",
            replace_all(std::string(kBearerFromC), "@READ@",
                        "dk_value key;\n    status = host->get_setting(call, str(\"apiKey\"), &key);\n    if (status == DK_OK) value = key.text;"),
            R"({"apiKey":"test-api-key"})", R"({"apiKey":"wrong-api-key"})",
            "    \"fields\": {\n"
            "      \"apiKey\": {\"label\": \"API Key\", \"description\": \"Your @TITLE@ API key.\", \"type\": \"password\", "
            "\"required\": true}\n"
            "    },\n",
            "    \"headers\": {\"Authorization\": \"Bearer {{settings.apiKey}}\"},\n"};
  }
  // oauth2 and oauth-managed: the host gives the access token.
  return {scheme == "oauth2" ? "oauth2" : "oauth_managed", "", "input",
          "                .headers = {{\"Authorization\", \"Bearer \" + input.auth.accessToken}},\n", "",
          replace_all(std::string(kBearerFromC), "@READ@", "status = host->get_auth(call, str(\"accessToken\"), &value);"),
          R"({"oauth":{"access_token":"test-access-token"}})",
          R"({"oauth":{"access_token":"expired-token"}})", "",
          "    \"headers\": {\"Authorization\": \"Bearer {{auth.accessToken}}\"},\n"};
}

std::string title_of(const std::string& name) {
  std::string title;
  bool start = true;
  for (char c : name) {
    if (c == '-') {
      title += ' ';
      start = true;
    } else {
      title += start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      start = false;
    }
  }
  return title;
}

// Where the installed guide `name` (docs/NAME) is, beside this destkit; named by its place
// among the guides when this destkit is not installed with them (a build tree).
std::string guide(std::string_view name) {
  std::error_code ec;
  fs::path program = fs::read_symlink("/proc/self/exe", ec);
  fs::path installed = (program.parent_path() / DESTKIT_DOCDIR_FROM_BINDIR / "docs" / name).lexically_normal();
  if (!ec && fs::is_regular_file(installed, ec)) return fmt::format("`{}`", installed.string());
  return fmt::format("`docs/{}` of destkit's guides", name);
}

std::string fill(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out(text);
  for (int pass = 0; pass < 2; ++pass) {  // values may hold placeholders themselves (@TITLE@)
    for (const auto& [key, value] : values) out = replace_all(out, "@" + key + "@", value);
  }
  return out;
}

// [a-z][a-z0-9-]{0,62} not ending with '-': a slug the generated project can use as is.
bool is_project_slug(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() < 'a' || name.front() > 'z' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

void write(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int init_project(const Arguments& a) {
  if (a.positional.size() != 1) return usage_error("init needs exactly one NAME", "init");
  const std::string& name = a.positional[0];
  if (!is_project_slug(name)) {
    return usage_error(fmt::format("\"{}\" cannot name a project: use 1 to 63 lower-case letters, digits and "
                                   "dashes, starting with a letter and not ending with a dash (the name also "
                                   "becomes a C identifier, so init is stricter than a slug)",
                                   name),
                       "init");
  }
  const std::string scheme = a.scheme.empty() ? "custom" : a.scheme;
  if (scheme != "basic" && scheme != "custom" && scheme != "oauth2" && scheme != "oauth-managed") {
    return usage_error(fmt::format("--scheme must be basic, custom, oauth2 or oauth-managed, not \"{}\"", scheme), "init");
  }
  const std::string lang = a.lang.empty() ? "cpp" : a.lang;
  if (lang != "cpp" && lang != "c" && lang != "json") return usage_error("--lang must be cpp, c or json", "init");

  fs::path dir = a.dir.empty() ? fs::path(name) : fs::path(a.dir);
  if (fs::exists(fs::symlink_status(dir))) {
    fmt::print(stderr, "destkit: {} already exists; init never overwrites anything\n", dir.string());
    return kExitRejected;
  }

  SchemeTemplate t = scheme_template(scheme);
  std::string source = name + (lang == "c" ? ".c" : ".cpp");
  std::map<std::string, std::string> values{{"NAME", name},
                                            {"TITLE", title_of(name)},
                                            {"IDENTIFIER", replace_all(name, "-", "_")},
                                            {"SCHEME", scheme},
                                            {"SCHEME_CPP", t.cpp_scheme},
                                            {"SOURCE", source},
                                            {"LANGUAGE", lang == "c" ? "C" : "CXX"},
                                            {"CPP_FIELDS", t.cpp_fields},
                                            {"CPP_INPUT", t.cpp_input},
                                            {"CPP_HEADERS", t.cpp_headers},
                                            {"C_FIELDS", t.c_fields},
                                            {"C_EXTEND", t.c_extend},
                                            {"GOOD_SETTINGS", t.good},
                                            {"BAD_SETTINGS", t.bad},
                                            {"JSON_FIELDS", t.json_fields},
                                            {"JSON_HEADERS", t.json_headers},
                                            {"DECLARATIVE_GUIDE", guide("write-a-declarative-destination.md")}};

  fs::create_directories(dir / "tests");
  fs::path script = dir / "tests" / "test-request.sh";
  write(script, fill(templates::kTestScript, values));
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  if (lang == "json") {
    // A declarative destination: nothing to build, so no CMake project either.
    write(dir / ("destkit-" + name + ".json"), fill(templates::kJsonManifest, values));
    write(dir / "README.md", fill(templates::kJsonReadme, values));
    fmt::print("Created {} ({} scheme, JSON). Check and test it with:\n"
               "  destkit check {}/destkit-{}.json && {}/tests/test-request.sh destkit {}\n",
               dir.string(), scheme, dir.string(), name, dir.string(), dir.string());
    return kExitOk;
  }
  fs::create_directories(dir / "src");
  write(dir / "CMakeLists.txt", fill(templates::kCMakeLists, values));
  write(dir / "README.md", fill(templates::kReadme, values));
  write(dir / ".gitignore", std::string(templates::kGitignore));
  write(dir / "src" / source, fill(lang == "c" ? templates::kCSource : templates::kCppSource, values));

  fmt::print(cli_output(), "Created {} ({} scheme, {}). Build and test it with:\n"
             "  cmake -S {} -B {}/build && cmake --build {}/build && ctest --test-dir {}/build\n",
             dir.string(), scheme, lang == "c" ? "C" : "C++", dir.string(), dir.string(), dir.string(), dir.string());
  return kExitOk;
}

}  // namespace destkit::cli
