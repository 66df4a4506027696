#include "plugin/metadata_cache.hpp"

#include "plugin/file_permissions.hpp"
#include "plugin/plugin_file.hpp"
#include "util/json_input.hpp"
#include "util/private_files.hpp"

#include <destkit/abi.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <system_error>

namespace destkit::host {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// A cache written by another build may describe plugins by rules this one does not apply.
std::string writer() { return fmt::format("{} (ABI {}.{})", DESTKIT_VERSION, DK_ABI_MAJOR, DK_ABI_MINOR); }

json::object to_json(const CacheEntry& e) {
  json::object o{{"device", e.identity.device},         {"inode", e.identity.inode},
                 {"size", e.identity.size},             {"modifiedNs", e.identity.modified_ns},
                 {"changedNs", e.identity.changed_ns},  {"conditions", e.conditions}};
  if (!e.sha256.empty()) o["sha256"] = e.sha256;
  if (e.signature_checked) o["signature"] = e.signature ? json::value(*e.signature) : json::value(nullptr);
  if (e.plugin) {
    const PluginMetadata& p = *e.plugin;
    o["plugin"] = json::object{{"slug", p.slug},
                               {"version", p.version},
                               {"abi", p.abi_version},
                               {"testRequest", p.has_test_request},
                               {"extendRequest", p.has_extend_request},
                               {"definition", p.definition_json}};
  } else {
    o["rejection"] = e.rejection;
  }
  return o;
}

// Reading stops at the first member that is missing or of the wrong kind: the whole file is
// then ignored.
struct Damaged {
  std::string what;
};

const json::value& member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) throw Damaged{fmt::format("\"{}\" is missing", key)};
  return *v;
}
std::string text(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  if (!v.is_string()) throw Damaged{fmt::format("\"{}\" is not a string", key)};
  return std::string(v.get_string());
}
bool flag(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  if (!v.is_bool()) throw Damaged{fmt::format("\"{}\" is not true or false", key)};
  return v.get_bool();
}
template <typename Integer>
Integer number(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  std::error_code ec;
  Integer n = v.to_number<Integer>(ec);
  if (ec) throw Damaged{fmt::format("\"{}\" is not a whole number in range", key)};
  return n;
}
const json::object& object(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw Damaged{fmt::format("{} is not an object", what)};
  return v.get_object();
}

CacheEntry from_json(const json::value& v) {
  const json::object& o = object(v, "an entry");
  CacheEntry e;
  e.identity = {number<std::uint64_t>(o, "device"), number<std::uint64_t>(o, "inode"), number<std::uint64_t>(o, "size"),
                number<std::int64_t>(o, "modifiedNs"), number<std::int64_t>(o, "changedNs")};
  e.conditions = text(o, "conditions");
  if (o.contains("sha256")) e.sha256 = text(o, "sha256");
  if (const json::value* s = o.if_contains("signature")) {
    e.signature_checked = true;
    if (!s->is_null()) e.signature = text(o, "signature");
  }
  if (const json::value* p = o.if_contains("plugin")) {
    const json::object& plugin = object(*p, "\"plugin\"");
    e.plugin = PluginMetadata{text(plugin, "slug"),          text(plugin, "version"),
                              text(plugin, "abi"),           flag(plugin, "testRequest"),
                              flag(plugin, "extendRequest"), text(plugin, "definition")};
  } else {
    e.rejection = text(o, "rejection");
    if (e.rejection.empty()) throw Damaged{"an entry has neither a plugin nor a rejection"};
  }
  return e;
}

// The entries of the cache file at `path`, or why it cannot be used.
std::variant<std::map<std::string, CacheEntry>, std::string> read_cache(const fs::path& path) {
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) return std::map<std::string, CacheEntry>{};  // none yet
  FileContents contents = read_regular_file(real, kMaxMetadataCacheBytes, false);
  if (!contents.bytes) return contents.reason();
  std::string problem = path_permission_problem(real, contents.st);
  if (problem.empty()) problem = link_permission_problem(path);
  if (!problem.empty()) return fmt::format("is not trusted ({})", problem);
  ParsedJson parsed = parse_json_input(*contents.bytes, {.max_bytes = kMaxMetadataCacheBytes, .max_depth = 8});
  if (!parsed.ok()) return fmt::format("is not valid JSON ({})", parsed.error);
  try {
    const json::object& top = object(parsed.value, "the file");
    if (const json::value* f = top.if_contains("format"); f == nullptr || !f->is_int64() || f->get_int64() != kMetadataCacheFormat) {
      return fmt::format("is not in format {}, the one this host reads", kMetadataCacheFormat);
    }
    if (std::string by = text(top, "destkit"); by != writer()) {
      return fmt::format("was written by destkit {}, not by this destkit {}", by, writer());
    }
    std::map<std::string, CacheEntry> entries;
    for (const auto& [file, entry] : object(member(top, "plugins"), "\"plugins\"")) {
      entries.emplace(std::string(file), from_json(entry));
    }
    return entries;
  } catch (const Damaged& damaged) {
    return "is damaged: " + damaged.what;
  }
}

}  // namespace

MetadataCache MetadataCache::open(const fs::path& path, const LogSink& log) {
  MetadataCache cache;
  if (!path.is_absolute()) {  // relative to whatever directory the process is in: none is used
    if (log) {
      log(LogLevel::warn, "destkit",
          fmt::format("the plugin metadata cache {} is not an absolute path: no cache is used", path.string()));
    }
    return cache;
  }
  cache.path_ = path;
  auto read = read_cache(path);
  if (auto* problem = std::get_if<std::string>(&read)) {
    if (log) {
      log(LogLevel::warn, "destkit",
          fmt::format("the plugin metadata cache {} {}: it is ignored and written anew", path.string(), *problem));
    }
  } else {
    cache.read_ = std::move(std::get<std::map<std::string, CacheEntry>>(read));
  }
  return cache;
}

const CacheEntry* MetadataCache::find(const fs::path& file) const {
  auto it = read_.find(file.string());
  return it == read_.end() ? nullptr : &it->second;
}

void MetadataCache::record(const fs::path& file, CacheEntry entry) {
  if (enabled()) recorded_.insert_or_assign(file.string(), std::move(entry));
}

std::string MetadataCache::save() {
  if (!enabled() || recorded_ == read_) return {};
  fs::path directory = path_.parent_path();
  // Refused before any directory is made: another user's link or directory would lead the
  // write elsewhere.
  if (std::string problem = writable_place_problem(directory); !problem.empty()) {
    return fmt::format("cannot write the plugin metadata cache {}: {}", path_.string(), problem);
  }
  PrivateOpen dir = open_private_directory(directory, IfMissing::create);
  if (!dir.ok()) return fmt::format("cannot write the plugin metadata cache {}: {}", path_.string(), dir.error);
  json::object plugins;
  for (const auto& [file, entry] : recorded_) plugins[file] = to_json(entry);
  json::object top{{"format", kMetadataCacheFormat}, {"destkit", writer()}, {"plugins", std::move(plugins)}};
  std::string error = replace_private_file_in(dir, directory, path_.filename().string(), json::serialize(top));
  if (!error.empty()) return fmt::format("cannot write the plugin metadata cache: {}", error);
  read_ = recorded_;
  return {};
}

std::string MetadataCache::forget(const fs::path& path, const fs::path& file) {
  MetadataCache cache = open(path, {});
  if (cache.find(file) == nullptr) return {};
  cache.recorded_ = cache.read_;
  cache.recorded_.erase(file.string());
  return cache.save();
}

}  // namespace destkit::host
