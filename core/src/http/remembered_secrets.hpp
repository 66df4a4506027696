// remembered_secrets — the secrets the process remembers from calls (remember_secret in
// redactor.hpp), and the search for them in a text.
//
// Callers can plant what is remembered, and a planted value is searched for in other callers'
// messages, so what is remembered cannot make a search cost more than a few times a text's
// length: each encoded form is indexed by kAnchorBytes of its bytes (its anchor), a text is
// read once, and each form whose anchor is found there is compared with the text around it in
// constant time by a hash of the text's bytes (Karp–Rabin). At most kMaxFormsPerAnchor forms
// share an anchor: a form's anchor is, of kAnchorChoices places spread over it, the one the
// fewest share, and a form every one of whose places is shared that often is not searched for
// (one remembered already keeps its place).
#pragma once

#include "http/redactor.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace destkit::host {

class RememberedSecrets {
 public:
  static constexpr std::size_t kAnchorBytes = 8;
  static constexpr std::size_t kMaxFormsPerAnchor = 4;
  static constexpr std::size_t kAnchorChoices = 64;
  // The longest form of a remembered secret: its hexadecimal form.
  static constexpr std::size_t kMaxFormBytes = 2 * kMaxRememberedSecretBytes;

  struct Entry {
    std::string scope;  // the destination whose call sent it
    std::vector<Redactor::Secret> forms;
    std::vector<std::uint64_t> form_hashes;
    std::vector<std::size_t> anchor_ends;  // where in each form its anchor ends; 0: not searched for
  };
  using Found = std::function<void(const Entry&, std::size_t begin, std::size_t end)>;

  static RememberedSecrets& process();  // never destroyed: redaction may run during exit

  // Remembers `secret` for `scope` unless it is remembered already or its size is out of the
  // bounds redactor.hpp gives; forgets the oldest beyond kMaxRememberedSecrets.
  void remember(std::string_view secret, std::string_view scope);

  // search() and empty() need the lock this returns held; entries stay while it is.
  std::shared_lock<std::shared_mutex> reading() const { return std::shared_lock(mutex_); }
  bool empty() const { return order_.empty(); }
  // Calls `found` for each place [begin, end) of `text` that holds a form of a secret
  // remembered for `scope` (empty: for any), forms shorter than kAnchorBytes excepted.
  void search(std::string_view text, std::string_view scope, const Found& found) const;

 private:
  struct Remembered {
    std::string key;  // scope, NUL, secret
    std::unique_ptr<Entry> entry;
  };
  struct IndexedForm {
    const Entry* entry;
    std::size_t form;
  };

  void index(Entry& entry);
  void unindex(const Entry& entry);

  mutable std::shared_mutex mutex_;
  std::unordered_set<std::string> keys_;
  std::deque<Remembered> order_;  // the oldest first
  std::unordered_map<std::uint64_t, std::vector<IndexedForm>> by_anchor_;
  std::vector<std::uint16_t> anchor_filter_;  // how many indexed anchors hash to each slot
};

}  // namespace destkit::host
