#include "http/redactor.hpp"
#include "http/remembered_secrets.hpp"
#include "http/secret_forms.hpp"
#include "http/text_search.hpp"
#include "util/encoding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

using namespace destkit::host;

TEST_CASE("a secret is redacted as given, percent-encoded and base64-encoded") {
  Redactor redactor;
  redactor.add("p@ss word");
  CHECK(redactor.apply("password=p@ss word") == "password=[redacted]");
  CHECK(redactor.apply("url?pw=p%40ss%20word") == "url?pw=[redacted]");
  CHECK(redactor.apply("Basic cEBzcyB3b3Jk") == "Basic [redacted]");
  CHECK(redactor.apply("nothing secret here") == "nothing secret here");
}

TEST_CASE("a secret with characters beyond ASCII is redacted also as a server writing Latin-1 echoes it") {
  Redactor redactor;
  redactor.add(
      "\xc3\xbcn\xc3\xaf"
      "c\xc3\xb8"
      "d\xc3\xa9-p\xc3\xa4ssw\xc3\xb8rd");  // "ünïcødé-pässwørd" in UTF-8
  std::string latin1 =
      "\xfcn\xef"
      "c\xf8"
      "d\xe9-p\xe4ssw\xf8rd";  // as Latin-1
  CHECK(redactor.apply("401 Nope " + latin1) == "401 Nope [redacted]");
  CHECK(redactor.apply(latin1) == "[redacted]");  // shorter than the secret's UTF-8
  CHECK(redactor.apply("pw=%FCn%EFc%F8d%E9-p%E4ssw%F8rd") == "pw=[redacted]");
  CHECK(redactor.shown("bad password: " + latin1, 100) == "bad password: [redacted]");
  // A secret with a character Latin-1 lacks has no Latin-1 form; ASCII's is itself.
  CHECK(!latin1_of_utf8("\xe2\x82\xac-euro").has_value());
  CHECK(!latin1_of_utf8("plain").has_value());
  CHECK(!latin1_of_utf8("\xc3").has_value());
}

TEST_CASE("a secret is redacted in hexadecimal, in either case, also inside longer hex data") {
  Redactor redactor;
  redactor.add("sk_live_42");
  CHECK(redactor.apply("key 736b5f6c6976655f3432 echoed") == "key [redacted] echoed");
  CHECK(redactor.apply("KEY=736B5F6C6976655F3432") == "KEY=[redacted]");
  CHECK(redactor.apply("bytes 00ff736b5f6c6976655f3432ff00") == "bytes 00ff[redacted]ff00");
}

TEST_CASE("a secret is redacted in base64 without padding and in base64url") {
  Redactor redactor;
  redactor.add("abc/DEF+ghi?");
  CHECK(redactor.apply("padded YWJjL0RFRitnaGk/") == "padded [redacted]");
  CHECK(redactor.apply("base64url YWJjL0RFRitnaGk_") == "base64url [redacted]");
  redactor.add("abc/DEF+ghi");
  CHECK(redactor.apply("unpadded YWJjL0RFRitnaGk end") == "unpadded [redacted] end");
}

TEST_CASE("a secret is redacted inside longer base64 and base64url data, at each offset") {
  const std::string key = "sk_live_ABCDEFGH12345678";
  Redactor redactor;
  redactor.add(key);
  auto before = GENERATE(std::string(), std::string("x"), std::string("xy"), std::string("user:"));
  auto after = GENERATE(std::string(), std::string("z"), std::string("zz"), std::string("!trailer"));
  for (std::string encoded : {base64_encode(before + key + after), base64url_encode(before + key + after)}) {
    INFO(before << " + key + " << after << " as " << encoded);
    std::string out = redactor.apply("echo " + encoded + " end");
    REQUIRE(out.find("[redacted]") != std::string::npos);
    // Of the 32 characters that encode the key, at most the two at each end are left.
    CHECK(out.size() - std::string("[redacted]").size() <= std::string("echo  end").size() + encoded.size() - 28);
  }
}

TEST_CASE("a secret too short to be told from chance is not searched for inside longer base64") {
  Redactor redactor;
  redactor.add("abc12");
  std::string encoded = base64_encode("user:abc12 and more");
  CHECK(redactor.apply(encoded) == encoded);
}

TEST_CASE("a short secret is redacted where it stands alone, not inside other words") {
  Redactor redactor;
  redactor.add("t0p");
  CHECK(redactor.apply("password t0p rejected; stop t0ps") == "password [redacted] rejected; stop t0ps");
  CHECK(redactor.apply("pw=t0p&x=1") == "pw=[redacted]&x=1");
}

TEST_CASE("URLs lose their user:password and credential-named query values") {
  CHECK(redact_url("https://user:SECRET@example.com/x?api_key=SECRET&q=1#top") ==
        "https://[redacted]@example.com/x?api_key=[redacted]&q=1#top");
  CHECK(redact_url("https://example.com/cb?code=SECRET&state=s") == "https://example.com/cb?code=[redacted]&state=s");
  CHECK(redact_url("https://example.com/plain") == "https://example.com/plain");
}

TEST_CASE("credential names are recognised, ordinary ones are not") {
  for (const char* name : {"Authorization", "X-Api-Key", "access_token",  "Cookie",     "Set-Cookie",     "code",
                           "X-Signature",   "passwd",    "X-Passwd",      "jwt",        "X-JWT",          "X-Pwd",
                           "pwd",           "user_pass", "X-Credentials", "X-Passcode", "X-Bearer",       "X-Hmac",
                           "X-Sig",         "sig",       "Sid",           "X-Pass",     "passPhrase",     "userPass",
                           "passphrase",    "PIN",       "Security PIN",  "otp",        "mfaCode",        "pw",
                           "X-Auth-Token",  "oauth",     "Authorization", "mnemonic",   "X-Authorisation"}) {
    CAPTURE(name);
    CHECK(is_secret_name(name));
  }
  for (const char* name : {"Accept-Encoding", "Content-Type", "User-Agent", "state", "q", "bypass", "X-Compass",
                           "X-Signal", "side", "author", "X-Author", "spinner", "Shipping", "powerMode", "topic"}) {
    CAPTURE(name);
    CHECK_FALSE(is_secret_name(name));
  }
}

TEST_CASE("a secret is redacted however a server encodes it: form, percent in either case, JSON escapes") {
  Redactor redactor;
  redactor.add("s/cr\"t k\xc3\xa9y+1");
  CHECK(redactor.apply("form: s%2Fcr%22t+k%C3%A9y%2B1.") == "form: [redacted].");
  CHECK(redactor.apply("lower: s%2fcr%22t%20k%c3%a9y%2b1.") == "lower: [redacted].");
  CHECK(redactor.apply(R"(json: "s\/cr\"t k\u00e9y+1")") == R"(json: "[redacted]")");
  CHECK(redactor.apply(R"(json: "s/cr\"t k\u00C9y+1")") == R"(json: "s/cr\"t k\u00C9y+1")");  // É is not é
  CHECK(redactor.apply(R"(all: "\u0073\u002f\u0063r\"t k\u00e9y\u002b1")") == R"(all: "[redacted]")");
  CHECK(redactor.apply(R"(nested: {"url":"https:\/\/x?key=s%2Fcr%22t+k%C3%A9y%2B1"})") ==
        R"(nested: {"url":"https:\/\/x?key=[redacted]"})");
}

TEST_CASE("a secret is redacted percent-encoded in part, '+' kept, as encodeURI and URL writers leave it") {
  Redactor redactor;
  redactor.add("ab cd+ef=gh&ij/kl<k\xc3\xa4");
  CHECK(redactor.apply("encodeURI: ab%20cd+ef=gh&ij/kl%3Ck%C3%A4.") == "encodeURI: [redacted].");
  CHECK(redactor.apply("space only: ab%20cd+ef=gh&ij/kl<k\xc3\xa4.") == "space only: [redacted].");
  CHECK(redactor.apply("beyond ASCII only: ab cd+ef=gh&ij/kl<k%C3%A4.") == "beyond ASCII only: [redacted].");
}

TEST_CASE("a secret is redacted in HTML or XML, escaped by name or by number") {
  Redactor redactor;
  redactor.add("p&ss<w\"rd'\xc3\xa9");
  CHECK(redactor.apply("<p>p&amp;ss&lt;w&quot;rd&#39;\xc3\xa9</p>") == "<p>[redacted]</p>");
  CHECK(redactor.apply("<p>p&#38;ss&#x3C;w&#x22;rd&apos;&#233;</p>") == "<p>[redacted]</p>");
  CHECK(redactor.apply("p&amp;ss&lt;w&quot;rd&#39;&#232;") == "p&amp;ss&lt;w&quot;rd&#39;&#232;");  // è is not é
}

TEST_CASE("a secret is redacted URL-encoded twice, and in JSON inside an HTML page") {
  Redactor redactor;
  redactor.add("p@ss w\xc3\xb6rd/\"<&>");
  CHECK(redactor.apply("next=%2Fcb%3Fkey%3Dp%2540ss%2520w%25C3%25B6rd%252F%2522%253C%2526%253E") ==
        "next=%2Fcb%3Fkey%3D[redacted]");
  CHECK(redactor.apply(R"(<script>var e = {"key": "p@ss w\u00f6rd\/\&quot;&lt;&amp;&gt;"};</script>)") ==
        R"(<script>var e = {"key": "[redacted]"};</script>)");
}

TEST_CASE("a secret with a quote or a backslash is redacted in JSON quoted inside JSON") {
  Redactor redactor;
  redactor.add(R"(pa"ss\word-123)");
  // {"error": "{\"password\": \"pa\\\"ss\\\\word-123\"}"}: the body it was sent, quoted in a string.
  CHECK(redactor.apply(R"({"error":"{\"password\":\"pa\\\"ss\\\\word-123\"}"})") ==
        R"({"error":"{\"password\":\"[redacted]\"}"})");
  CHECK(redactor.apply(R"(three levels: pa\\\\\\\"ss\\\\\\\\\\\\\\\\word-123)") == "three levels: [redacted]");
}

TEST_CASE("a JSON surrogate pair is decoded before the comparison") {
  Redactor redactor;
  redactor.add("key-\xf0\x9f\x94\x91-42");
  CHECK(redactor.apply(R"({"k":"key-\ud83d\udd11-42"})") == R"({"k":"[redacted]"})");
}

TEST_CASE("overlapping secrets and encodings are redacted once, text around them kept") {
  Redactor redactor;
  redactor.add("abcdef-SECRET");
  redactor.add("SECRET-ghijkl");
  CHECK(redactor.apply("x abcdef-SECRET-ghijkl y") == "x [redacted] y");
  CHECK(redactor.apply("%61bcdef-SECRET then abcdef-SECRET") == "[redacted] then [redacted]");
}

TEST_CASE("secrets added after a redaction, and a copied redactor, redact every form") {
  Redactor redactor;
  redactor.add("first-secret");
  CHECK(redactor.apply("ok") == "ok");  // shorter than any secret
  CHECK(redactor.apply("key first-secret") == "key [redacted]");
  redactor.add("second-secret");
  CHECK(redactor.apply("Basic c2Vjb25kLXNlY3JldA==") == "Basic [redacted]");
  Redactor copy = redactor;
  copy.add("third-secret");
  CHECK(copy.apply("a Zmlyc3Qtc2VjcmV0 b c2Vjb25kLXNlY3JldA c dGhpcmQtc2VjcmV0") == "a [redacted] b [redacted] c [redacted]");
  CHECK(redactor.apply("third-secret") == "third-secret");  // added to the copy only
}

TEST_CASE("a secret with white space around it is redacted also as a server that trimmed it echoes it") {
  Redactor redactor;
  redactor.add(" sk_live_ABCDEFGH12345\t");
  CHECK(redactor.apply("401 sk_live_ABCDEFGH12345") == "401 [redacted]");
  remember_secret("remembered-key-0123456789 ", "test-scope");
  CHECK(Redactor().apply("echo: remembered-key-0123456789.") == "echo: [redacted].");
}

TEST_CASE("the process remembers the most recent secrets only, and none too long to search cheaply") {
  remember_secret("oldest-remembered-secret-0000", "test-scope");
  for (std::size_t i = 0; i < kMaxRememberedSecrets; ++i)
    remember_secret("newer-remembered-secret-" + std::to_string(i), "test-scope");
  Redactor fresh;
  CHECK(fresh.apply("oldest-remembered-secret-0000") == "oldest-remembered-secret-0000");
  CHECK(fresh.apply("newer-remembered-secret-0") == "[redacted]");
  std::string last = "newer-remembered-secret-" + std::to_string(kMaxRememberedSecrets - 1);
  CHECK(fresh.apply(last) == "[redacted]");
  std::string long_secret(kMaxRememberedSecretBytes + 1, 'L');
  remember_secret(long_secret, "test-scope");
  CHECK(fresh.apply(long_secret) == long_secret);
  Redactor own;  // a call's own redactor knows it whatever its length
  own.add(long_secret);
  CHECK(own.apply(long_secret) == "[redacted]");
}

TEST_CASE(
    "a value shorter than 8 bytes is not remembered: one caller cannot blank a word out of the others' messages") {
  remember_secret("Nope401", "short-scope");
  remember_secret("Eight888", "short-scope");
  Redactor other_call;
  other_call.limit_to("short-scope");
  CHECK(other_call.apply("401 Nope401, Eight888") == "401 Nope401, [redacted]");
  Redactor own;
  own.add("Nope401");
  CHECK(own.apply("401 Nope401") == "401 [redacted]");
}

TEST_CASE("a secret remembered from another call is not redacted from text that a call's caller gave it") {
  remember_secret("Summer2024-victim-pass", "test-scope");
  Redactor caller;
  caller.add_known_to_caller("Summer2024-victim-pass.example.com");
  CHECK(caller.apply("GET https://Summer2024-victim-pass.example.com/") == "GET https://Summer2024-victim-pass.example.com/");
  CHECK(Redactor().apply("GET https://Summer2024-victim-pass.example.com/") == "GET https://[redacted].example.com/");
  Redactor own;  // the call's own secrets are redacted whatever its caller gave
  own.add("Summer2024-victim-pass");
  own.add_known_to_caller("Summer2024-victim-pass");
  CHECK(own.apply("Summer2024-victim-pass") == "[redacted]");
}

TEST_CASE("a secret remembered from another call is not redacted in any form from what its caller gave, decoded or not") {
  remember_secret("Victim2/77 y", "test-scope");
  Redactor caller;
  caller.add_known_to_caller("Victim2%2F77%20y");  // the caller sent it percent-encoded
  CHECK(caller.apply(R"({"decoded": "Victim2/77 y"})") == R"({"decoded": "Victim2/77 y"})");
  Redactor raw;
  raw.add_known_to_caller("Victim2/77 y");
  CHECK(raw.apply("base64: VmljdGltMi83NyB5") == "base64: VmljdGltMi83NyB5");
  CHECK(Redactor().apply("base64: VmljdGltMi83NyB5") == "base64: [redacted]");
  Redactor encoded;  // the caller gave its base64 form, which decodes to it
  encoded.add_known_to_caller("VmljdGltMi83NyB5");
  CHECK(encoded.apply("q=VmljdGltMi83NyB5, decoded: Victim2/77 y") == "q=VmljdGltMi83NyB5, decoded: Victim2/77 y");
}

TEST_CASE("a secret remembered from one destination's call is redacted in that destination's calls only") {
  remember_secret("Acme-Prod-Key-9f3a", "acme");
  Redactor same, other, unlimited;
  same.limit_to("acme");
  other.limit_to("globex");
  // A caller of another destination whose server echoes guesses learns nothing of acme's.
  CHECK(other.apply("guess=Acme-Prod-Key-9f3a") == "guess=Acme-Prod-Key-9f3a");
  CHECK(same.apply("kept from an earlier call: Acme-Prod-Key-9f3a") == "kept from an earlier call: [redacted]");
  CHECK(unlimited.apply("Acme-Prod-Key-9f3a") == "[redacted]");
}

TEST_CASE("a remembered secret is redacted wherever it stands in a long text, also where it overlaps itself") {
  remember_secret("far-remembered-Key-7781", "long-scope");
  Redactor call;
  call.limit_to("long-scope");
  std::string filler(100000, 'x');
  std::string text =
      "far-remembered-Key-7781 " + filler + " far-remembered-Key-7781 " + filler + "far-remembered-Key-7781";
  std::string expected = "[redacted] " + filler + " [redacted] " + filler + "[redacted]";
  CHECK(call.apply(text) == expected);
  remember_secret("abababababababab", "long-scope");
  std::string repeated;
  for (int i = 0; i < 50000; ++i) repeated += "ab";
  CHECK(call.apply("<" + repeated + ">") == "<[redacted]>");
  CHECK(call.apply("<" + repeated.substr(0, 15) + ">") == "<" + repeated.substr(0, 15) + ">");
}

TEST_CASE("values planted with the same bytes as a remembered secret cannot make it forgotten") {
  remember_secret("VICTIM-m8-SHAREDTAIL8", "anchor-scope");
  // Each ends, begins or repeats with 8 bytes of the victim's, as a caller who knows them could plant.
  for (int i = 0; i < 64; ++i) {
    remember_secret(fmt::format("m8P{:05}-qqqqqqqqqqqqREDTAIL8", i), "anchor-scope");
    remember_secret(fmt::format("VICTIM-m{:05}-qqqqqq", i), "anchor-scope");
    remember_secret(fmt::format("{}SHAREDTA{:05}", std::string(i % 9, 'z'), i), "anchor-scope");
  }
  Redactor call;
  call.limit_to("anchor-scope");
  CHECK(call.apply("echo VICTIM-m8-SHAREDTAIL8 end") == "echo [redacted] end");
  CHECK(call.apply(base64_encode("VICTIM-m8-SHAREDTAIL8")) == "[redacted]");
  CHECK(call.apply("m8P00063-qqqqqqqqqqqqREDTAIL8") == "[redacted]");  // the planted are found too
}

TEST_CASE("remembered secrets are found wherever a plain search finds their forms, in random texts") {
  std::mt19937 random(20261201);  // fixed: the same texts every run
  auto letters = [&](std::size_t size) {
    std::string s;
    for (std::size_t i = 0; i < size; ++i) s += "abcd"[random() % 4];  // no escape: no decoded view
    return s;
  };
  std::vector<std::string> secrets;
  for (int i = 0; i < 40; ++i) {
    secrets.push_back(letters(8 + random() % 40));
    remember_secret(secrets.back(), "random-scope");
  }
  Redactor call;
  call.limit_to("random-scope");
  for (int round = 0; round < 200; ++round) {
    // Some texts longer than the span of prefix hashes kept (twice the longest form).
    std::string text = letters(round % 10 == 0 ? 20000 + random() % 20000 : random() % 300);
    for (int k = random() % 8; k > 0; --k) {
      const std::string& secret = secrets[random() % secrets.size()];
      text.insert(random() % (text.size() + 1), random() % 2 ? secret : base64_encode(secret));
    }
    // What a plain search of every form finds, merged as the redactor merges what it finds.
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (const std::string& secret : secrets) {
      std::vector<Redactor::Secret> forms;
      add_forms(forms, secret);
      for (const auto& form : forms) {
        if (form.text.size() < RememberedSecrets::kAnchorBytes) continue;
        for (std::size_t at : occurrences(text, form.text)) spans.emplace_back(at, at + form.text.size());
      }
    }
    std::sort(spans.begin(), spans.end());
    std::string expected;
    std::size_t copied = 0;
    for (auto [from, to] : spans) {
      if (to <= copied) continue;
      if (from >= copied) expected += text.substr(copied, from - copied) + std::string(kRedacted);
      copied = to;
    }
    expected += text.substr(copied);
    CAPTURE(text);
    REQUIRE(call.apply(text) == expected);
  }
}
