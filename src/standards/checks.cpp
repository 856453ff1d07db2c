#include "standards/checks.hpp"

#include "common/time.hpp"

namespace yishu::standards {

namespace {
inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline int Digit(char c) {
  return c - '0';
}

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

int Number(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + Digit(c);
  return v;
}
}  // namespace

char IdCardCheckChar(std::string_view first17) {
  // W_i = 2^(18-i) mod 11.
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    char c = first17[i];
    if (!IsDigit(c)) return '\0';
    sum += Digit(c) * kWeights[i];
  }
  return kCheck[sum % 11];
}

bool IdCardChecksumOk(std::string_view id) {
  if (id.size() != 18) return false;
  char expected = IdCardCheckChar(id.substr(0, 17));
  return expected != '\0' && expected == id[17];
}

std::optional<IdCardInfo> ParseIdCard(std::string_view id) {
  IdCardInfo info;
  if (id.size() == 18) {
    if (!AllDigits(id.substr(0, 17))) return std::nullopt;
    char last = id[17];
    if (!IsDigit(last) && last != 'X' && last != 'x') return std::nullopt;
    info.year = Number(id.substr(6, 4));
    info.month = Number(id.substr(10, 2));
    info.day = Number(id.substr(12, 2));
    info.gender = Digit(id[16]) % 2 == 1 ? 1 : 2;
    info.checksum_ok = IdCardCheckChar(id.substr(0, 17)) == last;
  } else if (id.size() == 15) {
    if (!AllDigits(id)) return std::nullopt;
    info.legacy_15 = true;
    info.year = 1900 + Number(id.substr(6, 2));
    info.month = Number(id.substr(8, 2));
    info.day = Number(id.substr(10, 2));
    info.gender = Digit(id[14]) % 2 == 1 ? 1 : 2;
  } else {
    return std::nullopt;
  }
  if (!IsValidDate(info.year, info.month, info.day)) return std::nullopt;
  info.region_code = Number(id.substr(0, 6));
  return info;
}

int UsccCharValue(char c) {
  // 0-9 A-H J-N P-R T U W X Y: no I, O, S, V, Z (easily confused).
  static constexpr auto kTable = [] {
    struct T {
      signed char v[256];
    } t{};
    for (auto& x : t.v) x = -1;
    constexpr char kChars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (int i = 0; i < 31; ++i)
      t.v[static_cast<unsigned char>(kChars[i])] = static_cast<signed char>(i);
    return t;
  }();
  return kTable.v[static_cast<unsigned char>(c)];
}

char UsccCheckChar(std::string_view first17) {
  // W_i = 3^(i-1) mod 31.
  static constexpr int kWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};
  static constexpr char kChars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    int v = UsccCharValue(first17[i]);
    if (v < 0) return '\0';
    sum += v * kWeights[i];
  }
  int check = (31 - sum % 31) % 31;
  return kChars[check];
}

bool UsccChecksumOk(std::string_view code) {
  if (code.size() != 18) return false;
  char expected = UsccCheckChar(code.substr(0, 17));
  return expected != '\0' && expected == code[17];
}

char OrgCodeCheckChar(std::string_view first8) {
  static constexpr int kWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  if (first8.size() != 8) return '\0';
  int sum = 0;
  for (int i = 0; i < 8; ++i) {
    char c = first8[i];
    int v;
    if (IsDigit(c)) {
      v = Digit(c);
    } else if (c >= 'A' && c <= 'Z') {
      v = c - 'A' + 10;
    } else {
      return '\0';
    }
    sum += v * kWeights[i];
  }
  int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

bool OrgCodeOk(std::string_view code9) {
  if (code9.size() != 9) return false;
  char expected = OrgCodeCheckChar(code9.substr(0, 8));
  return expected != '\0' && expected == code9[8];
}

bool LuhnOk(std::string_view digits) {
  if (digits.size() < 2) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    char c = digits[i];
    if (!IsDigit(c)) return false;
    int d = Digit(c);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

char LuhnCheckDigit(std::string_view payload) {
  if (payload.empty()) return '\0';
  int sum = 0;
  bool dbl = true;  // the check digit will be rightmost, so the payload's last digit doubles
  for (size_t i = payload.size(); i-- > 0;) {
    char c = payload[i];
    if (!IsDigit(c)) return '\0';
    int d = Digit(c);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string_view StripChinaCountryCode(std::string_view s) {
  std::string_view rest;
  if (s.substr(0, 3) == "+86") {
    rest = s.substr(3);
  } else if (s.substr(0, 4) == "0086") {
    rest = s.substr(4);
  } else if (s.size() == 13 && s.substr(0, 2) == "86") {
    // Bare "86" only when the rest has the length of a national number, so "8613800138000"
    // strips but an 11-digit number never does.
    rest = s.substr(2);
  } else if (s.size() == 14 && s.substr(0, 2) == "86" && (s[2] == '-' || s[2] == ' ')) {
    rest = s.substr(2);
  } else {
    return s;
  }
  if (!rest.empty() && (rest[0] == '-' || rest[0] == ' ')) rest.remove_prefix(1);
  return rest;
}

bool IsMobileSegment(std::string_view n) {
  if (n.size() != 11 || n[0] != '1' || !AllDigits(n)) return false;
  int d2 = Digit(n[1]), d3 = Digit(n[2]);
  switch (d2) {
    case 3:
      return true;
    case 4:
      return d3 == 5 || d3 == 7 || d3 == 9;
    case 5:
      return d3 != 4;
    case 6:
      return d3 == 2 || d3 == 5 || d3 == 6 || d3 == 7;
    case 7:
      if (d3 == 4) {
        // 1740[0-9] satellite/emergency, 1741[0-2] emergency, 1749 Inmarsat.
        int d45 = Digit(n[3]) * 10 + Digit(n[4]);
        return d45 <= 12 || n[3] == '9';
      }
      return d3 != 9;
    case 8:
      return true;
    case 9:
      return d3 != 4;
    default:
      return false;
  }
}

bool LooksLikeScientificNotation(std::string_view s) {
  // [0-9](.[0-9]+)?[Ee][+]?[0-9]{1,3}
  size_t i = 0;
  if (i >= s.size() || !IsDigit(s[i])) return false;
  ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i >= s.size() || (s[i] != 'E' && s[i] != 'e')) return false;
  ++i;
  if (i < s.size() && s[i] == '+') ++i;
  size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i == s.size() && i - start >= 1 && i - start <= 3;
}

}  // namespace yishu::standards
