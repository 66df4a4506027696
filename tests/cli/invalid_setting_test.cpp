// A destination rejects settings naming the field at fault (InvalidSettings(field, why) in the
// C++ SDK, set_invalid_setting in C): the verdict names the field by its label, and --json
// puts the message under "fields" so a UI can highlight the field.
#include "environment.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace destkit::test;

namespace {

ProcessResult test_auth(const std::string& slug, const std::string& settings, bool json = false) {
  std::vector<std::string> args{"test-auth", slug, "--settings", "-", "--plugin-path", kTestPluginDir.string()};
  if (json) args.push_back("--json");
  return run_destkit(args, settings);
}

}  // namespace

TEST_CASE("InvalidSettings(field, why) from extendRequest names the field by its label") {
  ProcessResult text = test_auth("names-field", R"({"apiKey":"pk_live_SECRET_1234"})");
  CHECK(text.out == "Settings are invalid.\n  apiKey: API Key must start with sk_.\n");
  CHECK(text.exit_code == 1);

  ProcessResult json = test_auth("names-field", R"({"apiKey":"pk_live_SECRET_1234"})", true);
  auto out = boost::json::parse(json.out).as_object();
  CHECK(out.at("ok") == false);
  CHECK(out.at("fields").at("apiKey") == "API Key must start with sk_.");
  CHECK(json.output().find("pk_live_SECRET_1234") == std::string::npos);
}

TEST_CASE("the SDK's own settings messages use the field's label") {
  ProcessResult r = test_auth("names-field", R"({"apiKey":"sk_SECRET_1234567","region":"eu"})", true);
  auto out = boost::json::parse(r.out).as_object();
  CHECK(out.at("fields").at("region") == "Region is not a number.");
}

TEST_CASE("set_invalid_setting from a C destination reaches --json under fields") {
  ProcessResult r = test_auth("names-field-c", R"({"account":"B-1"})", true);
  auto out = boost::json::parse(r.out).as_object();
  CHECK(out.at("error") == "Settings are invalid.");
  CHECK(out.at("fields").as_object().size() == 1);
  CHECK(out.at("fields").at("account") == "Account number must start with A, as on your invoice.");
  CHECK(test_auth("names-field-c", R"({"account":"A-1"})").exit_code == 0);
}
