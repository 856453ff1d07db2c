// Check characters of the identifiers the demo district hands out: 公民身份号码 (GB 11643-1999),
// 统一社会信用代码 (GB 32100-2015) with its embedded organisation code (GB 11714-1997), and the
// 15-digit business registration number used before 2016 (GS 15-2006, ISO 7064 MOD 11,10).
//
// The demo implements them itself rather than using the standards module so that it depends on
// nothing but yishu_common, and so that the standards module's validators are tested against an
// independent implementation when they ingest the demo data.
#pragma once

#include <string_view>

namespace yishu::demo {

// The 18th character of a resident ID from its first 17 digits ('0'-'9' or 'X').
char IdCardCheckChar(std::string_view first17);
// 18 characters, digits with a correct MOD 11-2 check character.
bool IsValidIdCard(std::string_view id);

// The 31-character alphabet of GB 32100 (no I, O, S, V, Z).
inline constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
// Value of a GB 32100 character (0..30), or -1.
int UsccCharValue(char c);
// The 18th character of a credit code from its first 17 characters.
char UsccCheckChar(std::string_view first17);
// The 9th character of an organisation code from its first 8 (GB 11714: 'X' for 10, '0' for 11).
char OrgCodeCheckChar(std::string_view first8);
// 18 characters from the GB 32100 alphabet, mod-31 check and the embedded GB 11714 check agree.
bool IsValidUscc(std::string_view code);

// The 15th digit of a pre-2016 registration number from its first 14 digits.
char RegNoCheckDigit(std::string_view first14);
bool IsValidRegNo(std::string_view reg_no);

}  // namespace yishu::demo
