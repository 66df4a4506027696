#include "http/remembered_secrets.hpp"

#include "http/secret_forms.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>

namespace destkit::host {

namespace {

// Polynomial hashes modulo the Mersenne prime 2^61 - 1, with a base drawn at random per
// process: text that collides with a form cannot be chosen in advance (and a collision only
// redacts more).
constexpr std::uint64_t kModulus = (std::uint64_t{1} << 61) - 1;

std::uint64_t reduced(std::uint64_t value) {
  value = (value & kModulus) + (value >> 61);
  return value >= kModulus ? value - kModulus : value;
}

std::uint64_t multiplied(std::uint64_t a, std::uint64_t b) {
  unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return reduced((static_cast<std::uint64_t>(product) & kModulus) + static_cast<std::uint64_t>(product >> 61));
}

struct Polynomial {
  std::uint64_t base;
  std::vector<std::uint64_t> powers;  // base^k for k up to kMaxFormBytes

  Polynomial() {
    std::random_device random;
    base = 256 + (((std::uint64_t{random()} << 32) | random()) % (kModulus - 512));
    powers.resize(RememberedSecrets::kMaxFormBytes + 1);
    powers[0] = 1;
    for (std::size_t k = 1; k < powers.size(); ++k) powers[k] = multiplied(powers[k - 1], base);
  }
  // The hash after `hash` of one more byte (1 to 256: a leading NUL counts).
  std::uint64_t extended(std::uint64_t hash, char byte) const {
    return reduced(multiplied(hash, base) + static_cast<unsigned char>(byte) + 1);
  }
  std::uint64_t of(std::string_view bytes) const {
    std::uint64_t hash = 0;
    for (char byte : bytes) hash = extended(hash, byte);
    return hash;
  }
};

const Polynomial& polynomial() {
  static const Polynomial* shared = new Polynomial;  // never destroyed, as the secrets
  return *shared;
}

// The hashes of a text's prefixes, computed as far as asked, from kMaxFormBytes before the
// first anchor asked about, and kept for the last kRing places: enough to hash any span a form
// around an anchor can take, in constant time and memory.
class PrefixHashes {
 public:
  explicit PrefixHashes(std::string_view text) : text_(text) {}

  // The hash of text[begin, end), for a form whose anchor ends at `anchor_end`; anchor_end never
  // decreases from one call to the next.
  std::uint64_t of(std::size_t begin, std::size_t end, std::size_t anchor_end) {
    const Polynomial& p = polynomial();
    if (ring_.empty()) {
      ring_.assign(kRing, 0);
      done_ = anchor_end > RememberedSecrets::kMaxFormBytes ? anchor_end - RememberedSecrets::kMaxFormBytes : 0;
    }
    for (; done_ < end; ++done_) ring_[(done_ + 1) % kRing] = p.extended(ring_[done_ % kRing], text_[done_]);
    std::uint64_t before = multiplied(ring_[begin % kRing], p.powers[end - begin]);
    return reduced(ring_[end % kRing] + kModulus - before);
  }

 private:
  // A form reaches kMaxFormBytes before or after its anchor: that far back from the furthest
  // prefix computed, and one more.
  static constexpr std::size_t kRing = 2 * RememberedSecrets::kMaxFormBytes + 1;
  std::string_view text_;
  std::vector<std::uint64_t> ring_;  // hash of text[start, k) at k % kRing
  std::size_t done_ = 0;             // prefixes are computed up to here
};

constexpr std::size_t kFilterSlots = std::size_t{1} << 16;

std::size_t filter_slot(std::uint64_t anchor) { return (anchor * 0x9E3779B97F4A7C15u) >> 48; }

std::uint64_t anchor_at(const char* end) {
  std::uint64_t anchor;
  std::memcpy(&anchor, end - RememberedSecrets::kAnchorBytes, RememberedSecrets::kAnchorBytes);
  return anchor;
}

}  // namespace

RememberedSecrets& RememberedSecrets::process() {
  static RememberedSecrets* remembered = new RememberedSecrets;
  return *remembered;
}

void RememberedSecrets::remember(std::string_view secret, std::string_view scope) {
  if (secret.size() < kMinRememberedSecretBytes || secret.size() > kMaxRememberedSecretBytes) return;
  // Keyed by scope and secret: a NUL cannot be in a slug.
  std::string key = std::string(scope) + '\0' + std::string(secret);
  {
    std::shared_lock lock(mutex_);
    if (keys_.contains(key)) return;
  }
  auto entry = std::make_unique<Entry>();
  entry->scope = std::string(scope);
  add_forms(entry->forms, secret);
  for (const auto& form : entry->forms) entry->form_hashes.push_back(polynomial().of(form.text));
  std::unique_lock lock(mutex_);
  if (!keys_.emplace(key).second) return;
  index(*entry);
  order_.push_back({std::move(key), std::move(entry)});
  if (order_.size() > kMaxRememberedSecrets) {
    unindex(*order_.front().entry);
    keys_.erase(order_.front().key);
    order_.pop_front();
  }
}

void RememberedSecrets::index(Entry& entry) {
  if (anchor_filter_.empty()) anchor_filter_.assign(kFilterSlots, 0);
  entry.anchor_ends.assign(entry.forms.size(), 0);
  for (std::size_t form = 0; form < entry.forms.size(); ++form) {
    const std::string& text = entry.forms[form].text;
    if (text.size() < kAnchorBytes) continue;
    // The 8 bytes the fewest forms share, among kAnchorChoices places spread over the form:
    // values planted with the same bytes at one place cannot crowd it out.
    std::size_t places = std::min(kAnchorChoices, text.size() - kAnchorBytes + 1);
    std::size_t best_end = 0, best_sharing = kMaxFormsPerAnchor;
    for (std::size_t k = 0; k < places && best_sharing > 0; ++k) {
      std::size_t end = text.size() - k * (text.size() - kAnchorBytes) / std::max<std::size_t>(places - 1, 1);
      auto sharing = by_anchor_.find(anchor_at(text.data() + end));
      std::size_t count = sharing == by_anchor_.end() ? 0 : sharing->second.size();
      if (count < best_sharing) {
        best_end = end;
        best_sharing = count;
      }
    }
    if (best_end == 0) continue;  // every place is shared by kMaxFormsPerAnchor forms already
    std::uint64_t anchor = anchor_at(text.data() + best_end);
    by_anchor_[anchor].push_back({&entry, form});
    ++anchor_filter_[filter_slot(anchor)];
    entry.anchor_ends[form] = best_end;
  }
}

void RememberedSecrets::unindex(const Entry& entry) {
  for (std::size_t form = 0; form < entry.forms.size(); ++form) {
    if (entry.anchor_ends[form] == 0) continue;
    std::uint64_t anchor = anchor_at(entry.forms[form].text.data() + entry.anchor_ends[form]);
    auto sharing = by_anchor_.find(anchor);
    if (sharing == by_anchor_.end()) continue;
    auto& list = sharing->second;
    auto gone = std::remove_if(list.begin(), list.end(), [&](const IndexedForm& f) { return f.entry == &entry; });
    anchor_filter_[filter_slot(anchor)] -= static_cast<std::uint16_t>(list.end() - gone);
    list.erase(gone, list.end());
    if (list.empty()) by_anchor_.erase(sharing);
  }
}

void RememberedSecrets::search(std::string_view text, std::string_view scope, const Found& found) const {
  if (by_anchor_.empty() || text.size() < kAnchorBytes) return;
  PrefixHashes hashes(text);
  for (std::size_t end = kAnchorBytes; end <= text.size(); ++end) {
    std::uint64_t anchor = anchor_at(text.data() + end);
    if (anchor_filter_[filter_slot(anchor)] == 0) continue;
    auto sharing = by_anchor_.find(anchor);
    if (sharing == by_anchor_.end()) continue;
    for (const auto& [entry, form] : sharing->second) {
      if (!scope.empty() && entry->scope != scope) continue;
      std::size_t anchor_end_in_form = entry->anchor_ends[form];
      std::size_t size = entry->forms[form].text.size();
      if (anchor_end_in_form > end || end - anchor_end_in_form + size > text.size()) continue;
      std::size_t begin = end - anchor_end_in_form;
      if (hashes.of(begin, begin + size, end) != entry->form_hashes[form]) continue;
      found(*entry, begin, begin + size);
    }
  }
}

}  // namespace destkit::host
