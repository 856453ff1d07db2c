#include "standards/validators.hpp"

#include <array>
#include <chrono>
#include <limits>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "standards/checks.hpp"

namespace yishu::standards {

namespace {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
inline bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
inline bool IsAlpha(char c) {
  return IsUpper(c) || IsLower(c);
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

int Number(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

Violation V(std::string_view rule, std::string message) {
  return Violation{std::string(rule), std::move(message)};
}

std::string Str(std::string_view s) {
  return std::string(s);
}

// Han ideographs: CJK Unified (and Extensions A-I), compatibility ideographs, and 〇.
bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x323AF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x2F800 && c <= 0x2FA1F) || c == 0x3007;
}

constexpr char32_t kMiddleDot = 0x00B7;  // · the separator of GB 18030 / 公安 name rules
// Look-alikes typed by IMEs instead of ·: ・ • ‧ ． ∙ ⋅ and the full stop.
bool IsLookalikeDot(char32_t c) {
  return c == 0x30FB || c == 0x2022 || c == 0x2027 || c == 0xFF0E || c == 0x2219 || c == 0x22C5 ||
         c == 0xFF65 || c == '.';
}

bool IsControl(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

struct TextStats {
  bool valid_utf8 = true;
  size_t code_points = 0;
  size_t cjk = 0;
  size_t latin = 0;
  size_t digits = 0;
  size_t controls = 0;
};

// DecodeUtf8At with its two common cases inline: ASCII and the three-byte sequences of Chinese
// text. Names and addresses are decoded a character at a time on the ingest hot path.
inline size_t Decode(std::string_view s, size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  if ((b0 & 0xF0) == 0xE0 && i + 3 <= s.size()) {
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    const auto b2 = static_cast<unsigned char>(s[i + 2]);
    if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
      const char32_t v = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
      *cp = v;
      return 3;
    }
  }
  return DecodeUtf8At(s, i, cp);
}

TextStats Scan(std::string_view s) {
  TextStats st;
  for (size_t i = 0; i < s.size();) {
    char32_t c;
    size_t n = Decode(s, i, &c);
    if (n == 0 || c == 0) {
      st.valid_utf8 = false;
      return st;
    }
    i += n;
    ++st.code_points;
    if (IsCjk(c)) {
      ++st.cjk;
    } else if (c < 0x80 && IsAlpha(static_cast<char>(c))) {
      ++st.latin;
    } else if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19)) {
      ++st.digits;
    } else if (IsControl(c)) {
      ++st.controls;
    }
  }
  return st;
}

bool HasOuterSpace(std::string_view s) {
  if (s.empty()) return false;
  auto is_ascii_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  if (is_ascii_space(s.front()) || is_ascii_space(s.back())) return true;
  // Ideographic space U+3000 = E3 80 80.
  return s.substr(0, 3) == "\xE3\x80\x80" ||
         (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80");
}

Violation EncodingViolation() {
  return V("encoding",
           "不是有效的 UTF-8 文本(可能是编码错误) / not valid UTF-8 text (wrong encoding?)");
}

Violation LengthViolation(size_t got, size_t min, size_t max) {
  return V("length", "长度应为 " + std::to_string(min) + "-" + std::to_string(max) +
                         " 个字符,实为 " + std::to_string(got) + " / length must be " +
                         std::to_string(min) + "-" + std::to_string(max) + " characters, got " +
                         std::to_string(got));
}

// A date no later than this cannot be in the future; taken once so the common case (everyone
// born before the process started) never reads the clock.
const int kStartupDay = TodayYyyymmdd();

bool IsFutureDate(int yyyymmdd, const ValidateOptions& options) {
  if (options.today_yyyymmdd != 0) return yyyymmdd > options.today_yyyymmdd;
  if (yyyymmdd <= kStartupDay) return false;
  return yyyymmdd > TodayYyyymmdd();
}

std::string Ymd(int y, int m, int d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

// "<name>" of a 6-digit code for messages, e.g. "330621(绍兴县)".
std::string CodeWithName(std::string_view code, const AdminDivisions& divisions) {
  const Division* d = divisions.Find(code);
  return d ? Str(code) + "(" + d->name + ")" : Str(code);
}

// Codes that are valid on identity documents but not in the MCA list: 港澳台居民居住证 address
// codes (GB 11643 applies to residence permits).
bool IsResidencePermitRegion(int code) {
  return code == 810000 || code == 820000 || code == 830000;
}

}  // namespace

int TodayYyyymmdd() {
  int64_t ms = NowMillis() + 8LL * 3600 * 1000;
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  return y * 10000 + m * 100 + d;
}

const std::vector<std::string_view>& BuiltinValidatorNames() {
  static const std::vector<std::string_view> kNames = {
      "id_card",        "uscc",        "mobile",       "landline", "email",       "bank_card",
      "admin_division", "postal_code", "plate_number", "address",  "person_name", "org_name"};
  return kNames;
}

std::string_view BuiltinValidatorName(BuiltinValidator v) {
  return BuiltinValidatorNames()[static_cast<size_t>(v)];
}

std::optional<BuiltinValidator> ParseBuiltinValidator(std::string_view name) {
  const auto& names = BuiltinValidatorNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<BuiltinValidator>(i);
  return std::nullopt;
}

std::optional<Violation> RunBuiltinValidator(BuiltinValidator v, std::string_view value,
                                             const AdminDivisions& divisions,
                                             const ValidateOptions& options) {
  switch (v) {
    case BuiltinValidator::kIdCard:
      return ValidateIdCard(value, divisions, options);
    case BuiltinValidator::kUscc:
      return ValidateUscc(value, divisions);
    case BuiltinValidator::kMobile:
      return ValidateMobile(value);
    case BuiltinValidator::kLandline:
      return ValidateLandline(value);
    case BuiltinValidator::kEmail:
      return ValidateEmail(value);
    case BuiltinValidator::kBankCard:
      return ValidateBankCard(value);
    case BuiltinValidator::kAdminDivision:
      return ValidateAdminDivision(value, divisions);
    case BuiltinValidator::kPostalCode:
      return ValidatePostalCode(value);
    case BuiltinValidator::kPlateNumber:
      return ValidatePlateNumber(value);
    case BuiltinValidator::kAddress:
      return ValidateAddress(value);
    case BuiltinValidator::kPersonName:
      return ValidatePersonName(value);
    case BuiltinValidator::kOrgName:
      return ValidateOrgName(value);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// 公民身份号码

namespace {
inline std::optional<Violation> CheckIdBirthAndRegion(int region, int y, int m, int d,
                                                      std::string_view region_text,
                                                      std::string_view date_text,
                                                      const AdminDivisions& divisions,
                                                      const ValidateOptions& options) {
  if (!IsValidDate(y, m, d))
    return V("birth_date", "出生日期 " + Str(date_text) + " 不是有效日期 / birth date " +
                               Str(date_text) + " is not a real date");
  if (y < 1800)
    return V("birth_date", "出生日期 " + Ymd(y, m, d) + " 早于 1800 年 / birth date " +
                               Ymd(y, m, d) + " is before 1800");
  if (IsFutureDate(y * 10000 + m * 100 + d, options))
    return V("birth_date", "出生日期 " + Ymd(y, m, d) + " 在未来 / birth date " + Ymd(y, m, d) +
                               " is in the future");
  if (IsResidencePermitRegion(region)) return std::nullopt;
  if (!divisions.Exists(region))
    return V("region_code", "地址码 " + Str(region_text) +
                                " 不是 GB/T 2260 行政区划代码(含已撤销的) / address code " +
                                Str(region_text) +
                                " is not a GB/T 2260 division code, current or past");
  if (!divisions.IsValidAtBirth(region, y)) {
    const Division* div = divisions.Find(region_text);
    std::string year = div ? std::to_string(div->end_year) : "?";
    return V("region_code", "地址码 " + CodeWithName(region_text, divisions) + "已于 " + year +
                                " 年撤销,不可能出现在 " + std::to_string(y) +
                                " 年出生者的身份证上 / address code " + Str(region_text) +
                                " was abolished in " + year + ", before the holder's birth in " +
                                std::to_string(y));
  }
  return std::nullopt;
}
}  // namespace

std::optional<Violation> ValidateIdCard(std::string_view value, const AdminDivisions& divisions,
                                        const ValidateOptions& options) {
  // The common case first, on raw bytes: this runs once per ID cell at ingest.
  if (value.size() == 18) [[likely]] {
    static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static constexpr char kCheck[] = "10X98765432";
    const char* p = value.data();
    int sum = 0;
    for (int i = 0; i < 17; ++i) {
      unsigned d = static_cast<unsigned char>(p[i]) - '0';
      if (d > 9) return V("format", "前 17 位应全为数字 / the first 17 characters must be digits");
      sum += static_cast<int>(d) * kWeights[i];
    }
    const char expected = kCheck[sum % 11];
    const char last = p[17];
    if (last != expected) [[unlikely]] {
      if (!IsDigit(last) && last != 'X' && last != 'x')
        return V("format", "第 18 位校验码应为数字或 X / the 18th character must be a digit or X");
      if (last == 'x' && expected == 'X')
        return V("format", "校验码应为大写 X / the check character must be an uppercase X");
      if (p[15] == '0' && p[16] == '0' && last == '0')
        return V(
            "excel_damage",
            "末三位为 000 且校验码不符,疑似被 Excel 截为 15 位有效数字 / the last three digits "
            "are 000 and the check digit fails: likely truncated to 15 significant digits by "
            "Excel");
      return V("check_digit",
               std::string("校验码应为 ") + expected + " / check digit should be " + expected);
    }
    auto num = [p](int from, int len) {
      int v = 0;
      for (int i = from; i < from + len; ++i) v = v * 10 + (p[i] - '0');
      return v;
    };
    return CheckIdBirthAndRegion(num(0, 6), num(6, 4), num(10, 2), num(12, 2), value.substr(0, 6),
                                 value.substr(6, 8), divisions, options);
  }
  if (value.size() == 15 && AllDigits(value)) {
    if (!options.accept_legacy_15_digit_id)
      return V("legacy_15_digit",
               "15 位旧身份证号码(GB 11643-1989),应升级为 18 位 / legacy 15-digit identity number "
               "(GB 11643-1989); upgrade it to 18 digits");
    return CheckIdBirthAndRegion(Number(value.substr(0, 6)), 1900 + Number(value.substr(6, 2)),
                                 Number(value.substr(8, 2)), Number(value.substr(10, 2)),
                                 value.substr(0, 6), value.substr(6, 6), divisions, options);
  }
  if (LooksLikeScientificNotation(value))
    return V("excel_damage", "数值被 Excel 转成科学计数法 " + Str(value) +
                                 ",原号码已丢失 / the number was turned into scientific notation "
                                 "by Excel and its digits are lost");
  size_t n = Utf8Length(value);
  return V("length", "身份证号码应为 18 位,实为 " + std::to_string(n) +
                         " 位 / an identity number has 18 characters, got " + std::to_string(n));
}

// ---------------------------------------------------------------------------------------------
// 统一社会信用代码

std::optional<Violation> ValidateUscc(std::string_view value, const AdminDivisions& divisions) {
  if (value.size() != 18) {
    if (LooksLikeScientificNotation(value))
      return V("excel_damage",
               "数值被 Excel 转成科学计数法,原代码已丢失 / the code was turned into "
               "scientific notation by Excel and its characters are lost");
    size_t n = Utf8Length(value);
    return V("length", "统一社会信用代码应为 18 位,实为 " + std::to_string(n) +
                           " 位 / a unified social credit code has 18 characters, got " +
                           std::to_string(n));
  }
  for (char c : value) {
    if (IsLower(c)) return V("format", "字母应为大写 / letters must be uppercase");
    if (UsccCharValue(c) < 0) {
      std::string ch = (static_cast<unsigned char>(c) < 0x80) ? std::string(1, c) : "非 ASCII";
      return V("format", "含代码字符集以外的字符 '" + ch +
                             "'(字符集为 0-9 及除 I、O、S、V、Z 外的大写字母) / contains '" + ch +
                             "', which is not in the USCC character set (0-9 and A-Z without "
                             "I, O, S, V, Z)");
    }
  }
  const char expected = UsccCheckChar(value.substr(0, 17));
  if (value[17] != expected)
    return V("check_digit",
             std::string("校验码应为 ") + expected + " / check character should be " + expected);
  std::string_view org = value.substr(8, 9);
  const char org_expected = OrgCodeCheckChar(org.substr(0, 8));
  if (org[8] != org_expected)
    return V("org_code", "第 9-17 位组织机构代码 " + Str(org) + " 的校验码应为 " +
                             std::string(1, org_expected) + " / the organisation code " + Str(org) +
                             " (characters 9-17) should end in " + std::string(1, org_expected));
  std::string_view region = value.substr(2, 6);
  if (!AllDigits(region))
    return V("region_code", "第 3-8 位登记管理机关行政区划码 " + Str(region) +
                                " 应为 6 位数字 / the division code " + Str(region) +
                                " (characters 3-8) must be 6 digits");
  // 100000 stands for national-level registration authorities.
  if (region != "100000" && !divisions.Exists(region))
    return V("region_code", "第 3-8 位 " + Str(region) +
                                " 不是 GB/T 2260 行政区划代码 / characters 3-8 (" + Str(region) +
                                ") are not a GB/T 2260 division code");
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Telephones, e-mail, cards, codes

std::optional<Violation> ValidateMobile(std::string_view value) {
  std::string_view n = StripChinaCountryCode(value);
  if (!AllDigits(n))
    return V("format",
             "手机号码应为 11 位数字(可带 +86 前缀) / a mobile number is 11 digits, "
             "optionally prefixed with +86");
  if (n.size() != 11)
    return V("length", "手机号码应为 11 位,实为 " + std::to_string(n.size()) +
                           " 位 / a mobile number has 11 digits, got " + std::to_string(n.size()));
  if (n[0] != '1') return V("format", "手机号码应以 1 开头 / a mobile number starts with 1");
  if (!IsMobileSegment(n))
    return V("segment", "号段 " + Str(n.substr(0, 3)) + " 未分配给移动电话 / segment " +
                            Str(n.substr(0, 3)) + " is not allocated to mobile service");
  return std::nullopt;
}

std::optional<Violation> ValidateLandline(std::string_view value) {
  auto bad = [] {
    return V("format",
             "固定电话应为区号(0xx 或 0xxx)加 7-8 位号码,如 0575-84123456,可带分机号 / a landline "
             "is an area code (0xx or 0xxx) and a 7-8 digit number, e.g. 0575-84123456, optionally "
             "with an extension");
  };
  std::string_view s = value;
  if (s.size() == 11 && s[0] == '1' && AllDigits(s))
    return V("format", "这是手机号码,不是固定电话 / this is a mobile number, not a landline");
  // International form drops the trunk 0: +86 575 84123456.
  std::string_view stripped = StripChinaCountryCode(s);
  bool international = stripped.size() != s.size();
  s = stripped;
  bool paren = !s.empty() && s[0] == '(';
  if (paren) s.remove_prefix(1);
  size_t area_len;
  if (international) {
    if (s.empty() || !IsDigit(s[0]) || s[0] == '0') return bad();
    area_len = (s[0] == '1' || s[0] == '2') ? 2 : 3;
  } else {
    if (s.empty() || s[0] != '0') {
      if (AllDigits(s) && (s.size() == 7 || s.size() == 8))
        return V("format", "缺少区号 / the area code is missing");
      return bad();
    }
    if (s.size() < 2) return bad();
    area_len = (s[1] == '1' || s[1] == '2') ? 3 : 4;
  }
  if (s.size() < area_len || !AllDigits(s.substr(0, area_len))) return bad();
  if (!international && s[1] == '0') return bad();  // 00 is the international prefix
  s.remove_prefix(area_len);
  if (paren) {
    if (s.empty() || s[0] != ')') return bad();
    s.remove_prefix(1);
  }
  if (!s.empty() && (s[0] == '-' || s[0] == ' ')) s.remove_prefix(1);
  size_t local = 0;
  while (local < s.size() && IsDigit(s[local])) ++local;
  if (local < 7 || local > 8 || s[0] == '0' || s[0] == '1') return bad();
  s.remove_prefix(local);
  if (s.empty()) return std::nullopt;
  // Extension: -123, 转123, ext123, ext.123, x123, #123, ,123
  if (s[0] == '-' || s[0] == '#' || s[0] == ',' || s[0] == 'x' || s[0] == 'X') {
    s.remove_prefix(1);
  } else if (s.substr(0, 3) == "转") {
    s.remove_prefix(3);
  } else if (s.substr(0, 3) == "ext" || s.substr(0, 3) == "EXT") {
    s.remove_prefix(3);
    if (!s.empty() && s[0] == '.') s.remove_prefix(1);
  } else {
    return bad();
  }
  if (s.empty() || s.size() > 6 || !AllDigits(s)) return bad();
  return std::nullopt;
}

std::optional<Violation> ValidateEmail(std::string_view value) {
  auto bad = [](std::string_view why_zh, std::string_view why_en) {
    return V("format",
             "电子邮箱格式错误:" + Str(why_zh) + " / malformed e-mail address: " + Str(why_en));
  };
  if (value.size() > 254) return V("length", "电子邮箱超过 254 个字符 / e-mail longer than 254");
  size_t at = value.find('@');
  if (at == std::string_view::npos) return bad("缺少 @", "no @");
  if (value.find('@', at + 1) != std::string_view::npos) return bad("多个 @", "more than one @");
  std::string_view local = value.substr(0, at), domain = value.substr(at + 1);
  if (local.empty() || local.size() > 64) return bad("@ 前部分为空或过长", "bad local part length");
  static constexpr std::string_view kLocalSpecials = "!#$%&'*+/=?^_`{|}~.-";
  char prev = 0;
  for (char c : local) {
    bool ok = IsAlpha(c) || IsDigit(c) || kLocalSpecials.find(c) != std::string_view::npos;
    if (!ok) return bad("@ 前含非法字符", "invalid character before @");
    if (c == '.' && prev == '.') return bad("连续的点", "consecutive dots");
    prev = c;
  }
  if (local.front() == '.' || local.back() == '.')
    return bad("@ 前部分以点开头或结尾", "local part starts or ends with a dot");
  if (domain.empty() || domain.size() > 253) return bad("缺少域名", "no domain");
  size_t labels = 0;
  std::string_view last_label;
  for (size_t start = 0; start <= domain.size();) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return bad("域名含空标签", "empty domain label");
    if (label.front() == '-' || label.back() == '-')
      return bad("域名标签以连字符开头或结尾", "domain label starts or ends with a hyphen");
    for (char c : label)
      if (!IsAlpha(c) && !IsDigit(c) && c != '-')
        return bad("域名含非法字符", "invalid character in the domain");
    ++labels;
    last_label = label;
    start = dot + 1;
  }
  if (labels < 2) return bad("域名缺少顶级域", "the domain has no top-level part");
  if (last_label.size() < 2) return bad("顶级域过短", "top-level domain too short");
  for (char c : last_label)
    if (!IsAlpha(c)) return bad("顶级域应为字母", "top-level domain must be letters");
  return std::nullopt;
}

std::optional<Violation> ValidateBankCard(std::string_view value) {
  if (LooksLikeScientificNotation(value))
    return V("excel_damage",
             "卡号被 Excel 转成科学计数法,原号码已丢失 / the card number was turned "
             "into scientific notation by Excel and its digits are lost");
  if (!AllDigits(value))
    return V("format", "银行卡号应为连续数字(不含空格) / a card number is digits only, no spaces");
  if (value.size() < 12 || value.size() > 19)
    return V("length", "银行卡号应为 12-19 位,实为 " + std::to_string(value.size()) +
                           " 位 / a card number has 12-19 digits, got " +
                           std::to_string(value.size()));
  if (!LuhnOk(value)) {
    if (value.size() > 15 && value.find_first_not_of('0', 15) == std::string_view::npos)
      return V("excel_damage",
               "第 15 位以后全为 0 且校验位不符,疑似被 Excel 截为 15 位有效数字 / the digits after "
               "the 15th are zero and the check digit fails: likely truncated by Excel");
    char expected = LuhnCheckDigit(value.substr(0, value.size() - 1));
    return V("check_digit", std::string("校验位(Luhn)应为 ") + expected +
                                " / check digit (Luhn) should be " + expected);
  }
  return std::nullopt;
}

std::optional<Violation> ValidateAdminDivision(std::string_view value,
                                               const AdminDivisions& divisions) {
  if (!AllDigits(value) || (value.size() != 6 && value.size() != 9))
    return V("format",
             "行政区划代码应为 6 位(县级及以上)或 9 位(乡级)数字 / a division code has 6 "
             "(county and above) or 9 (township) digits");
  std::string_view county = value.substr(0, 6);
  if (!divisions.Exists(county))
    return V("region_code", "代码 " + Str(county) +
                                " 不在 GB/T 2260 行政区划代码中(含已撤销的) / " + Str(county) +
                                " is not a GB/T 2260 division code, current or past");
  if (value.size() == 9 && divisions.HasTownships(Number(county)) &&
      !divisions.TownshipExists(value))
    return V("region_code", "乡级代码 " + Str(value) + " 不在 " + CodeWithName(county, divisions) +
                                " 的乡镇(街道)列表中 / township code " + Str(value) +
                                " is not in the township list of " + Str(county));
  return std::nullopt;
}

std::optional<Violation> ValidatePostalCode(std::string_view value) {
  if (value.size() != 6 || !AllDigits(value))
    return V("format", "邮政编码应为 6 位数字 / a postal code is 6 digits");
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// 机动车号牌 (GA 36): 省份简称 + 发牌机关代号 (A-Z without I, O) + 5 characters, or 6 for
// new-energy plates (first or last of the 6 is D or F), or 4 + a use character (学 警 挂 港 澳 领
// 试 超).

std::optional<Violation> ValidatePlateNumber(std::string_view value) {
  static constexpr char32_t kProvinces[] = {U'京', U'津', U'沪', U'渝', U'冀', U'豫', U'云', U'辽',
                                            U'黑', U'湘', U'皖', U'鲁', U'新', U'苏', U'浙', U'赣',
                                            U'鄂', U'桂', U'甘', U'晋', U'蒙', U'陕', U'吉', U'闽',
                                            U'贵', U'粤', U'青', U'藏', U'川', U'宁', U'琼'};
  static constexpr char32_t kUseChars[] = {U'学', U'警', U'挂', U'港', U'澳', U'领', U'试', U'超'};
  auto bad = [] {
    return V("format",
             "号牌应为省份简称 + 字母 + 5 位字母数字(新能源 6 位),如 浙D12345 / a plate is a "
             "province character, a letter and 5 letters/digits (6 for new-energy), e.g. 浙D12345");
  };
  if (value.empty()) return bad();
  char32_t first;
  size_t n = DecodeUtf8At(value, 0, &first);
  if (n == 0) return EncodingViolation();
  bool province = false;
  for (char32_t p : kProvinces) province |= (p == first);
  if (!province)
    return V(
        "format",
        "号牌应以省份简称开头(京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼) / a "
        "plate starts with a province abbreviation");
  std::string_view rest = value.substr(n);
  if (rest.empty()) return bad();
  char authority = rest[0];
  if (IsLower(authority)) return V("format", "字母应为大写 / letters must be uppercase");
  if (!IsUpper(authority) || authority == 'I' || authority == 'O') return bad();
  rest.remove_prefix(1);
  // The printed plate shows a dot after the authority letter; accept "浙D·12345".
  if (rest.substr(0, 2) == "\xC2\xB7") rest.remove_prefix(2);
  auto plate_char = [](char c) { return IsDigit(c) || (IsUpper(c) && c != 'I' && c != 'O'); };
  // Serial of 4 + a use character.
  if (rest.size() == 7) {
    char32_t use;
    if (DecodeUtf8At(rest, 4, &use) == 3) {
      bool known = false;
      for (char32_t u : kUseChars) known |= (u == use);
      for (size_t i = 0; i < 4; ++i)
        if (!plate_char(rest[i])) return bad();
      if (known) return std::nullopt;
      return bad();
    }
  }
  for (char c : rest) {
    if (IsLower(c)) return V("format", "字母应为大写 / letters must be uppercase");
    if (!plate_char(c)) return bad();
  }
  if (rest.size() == 5) return std::nullopt;
  if (rest.size() == 6) {
    // Small new-energy: D/F then 5; large new-energy: 5 digits then D/F.
    if (rest[0] == 'D' || rest[0] == 'F') return std::nullopt;
    if ((rest[5] == 'D' || rest[5] == 'F') && AllDigits(rest.substr(0, 5))) return std::nullopt;
    return V("format",
             "6 位序号只用于新能源号牌(首位或末位为 D 或 F) / a 6-character serial is only for "
             "new-energy plates (D or F first or last)");
  }
  return bad();
}

// ---------------------------------------------------------------------------------------------
// Free text: addresses, names

std::optional<Violation> ValidateAddress(std::string_view value) {
  TextStats st = Scan(value);
  if (!st.valid_utf8) return EncodingViolation();
  if (st.code_points < 2 || st.code_points > 200) return LengthViolation(st.code_points, 2, 200);
  if (st.controls) return V("format", "含控制字符 / contains control characters");
  if (st.cjk == 0) return V("format", "地址应含汉字 / an address must contain Chinese characters");
  return std::nullopt;
}

std::optional<Violation> ValidatePersonName(std::string_view value) {
  TextStats st = Scan(value);
  if (!st.valid_utf8) return EncodingViolation();
  if (st.code_points < 1 || st.code_points > 30) return LengthViolation(st.code_points, 1, 30);
  if (st.digits) return V("format", "姓名不应含数字 / a name must not contain digits");
  if (st.controls) return V("format", "含控制字符 / contains control characters");
  if (HasOuterSpace(value))
    return V("format", "姓名首尾有空格 / the name has leading or trailing spaces");
  if (st.cjk > 0) {
    // A Han name, possibly a transcribed minority name with the middle dot: 阿依古丽·买买提.
    char32_t prev = 0;
    for (size_t i = 0; i < value.size();) {
      char32_t c;
      i += Decode(value, i, &c);
      if (c == kMiddleDot) {
        if (prev == 0 || prev == kMiddleDot || i == value.size())
          return V("format",
                   "间隔号 · 只能出现在两个汉字之间 / the middle dot · must stand between "
                   "two characters");
      } else if (IsLookalikeDot(c)) {
        return V("format",
                 "少数民族姓名的间隔号应为 ·(U+00B7) / the separator in a name must be the "
                 "middle dot · (U+00B7)");
      } else if (!IsCjk(c)) {
        return V("format",
                 "中文姓名只能由汉字和间隔号 · 组成 / a Chinese name consists of Han "
                 "characters and the middle dot · only");
      }
      prev = c;
    }
    return std::nullopt;
  }
  // A name in Latin letters: letters, spaces, hyphens, apostrophes, dots (Jean-Luc O'Neil Jr.).
  if (st.latin == 0)
    return V("format",
             "姓名应由汉字或拉丁字母组成 / a name consists of Han characters or Latin letters");
  char prev = 0;
  for (char c : value) {
    if (static_cast<unsigned char>(c) >= 0x80 ||
        !(IsAlpha(c) || c == ' ' || c == '-' || c == '\'' || c == '.'))
      return V("format",
               "拉丁字母姓名只能含字母、空格、连字符、撇号和点 / a Latin-letter name may only "
               "contain letters, spaces, hyphens, apostrophes and dots");
    if (c == ' ' && prev == ' ') return V("format", "姓名含连续空格 / consecutive spaces");
    prev = c;
  }
  return std::nullopt;
}

std::optional<Violation> ValidateOrgName(std::string_view value) {
  TextStats st = Scan(value);
  if (!st.valid_utf8) return EncodingViolation();
  if (st.code_points < 2 || st.code_points > 120) return LengthViolation(st.code_points, 2, 120);
  if (st.controls) return V("format", "含控制字符 / contains control characters");
  if (HasOuterSpace(value))
    return V("format", "单位名称首尾有空格 / the name has leading or trailing spaces");
  if (st.cjk == 0 && st.latin == 0)
    return V("format", "单位名称应含汉字或字母 / an organisation name must contain letters");
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Types

bool ParseDateValue(std::string_view s, int* y, int* m, int* d) {
  int yy, mm, dd;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-' && AllDigits(s.substr(0, 4)) &&
      AllDigits(s.substr(5, 2)) && AllDigits(s.substr(8, 2))) {
    yy = Number(s.substr(0, 4));
    mm = Number(s.substr(5, 2));
    dd = Number(s.substr(8, 2));
  } else if (s.size() == 8 && AllDigits(s)) {
    yy = Number(s.substr(0, 4));
    mm = Number(s.substr(4, 2));
    dd = Number(s.substr(6, 2));
  } else {
    return false;
  }
  if (!IsValidDate(yy, mm, dd)) return false;
  if (y) *y = yy;
  if (m) *m = mm;
  if (d) *d = dd;
  return true;
}

namespace {

bool IsIntegerText(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (!AllDigits(s)) return false;
  // Fits in int64: at most 19 digits, and 19-digit values up to 9223372036854775807 (the
  // negative bound is one more, which we do not bother to special-case).
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  if (s.size() < 19) return true;
  if (s.size() > 19) return false;
  return s <= "9223372036854775807";
}

bool IsDecimalText(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return AllDigits(s);
  return AllDigits(s.substr(0, dot)) && AllDigits(s.substr(dot + 1));
}

// [+-]?digits[.digits] within [-limit, limit].
bool ParseDegrees(std::string_view s, double limit) {
  if (!IsDecimalText(s) || s.size() > 32) return false;
  double v;
  if (!ParseDouble(s, &v)) return false;
  return v >= -limit && v <= limit;
}

bool IsDatetimeText(std::string_view s) {
  if (s.size() < 16 || !ParseDateValue(s.substr(0, 10))) return false;
  if (s[10] != 'T' && s[10] != ' ') return false;
  auto two = [&](size_t pos, int max) {
    return pos + 2 <= s.size() && IsDigit(s[pos]) && IsDigit(s[pos + 1]) &&
           Number(s.substr(pos, 2)) <= max;
  };
  if (!two(11, 23) || s[13] != ':' || !two(14, 59)) return false;
  size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    if (!two(i + 1, 60)) return false;  // 60: a leap second
    i += 3;
    if (i < s.size() && s[i] == '.') {
      size_t start = ++i;
      while (i < s.size() && IsDigit(s[i])) ++i;
      if (i == start || i - start > 9) return false;
    }
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] == '+' || s[i] == '-') {
    return i + 6 == s.size() && two(i + 1, 14) && s[i + 3] == ':' && two(i + 4, 59);
  }
  return false;
}

bool IsGeoPointText(std::string_view s) {
  if (s.substr(0, 6) == "POINT(" && !s.empty() && s.back() == ')') {
    std::string_view inner = s.substr(6, s.size() - 7);
    size_t sp = inner.find(' ');
    if (sp == std::string_view::npos) return false;
    return ParseDegrees(inner.substr(0, sp), 180) && ParseDegrees(inner.substr(sp + 1), 90);
  }
  size_t comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view lat = s.substr(comma + 1);
  if (!lat.empty() && lat[0] == ' ') lat.remove_prefix(1);
  return ParseDegrees(s.substr(0, comma), 180) && ParseDegrees(lat, 90);
}

}  // namespace

std::optional<Violation> CheckType(ValueType type, std::string_view value) {
  switch (type) {
    case ValueType::kString:
      if (!IsValidUtf8(value)) return EncodingViolation();
      return std::nullopt;
    case ValueType::kInteger:
      if (!IsIntegerText(value)) return V("type", "应为整数 / must be an integer");
      return std::nullopt;
    case ValueType::kDecimal:
      if (!IsDecimalText(value))
        return V("type", "应为十进制数,如 12.5 / must be a decimal number such as 12.5");
      return std::nullopt;
    case ValueType::kDate:
      if (!ParseDateValue(value))
        return V("type",
                 "应为有效日期 YYYY-MM-DD 或 YYYYMMDD / must be a real date as YYYY-MM-DD or "
                 "YYYYMMDD");
      return std::nullopt;
    case ValueType::kDatetime:
      if (!IsDatetimeText(value))
        return V("type",
                 "应为有效时间 YYYY-MM-DD HH:MM[:SS],可带时区 / must be a real date and time "
                 "as YYYY-MM-DD HH:MM[:SS], optionally with a time zone");
      return std::nullopt;
    case ValueType::kGeoPoint:
      if (!IsGeoPointText(value))
        return V("type",
                 "应为经纬度 \"经度,纬度\" 或 POINT(经度 纬度) / must be \"longitude,latitude\" "
                 "or POINT(longitude latitude) in degrees");
      return std::nullopt;
    case ValueType::kEnum:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace yishu::standards
