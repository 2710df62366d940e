#include "core/moderation.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace plaza::moderation {
namespace {

const std::vector<std::string> kWords = {"fuck", "傻逼"};

std::vector<std::string> words_of(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.word);
  return out;
}

std::string span(std::string_view text, const Hit& h) {
  return std::string(text.substr(h.begin, h.end - h.begin));
}

TEST(Moderation, PlainHitReportsTheWordAndItsBytes) {
  Matcher m(kWords);
  const std::string text = "what the fuck is this";
  auto hits = m.find(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].word, "fuck");
  EXPECT_EQ(hits[0].begin, 9u);
  EXPECT_EQ(hits[0].end, 13u);
  EXPECT_EQ(span(text, hits[0]), "fuck");
}

TEST(Moderation, CaseIsFolded) {
  Matcher m(kWords);
  EXPECT_EQ(words_of(m.find("FuCK off")), std::vector<std::string>{"fuck"});
  EXPECT_EQ(words_of(Matcher({"FUCK"}).find("fuck")), std::vector<std::string>{"FUCK"});  // the list entry as given
  EXPECT_EQ(m.find("ÉCOLE").size(), 0u);
  EXPECT_EQ(Matcher({"école"}).find("ÉCOLE").size(), 1u);
  EXPECT_EQ(Matcher({"ŁÓDŹ"}).find("łódź").size(), 1u);
  EXPECT_EQ(Matcher({"блять"}).find("БЛЯТЬ").size(), 1u);
}

TEST(Moderation, FullWidthFormsMatchTheirAsciiCounterparts) {
  Matcher m(kWords);
  const std::string text = "ＦＵＣＫ";
  auto hits = m.find(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].begin, 0u);
  EXPECT_EQ(hits[0].end, text.size());
  EXPECT_EQ(m.find("ｆｕｃｋ").size(), 1u);
  EXPECT_EQ(Matcher({"ｆｕｃｋ"}).find("FuCk").size(), 1u);  // the list is normalised the same way
  EXPECT_EQ(normalize("ＡＢＣ１２３！\u3000ｘ"), "abc123x");
}

TEST(Moderation, SpacesPunctuationAndInvisibleCharactersAreSkipped) {
  Matcher m(kWords);
  for (const char* text : {"f.u c-k", "f_u_c_k", "F U C K", "f\u200Bu\u200Cc\u200Dk", "\uFEFFfu\u00ADck", "f\u2060uck",
                           "fu\u0301ck", "f！u，c。k", "f\u3000u c k", "f💩u🔥c😀k"}) {
    auto hits = m.find(text);
    ASSERT_EQ(hits.size(), 1u) << text;
    EXPECT_EQ(hits[0].word, "fuck") << text;
  }
  for (const char* text : {"傻 逼", "傻*逼", "傻\u3000逼", "傻，逼", "傻\u200B逼", "「傻」「逼」", "傻\n逼"}) {
    auto hits = m.find(text);
    ASSERT_EQ(hits.size(), 1u) << text;
    EXPECT_EQ(hits[0].word, "傻逼") << text;
  }
  EXPECT_EQ(normalize("F.u Ｃ-k 傻\u200B逼!"), "fuck傻逼");
}

TEST(Moderation, ChineseHitsReportOriginalOffsets) {
  Matcher m({"傻逼", "操你妈", "法轮功"});
  const std::string text = "你真是个傻逼，操 你 妈！";
  auto hits = m.find(text);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].word, "傻逼");
  EXPECT_EQ(span(text, hits[0]), "傻逼");
  EXPECT_EQ(hits[0].begin, 12u);  // four 3-byte characters before it
  EXPECT_EQ(hits[1].word, "操你妈");
  EXPECT_EQ(span(text, hits[1]), "操 你 妈");
}

TEST(Moderation, OverlappingWordsAreAllReportedLeftmostFirst) {
  Matcher m({"he", "she", "his", "hers"});
  const std::string text = "ushers";
  auto hits = m.find(text);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].word, "she");
  EXPECT_EQ(span(text, hits[0]), "she");
  EXPECT_EQ(hits[1].word, "he");
  EXPECT_EQ(span(text, hits[1]), "he");
  EXPECT_EQ(hits[2].word, "hers");
  EXPECT_EQ(span(text, hits[2]), "hers");

  // A word inside a longer one, and the same word twice.
  Matcher nested({"ab", "abcd", "bc"});
  EXPECT_EQ(words_of(nested.find("abcd abcd")), (std::vector<std::string>{"ab", "abcd", "bc", "ab", "abcd", "bc"}));
}

TEST(Moderation, NoFalseHitsOnUnrelatedText) {
  Matcher m({"fuck", "傻逼", "hers", "法轮功"});
  for (const char* text : {"", "the quick brown fox jumps over the lazy dog", "fun kick", "fuc", "uck",
                           "今天天气很好，我们去公园吧。", "傻瓜", "逼真", "法轮", "她的 her", "ｆｕｃ"}) {
    EXPECT_TRUE(m.find(text).empty()) << text;
  }
  EXPECT_TRUE(Matcher({"fuck"}).find("fuc\xE4\xB8\xADk").empty());  // a real character in between breaks it
}

TEST(Moderation, OffsetsMapBackThroughMultiByteAndSkippedCharacters) {
  Matcher m({"fuck", "傻逼"});
  const std::string text = "x\u00A0ＦＵ.ｃｋ y 傻\u200B逼!";
  auto hits = m.find(text);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(span(text, hits[0]), "ＦＵ.ｃｋ");
  EXPECT_EQ(hits[0].begin, 3u);  // 'x' and the 2-byte NBSP
  EXPECT_EQ(span(text, hits[1]), "傻\u200B逼");
  EXPECT_EQ(hits[1].end, text.size() - 1);
}

TEST(Moderation, InvalidUtf8IsSkippedNotFatal) {
  Matcher m({"fuck", "傻逼", "bad\xFFword"});
  const std::string stray =
      "fu\xFF\xFE"
      "ck";
  auto hits = m.find(stray);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].begin, 0u);
  EXPECT_EQ(hits[0].end, stray.size());
  EXPECT_EQ(m.find("\xE5\x82\xBB"
                   "\xC0\xAF"
                   "\xE9\x80\xBC")
                .size(),
            1u);  // overlong '/' between 傻 and 逼
  EXPECT_EQ(m.find("\xE5\x82"
                   "fuck")
                .size(),
            1u);                                 // truncated character before
  EXPECT_EQ(m.find("fuck\xE5\x82").size(), 1u);  // and at the very end
  EXPECT_EQ(m.find("\xED\xA0\x80"
                   "fu\xF4\x90\x80\x80"
                   "ck")
                .size(),
            1u);                            // surrogate, past U+10FFFF
  EXPECT_EQ(m.find("badword").size(), 1u);  // the list is read the same way
  EXPECT_EQ(normalize("a\x80"
                      "b\xF8\xC1\xBF"
                      "c"),
            "abc");

  // Random bytes: no crash, and every reported span lies inside the text.
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string junk(rng() % 64, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng() % 4 == 0 ? "fuck\xE5\x82\xBB\xE9\x80\xBC"[rng() % 10] : rng());
    for (const auto& h : m.find(junk)) {
      ASSERT_LE(h.begin, h.end);
      ASSERT_LE(h.end, junk.size());
    }
    normalize(junk);
  }
}

TEST(Moderation, BlankAndDuplicateWordsAreIgnored) {
  Matcher none({"", "   ", "...", "\u200B", "\xFF"});
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.find("anything at all ... 傻逼").empty());
  EXPECT_TRUE(Matcher().empty());
  EXPECT_TRUE(Matcher().find("fuck").empty());

  Matcher dup({"fuck", "F U C K", "ｆｕｃｋ", ""});
  EXPECT_FALSE(dup.empty());
  EXPECT_EQ(dup.size(), 1u);
  auto hits = dup.find("fuck");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].word, "fuck");
}

TEST(Moderation, LargeListBuildsAndMatches) {
  // 10,000 distinct words: two or three ideographs, or a letter string with a numeric tail.
  std::vector<std::string> words;
  std::mt19937 rng(42);
  while (words.size() < 5000) {
    std::string w;
    int n = 2 + static_cast<int>(rng() % 2);
    for (int i = 0; i < n; ++i) append_utf8(w, 0x4E00 + rng() % 3000);
    words.push_back(w);
  }
  for (int i = 0; words.size() < 10000; ++i) {
    std::string w;
    for (int j = 0; j < 5; ++j) w += static_cast<char>('a' + rng() % 26);
    words.push_back(w + std::to_string(i));
  }
  Matcher m(words);
  EXPECT_FALSE(m.empty());
  EXPECT_GT(m.size(), 9900u);  // random ideograph pairs may repeat

  const std::string text =
      "开头 " + words[17] + " 中间 " + words[4999] + "。And then " + words[5000] + ", finally: " + words[9999] + "!";
  auto hits = m.find(text);
  auto found = [&](const std::string& w) {
    for (const auto& h : hits)
      if (normalize(h.word) == normalize(w) && normalize(span(text, h)) == normalize(w)) return true;
    return false;
  };
  EXPECT_TRUE(found(words[17]));
  EXPECT_TRUE(found(words[4999]));
  EXPECT_TRUE(found(words[5000]));
  EXPECT_TRUE(found(words[9999]));
  for (const auto& h : hits) EXPECT_EQ(normalize(span(text, h)), normalize(h.word));

  // A long text through the big automaton.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += words[rng() % words.size()] + (i % 3 ? " " : "，");
  EXPECT_GE(m.find(big).size(), 20000u);
}

TEST(Moderation, CharacterModel) {
  EXPECT_EQ(classify(U'a'), CharClass::letter);
  EXPECT_EQ(classify(U'7'), CharClass::letter);
  EXPECT_EQ(classify(U'é'), CharClass::letter);
  EXPECT_EQ(classify(U'中'), CharClass::cjk);
  EXPECT_EQ(classify(U'か'), CharClass::cjk);
  EXPECT_EQ(classify(0x20001), CharClass::cjk);
  EXPECT_EQ(classify(U' '), CharClass::separator);
  EXPECT_EQ(classify(U'。'), CharClass::separator);
  EXPECT_EQ(classify(U'—'), CharClass::separator);
  EXPECT_EQ(classify(0x1F600), CharClass::separator);
  EXPECT_EQ(classify(0x200B), CharClass::ignorable);
  EXPECT_EQ(classify(0xFEFF), CharClass::ignorable);
  EXPECT_EQ(fold(U'Ａ'), U'a');
  EXPECT_EQ(fold(0x3000), U' ');
  EXPECT_EQ(fold(U'Ÿ'), U'ÿ');
  EXPECT_EQ(fold(U'Ω'), U'ω');
  EXPECT_EQ(fold(U'中'), U'中');
}

}  // namespace
}  // namespace plaza::moderation
