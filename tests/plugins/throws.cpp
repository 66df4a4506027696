// A C++ plugin written against abi.h without the SDK, whose hooks let a C++ exception out
// (which the ABI forbids): from testRequest, or from extendRequest when its `where` setting
// says "extend". The message carries the `token` setting, which must be redacted.
#include <destkit/abi.h>

#include <stdexcept>
#include <string>

namespace {

const dk_host_api* host;

std::string setting(dk_call* call, const char* name) {
  dk_value value{};
  if (host->get_setting(call, dk_str{name, std::char_traits<char>::length(name)}, &value) != DK_OK) return {};
  return std::string(value.text.data, value.text.size);
}

dk_status test_request(dk_call* call) { throw std::runtime_error("testRequest gave up on " + setting(call, "token")); }

dk_status extend_request(dk_call* call, dk_request_options*) {
  if (setting(call, "where") == "extend")
    throw std::runtime_error("extendRequest gave up on " + setting(call, "token"));
  return DK_OK;
}

const dk_plugin descriptor = {
    sizeof(dk_plugin),
    DK_ABI_MAJOR,
    DK_ABI_MINOR,
    DK_PLUGIN_MAGIC,
    0,
    0,
    "throws",
    "1.0.0",
    R"({"name":"Throws","slug":"throws","authentication":{"scheme":"custom","fields":{)"
    R"("token":{"label":"Token","type":"password"},"where":{"label":"Where","type":"string"}}}})",
    test_request,
    extend_request,
    nullptr};

}  // namespace

extern "C" DK_EXPORT const dk_plugin* dk_plugin_entry(const dk_host_api* h) {
  host = h;
  return &descriptor;
}
