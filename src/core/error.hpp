#pragma once
// Domain errors. Services throw plaza::Error; the HTTP boundary maps each code once to a status and
// JSON body (api/site.cpp), so no layer below it knows about HTTP.
#include <stdexcept>
#include <string>
#include <string_view>

namespace plaza {

enum class ErrorCode {
  invalid_request,       // 400
  unauthorized,          // 401
  insufficient_balance,  // 402
  forbidden,             // 403
  not_found,             // 404
  method_not_allowed,    // 405
  conflict,              // 409
  payload_too_large,     // 413
  unsupported_media,     // 415
  rate_limited,          // 429
  internal,              // 500
  upstream_error,        // 502
  unavailable,           // 503
  upstream_timeout,      // 504
};

std::string_view to_string(ErrorCode code);
int http_status(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string field = {})
      : std::runtime_error(std::move(message)), code_(code), field_(std::move(field)) {}
  ErrorCode code() const { return code_; }
  // The request field the error is about, for forms; empty when it concerns the whole request.
  const std::string& field() const { return field_; }
  // Seconds a client should wait before retrying (rate_limited only).
  int retry_after = 0;
  // For the operator's request log only, never sent to the client: what an upstream said about a
  // failure (its status and message, without the channel's key or URL).
  std::string detail;
  // An upstream's own code for a refusal it passed on (`context_length_exceeded`), shown to /v1
  // clients in place of Plaza's.
  std::string upstream_code;

 private:
  ErrorCode code_;
  std::string field_;
};

}  // namespace plaza
