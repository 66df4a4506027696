// redactor — replaces every known secret in a text with [redacted].
//
// Applied to everything a plugin or a server can put into a message (errors, logs), so a
// secret cannot leak even when a plugin echoes it or a server reflects it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace destkit::host {

class Redactor {
 public:
  // Registers a secret, and the secret without the white space around it (a server trims a
  // header value, and may echo what it kept). Secrets shorter than kShortSecret are redacted
  // where they stand as a whole word.
  void add(std::string_view secret);
  // Redacts each secret of this redactor and each one remember_secret() was given, where it
  // stands as given, base64-encoded (a Basic header), or encoded in a way the text is decoded
  // from: URL and form encoding (%XX in either case, '+' for a space; or %XX alone, '+' kept,
  // as encodeURI leaves a value; or URL encoding twice), JSON string escapes (\/, \", \uXXXX,
  // ...), also of JSON quoted inside JSON up to four levels deep, form encoding inside JSON,
  // and HTML character references (&amp; &lt; &gt; &quot; &apos; &#NN; &#xNN;), also over
  // JSON escapes (JSON in an HTML page).
  std::string apply(std::string_view text) const;
  // apply() of the first `shown` bytes of `text`, when only they are shown: the text is
  // searched only as far as a secret that starts in them could reach, encoded as apply()
  // decodes (kMaxEncodedBytesPerByte per byte), so that a long text is not decoded whole
  // (decoding takes several times the text's size in memory) to show its start.
  std::string apply_to_start(std::string_view text, std::size_t shown) const;
  // What a message shows of `text`: redacted, then printable() in at most `max_bytes`. Only
  // the start is redacted (apply_to_start), so a huge text costs no more than its shown part.
  std::string shown(std::string_view text, std::size_t max_bytes) const;
  static constexpr std::size_t kMaxEncodedBytesPerByte = 64;

  // Limits the secrets remembered from other calls that this redactor searches for to those a
  // call of the same destination sent (remember_secret's `scope`). A call's redactor is so
  // limited: what a destination's code keeps from one call can only reach its own later
  // calls, and a caller whose server echoes guesses cannot learn which values another
  // destination's callers sent.
  void limit_to(std::string scope) { scope_ = std::move(scope); }
  // Searches for this redactor's own secrets only, none remembered from calls.
  void own_secrets_only() { own_only_ = true; }

  // Text the caller of a call gave it (its settings). A secret remembered from another call
  // (remember_secret) that occurs in such text, as it is or URL- or JSON-decoded, is not
  // redacted by this redactor in any form: the caller knows that value, and redacting it
  // would tell them that someone else sent it.
  void add_known_to_caller(std::string_view text);

  // A secret, or one of its encoded forms, as apply() searches for it.
  struct Secret {
    std::string text;
    bool whole_word_only;  // short secrets: redacting every "ab" would shred every message
  };

 private:
  // The encoded forms of secrets_, derived by apply() once a text is long enough to hold one:
  // most calls redact only texts shorter than any secret. A copy starts with none.
  struct Forms {
    std::mutex mutex;
    std::vector<Secret> list;
    std::size_t secrets_done = 0;  // secrets_[0, secrets_done) have their forms in `list`
    Forms() = default;
    Forms(const Forms&) {}
    Forms& operator=(const Forms&) {
      std::lock_guard lock(mutex);
      list.clear();
      secrets_done = 0;
      return *this;
    }
  };

  std::vector<std::string> secrets_;  // as added
  std::vector<std::string> known_to_caller_;
  std::string scope_;                 // empty: every remembered secret
  bool own_only_ = false;
  std::size_t shortest_ = SIZE_MAX;   // of secrets_ and of their Latin-1 forms
  std::size_t longest_ = 0;           // of secrets_
  mutable Forms forms_;
};

// Makes `secret` (and its trimmed form, as Redactor::add) known to every Redactor not limited
// to another scope (Redactor::limit_to; `scope` is the slug of the destination that sent it) (thread-safe):
// a settings value the host has sent as a credential is a secret whatever type its field
// declares. The process keeps the kMaxRememberedSecrets most recently remembered, none longer
// than kMaxRememberedSecretBytes (a longer one is redacted in its own call only): in a host
// that tests many users' credentials, the memory and the time each redaction takes stay bounded.
// None shorter than kMinRememberedSecretBytes either: a caller who sends "401" or "true" as a
// credential would otherwise blank that word out of every other caller's messages.
inline constexpr std::size_t kMaxRememberedSecrets = 256;
inline constexpr std::size_t kMaxRememberedSecretBytes = 4096;
inline constexpr std::size_t kMinRememberedSecretBytes = 8;
void remember_secret(std::string_view secret, std::string_view scope);

inline constexpr std::string_view kRedacted = "[redacted]";

// Whether a header, query parameter or settings field name (or a field's label) says its
// value is a credential: Authorization, X-Api-Key, access_token, Cookie, X-Passwd, X-JWT,
// X-Bearer, X-Hmac, X-Pwd, X-Sig, Sid, passPhrase, userPass, PIN, OTP, ... English names only.
bool is_secret_name(std::string_view name);

// The URL with its user:password part and credential-named query values redacted.
std::string redact_url(std::string_view url);
inline constexpr std::size_t kShortSecret = 6;

}  // namespace destkit::host
