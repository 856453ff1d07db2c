// Normalizers: raw cell text -> the canonical form comparators work on. Each is a pure function,
// safe from any thread, and never fails: what cannot be read comes back empty / invalid, and
// the comparator treats it as missing (a null comparison level), never as a disagreement.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yishu::masterdata {

class ChineseChars;

// Person or free-text value: full-width folded, spaces and separators (·, •, -, _ , .) removed,
// ASCII lower-cased, traditional characters simplified. Appended to `out` as code points.
void NormalizeText(std::string_view raw, const ChineseChars* chars, std::vector<char32_t>* out);

// Chinese resident identity number (GB 11643).
struct IdNumber {
  char digits[18] = {};  // the 18 characters, 'X' upper-case; only `length` of them are known
  uint8_t length = 0;    // 18 normally; fewer when Excel cut it (3.30603198E+17 -> 9 digits)
  bool valid = false;    // 18 characters whose check character is right
  bool truncated = false;
  std::string_view view() const { return {digits, length}; }
};
// Reads 18-character numbers, 15-digit pre-1999 numbers (widened to 18 with their check
// character) and Excel's scientific notation (kept as a known prefix, `truncated`).
IdNumber NormalizeIdNumber(std::string_view raw);

// Unified social credit code (GB 32100): 18 characters, check character verified.
struct CreditCode {
  char chars[18] = {};
  uint8_t length = 0;
  bool valid = false;
  std::string_view view() const { return {chars, length}; }
};
CreditCode NormalizeCreditCode(std::string_view raw);

// A calendar date read from the common spellings: 2001-03-04, 2001/3/4, 2001.03.04,
// 2001年3月4日, 20010304, and 04/03/2001 when the first number cannot be a month.
struct Date {
  int16_t year = 0;
  int8_t month = 0, day = 0;
  bool valid() const { return year != 0; }
  int32_t days() const;  // days since 1970-01-01
};
Date ParseDate(std::string_view raw);
bool IsValidCalendarDate(int y, int m, int d);

// Digits only, without a +86 / 0086 country prefix (and a leading 0 kept for landlines).
std::string NormalizePhone(std::string_view raw);

// A Chinese address split into its parts. Province, city and district are dropped (departments
// write them or not); the township keeps its core name (柯桥街道 -> 柯桥, 安昌镇 -> 安昌); the
// place is the road, village or market before the first number; numbers are every run of digits
// after it (128号3幢502室 -> 128, 3, 502). Full-width digits are folded first.
struct Address {
  std::u32string township;
  std::u32string place;
  std::vector<uint32_t> numbers;
  bool empty() const { return township.empty() && place.empty() && numbers.empty(); }
};
Address ParseAddress(std::string_view raw, const ChineseChars* chars);

// A legal entity's name reduced to its distinctive part: full-width folded, brackets unified,
// region prefixes (浙江省, 绍兴市, 柯桥区, 绍兴柯桥 …) dropped and 有限责任公司 written as
// 有限公司.
void NormalizeOrgName(std::string_view raw, const ChineseChars* chars, std::vector<char32_t>* out);

// "1", "男", "M", "male" -> 1; "2", "女", "F", "female" -> 2; else 0.
int NormalizeGender(std::string_view raw);

}  // namespace yishu::masterdata
