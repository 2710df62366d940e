#pragma once
// The fake upstream's routes: /v1/chat/completions, /v1/messages, /v1/models and the /_fake/
// control endpoints tests use (requests, reset, stats).
#include "http/router.hpp"
#include "state.hpp"

namespace plaza::fake {

// `state` must outlive the router.
void register_routes(http::Router& router, FakeState* state);

}  // namespace plaza::fake
