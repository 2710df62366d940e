#pragma once
// Lists kept in a TEXT column as a JSON array of strings (models of a key, groups and tags).
#include <string>
#include <vector>

namespace plaza::store {

std::string to_json_array(const std::vector<std::string>& values);
// Unreadable text or non-string items give an empty list / are skipped: the column is ours.
std::vector<std::string> from_json_array(const std::string& text);

}  // namespace plaza::store
