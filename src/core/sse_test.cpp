// The upstream's server-sent events, however the bytes arrive: split anywhere (one byte per read
// included), any of the three line ends, comments and multi-line data, and bounded in size.
#include "core/sse.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace plaza {
namespace {

std::vector<SseEvent> events_of(const std::string& stream, std::size_t piece) {
  SseParser parser;
  std::vector<SseEvent> out;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    parser.feed(std::string_view(stream).substr(at, piece));
    while (auto ev = parser.next()) out.push_back(std::move(*ev));
  }
  return out;
}

// OpenAI-style chunks and a heartbeat, Anthropic-style named events, each line end, a data field
// without the optional space, one with no value, and a stray blank line that ends nothing.
const std::string kStream =
    ": keep-alive\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"你好\"}}]}\n\n"
    "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n"
    "\n"
    "data:first line\rdata: second line\r\r"
    "data\n\n"
    "data: [DONE]\n\n";

TEST(SseParser, GivesTheSameEventsHoweverTheBytesAreSplit) {
  auto whole = events_of(kStream, kStream.size());
  ASSERT_EQ(whole.size(), 5u);
  EXPECT_EQ(whole[0].event, "");
  EXPECT_EQ(whole[0].data, "{\"choices\":[{\"delta\":{\"content\":\"你好\"}}]}");
  EXPECT_EQ(whole[1].event, "message_start");
  EXPECT_EQ(whole[1].data, "{\"type\":\"message_start\"}");
  EXPECT_EQ(whole[2].data, "first line\nsecond line");
  EXPECT_EQ(whole[3].data, "");
  EXPECT_EQ(whole[4].data, "[DONE]");
  for (std::size_t piece : {1, 2, 3, 7, 16}) {
    auto split = events_of(kStream, piece);
    ASSERT_EQ(split.size(), whole.size()) << "pieces of " << piece;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(split[i].event, whole[i].event) << "pieces of " << piece << ", event " << i;
      EXPECT_EQ(split[i].data, whole[i].data) << "pieces of " << piece << ", event " << i;
    }
  }
}

TEST(SseParser, HoldsAnUnfinishedEventUntilItsBlankLine) {
  SseParser parser;
  parser.feed("data: half");
  EXPECT_FALSE(parser.next());
  EXPECT_EQ(parser.pending(), 10u);
  parser.feed(" and the rest\r");  // the \r may be half of \r\n: nothing yet
  EXPECT_FALSE(parser.next());
  parser.feed("\n\r\n");
  auto ev = parser.next();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->data, "half and the rest");
  EXPECT_EQ(parser.pending(), 0u);
}

TEST(SseParser, RefusesAnEventPastItsLimit) {
  SseParser long_line(64);
  long_line.feed("data: " + std::string(100, 'x'));
  EXPECT_THROW(long_line.next(), std::length_error) << "a line that never ends";
  SseParser many_lines(64);
  for (int i = 0; i < 10; ++i) many_lines.feed("data: " + std::string(10, 'x') + "\n");
  EXPECT_THROW(many_lines.next(), std::length_error) << "short lines adding up";
  SseParser within(64);
  within.feed("data: " + std::string(50, 'x') + "\n\n");
  EXPECT_TRUE(within.next());
}

}  // namespace
}  // namespace plaza
