#pragma once
// What an image part counts in a prompt, unless the model's catalogue entry says otherwise
// (models.image_tokens): about the most Claude (1,600) or gpt-4o (1,445 at detail high) count one,
// estimated without decoding the image. Upstreams count images their own way (gpt-4o-mini many
// times as much): estimates are what holds and the web chat's context fit go by, so a model that
// counts more needs its own value; the upstream's reported count is what is charged.
#include <cstdint>

namespace plaza::relay {

inline constexpr int64_t kDefaultImageTokens = 1600;

}  // namespace plaza::relay
