// Number settings as plugins receive them: the shortest decimal that reads back as the same
// number, integers exact, read back exactly by the C++ SDK and by C code using strtoll.
#include "environment.hpp"
#include "probe.hpp"

#include <destkit/host/host.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

using namespace destkit::test;
using namespace destkit::host;
using destkit::loopback::Request;
using destkit::loopback::Response;
using destkit::loopback::Server;

namespace {

AuthVerdict check(const char* slug, const std::string& settings) {
  const Plugin* plugin = probe_host().find(slug);
  REQUIRE(plugin != nullptr);
  return probe_host().test_authentication(*plugin, settings);
}

}  // namespace

TEST_CASE("a C++ plugin reads number settings as the shortest round-trip decimal, and 64-bit IDs exactly") {
  // The setting as JSON, the text the plugin gets, and the SDK's number() written back as JSON.
  auto [amount, text, number] = GENERATE(table<std::string, std::string, std::string>({
      {"8080", "8080", "8080"},
      {"\"8080\"", "8080", "8080"},
      {"0.5", "0.5", "0.5"},
      {"1e21", "1e+21", "1e+21"},
      {"-0", "0", "0"},
      {"-0.0", "-0", "-0"},
  }));
  Server server([](const Request&) { return Response::json(200, "{}"); });
  boost::json::object settings = boost::json::parse(probe_settings(probe_base_url(server), "numbers")).as_object();
  settings["amount"] = boost::json::parse(amount);
  settings["id"] = boost::json::parse("9007199254740993");  // 2^53 + 1: no double holds it
  INFO(check("test-probe", boost::json::serialize(settings)).message);
  REQUIRE(server.request_count() == 1);
  CHECK(server.requests()[0].body == R"({"text":")" + text + R"(","number":)" + number + R"(,"id":9007199254740993})");
}

TEST_CASE("a C plugin reading a number setting with strtoll gets the whole integer") {
  // The setting as JSON, and the plugin's report of the text it got and what strtoll made of it.
  auto [amount, report] = GENERATE(table<std::string, std::string>({
      {"8080", "amount 8080 reads as 8080"},
      {"\"8080\"", "amount 8080 reads as 8080"},
      {"9007199254740993", "amount 9007199254740993 reads as 9007199254740993"},
      {"-0", "amount 0 reads as 0"},
      {"0.5", "amount 0.5 reads as 0"},
      {"1e21", "amount 1e+21 reads as 1"},
  }));
  CHECK(check("reads-numbers", R"({"amount":)" + amount + "}").message == "Settings are invalid: " + report);
}
