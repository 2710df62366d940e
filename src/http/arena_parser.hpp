#pragma once
// A Beast parser whose header fields live in an arena that starts inside the parser: a head costs
// one allocation (the parser) instead of one per field. Used on the server's requests and the
// upstream client's responses. Beast and <memory_resource> are heavy: include this in .cpp files.
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <memory_resource>
#include <tuple>
#include <utility>

namespace plaza::http {

using ArenaAllocator = std::pmr::polymorphic_allocator<char>;
using ArenaFields = boost::beast::http::basic_fields<ArenaAllocator>;

namespace detail {
// A base, so that the arena is built before the parser that allocates from it.
struct FirstBlock {
  alignas(std::max_align_t) char bytes[512];  // a typical head; small enough for malloc's thread cache
  std::pmr::monotonic_buffer_resource arena{bytes, sizeof bytes};
};
}  // namespace detail

template <bool IsRequest, class Body>
class ArenaParser : private detail::FirstBlock, public boost::beast::http::parser<IsRequest, Body, ArenaAllocator> {
 public:
  using Parser = boost::beast::http::parser<IsRequest, Body, ArenaAllocator>;
  ArenaParser() : Parser(std::piecewise_construct, std::make_tuple(), std::make_tuple(ArenaAllocator(&arena))) {}
};

}  // namespace plaza::http
