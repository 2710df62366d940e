#include "core/error.hpp"

namespace plaza {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return "invalid_request";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::insufficient_balance:
      return "insufficient_balance";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::unsupported_media:
      return "unsupported_media_type";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::internal:
      return "internal";
    case ErrorCode::upstream_error:
      return "upstream_error";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::upstream_timeout:
      return "upstream_timeout";
  }
  return "internal";
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return 400;
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::insufficient_balance:
      return 402;
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unsupported_media:
      return 415;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::internal:
      return 500;
    case ErrorCode::upstream_error:
      return 502;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::upstream_timeout:
      return 504;
  }
  return 500;
}

}  // namespace plaza
