#pragma once
// What reserving (meter.cpp) and settling (meter_settlement.cpp) share: the sources of holds that
// are not credit accounts (paid and gift holds are named by money::to_string). For those files only.

namespace plaza::billing::meter_internal {

constexpr const char* kAllowance = "allowance";
constexpr const char* kCountPack = "count_pack";
constexpr const char* kWebFree = "web_free";
constexpr const char* kKeyLimit = "key_limit";

}  // namespace plaza::billing::meter_internal
