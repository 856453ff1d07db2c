#include "demo/identifiers.hpp"

namespace yishu::demo {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// GB 11714 counts letters A=10 .. Z=35 (all 26, unlike the USCC alphabet).
int OrgCharValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

}  // namespace

char IdCardCheckChar(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kChecks[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kChecks[sum % 11];
}

bool IsValidIdCard(std::string_view id) {
  if (id.size() != 18 || !AllDigits(id.substr(0, 17))) return false;
  return IdCardCheckChar(id.substr(0, 17)) == id[17];
}

int UsccCharValue(char c) {
  size_t pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

char UsccCheckChar(std::string_view first17) {
  static constexpr int kWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += UsccCharValue(first17[i]) * kWeights[i];
  int check = (31 - sum % 31) % 31;
  return kUsccAlphabet[check];
}

char OrgCodeCheckChar(std::string_view first8) {
  static constexpr int kWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += OrgCharValue(first8[i]) * kWeights[i];
  int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

bool IsValidUscc(std::string_view code) {
  if (code.size() != 18) return false;
  for (char c : code) {
    if (UsccCharValue(c) < 0) return false;
  }
  for (char c : code.substr(8, 8)) {
    if (OrgCharValue(c) < 0) return false;
  }
  return UsccCheckChar(code.substr(0, 17)) == code[17] &&
         OrgCodeCheckChar(code.substr(8, 8)) == code[16];
}

char RegNoCheckDigit(std::string_view first14) {
  // ISO 7064 MOD 11,10: carry p through the digits; the check makes the final step land on 1.
  int p = 10;
  for (int i = 0; i < 14; ++i) {
    int s = (p + (first14[i] - '0')) % 10;
    if (s == 0) s = 10;
    p = (s * 2) % 11;
  }
  return static_cast<char>('0' + (11 - p) % 10);
}

bool IsValidRegNo(std::string_view reg_no) {
  if (reg_no.size() != 15 || !AllDigits(reg_no)) return false;
  return RegNoCheckDigit(reg_no.substr(0, 14)) == reg_no[14];
}

}  // namespace yishu::demo
