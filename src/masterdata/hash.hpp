// Fast non-cryptographic hashing of normalized values (blocking keys, exact agreement). Keys
// are 64-bit: among a few million values a collision is a one-in-millions event, and it could
// at worst add a candidate pair, which the comparators then judge on the values themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace yishu::masterdata {

inline constexpr uint64_t kHashSeed = 0x9E3779B97F4A7C15ULL;

inline uint64_t HashStep(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  return h * 0xFF51AFD7ED558CCDULL;
}
inline uint64_t HashFinish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h ? h : 1;  // 0 means "missing" everywhere
}
inline uint64_t HashUnits(const uint32_t* units, size_t n) {
  uint64_t h = kHashSeed ^ n;
  for (size_t i = 0; i < n; ++i) h = HashStep(h, units[i]);
  return HashFinish(h);
}
inline uint32_t HashString32(std::u32string_view s) {
  if (s.empty()) return 0;
  return static_cast<uint32_t>(HashUnits(reinterpret_cast<const uint32_t*>(s.data()), s.size()) |
                               1);
}

}  // namespace yishu::masterdata
