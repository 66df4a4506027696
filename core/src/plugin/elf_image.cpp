#include "plugin/elf_image.hpp"

#include <algorithm>
#include <cstring>
#include <unistd.h>

namespace destkit::host {
namespace {

using Header = ElfW(Ehdr);
using ProgramHeader = ElfW(Phdr);
using DynamicEntry = ElfW(Dyn);

constexpr unsigned char kHostClass = __ELF_NATIVE_CLASS == 64 ? ELFCLASS64 : ELFCLASS32;
constexpr unsigned char kHostByteOrder = __BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB;

template <class T>
bool read_at(std::string_view bytes, std::uint64_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

// The loadable segments, refused when they fall outside the file or share a page in memory
// (the loader would map one over the other).
std::variant<std::vector<ElfSegment>, std::string> loadable_segments(std::string_view bytes, const Header& header) {
  if (header.e_phentsize != sizeof(ProgramHeader)) return std::string("its program headers have an unexpected size");
  std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  if (header.e_phoff > bytes.size()) return std::string("its program headers lie outside the file");
  std::vector<ElfSegment> segments;
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
  std::vector<ElfSegment> sorted = segments;
  std::sort(sorted.begin(), sorted.end(), [](const ElfSegment& a, const ElfSegment& b) { return a.address < b.address; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    std::uint64_t previous_end = (sorted[i - 1].address + sorted[i - 1].memory_size + page - 1) / page * page;
    if (sorted[i].address / page * page < previous_end) return std::string("two loadable segments share memory");
  }
  return segments;
}

}  // namespace

std::optional<std::string_view> ElfImage::at(std::uint64_t address, std::uint64_t size) const {
  for (const ElfSegment& s : segments) {
    if (address >= s.address && address - s.address <= s.file_size && s.file_size - (address - s.address) >= size) {
      return bytes.substr(s.offset + (address - s.address), size);
    }
  }
  return std::nullopt;
}

std::variant<std::optional<std::uint64_t>, std::string> ElfImage::single(std::int64_t tag) const {
  std::optional<std::uint64_t> found;
  for (const DynamicEntry& entry : dynamic) {
    if (entry.d_tag != tag) continue;
    if (found) return std::string("its dynamic section gives the same table twice");
    found = entry.d_un.d_val;
  }
  return found;
}

std::optional<std::string_view> ElfImage::string_at(std::uint64_t table, std::uint64_t table_size,
                                                    std::uint64_t offset) const {
  std::optional<std::string_view> strings = at(table, table_size);
  if (!strings || offset >= strings->size()) return std::nullopt;
  std::size_t end = strings->find('\0', offset);
  if (end == std::string_view::npos) return std::nullopt;
  return strings->substr(offset, end - offset);
}

std::variant<ElfImage, std::string> read_elf_image(std::string_view bytes) {
  Header header;
  if (!read_at(bytes, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return std::string("it is not an ELF file");
  }
  if (header.e_ident[EI_CLASS] != kHostClass || header.e_ident[EI_DATA] != kHostByteOrder) {
    return std::string("it is built for another word size or byte order than this host");
  }
  auto loaded = loadable_segments(bytes, header);
  if (auto* problem = std::get_if<std::string>(&loaded)) return *problem;
  ElfImage image{bytes, std::move(std::get<std::vector<ElfSegment>>(loaded)), {}};

  std::optional<ProgramHeader> dynamic;
  for (std::uint64_t i = 0; i < header.e_phnum; ++i) {
    ProgramHeader ph;
    read_at(bytes, header.e_phoff + i * sizeof ph, ph);  // in bounds: checked above
    if (ph.p_type != PT_DYNAMIC) continue;
    if (dynamic) return std::string("it has two dynamic segments");
    dynamic = ph;
  }
  if (!dynamic) return image;

  // The dynamic array as the loader reads it: from its address, up to DT_NULL.
  for (std::uint64_t address = dynamic->p_vaddr;; address += sizeof(DynamicEntry)) {
    std::optional<std::string_view> at = image.at(address, sizeof(DynamicEntry));
    DynamicEntry entry;
    if (!at || !read_at(*at, 0, entry)) return std::string("its dynamic section runs outside its segment");
    if (entry.d_tag == DT_NULL) break;
    image.dynamic.push_back(entry);
  }
  return image;
}

}  // namespace destkit::host
