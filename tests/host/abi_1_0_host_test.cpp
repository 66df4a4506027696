// A plugin built with the C++ SDK for ABI 1.1, loaded by a host that offers only the services
// of ABI 1.0 (its dk_host_api is the 1.0 size): using a 1.1 service must be a clear error,
// never a call past the end of the host's table.
#include "environment.hpp"

#include <destkit/abi.h>

#define BOOST_DLL_USE_STD_FS 1
#include <boost/dll/shared_library.hpp>
#include <catch2/catch.hpp>

#include <cstddef>
#include <string>

using namespace destkit::test;

namespace {

// What the plugin did with the services of the host below.
std::string error_set;
bool called_past_the_table = false;

dk_call* const kCall = reinterpret_cast<dk_call*>(0x10);
dk_request_options* const kOptions = reinterpret_cast<dk_request_options*>(0x20);
dk_response* const kResponse = reinterpret_cast<dk_response*>(0x30);

// A host of ABI 1.0 with just what reads-json needs: a request that answers.
dk_host_api host_of_abi_1_0() {
  dk_host_api api{};
  api.struct_size = offsetof(dk_host_api, set_tokens);  // where ABI 1.0's table ended
  api.abi_major = 1;
  api.abi_minor = 0;
  api.log = [](dk_call*, int32_t, dk_str) {};
  api.set_error = [](dk_call*, dk_str message) -> dk_status {
    error_set.assign(message.data, message.size);
    return DK_OK;
  };
  api.last_error = [](dk_call*, dk_str* out) -> dk_status {
    *out = dk_str{nullptr, 0};
    return DK_OK;
  };
  api.get_auth = [](dk_call*, dk_str, dk_str*) -> dk_status { return DK_ERR_NOT_FOUND; };
  api.request_options_new = [](dk_call*, dk_request_options** out) -> dk_status {
    *out = kOptions;
    return DK_OK;
  };
  api.request_send = [](dk_call*, dk_str, dk_request_options*, dk_response** out) -> dk_status {
    *out = kResponse;
    return DK_OK;
  };
  // Past struct_size lies memory that is not the host's table; here it notes any call.
  api.set_tokens = [](dk_call*, dk_str, dk_str, int64_t) -> dk_status {
    called_past_the_table = true;
    return DK_OK;
  };
  api.response_json_value = [](dk_call*, const dk_response*, dk_str, dk_value*) -> dk_status {
    called_past_the_table = true;
    return DK_OK;
  };
  return api;
}

}  // namespace

TEST_CASE("response.json() on a host of ABI 1.0 is a clear error, not a call past the host's table") {
  static const dk_host_api host = host_of_abi_1_0();  // plugins may keep it: it must outlive them
  // Never unloaded, as the host never unloads a plugin; in a directory no host of this process searches.
  static const boost::dll::shared_library library(kTestPluginDir / "abi-1.0-host" / "destkit-reads-json.so",
                                                  boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  auto& entry = library.get<const dk_plugin*(const dk_host_api*)>(DK_PLUGIN_ENTRY_SYMBOL);
  const dk_plugin* plugin = entry(&host);
  REQUIRE(plugin != nullptr);
  CHECK(plugin->min_host_abi_minor == 0);  // it loads into a 1.0 host, as it should
  REQUIRE(plugin->on_test_request != nullptr);
  CHECK(plugin->on_test_request(kCall) == DK_ERR_INTERNAL);
  CHECK_FALSE(called_past_the_table);
  CHECK(error_set == "response.json() needs a destkit host of ABI 1.1 or later; this host speaks 1.0");
}
