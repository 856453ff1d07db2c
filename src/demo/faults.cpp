#include "demo/faults.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "common/time.hpp"
#include "demo/identifiers.hpp"
#include "demo/tables.hpp"

namespace yishu::demo {
namespace {

// Splits UTF-8 text into its characters.
std::vector<std::string_view> Chars(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min(n, s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string JoinChars(const std::vector<std::string_view>& chars) {
  std::string out;
  for (std::string_view c : chars) out += c;
  return out;
}

bool ParseIso(std::string_view s, int* y, int* m, int* d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  return std::sscanf(std::string(s).c_str(), "%d-%d-%d", y, m, d) == 3 && IsValidDate(*y, *m, *d);
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  static constexpr std::string_view kNames[] = {"name_homophone",
                                                "name_traditional",
                                                "name_char_dropped",
                                                "name_chars_swapped",
                                                "id_digit_typo",
                                                "id_transposed",
                                                "id_excel_scientific",
                                                "id_legacy_15",
                                                "uscc_typo",
                                                "org_name_variant",
                                                "missing",
                                                "gender_mismatch",
                                                "birth_date_mismatch",
                                                "mobile_digit_missing",
                                                "address_stale",
                                                "address_full_width",
                                                "date_format",
                                                "duplicate_row"};
  static_assert(std::size(kNames) == static_cast<size_t>(FaultKind::kCount));
  return kNames[static_cast<int>(kind)];
}

bool ApplyHomophone(std::string_view value, Rng& rng, std::string* out) {
  auto chars = Chars(value);
  std::vector<std::pair<size_t, std::string_view>> options;
  for (size_t i = 0; i < chars.size(); ++i) {
    for (const auto& [from, to] : Homophones()) {
      if (chars[i] == from) options.emplace_back(i, to);
    }
  }
  if (options.empty()) return false;
  const auto& [pos, to] = options[rng.Below(options.size())];
  chars[pos] = to;
  *out = JoinChars(chars);
  return *out != value;
}

bool ApplyTraditional(std::string_view value, std::string* out) {
  auto chars = Chars(value);
  bool changed = false;
  for (auto& c : chars) {
    for (const auto& [simplified, traditional] : TraditionalVariants()) {
      if (c == simplified && simplified != traditional) {
        c = traditional;
        changed = true;
        break;
      }
    }
  }
  if (!changed) return false;
  *out = JoinChars(chars);
  return true;
}

bool ApplyCharDropped(std::string_view value, Rng& rng, std::string* out) {
  auto chars = Chars(value);
  if (chars.size() < 3) return false;  // 王伟 -> 王 is no longer a name anyone would write
  chars.erase(chars.begin() + 1 + static_cast<long>(rng.Below(chars.size() - 1)));
  *out = JoinChars(chars);
  return true;
}

bool ApplyCharsSwapped(std::string_view value, Rng& rng, std::string* out) {
  auto chars = Chars(value);
  if (chars.size() < 3) return false;
  const size_t i = chars.size() - 2;  // the two given-name characters
  if (chars[i] == chars[i + 1]) return false;
  std::swap(chars[i], chars[i + 1]);
  *out = JoinChars(chars);
  return true;
}

bool ApplyIdDigitTypo(std::string_view id, Rng& rng, std::string* out) {
  if (id.size() != 18 || !IsValidIdCard(id)) return false;
  std::string s(id);
  // Mostly a digit of the body, sometimes the check character itself.
  const size_t pos = rng.Chance(0.2) ? 17 : rng.Below(17);
  if (pos == 17) {
    static constexpr std::string_view kChecks = "0123456789X";
    char c;
    do {
      c = kChecks[rng.Below(kChecks.size())];
    } while (c == s[17]);
    s[17] = c;
  } else {
    s[pos] = static_cast<char>('0' + (s[pos] - '0' + 1 + rng.Below(9)) % 10);
  }
  *out = std::move(s);
  return true;
}

bool ApplyIdTransposed(std::string_view id, Rng& rng, std::string* out) {
  if (id.size() != 18 || !IsValidIdCard(id)) return false;
  std::vector<size_t> options;
  for (size_t i = 0; i + 1 < 17; ++i) {
    if (id[i] != id[i + 1]) options.push_back(i);
  }
  if (options.empty()) return false;
  std::string s(id);
  const size_t i = options[rng.Below(options.size())];
  std::swap(s[i], s[i + 1]);
  *out = std::move(s);
  return true;
}

bool ApplyIdExcel(std::string_view id, std::string* out) {
  // Only an all-digit ID is a number to Excel; one ending in X stays text.
  if (id.size() != 18 || !AllDigits(id)) return false;
  *out = fmt::format("{}.{}E+17", id[0], id.substr(1, 8));
  return true;
}

bool ApplyIdLegacy15(std::string_view id, std::string* out) {
  if (id.size() != 18 || id.substr(6, 2) != "19") return false;
  *out = fmt::format("{}{}{}", id.substr(0, 6), id.substr(8, 6), id.substr(14, 3));
  return true;
}

bool ApplyUsccTypo(std::string_view code, Rng& rng, std::string* out) {
  if (code.size() != 18) return false;
  std::string s(code);
  const size_t pos = 8 + rng.Below(10);  // the organisation code and the check character
  char c;
  do {
    c = kUsccAlphabet[rng.Below(kUsccAlphabet.size())];
  } while (c == s[pos]);
  s[pos] = c;
  *out = std::move(s);
  return true;
}

bool ApplyOrgNameVariant(std::string_view name, Rng& rng, std::string* out) {
  std::vector<std::string> options;
  auto replace_prefix = [&](std::string_view from, std::string_view to) {
    if (name.starts_with(from))
      options.push_back(std::string(to) + std::string(name.substr(from.size())));
  };
  auto replace_suffix = [&](std::string_view from, std::string_view to) {
    if (name.ends_with(from)) {
      options.push_back(std::string(name.substr(0, name.size() - from.size())) + std::string(to));
    }
  };
  if (name.ends_with("有限责任公司")) {
    replace_suffix("有限责任公司", "有限公司");
  } else if (!name.ends_with("股份有限公司")) {
    replace_suffix("有限公司", "有限责任公司");
  }
  if (name.starts_with("绍兴市柯桥区")) {
    replace_prefix("绍兴市柯桥区", "绍兴柯桥");
    replace_prefix("绍兴市柯桥区", "柯桥区");
    replace_prefix("绍兴市柯桥区", "");
  } else if (name.starts_with("绍兴柯桥")) {
    replace_prefix("绍兴柯桥", "绍兴市柯桥区");
    replace_prefix("绍兴柯桥", "柯桥");
  } else if (name.starts_with("柯桥区")) {
    replace_prefix("柯桥区", "绍兴市柯桥区");
  } else if (name.starts_with("绍兴")) {
    replace_prefix("绍兴", "绍兴市");
  } else if (name.starts_with("浙江")) {
    replace_prefix("浙江", "浙江省");
  }
  if (options.empty()) return false;
  *out = options[rng.Below(options.size())];
  return *out != name;
}

bool ApplyGenderMismatch(std::string_view gender, std::string* out) {
  if (gender == "1") {
    *out = "2";
  } else if (gender == "2") {
    *out = "1";
  } else {
    return false;
  }
  return true;
}

bool ApplyBirthDateMismatch(std::string_view iso_date, Rng& rng, std::string* out) {
  int y, m, d;
  if (!ParseIso(iso_date, &y, &m, &d)) return false;
  const int how = static_cast<int>(rng.Below(3));
  if (how == 0 && d <= 12 && d != m) {
    std::swap(m, d);  // day and month swapped
  } else if (how == 1) {
    y += rng.Chance(0.5) ? 1 : -1;
    if (!IsValidDate(y, m, d)) d = 28;
  } else {
    d += static_cast<int>(rng.Range(1, 3));
    if (!IsValidDate(y, m, d)) d = 1;
  }
  if (!IsValidDate(y, m, d)) return false;
  *out = fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
  return *out != iso_date;
}

bool ApplyMobileDigitMissing(std::string_view mobile, Rng& rng, std::string* out) {
  if (mobile.size() != 11) return false;
  std::string s(mobile);
  s.erase(1 + rng.Below(10), 1);
  *out = std::move(s);
  return true;
}

bool ApplyFullWidthDigits(std::string_view value, std::string* out) {
  std::string s;
  bool changed = false;
  for (char c : value) {
    if (c >= '0' && c <= '9') {
      // U+FF10..U+FF19 in UTF-8: EF BC 90..99.
      s += "\xEF\xBC";
      s += static_cast<char>(0x90 + (c - '0'));
      changed = true;
    } else {
      s += c;
    }
  }
  if (!changed) return false;
  *out = std::move(s);
  return true;
}

bool ApplyDateFormat(std::string_view iso_date, Rng& rng, std::string* out) {
  int y, m, d;
  if (!ParseIso(iso_date, &y, &m, &d)) return false;
  switch (rng.Below(4)) {
    case 0:
      *out = fmt::format("{}/{}/{}", y, m, d);
      break;
    case 1:
      *out = fmt::format("{}年{}月{}日", y, m, d);
      break;
    case 2:
      *out = fmt::format("{:04d}{:02d}{:02d}", y, m, d);
      break;
    default:
      *out = fmt::format("{:04d}.{:02d}.{:02d}", y, m, d);
  }
  return true;
}

}  // namespace yishu::demo
