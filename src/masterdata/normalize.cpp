#include "masterdata/normalize.hpp"

#include <algorithm>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "masterdata/chinese.hpp"
#include "standards/checks.hpp"

namespace yishu::masterdata {
namespace {

bool IsSeparator(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'·' || c == U'•' || c == U'・' || c == U'.' ||
         c == U'-' || c == U'_' || c == U'\u3000' || c == U'\'' || c == U',';
}

char32_t FoldChar(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c = c - 0xFF01 + 0x21;  // full-width ASCII
  if (c == 0x3000) c = U' ';
  if (c >= U'A' && c <= U'Z') c = c - U'A' + U'a';
  return c;
}

// The code point at s[i], advancing i; a malformed byte reads as U+FFFD (one byte). Inline
// and allocation-free: preparing millions of records decodes every cell.
inline char32_t NextCodePoint(std::string_view s, size_t& i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += n;
  return cp;
}

// Code points of `raw`, full-width folded, lower-cased, simplified; separators kept. The
// returned buffer is the calling thread's, valid until its next call.
const std::u32string& Decode(std::string_view raw, const ChineseChars* chars) {
  thread_local std::u32string out;
  out.clear();
  for (size_t i = 0; i < raw.size();) {
    char32_t c = FoldChar(NextCodePoint(raw, i));
    if (chars && c >= 0x3400) c = chars->Simplify(c);
    out.push_back(c);
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Full-width folded only when there is anything to fold (nearly never for digits).
std::string FoldIfNeeded(std::string_view s) {
  return IsAscii(s) ? std::string(s) : FoldFullWidth(s);
}

bool IsDigit(char32_t c) {
  return c >= U'0' && c <= U'9';
}

// Position just past `marker` when it ends within [from+min_len, from+max_len] of `s`, else 0.
size_t EndOfMarkedPart(const std::u32string& s, size_t from, std::u32string_view marker,
                       size_t min_len, size_t max_len) {
  for (size_t len = min_len; len <= max_len && from + len + marker.size() <= s.size(); ++len) {
    const size_t at = from + len;
    if (IsDigit(s[at - 1])) return 0;  // a number before the marker: not an admin part
    if (std::u32string_view(s).substr(at, marker.size()) == marker) return at + marker.size();
  }
  return 0;
}

}  // namespace

void NormalizeText(std::string_view raw, const ChineseChars* chars, std::vector<char32_t>* out) {
  for (char32_t c : Decode(raw, chars)) {
    if (!IsSeparator(c)) out->push_back(c);
  }
}

IdNumber NormalizeIdNumber(std::string_view raw) {
  IdNumber id;
  std::string s;
  s.reserve(18);
  for (char c : FoldIfNeeded(Trim(raw))) {
    if (c == ' ' || c == '\t' || c == '\'') continue;
    s += c == 'x' ? 'X' : c;
  }
  // Excel showed a long number in scientific notation: only the leading digits survive.
  const size_t e = s.find_first_of("Ee");
  if (e != std::string::npos && s.size() > 2 && s[1] == '.') {
    std::string digits = s.substr(0, 1) + s.substr(2, e - 2);
    if (!IsAllDigits(digits) || digits.size() > 17) return id;
    std::copy(digits.begin(), digits.end(), id.digits);
    id.length = static_cast<uint8_t>(digits.size());
    id.truncated = true;
    return id;
  }
  if (s.size() == 15 && IsAllDigits(s)) {
    // Pre-1999 numbers: two-digit year of the 1900s, no check character.
    s = s.substr(0, 6) + "19" + s.substr(6);
    s += standards::IdCardCheckChar(s.substr(0, 17));
  }
  if (s.size() != 18) return id;
  if (!IsAllDigits(std::string_view(s).substr(0, 17))) return id;
  if (!(std::isdigit(static_cast<unsigned char>(s[17])) || s[17] == 'X')) return id;
  std::copy(s.begin(), s.end(), id.digits);
  id.length = 18;
  id.valid = standards::IdCardCheckChar(std::string_view(s).substr(0, 17)) == s[17];
  return id;
}

CreditCode NormalizeCreditCode(std::string_view raw) {
  CreditCode code;
  std::string s;
  for (char c : FoldIfNeeded(Trim(raw))) {
    if (c == ' ') continue;
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (s.size() != 18) return code;
  for (size_t i = 0; i < 18; ++i) {
    if (standards::UsccCharValue(s[i]) < 0) return code;
    code.chars[i] = s[i];
  }
  code.length = 18;
  code.valid = standards::UsccChecksumOk(s);
  return code;
}

bool IsValidCalendarDate(int y, int m, int d) {
  return y >= 1800 && y <= 2200 && IsValidDate(y, m, d);
}

int32_t Date::days() const {
  return static_cast<int32_t>(DaysFromCivil(year, month, day));
}

Date ParseDate(std::string_view raw) {
  const std::string s = FoldIfNeeded(Trim(raw));
  int runs[4];
  int widths[4];
  int n = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] < '0' || s[i] > '9') {
      ++i;
      continue;
    }
    if (n == 4) return {};
    int v = 0, w = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (w < 9) v = v * 10 + (s[i] - '0');
      ++w;
      ++i;
    }
    runs[n] = v;
    widths[n++] = w;
  }
  int y = 0, m = 0, d = 0;
  if (n == 1 && widths[0] == 8) {
    y = runs[0] / 10000;
    m = runs[0] / 100 % 100;
    d = runs[0] % 100;
  } else if (n == 3 && widths[0] == 4) {
    y = runs[0], m = runs[1], d = runs[2];
  } else if (n == 3 && widths[2] == 4) {
    y = runs[2];
    // Day first unless that cannot be (04/03/2001 is 4 March; 12/31/2001 is 31 December).
    if (runs[1] > 12) {
      m = runs[0], d = runs[1];
    } else {
      d = runs[0], m = runs[1];
    }
  } else {
    return {};
  }
  if (!IsValidCalendarDate(y, m, d)) return {};
  return Date{static_cast<int16_t>(y), static_cast<int8_t>(m), static_cast<int8_t>(d)};
}

std::string NormalizePhone(std::string_view raw) {
  std::string digits;
  for (char c : FoldIfNeeded(raw)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  if (digits.size() == 13 && digits.starts_with("86")) digits.erase(0, 2);
  if (digits.size() == 15 && digits.starts_with("0086")) digits.erase(0, 4);
  return digits;
}

Address ParseAddress(std::string_view raw, const ChineseChars* chars) {
  Address a;
  std::u32string s;
  for (char32_t c : Decode(raw, chars)) {
    if (c != U' ' && c != U'\t' && c != U',' && c != U'，') s.push_back(c);
  }
  size_t p = 0;
  // Province, city, district: each optional, in this order, each a few characters long.
  if (size_t e = EndOfMarkedPart(s, p, U"自治区", 2, 6))
    p = e;
  else if (size_t e2 = EndOfMarkedPart(s, p, U"省", 2, 6))
    p = e2;
  if (size_t e = EndOfMarkedPart(s, p, U"市", 1, 6)) {
    // "市" inside a road name (市场路) is not a city: a city is followed by more admin text.
    if (e < s.size() && !IsDigit(s[e])) p = e;
  }
  for (std::u32string_view marker : {U"区", U"县", U"市", U"旗"}) {
    if (size_t e = EndOfMarkedPart(s, p, marker, 1, 5)) {
      if (e < s.size() && !IsDigit(s[e])) {
        p = e;
        break;
      }
    }
  }
  // Township: 街道 (办事处), 镇 or 乡; the core name is kept so 柯桥街道 and 柯桥 agree.
  for (std::u32string_view marker : {U"街道", U"镇", U"乡"}) {
    if (size_t e = EndOfMarkedPart(s, p, marker, 1, 8)) {
      a.township = s.substr(p, e - marker.size() - p);
      p = e;
      if (std::u32string_view(s).substr(p, 3) == U"办事处") p += 3;
      break;
    }
  }
  size_t q = p;
  while (q < s.size() && !IsDigit(s[q])) ++q;
  a.place = s.substr(p, q - p);
  while (q < s.size()) {
    if (!IsDigit(s[q])) {
      ++q;
      continue;
    }
    uint32_t v = 0;
    while (q < s.size() && IsDigit(s[q])) {
      v = v * 10 + static_cast<uint32_t>(s[q] - U'0');
      ++q;
    }
    a.numbers.push_back(v);
  }
  return a;
}

void NormalizeOrgName(std::string_view raw, const ChineseChars* chars, std::vector<char32_t>* out) {
  std::u32string s;
  for (char32_t c : Decode(raw, chars)) {
    if (c == U'（' || c == U'【' || c == U'[' || c == U'〔') c = U'(';
    if (c == U'）' || c == U'】' || c == U']' || c == U'〕') c = U')';
    if (c == U' ' || c == U'\t') continue;
    s.push_back(c);
  }
  auto replace_suffix = [&](std::u32string_view from, std::u32string_view to) {
    if (s.size() >= from.size() && std::u32string_view(s).substr(s.size() - from.size()) == from) {
      s.replace(s.size() - from.size(), from.size(), to);
    }
  };
  replace_suffix(U"有限责任公司", U"有限公司");
  // Region prefixes, written in full or not: 浙江省, 绍兴市, 柯桥区 (a district, county or city).
  size_t p = 0;
  for (int round = 0; round < 3; ++round) {
    size_t e = 0;
    for (std::u32string_view marker : {U"省", U"市", U"区", U"县"}) {
      e = EndOfMarkedPart(s, p, marker, 2, 3);
      if (e) break;
    }
    if (!e || e + 2 > s.size()) break;
    p = e;
  }
  out->insert(out->end(), s.begin() + static_cast<long>(p), s.end());
}

int NormalizeGender(std::string_view raw) {
  const std::string s = ToLowerAscii(Trim(raw));
  if (s == "1" || s == "男" || s == "m" || s == "male") return 1;
  if (s == "2" || s == "女" || s == "f" || s == "female") return 2;
  return 0;
}

}  // namespace yishu::masterdata
