#include "output.hpp"

#include "standard_output.hpp"

#include "abi/plugin_code.hpp"
#include "util/json_text.hpp"
#include "util/printable.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace destkit::cli {
namespace {

namespace json = boost::json;
using host::AuthOutcome;
using host::printable;

std::string problem_text(std::string_view text) { return printable(text, host::kShownMessageBytes); }

std::string field_flags(const host::Field& field) {
  std::vector<std::string> flags;
  flags.push_back(field.required ? "required" : "optional");
  if (field.secret) flags.push_back("secret");
  if (field.multiple) flags.push_back("multiple");
  return fmt::format("{}", fmt::join(flags, ", "));
}

// A field's bound: a whole number as an integer (600000, not 6e+05), as it was most likely
// written, where a double holds it exactly.
json::value bound_json(double bound) {
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (std::trunc(bound) == bound && std::fabs(bound) <= kExactIntegers) return static_cast<std::int64_t>(bound);
  return bound;
}

}  // namespace

json::value plugin_json(const host::Plugin& plugin) {
  const auto& d = plugin.definition();
  return json::object{{"slug", d.slug},
                      {"name", d.name},
                      {"version", plugin.version()},
                      {"scheme", host::to_string(d.scheme)},
                      {"abi", plugin.abi_version()},
                      {"path", plugin.path().string()}};
}

json::value definition_json(const host::Plugin& plugin) {
  const auto& d = plugin.definition();
  json::array fields;
  for (const auto& f : d.fields) {
    json::object field{{"key", f.key},
                       {"label", f.label},
                       {"type", host::to_string(f.type)},
                       {"required", f.required},
                       {"secret", f.secret},
                       {"multiple", f.multiple}};
    if (!f.description.empty()) field["description"] = f.description;
    if (!f.default_json.empty()) field["default"] = json::parse(f.default_json);
    if (!f.format.empty()) field["format"] = f.format;
    if (!f.pattern.empty()) field["pattern"] = f.pattern;
    if (f.minimum) field["minimum"] = bound_json(*f.minimum);
    if (f.maximum) field["maximum"] = bound_json(*f.maximum);
    if (!f.choices.empty()) {
      json::array choices;
      for (const auto& c : f.choices) choices.push_back(json::object{{"value", json::parse(c.value_json)}, {"label", c.label}});
      field["choices"] = std::move(choices);
    }
    fields.push_back(std::move(field));
  }
  json::object out = plugin_json(plugin).as_object();
  out["description"] = d.description;
  out["testRequest"] = plugin.has_test_request();
  out["extendRequest"] = plugin.has_extend_request();
  out["fields"] = std::move(fields);
  return out;
}

namespace {

// Text that printable() leaves as it is: printable ASCII only.
bool plain(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) - 0x20u < 0x5Fu; });
}

}  // namespace

void make_printable(json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      if (!plain(value.get_string())) value = json::string(printable(value.get_string()));
      return;
    case json::kind::array:
      for (auto& item : value.get_array()) make_printable(item);
      return;
    case json::kind::object: {
      json::object& object = value.get_object();
      for (auto& [key, item] : object) make_printable(item);
      if (std::all_of(object.begin(), object.end(), [](const auto& entry) { return plain(entry.key()); })) return;
      json::object keyed;
      for (auto& [key, item] : object) keyed[printable(key)] = std::move(item);
      value = std::move(keyed);
      return;
    }
    default:
      return;
  }
}

json::value printable_json(const json::value& value) {
  json::value out = value;
  make_printable(out);
  return out;
}

json::object problems_json(const std::vector<host::SettingsProblem>& problems) {
  json::object fields;
  for (const auto& p : problems) {
    // One message per key; a second problem for the same key is appended.
    auto& slot = fields[problem_text(p.key)];
    std::string message = problem_text(p.message);
    slot = slot.is_string() ? json::value(std::string(slot.get_string()) + " " + message) : json::value(message);
  }
  return fields;
}

json::value verdict_json(const host::AuthVerdict& verdict) {
  // "ok" says the credentials were checked and work: a reader that looks at it alone must not
  // take an unchecked test for a passed one (the CLI exits 5 for it, not 0, for that reason).
  json::object out{{"ok", verdict.outcome == AuthOutcome::valid}};
  if (!verdict.ok()) out["error"] = verdict.message;
  if (verdict.outcome == AuthOutcome::unchecked) out["note"] = verdict.message;
  if (verdict.http_status) out["status"] = *verdict.http_status;
  if (!verdict.problems.empty()) out["fields"] = problems_json(verdict.problems);
  return out;
}

json::object listed_plugin_json(const host::Host& host, const host::Plugin& plugin) {
  json::object out = plugin_json(plugin).as_object();
  if (std::string reason = host.quarantine_reason(plugin); !reason.empty()) out["quarantined"] = reason;
  return out;
}

std::string plugins_text(const host::Host& host) {
  std::string out;
  const auto& plugins = host.plugins();
  if (plugins.empty()) {
    out += "No plugins found.\n";
  } else {
    std::size_t slug_width = 4, name_width = 4;
    for (const host::Plugin* p : plugins) {
      slug_width = std::max(slug_width, printable(p->slug()).size());
      name_width = std::max(name_width, printable(p->definition().name).size());
    }
    out += fmt::format("{:<{}}  {:<{}}  {:<8}  {:<13}  {}\n", "SLUG", slug_width, "NAME", name_width,
                       "VERSION", "SCHEME", "PATH");
    for (const host::Plugin* p : plugins) {
      out += fmt::format("{:<{}}  {:<{}}  {:<8}  {:<13}  {}\n", printable(p->slug()), slug_width,
                         printable(p->definition().name), name_width, printable(p->version()),
                         host::to_string(p->definition().scheme), printable(p->path().string()));
    }
  }
  std::string quarantined;
  for (const host::Plugin* p : plugins) {
    std::string reason = host.quarantine_reason(*p);
    if (!reason.empty()) quarantined += fmt::format("  {}: {}\n", printable(p->slug()), printable(reason));
  }
  if (!quarantined.empty()) out += "\nQuarantined (their calls fail until the plugins are rescanned):\n" + quarantined;
  if (!host.rejections().empty()) {
    out += fmt::format("\nRejected files ({}):\n", host.rejections().size());
    for (const auto& r : host.rejections()) {
      out += fmt::format("  {}: {}\n", printable(r.path.string()), printable(r.reason));
    }
  }
  return out;
}

std::string definition_text(const host::Plugin& plugin) {
  const auto& d = plugin.definition();
  std::string out = fmt::format("{} ({}) {}\n", printable(d.name), printable(d.slug), printable(plugin.version()));
  if (!d.description.empty()) out += printable(d.description) + "\n";
  out += fmt::format("\nScheme:         {}\n", host::to_string(d.scheme));
  out += fmt::format("testRequest:    {}\n", plugin.has_test_request() ? "yes" : "no");
  out += fmt::format("extendRequest:  {}\n", plugin.has_extend_request() ? "yes" : "no");
  out += fmt::format("Plugin:         {} (ABI {})\n", printable(plugin.path().string()), plugin.abi_version());
  if (d.fields.empty()) return out + "\nFields: none\n";
  out += "\nFields:\n";
  for (const auto& f : d.fields) {
    out += fmt::format("  {}  {}  ({}, {})\n", printable(f.key), printable(f.label), host::to_string(f.type),
                       field_flags(f));
    if (!f.description.empty()) out += fmt::format("      {}\n", printable(f.description));
    if (!f.default_json.empty()) out += fmt::format("      default: {}\n", printable(f.default_json));
    if (!f.choices.empty()) {
      std::vector<std::string> values;
      for (const auto& c : f.choices) {
        // The label where it says more than the value: 1 (One), "eu" (Europe).
        bool says_more = !c.label.empty() && c.value_json != c.label && c.value_json != "\"" + c.label + "\"";
        values.push_back(says_more ? fmt::format("{} ({})", printable(c.value_json), printable(c.label))
                                   : printable(c.value_json));
      }
      out += fmt::format("      choices: {}\n", fmt::join(values, ", "));
    }
    if (!f.format.empty()) out += fmt::format("      format: {}\n", printable(f.format));
    if (!f.pattern.empty()) out += fmt::format("      pattern: {}\n", printable(f.pattern));
    if (f.minimum) out += fmt::format("      minimum: {}\n", *f.minimum);
    if (f.maximum) out += fmt::format("      maximum: {}\n", *f.maximum);
  }
  return out;
}

std::string verdict_text(const host::AuthVerdict& verdict) {
  std::string out = printable(verdict.message) + "\n";
  for (const auto& p : verdict.problems) {
    std::string message = problem_text(p.message);
    out += p.key.empty() ? fmt::format("  {}\n", message) : fmt::format("  {}: {}\n", problem_text(p.key), message);
  }
  return out;
}

void print_json(const json::value& value) { fmt::print(cli_output(), "{}\n", host::json_text(printable_json(value))); }

void print_json_if_plugin_code_exits() {
  host::on_exit_from_plugin_code([](std::string_view line) {
    // "destkit: plugin acme called exit() during testRequest; exiting with status 3\n"
    if (line.starts_with("destkit: ")) line.remove_prefix(9);
    while (line.ends_with('\n')) line.remove_suffix(1);
    std::string text = host::json_text(printable_json(json::object{{"ok", false}, {"error", line}})) + "\n";
    int fd = ::fileno(cli_output());
    for (std::size_t done = 0; done < text.size();) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  });
}

}  // namespace destkit::cli
