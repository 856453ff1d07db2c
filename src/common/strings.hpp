// Small string helpers. Chinese text is the normal case: everything here is UTF-8 aware where it
// matters (length in code points, validation), never byte-wise on characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace yishu {

std::string_view Trim(std::string_view s);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string ToLowerAscii(std::string_view s);
std::string ToUpperAscii(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool IsAllDigits(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, no NUL).
bool IsValidUtf8(std::string_view s);
// Appends `s` as a JSON string literal with the escapes nlohmann::json's dump writes, so text
// built either way is the same; UTF-8 passes through unchanged (`s` should be valid UTF-8).
void AppendJsonString(std::string& out, std::string_view s);
// Number of code points; counts each invalid byte as one.
size_t Utf8Length(std::string_view s);
// Decodes the code point at s[i]; returns its byte length, or 0 when the bytes there are not
// valid UTF-8 (overlong, surrogate, truncated). For loops that must not allocate.
size_t DecodeUtf8At(std::string_view s, size_t i, char32_t* cp);
// Decode into code points (invalid bytes become U+FFFD).
std::vector<char32_t> Utf8Decode(std::string_view s);
std::string Utf8Encode(const std::vector<char32_t>& cps);
void AppendUtf8(std::string& out, char32_t cp);
// Keeps the first `front` and last `back` characters (code points) and replaces the rest with
// '*', one per character: 330603********1234, 138****5678, 王*. A value no longer than
// front + back keeps only its first character (or none when it is one character long).
std::string MaskMiddle(std::string_view s, size_t front, size_t back);
// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, every other
// byte as %XX (upper-case hex).
std::string PercentEncode(std::string_view s);
// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space folded to ASCII.
std::string FoldFullWidth(std::string_view s);

// Parse a decimal integer; false on any junk or overflow.
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseDouble(std::string_view s, double* out);

}  // namespace yishu
