#include "http/wire.hpp"

#include <gtest/gtest.h>

namespace plaza::http {
namespace {

TEST(Wire, AFieldIsOneLineWhateverItsValueHolds) {
  std::string out;
  append_field(out, "X-Name", "a\r\nSet-Cookie: evil=1");
  append_field(out, "Bad\nName", "v");
  EXPECT_EQ(out, "X-Name: aSet-Cookie: evil=1\r\nBadName: v\r\n");
}

TEST(Wire, ResponseHeadCarriesStatusFieldsLengthAndConnection) {
  Headers headers{{"Content-Type", "application/json"}};
  EXPECT_EQ(format_response_head({200, 11, true, 12}, "Server: plaza\r\n", headers),
            "HTTP/1.1 200 OK\r\nServer: plaza\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(format_response_head({404, 11, false, 0}, "", {}),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(format_response_head({200, 10, true, 2}, "", {}),
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(format_response_head({200, 10, false, 2}, "", {}), "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n");
}

TEST(Wire, AStreamedBodyIsChunked) {
  ResponseHead head{200, 11, true, 0, true};
  EXPECT_EQ(format_response_head(head, "", {{"Content-Type", "text/event-stream"}}),
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(Wire, BodilessStatusesHaveNoLength) {
  EXPECT_EQ(format_response_head({204, 11, true, 0}, "", {}), "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(format_response_head({304, 11, true, 5}, "", {}), "HTTP/1.1 304 Not Modified\r\n\r\n");
}

}  // namespace
}  // namespace plaza::http
