#include "relay/context_fit.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace plaza::relay {
namespace {

namespace bj = boost::json;

// One token a byte keeps the arithmetic plain: a message of n bytes costs n + 3.
int64_t bytes(std::string_view text) {
  return static_cast<int64_t>(text.size());
}

bj::object chat(std::vector<std::pair<std::string, std::string>> turns, bj::object extra = {}) {
  bj::array messages;
  for (auto& [role, content] : turns) messages.push_back(bj::object{{"role", role}, {"content", content}});
  extra["messages"] = std::move(messages);
  return extra;
}

std::vector<std::string> contents(const bj::object& request) {
  std::vector<std::string> out;
  for (const auto& m : request.at("messages").as_array()) out.emplace_back(m.at("content").as_string());
  return out;
}

std::string text(char c, std::size_t n) {
  return std::string(n, c);
}

TEST(ContextFit, AConversationThatFitsIsSentWhole) {
  auto request = chat({{"user", "hello"}, {"assistant", "hi"}, {"user", "again"}});
  EXPECT_EQ(fit_to_context(request, 1000, bytes), 0u);
  EXPECT_EQ(contents(request).size(), 3u);
  EXPECT_EQ(fit_to_context(request, 0, bytes), 0u) << "an unknown context leaves it alone";
  auto question = chat({{"system", text('s', 5000)}, {"user", text('q', 10)}});
  EXPECT_EQ(fit_to_context(question, 400, bytes, 1), 0u) << "nothing to leave out but the preset and the question";
  EXPECT_EQ(contents(question).size(), 2u);
}

TEST(ContextFit, TheOldestTurnsGoFirstAndThePresetStays) {
  // Context 400: a quarter (100) is kept for the answer and 3 for the request, 297 for the prompt.
  // An app's preset: its system prompt and an example exchange.
  auto request = chat({{"system", text('s', 20)},
                       {"user", text('q', 5)},
                       {"assistant", text('r', 5)},
                       {"user", text('a', 80)},
                       {"assistant", text('b', 80)},
                       {"user", text('c', 60)},
                       {"assistant", text('d', 60)},
                       {"user", text('e', 50)}});
  // Kept: preset 23 + 8 + 8, then e 53 + d 63 + c 63 = 218; b would make 301.
  EXPECT_EQ(fit_to_context(request, 400, bytes, 3), 2u) << "the preset is not counted as left out";
  EXPECT_EQ(contents(request), (std::vector<std::string>{text('s', 20), text('q', 5), text('r', 5), text('c', 60),
                                                         text('d', 60), text('e', 50)}));
}

TEST(ContextFit, WithoutAPresetEveryOldMessageMayGo) {
  // A conversation whose first message is the app's opening (an answer) and no preset: it goes first.
  auto request = chat({{"assistant", text('o', 30)}, {"user", text('a', 200)}, {"user", text('e', 100)}});
  EXPECT_EQ(fit_to_context(request, 400, bytes), 2u);
  EXPECT_EQ(contents(request), (std::vector<std::string>{text('e', 100)}));
}

TEST(ContextFit, WhatIsSentStartsWithAQuestion) {
  // e and d fit (66 of 297), c does not: d, an answer without its question, is left out with it.
  auto request = chat({{"user", text('a', 30)},
                       {"assistant", text('b', 30)},
                       {"user", text('c', 250)},
                       {"assistant", text('d', 30)},
                       {"user", text('e', 30)}});
  EXPECT_EQ(fit_to_context(request, 400, bytes), 4u);
  EXPECT_EQ(contents(request), (std::vector<std::string>{text('e', 30)}));
}

TEST(ContextFit, TheNewestMessageGoesEvenAlone) {
  auto request = chat({{"user", text('a', 10)}, {"assistant", text('b', 10)}, {"user", text('c', 5000)}});
  EXPECT_EQ(fit_to_context(request, 400, bytes), 2u);
  EXPECT_EQ(contents(request), (std::vector<std::string>{text('c', 5000)}));
}

TEST(ContextFit, TheAnswersOwnLimitIsKeptFree) {
  auto turns = std::vector<std::pair<std::string, std::string>>{
      {"user", text('a', 100)}, {"assistant", text('b', 100)}, {"user", text('c', 100)}};
  auto roomy = chat(turns, bj::object{{"max_tokens", 50}});
  EXPECT_EQ(fit_to_context(roomy, 400, bytes), 0u) << "309 + 50 + 3 fits 400";
  auto tight = chat(turns, bj::object{{"max_completion_tokens", 150}});
  EXPECT_EQ(fit_to_context(tight, 400, bytes), 2u);
  EXPECT_EQ(answer_reserve(bj::object{{"max_tokens", 100000}}, 8000), 4000) << "at most half the context";
  EXPECT_EQ(answer_reserve(bj::object{}, 128000), 4096);
  EXPECT_EQ(answer_reserve(bj::object{}, 8000), 2000);
  // A channel's own answer length (sent when the request sets none) is kept free instead.
  EXPECT_EQ(answer_reserve(bj::object{}, 200000, 64000), 64000);
  EXPECT_EQ(answer_reserve(bj::object{}, 100000, 64000), 50000) << "at most half the context";
  EXPECT_EQ(answer_reserve(bj::object{{"max_tokens", 100}}, 200000, 64000), 100) << "the request's own limit first";
  auto plain = chat(turns);
  EXPECT_EQ(fit_to_context(plain, 600, bytes), 0u) << "312 + 150 + 3 fits 600";
  EXPECT_EQ(fit_to_context(plain, 600, bytes, 0, 300), 2u) << "312 + 300 + 3 does not";
}

TEST(ContextFit, AnImageCostsItsEstimateNotItsBytes) {
  // Context 4000: 1000 kept for the answer, 3 for the request, 2,997 for the prompt.
  auto request = chat({{"user", "x"}, {"assistant", text('b', 100)}, {"user", text('c', 100)}});
  auto& first = request.at("messages").as_array()[0].as_object();
  bj::array parts{bj::object{{"type", "text"}, {"text", "what is this?"}}};
  for (int i = 0; i < 3; ++i)
    parts.push_back(bj::object{{"type", "image_url"},
                               {"image_url", bj::object{{"url", "data:image/png;base64," + text('A', 100)}}}});
  first["content"] = parts;
  // 3 images (3 x 765) + 14 ("what is this?\n") + 3 = 2,312, and 104 + 104 for the others: all fit.
  auto roomy = request;
  EXPECT_EQ(fit_to_context(roomy, 4000, bytes, 0, 0, 765), 0u) << "the data URLs' bytes are not counted as text";
  // A fourth image (3,077 for the message) leaves no room for it.
  first["content"].as_array().push_back(first["content"].as_array().back());
  auto four = request;
  EXPECT_EQ(fit_to_context(four, 4000, bytes, 0, 0, 765), 2u) << "the image question and its answer are left out";
  // By default an image costs 1,600: two of them (3,217 with the text) leave no room either.
  first["content"].as_array().resize(3);
  EXPECT_EQ(fit_to_context(request, 4000, bytes), 2u);
}

TEST(ContextFit, CountsNoMoreThanTheContextHolds) {
  std::vector<std::pair<std::string, std::string>> turns;
  for (int i = 0; i < 1000; ++i) turns.emplace_back(i % 2 ? "assistant" : "user", text('x', 100));
  auto request = chat(turns);
  int64_t counted = 0;
  auto counting = [&](std::string_view t) {
    counted += static_cast<int64_t>(t.size());
    return static_cast<int64_t>(t.size());
  };
  // 29 messages fit (2,997 / 103); the oldest of them is an answer, so 28 are sent.
  EXPECT_EQ(fit_to_context(request, 4000, counting), 972u);
  EXPECT_LT(counted, 4000) << "the messages past the budget were not read";
  EXPECT_EQ(request.at("messages").as_array().front().at("role").as_string(), "user");
}

}  // namespace
}  // namespace plaza::relay
