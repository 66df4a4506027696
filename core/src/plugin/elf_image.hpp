// elf_image — an ELF shared library's bytes as the dynamic loader reads them.
//
// The loadable segments and the dynamic array are found through the program headers and the
// loadable segments (what ld.so maps), not through the section headers. The bytes are
// untrusted: every offset and size is checked, and anything the loader could read differently
// from this reader (two dynamic segments, overlapping segments, a tag given twice) is a
// problem, not a guess.
#pragma once

#include <link.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace destkit::host {

// A PT_LOAD segment: file bytes [offset, offset + file_size) appear at [address, ...).
struct ElfSegment {
  std::uint64_t address, offset, file_size, memory_size;
};

struct ElfImage {
  std::string_view bytes;
  std::vector<ElfSegment> segments;
  std::vector<ElfW(Dyn)> dynamic;  // the dynamic array up to DT_NULL; empty without one

  // The file's bytes at [address, address + size), when one segment maps all of them.
  std::optional<std::string_view> at(std::uint64_t address, std::uint64_t size) const;

  // The value of `tag` in the dynamic array: none, or a problem when it is given twice.
  std::variant<std::optional<std::uint64_t>, std::string> single(std::int64_t tag) const;

  // The text at `offset` of the table [table, table + table_size): up to its NUL, which must
  // be inside the table.
  std::optional<std::string_view> string_at(std::uint64_t table, std::uint64_t table_size,
                                            std::uint64_t offset) const;
};

// The image of a shared library of this host's class and byte order, or why it cannot be read.
std::variant<ElfImage, std::string> read_elf_image(std::string_view bytes);

}  // namespace destkit::host
