// The raw check algorithms behind the built-in validators, exposed for reuse (entity resolution,
// classification, cross-field rules at ingest). All are pure, allocation-free and fast; none
// looks at reference data (region codes are checked by validators.hpp with AdminDivisions).
#pragma once

#include <optional>
#include <string_view>

namespace yishu::standards {

// --- 公民身份号码, GB 11643-1999 (ISO 7064 MOD 11-2) ---------------------------------------

// The check character ('0'-'9' or 'X') for the first 17 digits; '\0' when `first17` is not
// exactly 17 ASCII digits.
char IdCardCheckChar(std::string_view first17);
// True when `id` is 17 digits plus the right check character. Only uppercase 'X' passes: values
// are kept as given, so a lowercase 'x' is a format problem for the caller to report.
bool IdCardChecksumOk(std::string_view id);

struct IdCardInfo {
  int region_code = 0;               // the 6-digit address code as a number (330621)
  int year = 0, month = 0, day = 0;  // birth date
  int gender = 0;            // 1 male (odd sequence digit), 2 female (even), GB/T 2261.1 codes
  bool legacy_15 = false;    // a 15-digit GB 11643-1989 number (year 19YY assumed)
  bool checksum_ok = false;  // 18-digit: check character correct; always false for legacy_15
};

// Structural parse of an 18-character number (17 digits + digit/'X'/'x') or a 15-digit legacy
// one: nullopt unless the shape is right and the birth date is a real calendar date. Does not
// require the check character to be right (see checksum_ok) nor look the region code up, so
// cross-field rules still work on numbers the validator flags.
std::optional<IdCardInfo> ParseIdCard(std::string_view id);

// --- 统一社会信用代码, GB 32100-2015 ------------------------------------------------------

// Value 0..30 of a character in the USCC charset 0-9 A-H J-N P-R T U W X Y; -1 otherwise
// (including lowercase letters).
int UsccCharValue(char c);
// The check character for the first 17 characters; '\0' when not 17 charset characters.
char UsccCheckChar(std::string_view first17);
// 18 charset characters with the right check character (does not check the embedded
// organisation code; see OrgCodeOk on code.substr(8, 9)).
bool UsccChecksumOk(std::string_view code);

// --- 组织机构代码, GB 11714-1997 (MOD 11) --------------------------------------------------

// The check character ('0'-'9' or 'X') for the 8-character body (digits, uppercase A-Z);
// '\0' when the body is malformed.
char OrgCodeCheckChar(std::string_view first8);
// A 9-character organisation code with the right check character.
bool OrgCodeOk(std::string_view code9);

// --- Bank cards, ISO/IEC 7812-1 Luhn ------------------------------------------------------

// True when `digits` is all ASCII digits (at least 2) and passes the Luhn mod-10 check.
bool LuhnOk(std::string_view digits);
// The Luhn check digit to append to `payload` (all digits); '\0' otherwise.
char LuhnCheckDigit(std::string_view payload);

// --- 手机号码 ----------------------------------------------------------------------------

// Strips an optional "+86" / "86" / "0086" prefix (optionally followed by '-' or ' ') from a
// mobile number, returning the national part. Returns `s` unchanged when there is no prefix.
std::string_view StripChinaCountryCode(std::string_view s);
// True when the 11-digit national number `n` lies in a segment allocated for mobile service
// (MIIT allocations as tracked up to 2020: 13x, 145/147/149, 150-153, 155-159, 162, 165-167,
// 170-173, 175-178, 1740x/1741[0-2]/1749, 18x, 190-193, 195-199).
bool IsMobileSegment(std::string_view n);

// --- Damage by spreadsheets ---------------------------------------------------------------

// True for numbers Excel has turned into scientific notation: "3.30621E+17", "1.1E17",
// "4.40524188001010E+17". Such values have lost digits and cannot be repaired.
bool LooksLikeScientificNotation(std::string_view s);

}  // namespace yishu::standards
