#include "relay/request_fields.hpp"

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace plaza::relay {

void check_cost_fields(const boost::json::object& request) {
  auto whole = [&](const char* field, int64_t max) {
    auto v = request.if_contains(field);
    if (!v || v->is_null()) return;
    if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > max)
      throw Error(ErrorCode::invalid_request,
                  std::string(field) + " must be a whole number from 1 to " + std::to_string(max), field);
  };
  whole("max_tokens", INT32_MAX);
  whole("max_completion_tokens", INT32_MAX);
  whole("n", 128);
}

}  // namespace plaza::relay
