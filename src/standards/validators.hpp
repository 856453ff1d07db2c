// Built-in validators and value-type checks. These run on the ingest hot path (hundreds of MB/s),
// so they use no regular expressions and allocate nothing when a value is valid; a Violation
// (with its message) is only built on failure.
//
// Empty values are not validated here: whether a field may be empty is the caller's business.
// Values are checked as given (no trimming, no case folding): a value that is only acceptable
// after normalisation is reported, so the provider can fix it at the source.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "standards/admin_divisions.hpp"
#include "standards/element.hpp"

namespace yishu::standards {

enum class BuiltinValidator {
  kIdCard,         // 公民身份号码 GB 11643-1999
  kUscc,           // 统一社会信用代码 GB 32100-2015
  kMobile,         // 手机号码
  kLandline,       // 固定电话
  kEmail,          // 电子邮箱
  kBankCard,       // 银行卡号 (Luhn)
  kAdminDivision,  // 行政区划代码 GB/T 2260 (+ NBS 9-digit township codes)
  kPostalCode,     // 邮政编码
  kPlateNumber,    // 机动车号牌
  kAddress,        // 地址
  kPersonName,     // 姓名
  kOrgName,        // 单位名称
};

// The names used in DataElement::validator, in enum order ("id_card", "uscc", "mobile",
// "landline", "email", "bank_card", "admin_division", "postal_code", "plate_number", "address",
// "person_name", "org_name").
const std::vector<std::string_view>& BuiltinValidatorNames();
std::string_view BuiltinValidatorName(BuiltinValidator v);
std::optional<BuiltinValidator> ParseBuiltinValidator(std::string_view name);

struct ValidateOptions {
  // Accept 15-digit GB 11643-1989 identity numbers (their date and region code are still
  // checked). Off by default: they are reported as "legacy_15_digit" so they get upgraded.
  bool accept_legacy_15_digit_id = false;
  // "Today" as YYYYMMDD (China Standard Time) for the not-in-the-future check; 0 = the clock.
  int today_yyyymmdd = 0;
};

// Runs one built-in validator. `divisions` supplies the GB/T 2260 codes for id_card, uscc and
// admin_division.
std::optional<Violation> RunBuiltinValidator(BuiltinValidator v, std::string_view value,
                                             const AdminDivisions& divisions,
                                             const ValidateOptions& options = {});

// The individual validators (same contract as RunBuiltinValidator).
std::optional<Violation> ValidateIdCard(std::string_view value, const AdminDivisions& divisions,
                                        const ValidateOptions& options = {});
std::optional<Violation> ValidateUscc(std::string_view value, const AdminDivisions& divisions);
std::optional<Violation> ValidateMobile(std::string_view value);
std::optional<Violation> ValidateLandline(std::string_view value);
std::optional<Violation> ValidateEmail(std::string_view value);
std::optional<Violation> ValidateBankCard(std::string_view value);
std::optional<Violation> ValidateAdminDivision(std::string_view value,
                                               const AdminDivisions& divisions);
std::optional<Violation> ValidatePostalCode(std::string_view value);
std::optional<Violation> ValidatePlateNumber(std::string_view value);
std::optional<Violation> ValidateAddress(std::string_view value);
std::optional<Violation> ValidatePersonName(std::string_view value);
std::optional<Violation> ValidateOrgName(std::string_view value);

// Checks that a value has the shape of its type (rule "type", or "encoding" for a string that is
// not valid UTF-8):
//   string    valid UTF-8
//   integer   [+-]?[0-9]+ within int64
//   decimal   [+-]?[0-9]+(\.[0-9]+)?
//   date      YYYY-MM-DD or YYYYMMDD, a real calendar date
//   datetime  YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH:MM], real date and time
//   geo_point "longitude,latitude" in decimal degrees (WGS 84 / CGCS2000; a space may follow the
//             comma) or WKT "POINT(longitude latitude)"; longitude -180..180, latitude -90..90
//   enum      nothing here: membership of the code list is checked by the Registry
std::optional<Violation> CheckType(ValueType type, std::string_view value);

// A date as YYYY-MM-DD or YYYYMMDD that is a real calendar date; writes y/m/d when non-null.
bool ParseDateValue(std::string_view value, int* y = nullptr, int* m = nullptr, int* d = nullptr);

// Today in China Standard Time (UTC+8) as YYYYMMDD.
int TodayYyyymmdd();

}  // namespace yishu::standards
