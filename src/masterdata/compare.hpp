// Comparators: two normalized cells -> a comparison level (0 = one side missing, 1 = exact,
// higher = weaker agreement; see LevelName). Pure functions over PreparedRecords; no allocation.
#pragma once

#include <cstdint>
#include <span>

#include "masterdata/config.hpp"
#include "masterdata/records.hpp"

namespace yishu::masterdata {

// Restricted Damerau-Levenshtein distance (adjacent transpositions count 1), stopping early
// once it exceeds `limit` (returns limit + 1 then). Strings longer than 64 units are compared
// by plain equality.
int EditDistanceWithin(std::span<const uint32_t> a, std::span<const uint32_t> b, int limit);
// Jaro-Winkler similarity in [0, 1] over code units.
double JaroWinkler(std::span<const uint32_t> a, std::span<const uint32_t> b);

int CompareCells(FieldKind kind, const PreparedRecords& p, const Cell& a, const Cell& b);

// The comparison vector of records a and b: 4 bits per field, field 0 in the low bits.
uint64_t ComparePair(const Config& config, const PreparedRecords& p, uint32_t a, uint32_t b);
inline int LevelOf(uint64_t pattern, size_t field) {
  return static_cast<int>((pattern >> (4 * field)) & 0xF);
}

}  // namespace yishu::masterdata
