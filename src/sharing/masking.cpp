#include "sharing/masking.hpp"

#include <vector>

#include "common/strings.hpp"
#include "crypto/sm3.hpp"
#include "crypto/util.hpp"

namespace yishu::sharing {

std::string_view MaskingName(Masking m) {
  switch (m) {
    case Masking::kNone:
      return "none";
    case Masking::kPartial:
      return "partial";
    case Masking::kHash:
      return "hash";
    case Masking::kYear:
      return "year";
  }
  return "none";
}

std::optional<Masking> ParseMasking(std::string_view name) {
  for (Masking m : {Masking::kNone, Masking::kPartial, Masking::kHash, Masking::kYear})
    if (MaskingName(m) == name) return m;
  return std::nullopt;
}

namespace {

// Keeps `head` leading and `tail` trailing characters, stars in between (one per character).
std::string KeepEnds(std::string_view value, size_t head, size_t tail) {
  std::vector<char32_t> cps = Utf8Decode(value);
  if (cps.empty()) return "";
  if (head + tail >= cps.size()) {
    // Too short to keep both ends: keep at most the first character.
    head = cps.size() > 1 ? 1 : 0;
    tail = 0;
  }
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i < head || i >= cps.size() - tail)
      AppendUtf8(out, cps[i]);
    else
      out += '*';
  }
  return out;
}

std::string Partial(std::string_view element, std::string_view value) {
  size_t n = Utf8Length(value);
  if (element == "id_card" && (n == 18 || n == 15)) return KeepEnds(value, 6, 4);
  if (element == "mobile" && n == 11) return KeepEnds(value, 3, 4);
  if (element == "bank_card" && n >= 12) return KeepEnds(value, 6, 4);
  if (element == "person_name") return KeepEnds(value, 1, 0);
  size_t quarter = n / 4;
  return KeepEnds(value, quarter, quarter);
}

std::string Year(std::string_view element, std::string_view value) {
  if (element == "id_card" && value.size() == 18 && IsAllDigits(value.substr(6, 4)))
    return std::string(value.substr(6, 4));
  if (value.size() >= 4 && IsAllDigits(value.substr(0, 4))) return std::string(value.substr(0, 4));
  return "";  // not a date: nothing of it is released
}

}  // namespace

std::string MaskValue(Masking m, std::string_view element, std::string_view value,
                      std::string_view hash_key) {
  switch (m) {
    case Masking::kNone:
      return std::string(value);
    case Masking::kPartial:
      return Partial(element, value);
    case Masking::kHash:
      return crypto::ToHex(crypto::HmacSm3(hash_key, value)).substr(0, 32);
    case Masking::kYear:
      return Year(element, value);
  }
  return "";
}

}  // namespace yishu::sharing
