#include "http/text_search.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace destkit::host;

TEST_CASE("every occurrence of a pattern is found, overlapping ones included") {
  CHECK(occurrences("abcabcab", "cab") == std::vector<std::size_t>{2, 5});
  CHECK(occurrences("aaaa", "aa") == std::vector<std::size_t>{0, 1, 2});
  CHECK(occurrences("abababa", "aba") == std::vector<std::size_t>{0, 2, 4});
  CHECK(occurrences("aabaabaaab", "aab") == std::vector<std::size_t>{0, 3, 7});
  CHECK(occurrences("xyz", "xyzw").empty());
  CHECK(occurrences("", "a").empty());
  CHECK(occurrences("abc", "d").empty());
}

TEST_CASE("a search can stop at the first occurrences") {
  CHECK(occurrences("aaaa", "a", 2) == std::vector<std::size_t>{0, 1});
  CHECK(contains("say hello", "hello"));
  CHECK_FALSE(contains("say hell", "hello"));
}

TEST_CASE("a pattern that repeats itself is found throughout a text that repeats it") {
  std::string text(100000, 'a');
  std::string pattern(5000, 'a');
  auto found = occurrences(text, pattern);
  REQUIRE(found.size() == text.size() - pattern.size() + 1);
  CHECK(found.back() == text.size() - pattern.size());
  pattern.back() = 'b';  // matches all but its last byte everywhere
  CHECK(occurrences(text, pattern).empty());
  CHECK(occurrences(text + "b", pattern) == std::vector<std::size_t>{text.size() + 1 - pattern.size()});
}
