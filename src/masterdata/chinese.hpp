// Chinese characters as entity resolution needs them: the traditional -> simplified fold and the
// toneless Mandarin reading (pinyin) of each ideograph, both read from Unihan (Debian's
// `unicode-data` package ships Unihan_Variants.txt.bz2 and Unihan_Readings.txt.bz2).
//
// Names are compared by characters (code points), never by bytes: 王伟 and 王玮 differ in one
// character and sound alike (wěi), 張偉 is 张伟 written in traditional characters.
//
// Thread-safety: a loaded ChineseChars is immutable; share one across threads freely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"

namespace yishu::masterdata {

class ChineseChars {
 public:
  // Reads Unihan from `unicode_dir` (default /usr/share/unicode); the .txt files are used when
  // present, otherwise the .txt.bz2 ones. NotFound names the missing file.
  static Result<std::shared_ptr<const ChineseChars>> Load(
      const std::filesystem::path& unicode_dir = "/usr/share/unicode");
  // The process-wide tables, loaded on first use from the default directory. Null (and the
  // error in *status when given) when Unihan is missing.
  static std::shared_ptr<const ChineseChars> Default(Status* status = nullptr);

  // The simplified form of `c` (itself when it has none or already is simplified).
  char32_t Simplify(char32_t c) const {
    if (c < kFlat) return flat_simplified_[c] ? flat_simplified_[c] : c;
    auto it = simplified_.find(c);
    return it == simplified_.end() ? c : it->second;
  }
  // A small id of the toneless reading ("wei" for 伟, 玮, 偉); 0 for a character without a
  // Mandarin reading (Latin letters, digits, punctuation).
  uint16_t Pinyin(char32_t c) const {
    if (c < kFlat) return flat_pinyin_[c];
    auto it = pinyin_.find(c);
    return it == pinyin_.end() ? 0 : it->second;
  }
  // The reading as text ("wei"); empty for id 0.
  std::string_view PinyinText(uint16_t id) const;
  size_t ideograph_count() const { return pinyin_.size(); }

 private:
  void Flatten();
  // The Basic Multilingual Plane, where nearly every name character lives, is looked up in flat
  // arrays (about 400 KB): preparing millions of names does tens of millions of look-ups.
  static constexpr char32_t kFlat = 0x10000;
  std::vector<char32_t> flat_simplified_;
  std::vector<uint16_t> flat_pinyin_;
  std::unordered_map<char32_t, char32_t> simplified_;
  std::unordered_map<char32_t, uint16_t> pinyin_;
  std::vector<std::string> syllables_;  // id -> text; [0] is ""
};

// True for CJK unified ideographs (all blocks) and compatibility ideographs.
bool IsIdeograph(char32_t c);

// Reads a whole file, decompressing it when its name ends in .bz2.
Result<std::string> ReadMaybeBz2(const std::filesystem::path& path);

}  // namespace yishu::masterdata
