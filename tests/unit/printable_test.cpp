// printable(): control characters escaped, invalid UTF-8 replaced, long text cut at a
// character boundary, and nothing changed when applied twice.
#include "util/printable.hpp"

#include <catch2/catch.hpp>

using destkit::host::printable;

TEST_CASE("control characters become visible escapes") {
  CHECK(printable("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(printable("line\nnext\r\ttab") == "line\\nnext\\r\\ttab");
  CHECK(printable(std::string("nul\0del\x7f", 8)) == "nul\\x00del\\x7f");
  CHECK(printable("csi \xc2\x9b" "2J") == "csi \\u009b2J");  // C1 CSI, as UTF-8
  CHECK(printable("abc\xe2\x80\xae" "fed") == "abc\\u202efed");  // right-to-left override
  CHECK(printable("one\xe2\x80\xa8two\xe2\x80\xa9") == "one\\u2028two\\u2029");  // line and paragraph separators
  CHECK(printable("a\xe2\x80\x8f"
                  "b") == "a\\u200fb");  // right-to-left mark
  CHECK(printable("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x91") == "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x91");
  CHECK(printable("back\\slash") == "back\\slash");
}

TEST_CASE("each invalid UTF-8 byte becomes U+FFFD") {
  const std::string r = "\xef\xbf\xbd";
  CHECK(printable("a\xff" "b") == "a" + r + "b");
  CHECK(printable("\xc3") == r);                    // cut short
  CHECK(printable("\xc0\xaf") == r + r);            // overlong '/'
  CHECK(printable("\xed\xa0\x80") == r + r + r);    // a UTF-16 surrogate
  CHECK(printable("\xf4\x90\x80\x80") == r + r + r + r);  // beyond U+10FFFF
}

TEST_CASE("text longer than the cap is cut at a character boundary and ends with an ellipsis") {
  const std::string ellipsis = "\xe2\x80\xa6";
  CHECK(printable("0123456789", 10) == "0123456789");
  CHECK(printable("0123456789a", 10) == "0123456" + ellipsis);
  CHECK(printable("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10) == "\xc3\xa9\xc3\xa9\xc3\xa9" + ellipsis);
  CHECK(printable("abcdefg\x1b", 10) == "abcdefg" + ellipsis);  // an escape is never cut in half
}

TEST_CASE("printable text is left as it is") {
  for (std::string text : {std::string("a\x1b[2J\xff"), std::string(3000, '\x1b'), std::string("\xc2\x9b\xe2\x80\xae")}) {
    std::string once = printable(text, 100);
    CHECK(once.size() <= 100);
    CHECK(printable(once, 100) == once);
    CHECK(printable(printable(text)) == printable(text));
  }
}
