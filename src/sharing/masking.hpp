// Masking of shared values (脱敏): what a consumer sees of each granted field.
//
//  - none:    the value as stored.
//  - partial: the middle is hidden, the ends kept so a person can still recognise the value:
//             identity numbers keep the 6-digit region and the last 4 (330603********1234),
//             mobile numbers the first 3 and last 4 (138****5678), names the family name
//             (张**), anything else its first and last quarter.
//  - hash:    HMAC-SM3 under a key of the grant (hex, 32 chars): equal values give equal hashes
//             within one grant, so a consumer can join and count, but cannot reverse the value
//             by trying every identity number (it does not know the key) nor join across grants.
//  - year:    the year of a date or date-time ("1985-03-12" -> "1985"); of an identity number,
//             the birth year in it.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yishu::sharing {

enum class Masking { kNone, kPartial, kHash, kYear };

std::string_view MaskingName(Masking m);  // none | partial | hash | year
std::optional<Masking> ParseMasking(std::string_view name);

// Masks `value` of a field bound to data element `element` ("id_card", "mobile", ...; may be
// empty). `hash_key` is the grant's key, used by kHash only. UTF-8 aware: never splits a
// character.
std::string MaskValue(Masking m, std::string_view element, std::string_view value,
                      std::string_view hash_key);

}  // namespace yishu::sharing
