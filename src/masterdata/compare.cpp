#include "masterdata/compare.hpp"

#include <algorithm>
#include <cstdlib>

#include "masterdata/hash.hpp"

namespace yishu::masterdata {

int EditDistanceWithin(std::span<const uint32_t> a, std::span<const uint32_t> b, int limit) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > limit) return limit + 1;
  if (n > 64 || m > 64) return std::equal(a.begin(), a.end(), b.begin(), b.end()) ? 0 : limit + 1;
  // Three rolling rows on the stack.
  int prev2[65], prev[65], cur[65];
  for (int j = 0; j <= m; ++j) prev[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    for (int j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, prev2[j - 2] + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    std::copy(prev, prev + m + 1, prev2);
    std::copy(cur, cur + m + 1, prev);
  }
  return std::min(prev[m], limit + 1);
}

double JaroWinkler(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (n == 0 || m == 0) return 0.0;
  if (n > 64 || m > 64) return std::equal(a.begin(), a.end(), b.begin(), b.end()) ? 1.0 : 0.0;
  const int window = std::max(0, std::max(n, m) / 2 - 1);
  bool a_hit[64] = {}, b_hit[64] = {};
  int matches = 0;
  for (int i = 0; i < n; ++i) {
    const int lo = std::max(0, i - window), hi = std::min(m - 1, i + window);
    for (int j = lo; j <= hi; ++j) {
      if (!b_hit[j] && a[i] == b[j]) {
        a_hit[i] = b_hit[j] = true;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) return 0.0;
  int transpositions = 0;
  for (int i = 0, j = 0; i < n; ++i) {
    if (!a_hit[i]) continue;
    while (!b_hit[j]) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  const double mm = matches;
  const double jaro = (mm / n + mm / m + (mm - transpositions / 2.0) / mm) / 3.0;
  int prefix = 0;
  while (prefix < 4 && prefix < n && prefix < m && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

namespace {

// Same length, differing in exactly one place, or in two adjacent places swapped.
bool OneTypoApart(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  if (a.size() != b.size()) return false;
  size_t first = a.size(), count = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) {
      if (count == 0) first = i;
      if (++count > 2) return false;
    }
  }
  if (count == 1) return true;
  return count == 2 && first + 1 < a.size() && a[first] == b[first + 1] &&
         a[first + 1] == b[first] && a[first + 1] != b[first + 1];
}

int CompareText(const PreparedRecords& p, const Cell& a, const Cell& b, bool name) {
  if (a.hash == b.hash) return 1;
  if (name && a.alt && a.alt == b.alt) return 2;
  const auto ua = p.units(a), ub = p.units(b);
  const int base = name ? 1 : 0;
  if (EditDistanceWithin(ua, ub, 1) <= 1) return 2 + base;
  const double jw = JaroWinkler(ua, ub);
  if (jw >= 0.92) return 3 + base;
  if (jw >= 0.8) return 4 + base;
  return 5 + base;
}

int CompareIdCard(const PreparedRecords& p, const Cell& a, const Cell& b) {
  const auto ua = p.units(a), ub = p.units(b);
  if ((a.flags | b.flags) & Cell::kTruncated) {
    // Excel kept only the leading digits of one (or both): compare what is known.
    const size_t n = std::min(ua.size(), ub.size());
    return std::equal(ua.begin(), ua.begin() + static_cast<long>(n), ub.begin()) ? 3 : 5;
  }
  if (a.hash == b.hash) return 1;
  const bool both_valid = (a.flags & b.flags & Cell::kValid) != 0;
  // A mistyped digit or a transposition always breaks the check character (GB 11643), so two
  // valid numbers one typo apart are two people (twins' numbers often are).
  if (!both_valid && OneTypoApart(ua, ub)) return 2;
  return both_valid ? 4 : 5;
}

int CompareDate(const PreparedRecords& p, const Cell& a, const Cell& b) {
  if (a.hash == b.hash) return 1;
  if (a.flags & b.flags & Cell::kValid) {
    const int ya = static_cast<int>(a.alt / 10000), yb = static_cast<int>(b.alt / 10000);
    const int ma = static_cast<int>(a.alt / 100 % 100), mb = static_cast<int>(b.alt / 100 % 100);
    const int da = static_cast<int>(a.alt % 100), db = static_cast<int>(b.alt % 100);
    if (ya == yb && ma == db && da == mb) return 2;
    const int64_t gap = std::llabs(static_cast<int64_t>(a.hash) - static_cast<int64_t>(b.hash));
    if (gap <= 3 || (std::abs(ya - yb) == 1 && ma == mb && da == db)) return 3;
  }
  if (EditDistanceWithin(p.units(a), p.units(b), 1) <= 1) return 3;
  return 4;
}

int CompareAddress(const PreparedRecords& p, const Cell& a, const Cell& b) {
  if (a.hash == b.hash) return 1;
  const auto ua = p.units(a), ub = p.units(b);
  // ua[0] township, ua[1] place, then the numbers. A side without a township (an address
  // written from the road on) is compared from the place.
  const bool township_known = ua[0] && ub[0];
  if (township_known && ua[0] != ub[0]) return 5;
  if (ua[1] && ua[1] == ub[1]) {
    if (ua.size() > 2 && ub.size() > 2 && ua[2] == ub[2]) return 2;
    return 3;
  }
  return township_known ? 4 : 5;
}

int CompareCode(const PreparedRecords& p, const Cell& a, const Cell& b) {
  if (a.hash == b.hash) return 1;
  return OneTypoApart(p.units(a), p.units(b)) ? 2 : 3;
}

int CompareOrgName(const PreparedRecords& p, const Cell& a, const Cell& b) {
  if (a.hash == b.hash) return 1;
  auto ua = p.units(a), ub = p.units(b);
  if (ua.size() > ub.size()) std::swap(ua, ub);
  // 华美印染有限公司 within 绍兴柯桥华美印染有限公司: a region prefix written or not.
  if (ua.size() >= 4 && std::equal(ua.begin(), ua.end(), ub.end() - static_cast<long>(ua.size()))) {
    return 2;
  }
  if (EditDistanceWithin(ua, ub, 2) <= 2) return 3;
  return 4;
}

}  // namespace

int CompareCells(FieldKind kind, const PreparedRecords& p, const Cell& a, const Cell& b) {
  if (a.missing() || b.missing()) return 0;
  switch (kind) {
    case FieldKind::kName:
      return CompareText(p, a, b, true);
    case FieldKind::kText:
      return CompareText(p, a, b, false);
    case FieldKind::kIdCard:
      return CompareIdCard(p, a, b);
    case FieldKind::kDate:
      return CompareDate(p, a, b);
    case FieldKind::kPhone:
      if (a.hash == b.hash) return 1;
      return EditDistanceWithin(p.units(a), p.units(b), 1) <= 1 ? 2 : 3;
    case FieldKind::kAddress:
      return CompareAddress(p, a, b);
    case FieldKind::kGender:
      return a.hash == b.hash ? 1 : 2;
    case FieldKind::kCreditCode:
      return CompareCode(p, a, b);
    case FieldKind::kOrgName:
      return CompareOrgName(p, a, b);
    case FieldKind::kExact:
      return a.hash == b.hash ? 1 : 2;
  }
  return 0;
}

uint64_t ComparePair(const Config& config, const PreparedRecords& p, uint32_t a, uint32_t b) {
  uint64_t pattern = 0;
  const Cell* ca = &p.cells[static_cast<size_t>(a) * p.fields];
  const Cell* cb = &p.cells[static_cast<size_t>(b) * p.fields];
  for (size_t f = 0; f < p.fields; ++f) {
    const uint64_t level =
        static_cast<uint64_t>(CompareCells(config.fields[f].kind, p, ca[f], cb[f]));
    pattern |= level << (4 * f);
  }
  return pattern;
}

}  // namespace yishu::masterdata
