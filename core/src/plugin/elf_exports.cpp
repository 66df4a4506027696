#include "plugin/elf_exports.hpp"

#include <cstring>
#include <optional>

namespace destkit::host {
namespace {

using Symbol = ElfW(Sym);
using Word = ElfW(Addr);  // a GNU hash table's Bloom filter word

template <class T>
std::optional<T> read(const ElfImage& image, std::uint64_t address) {
  std::optional<std::string_view> bytes = image.at(address, sizeof(T));
  if (!bytes) return std::nullopt;
  T out;
  std::memcpy(&out, bytes->data(), sizeof(T));
  return out;
}

std::uint32_t gnu_hash(std::string_view name) {
  std::uint32_t h = 5381;
  for (unsigned char c : name) h = h * 33 + c;
  return h;
}

std::uint32_t sysv_hash(std::string_view name) {
  std::uint32_t h = 0;
  for (unsigned char c : name) {
    h = (h << 4) + c;
    h ^= (h >> 24) & 0xf0;
  }
  return h & 0x0fffffff;
}

struct Tables {
  std::uint64_t symbols, strings, strings_size;
};

// Symbol `index` is `name`, defined and visible to dlsym; nullopt when it cannot be read.
std::optional<bool> is_export(const ElfImage& image, const Tables& tables, std::uint64_t index, std::string_view name) {
  if (index > (UINT64_MAX - tables.symbols) / sizeof(Symbol)) return std::nullopt;
  std::optional<Symbol> symbol = read<Symbol>(image, tables.symbols + index * sizeof(Symbol));
  if (!symbol) return std::nullopt;
  std::optional<std::string_view> text = image.string_at(tables.strings, tables.strings_size, symbol->st_name);
  if (!text) return std::nullopt;
  unsigned type = ELF64_ST_TYPE(symbol->st_info), binding = ELF64_ST_BIND(symbol->st_info);
  unsigned visibility = ELF64_ST_VISIBILITY(symbol->st_other);
  return *text == name && symbol->st_shndx != SHN_UNDEF && symbol->st_value != 0 &&
         (type == STT_FUNC || type == STT_GNU_IFUNC) &&
         (binding == STB_GLOBAL || binding == STB_WEAK) && (visibility == STV_DEFAULT || visibility == STV_PROTECTED);
}

const std::string kUnreadable = "its dynamic symbol table or hash table runs outside its segments";

std::variant<bool, std::string> find_gnu(const ElfImage& image, const Tables& tables, std::uint64_t table,
                                         std::string_view name) {
  struct {
    std::uint32_t buckets, first_symbol, bloom_words, bloom_shift;
  } head;
  auto header = read<decltype(head)>(image, table);
  if (!header || header->buckets == 0 || header->bloom_words == 0) return kUnreadable;
  head = *header;
  std::uint32_t hash = gnu_hash(name);
  std::uint64_t bloom = table + sizeof head, buckets = bloom + std::uint64_t{head.bloom_words} * sizeof(Word);
  std::uint64_t chains = buckets + std::uint64_t{head.buckets} * 4;
  constexpr unsigned kBits = sizeof(Word) * 8;
  // The loader masks the word index with bloom_words - 1 (a power of two in a sound file).
  auto word = read<Word>(image, bloom + ((hash / kBits) & (head.bloom_words - 1)) * sizeof(Word));
  if (!word) return kUnreadable;
  if (head.bloom_shift >= 64) return kUnreadable;
  Word mask = (Word{1} << (hash % kBits)) | (Word{1} << ((std::uint64_t{hash} >> head.bloom_shift) % kBits));
  if ((*word & mask) != mask) return false;
  auto index = read<std::uint32_t>(image, buckets + (hash % head.buckets) * 4);
  if (!index) return kUnreadable;
  if (*index < head.first_symbol) return false;
  // The chain ends at the entry whose lowest bit is set; every entry read is bounds-checked,
  // and a chain cannot be longer than the bytes that hold it.
  for (std::uint64_t i = *index;; ++i) {
    auto entry = read<std::uint32_t>(image, chains + (i - head.first_symbol) * 4);
    if (!entry) return kUnreadable;
    if ((*entry | 1) == (hash | 1)) {
      std::optional<bool> found = is_export(image, tables, i, name);
      if (!found) return kUnreadable;
      if (*found) return true;
    }
    if (*entry & 1) return false;
  }
}

std::variant<bool, std::string> find_sysv(const ElfImage& image, const Tables& tables, std::uint64_t table,
                                          std::string_view name) {
  auto buckets = read<std::uint32_t>(image, table), chain_length = read<std::uint32_t>(image, table + 4);
  if (!buckets || !chain_length || *buckets == 0) return kUnreadable;
  std::uint64_t chains = table + 8 + std::uint64_t{*buckets} * 4;
  // The whole chain array must be in the file, which bounds the walk below: a chain that
  // visits more entries than the array holds is a loop.
  if (!image.at(chains, std::uint64_t{*chain_length} * 4)) return kUnreadable;
  auto index = read<std::uint32_t>(image, table + 8 + (sysv_hash(name) % *buckets) * 4);
  for (std::uint64_t steps = 0; index && *index != STN_UNDEF; ++steps) {
    if (steps >= *chain_length || *index >= *chain_length) return kUnreadable;
    std::optional<bool> found = is_export(image, tables, *index, name);
    if (!found) return kUnreadable;
    if (*found) return true;
    index = read<std::uint32_t>(image, chains + std::uint64_t{*index} * 4);
  }
  if (!index) return kUnreadable;
  return false;
}

}  // namespace

std::variant<bool, std::string> exports_function(const ElfImage& image, std::string_view name) {
  std::optional<std::uint64_t> values[5];
  const std::int64_t tags[5] = {DT_SYMTAB, DT_STRTAB, DT_STRSZ, DT_GNU_HASH, DT_HASH};
  for (int i = 0; i < 5; ++i) {
    auto value = image.single(tags[i]);
    if (auto* problem = std::get_if<std::string>(&value)) return *problem;
    values[i] = std::get<0>(value);
  }
  auto [symbols, strings, strings_size, gnu, sysv] = values;
  if (!symbols || !strings || !strings_size) return false;  // no dynamic symbols: nothing exported
  Tables tables{*symbols, *strings, *strings_size};
  // The loader prefers the GNU table when a library has both.
  if (gnu) return find_gnu(image, tables, *gnu, name);
  if (sysv) return find_sysv(image, tables, *sysv, name);
  return std::string("it has dynamic symbols but no hash table to find them by");
}

}  // namespace destkit::host
