#include "output.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace destkit::cli {
namespace {

namespace json = boost::json;
using host::AuthOutcome;

std::string field_flags(const host::Field& field) {
  std::vector<std::string> flags;
  flags.push_back(field.required ? "required" : "optional");
  if (field.secret) flags.push_back("secret");
  if (field.multiple) flags.push_back("multiple");
  return fmt::format("{}", fmt::join(flags, ", "));
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
    if (f.minimum) field["minimum"] = *f.minimum;
    if (f.maximum) field["maximum"] = *f.maximum;
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

json::value verdict_json(const host::AuthVerdict& verdict) {
  json::object out{{"ok", verdict.ok()}};
  if (!verdict.ok()) out["error"] = verdict.message;
  if (verdict.outcome == AuthOutcome::unchecked) out["note"] = verdict.message;
  if (verdict.http_status) out["status"] = *verdict.http_status;
  if (!verdict.problems.empty()) {
    json::object fields;
    for (const auto& p : verdict.problems) {
      // One message per key; a second problem for the same key is appended.
      auto& slot = fields[p.key];
      slot = slot.is_string() ? json::value(std::string(slot.get_string()) + " " + p.message) : json::value(p.message);
    }
    out["fields"] = std::move(fields);
  }
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
      slug_width = std::max(slug_width, p->slug().size());
      name_width = std::max(name_width, p->definition().name.size());
    }
    out += fmt::format("{:<{}}  {:<{}}  {:<8}  {:<13}  {}\n", "SLUG", slug_width, "NAME", name_width,
                       "VERSION", "SCHEME", "PATH");
    for (const host::Plugin* p : plugins) {
      out += fmt::format("{:<{}}  {:<{}}  {:<8}  {:<13}  {}\n", p->slug(), slug_width, p->definition().name,
                         name_width, p->version(), host::to_string(p->definition().scheme), p->path().string());
    }
  }
  if (!host.rejections().empty()) {
    out += fmt::format("\nRejected files ({}):\n", host.rejections().size());
    for (const auto& r : host.rejections()) out += fmt::format("  {}: {}\n", r.path.string(), r.reason);
  }
  return out;
}

std::string definition_text(const host::Plugin& plugin) {
  const auto& d = plugin.definition();
  std::string out = fmt::format("{} ({}) {}\n", d.name, d.slug, plugin.version());
  if (!d.description.empty()) out += d.description + "\n";
  out += fmt::format("\nScheme:         {}\n", host::to_string(d.scheme));
  out += fmt::format("testRequest:    {}\n", plugin.has_test_request() ? "yes" : "no");
  out += fmt::format("extendRequest:  {}\n", plugin.has_extend_request() ? "yes" : "no");
  out += fmt::format("Plugin:         {} (ABI {})\n", plugin.path().string(), plugin.abi_version());
  if (d.fields.empty()) return out + "\nFields: none\n";
  out += "\nFields:\n";
  for (const auto& f : d.fields) {
    out += fmt::format("  {}  {}  ({}, {})\n", f.key, f.label, host::to_string(f.type), field_flags(f));
    if (!f.description.empty()) out += fmt::format("      {}\n", f.description);
    if (!f.default_json.empty()) out += fmt::format("      default: {}\n", f.default_json);
    if (!f.choices.empty()) {
      std::vector<std::string> values;
      for (const auto& c : f.choices) values.push_back(c.value_json);
      out += fmt::format("      choices: {}\n", fmt::join(values, ", "));
    }
    if (!f.format.empty()) out += fmt::format("      format: {}\n", f.format);
    if (!f.pattern.empty()) out += fmt::format("      pattern: {}\n", f.pattern);
    if (f.minimum) out += fmt::format("      minimum: {}\n", *f.minimum);
    if (f.maximum) out += fmt::format("      maximum: {}\n", *f.maximum);
  }
  return out;
}

std::string verdict_text(const host::AuthVerdict& verdict) {
  std::string out = verdict.message + "\n";
  for (const auto& p : verdict.problems) {
    out += p.key.empty() ? fmt::format("  {}\n", p.message) : fmt::format("  {}: {}\n", p.key, p.message);
  }
  return out;
}

}  // namespace destkit::cli
