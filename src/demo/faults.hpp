// The faults the demo injects into delivered files, each a small pure transformation of a true
// value. Every injected fault is written to truth/faults.csv with the true and the delivered
// value, so ingest and entity resolution can be scored against them.
#pragma once

#include <string>
#include <string_view>

#include "demo/rng.hpp"

namespace yishu::demo {

enum class FaultKind {
  kNameHomophone,      // 同音字: 王伟 -> 王玮
  kNameTraditional,    // 繁体字: 陈华 -> 陳華
  kNameCharDropped,    // 张晓明 -> 张明
  kNameCharsSwapped,   // 张晓明 -> 张明晓
  kIdDigitTypo,        // one digit mistyped: the check character no longer fits
  kIdTransposed,       // two adjacent digits swapped
  kIdExcelScientific,  // 3.30621199E+17: the ID went through Excel as a number
  kIdLegacy15,         // the old 15-digit form (YYMMDD, no check character)
  kUsccTypo,           // one character of the credit code mistyped
  kOrgNameVariant,  // 有限公司 / 有限责任公司, 绍兴柯桥 / 绍兴市柯桥区, prefix dropped
  kMissing,         // a value that should be there is empty
  kGenderMismatch,      // gender disagrees with the ID's 17th digit
  kBirthDateMismatch,   // birth date disagrees with the ID (day/month swapped, off by days/a year)
  kMobileDigitMissing,  // 10 digits
  kAddressStale,        // the previous address
  kAddressFullWidth,    // １２号
  kDateFormat,          // 1990/3/5, 1990年3月5日, 19900305, 1990.03.05
  kDuplicateRow,        // the whole row delivered twice
  kCount,
};

std::string_view FaultKindName(FaultKind kind);

// Each returns false (and leaves *out alone) when the fault cannot apply to `value`.
bool ApplyHomophone(std::string_view value, Rng& rng, std::string* out);
bool ApplyTraditional(std::string_view value, std::string* out);
bool ApplyCharDropped(std::string_view value, Rng& rng, std::string* out);
bool ApplyCharsSwapped(std::string_view value, Rng& rng, std::string* out);
bool ApplyIdDigitTypo(std::string_view id, Rng& rng, std::string* out);
bool ApplyIdTransposed(std::string_view id, Rng& rng, std::string* out);
bool ApplyIdExcel(std::string_view id, std::string* out);
bool ApplyIdLegacy15(std::string_view id, std::string* out);
bool ApplyUsccTypo(std::string_view code, Rng& rng, std::string* out);
bool ApplyOrgNameVariant(std::string_view name, Rng& rng, std::string* out);
bool ApplyGenderMismatch(std::string_view gender, std::string* out);
bool ApplyBirthDateMismatch(std::string_view iso_date, Rng& rng, std::string* out);
bool ApplyMobileDigitMissing(std::string_view mobile, Rng& rng, std::string* out);
bool ApplyFullWidthDigits(std::string_view value, std::string* out);
bool ApplyDateFormat(std::string_view iso_date, Rng& rng, std::string* out);

}  // namespace yishu::demo
