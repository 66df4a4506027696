#include "plugin/elf_dependencies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <link.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace destkit::host {
namespace {

using Header = ElfW(Ehdr);
using ProgramHeader = ElfW(Phdr);
using DynamicEntry = ElfW(Dyn);

constexpr unsigned char kHostClass = __ELF_NATIVE_CLASS == 64 ? ELFCLASS64 : ELFCLASS32;
constexpr unsigned char kHostByteOrder = __BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB;

// Where glibc looks by default (DESTKIT_LIBRARY_ARCHITECTURE is the multiarch folder, e.g.
// x86_64-linux-gnu); what /etc/ld.so.conf adds is left out.
const std::array<std::string, 6>& system_library_directories() {
  static const std::string arch = DESTKIT_LIBRARY_ARCHITECTURE;
  static const std::array<std::string, 6> directories{
      "/lib", "/usr/lib", "/lib64", "/usr/lib64",
      arch.empty() ? "/lib" : "/lib/" + arch, arch.empty() ? "/usr/lib" : "/usr/lib/" + arch};
  return directories;
}

template <class T>
bool read_at(std::string_view bytes, std::uint64_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

// A PT_LOAD segment: file bytes [offset, offset + file_size) appear at [address, ...).
struct Segment {
  std::uint64_t address, offset, file_size, memory_size;
};

// The file offset of [address, address + size), when one segment maps all of it from the file.
std::optional<std::uint64_t> file_offset(const std::vector<Segment>& segments, std::uint64_t address,
                                         std::uint64_t size) {
  for (const Segment& s : segments) {
    if (address >= s.address && address - s.address <= s.file_size && s.file_size - (address - s.address) >= size) {
      return s.offset + (address - s.address);
    }
  }
  return std::nullopt;
}

// The loadable segments, refused when they fall outside the file or share a page in memory
// (the loader would map one over the other).
std::variant<std::vector<Segment>, std::string> loadable_segments(std::string_view bytes, const Header& header) {
  if (header.e_phentsize != sizeof(ProgramHeader)) return std::string("its program headers have an unexpected size");
  std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  if (header.e_phoff > bytes.size()) return std::string("its program headers lie outside the file");
  std::vector<Segment> segments;
  for (std::uint64_t i = 0; i < header.e_phnum; ++i) {
    ProgramHeader ph;
    if (!read_at(bytes, header.e_phoff + i * sizeof ph, ph)) return std::string("its program headers lie outside the file");
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_offset > bytes.size() || bytes.size() - ph.p_offset < ph.p_filesz || ph.p_filesz > ph.p_memsz ||
        ph.p_memsz > UINT64_MAX - page || ph.p_vaddr > UINT64_MAX - page - ph.p_memsz) {
      return std::string("a loadable segment lies outside the file");
    }
    segments.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz});
  }
  std::vector<Segment> sorted = segments;
  std::sort(sorted.begin(), sorted.end(), [](const Segment& a, const Segment& b) { return a.address < b.address; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    std::uint64_t previous_end = (sorted[i - 1].address + sorted[i - 1].memory_size + page - 1) / page * page;
    if (sorted[i].address / page * page < previous_end) return std::string("two loadable segments share memory");
  }
  return segments;
}

}  // namespace

std::variant<ElfDependencies, std::string> read_elf_dependencies(std::string_view bytes) {
  Header header;
  if (!read_at(bytes, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return std::string("it is not an ELF file");
  }
  if (header.e_ident[EI_CLASS] != kHostClass || header.e_ident[EI_DATA] != kHostByteOrder) {
    return std::string("it is built for another word size or byte order than this host");
  }
  auto loaded = loadable_segments(bytes, header);
  if (auto* problem = std::get_if<std::string>(&loaded)) return *problem;
  const auto& segments = std::get<std::vector<Segment>>(loaded);

  std::optional<ProgramHeader> dynamic;
  for (std::uint64_t i = 0; i < header.e_phnum; ++i) {
    ProgramHeader ph;
    read_at(bytes, header.e_phoff + i * sizeof ph, ph);  // in bounds: checked above
    if (ph.p_type != PT_DYNAMIC) continue;
    if (dynamic) return std::string("it has two dynamic segments");
    dynamic = ph;
  }
  ElfDependencies out;
  if (!dynamic) return out;

  // The dynamic array as the loader reads it: from its address, up to DT_NULL.
  std::optional<std::uint64_t> strtab, strsz;
  std::vector<std::pair<std::int64_t, std::uint64_t>> names;  // tag, offset in the string table
  for (std::uint64_t address = dynamic->p_vaddr;; address += sizeof(DynamicEntry)) {
    std::optional<std::uint64_t> at = file_offset(segments, address, sizeof(DynamicEntry));
    DynamicEntry entry;
    if (!at || !read_at(bytes, *at, entry)) return std::string("its dynamic section runs outside its segment");
    if (entry.d_tag == DT_NULL) break;
    std::optional<std::uint64_t>* single = entry.d_tag == DT_STRTAB ? &strtab : entry.d_tag == DT_STRSZ ? &strsz : nullptr;
    if (single) {
      if (*single) return std::string("its dynamic section names two string tables");
      *single = entry.d_un.d_val;
    }
    if (entry.d_tag == DT_NEEDED || entry.d_tag == DT_FILTER || entry.d_tag == DT_AUXILIARY ||
        entry.d_tag == DT_RPATH || entry.d_tag == DT_RUNPATH) {
      names.emplace_back(entry.d_tag, entry.d_un.d_val);
    }
  }
  if (names.empty()) return out;
  std::optional<std::uint64_t> table = strtab && strsz ? file_offset(segments, *strtab, *strsz) : std::nullopt;
  if (!table) return std::string("its dynamic string table is missing or outside its segment");
  std::string_view strings = bytes.substr(*table, *strsz);

  for (const auto& [tag, offset] : names) {
    std::size_t end = offset < strings.size() ? strings.find('\0', offset) : std::string_view::npos;
    if (end == std::string_view::npos) return std::string("a name in its dynamic section runs past the string table");
    std::string_view name = strings.substr(offset, end - offset);
    if (tag != DT_RPATH && tag != DT_RUNPATH) {
      out.needed.emplace_back(name);
      continue;
    }
    // The loader splits on ':'; an empty entry means the current directory.
    for (std::size_t start = 0;;) {
      std::size_t colon = name.find(':', start);
      out.search_paths.emplace_back(name.substr(start, colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
  }
  return out;
}

std::string dependency_problem(const ElfDependencies& dependencies) {
  const auto& system = system_library_directories();
  for (const std::string& entry : dependencies.search_paths) {
    std::string directory = entry;
    while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
    if (std::find(system.begin(), system.end(), directory) == system.end()) {
      return fmt::format("its RUNPATH/RPATH \"{}\" reaches outside the system library directories", entry);
    }
  }
  for (const std::string& name : dependencies.needed) {
    if (name.empty() || name.find_first_of("/$") != std::string::npos) {
      return fmt::format("it needs \"{}\", a path rather than a library name", name);
    }
    bool found = std::any_of(system.begin(), system.end(), [&](const std::string& directory) {
      struct stat st {};
      return ::stat((directory + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
    });
    if (!found) return fmt::format("it needs {}, which is in no system library directory", name);
  }
  return {};
}

}  // namespace destkit::host
