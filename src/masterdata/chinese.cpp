#include "masterdata/chinese.hpp"

#include <bzlib.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "common/strings.hpp"

namespace yishu::masterdata {
namespace {

// "U+4F1F" -> 0x4F1F; 0 on anything else.
char32_t ParseCodePoint(std::string_view s) {
  if (s.size() < 3 || s[0] != 'U' || s[1] != '+') return 0;
  char32_t v = 0;
  for (char c : s.substr(2)) {
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<char32_t>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<char32_t>(c - 'A' + 10);
    } else {
      return 0;
    }
  }
  return v;
}

// The vowel under a tone mark: "wěi" -> "wei", "lǚ" -> "lv" (the usual ASCII spelling of ü).
std::string Toneless(std::string_view reading) {
  std::string out;
  for (char32_t c : Utf8Decode(reading)) {
    switch (c) {
      case U'ā':
      case U'á':
      case U'ǎ':
      case U'à':
        out += 'a';
        break;
      case U'ē':
      case U'é':
      case U'ě':
      case U'è':
      case U'ê':
      case U'ế':
      case U'ề':
        out += 'e';
        break;
      case U'ī':
      case U'í':
      case U'ǐ':
      case U'ì':
        out += 'i';
        break;
      case U'ō':
      case U'ó':
      case U'ǒ':
      case U'ò':
        out += 'o';
        break;
      case U'ū':
      case U'ú':
      case U'ǔ':
      case U'ù':
        out += 'u';
        break;
      case U'ü':
      case U'ǖ':
      case U'ǘ':
      case U'ǚ':
      case U'ǜ':
        out += 'v';
        break;
      case U'ń':
      case U'ň':
      case U'ǹ':
        out += 'n';
        break;
      case U'ḿ':
        out += 'm';
        break;
      default:
        if (c < 0x80) out += static_cast<char>(c);
    }
  }
  return out;
}

// Calls fn(code point, key, value) for each data line of a Unihan file.
template <typename Fn>
void ForEachUnihanLine(std::string_view text, Fn&& fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] != 'U') continue;
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) continue;
    const char32_t cp = ParseCodePoint(line.substr(0, t1));
    if (!cp) continue;
    std::string_view value = line.substr(t2 + 1);
    if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
    fn(cp, line.substr(t1 + 1, t2 - t1 - 1), value);
  }
}

Result<std::string> FindAndRead(const std::filesystem::path& dir, std::string_view base) {
  const std::filesystem::path plain = dir / std::string(base);
  std::error_code ec;
  if (std::filesystem::exists(plain, ec)) return ReadMaybeBz2(plain);
  const std::filesystem::path bz2 = dir / (std::string(base) + ".bz2");
  if (std::filesystem::exists(bz2, ec)) return ReadMaybeBz2(bz2);
  return Status::NotFound(
      fmt::format("Unihan file {} not found in {} (install Debian's unicode-data package)", base,
                  dir.string()));
}

}  // namespace

bool IsIdeograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x3134F) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x2F800 && c <= 0x2FA1F);
}

Result<std::string> ReadMaybeBz2(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("cannot read {}", path.string()));
  std::ostringstream raw;
  raw << in.rdbuf();
  std::string data = std::move(raw).str();
  if (path.extension() != ".bz2") return data;

  bz_stream bz{};
  if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK) {
    return Status::Internal("bzip2 decompressor did not start");
  }
  std::string out;
  out.resize(data.size() * 6 + 4096);
  bz.next_in = data.data();
  bz.avail_in = static_cast<unsigned>(data.size());
  size_t produced = 0;
  int rc = BZ_OK;
  while (rc == BZ_OK) {
    if (produced == out.size()) out.resize(out.size() * 2);
    bz.next_out = out.data() + produced;
    bz.avail_out = static_cast<unsigned>(out.size() - produced);
    rc = BZ2_bzDecompress(&bz);
    produced = out.size() - bz.avail_out;
  }
  BZ2_bzDecompressEnd(&bz);
  if (rc != BZ_STREAM_END) {
    return Status::Corruption(fmt::format("{} is not a complete bzip2 stream", path.string()));
  }
  out.resize(produced);
  return out;
}

Result<std::shared_ptr<const ChineseChars>> ChineseChars::Load(
    const std::filesystem::path& unicode_dir) {
  YISHU_ASSIGN_OR_RETURN(std::string variants, FindAndRead(unicode_dir, "Unihan_Variants.txt"));
  YISHU_ASSIGN_OR_RETURN(std::string readings, FindAndRead(unicode_dir, "Unihan_Readings.txt"));
  auto chars = std::make_shared<ChineseChars>();

  ForEachUnihanLine(variants, [&](char32_t cp, std::string_view key, std::string_view value) {
    if (key != "kSimplifiedVariant") return;
    // A character listing itself among its simplified forms already is simplified (于/於 aside).
    char32_t first = 0;
    for (const std::string& v : Split(value, ' ')) {
      const char32_t target = ParseCodePoint(v);
      if (target == cp) return;
      if (!first) first = target;
    }
    if (first) chars->simplified_[cp] = first;
  });

  std::unordered_map<std::string, uint16_t> ids;
  chars->syllables_.emplace_back();
  ForEachUnihanLine(readings, [&](char32_t cp, std::string_view key, std::string_view value) {
    if (key != "kMandarin") return;
    // The first reading is the customary one (kMandarin lists the most frequent first).
    std::string_view first = value.substr(0, value.find(' '));
    std::string syllable = Toneless(first);
    if (syllable.empty()) return;
    auto [it, fresh] = ids.emplace(syllable, static_cast<uint16_t>(chars->syllables_.size()));
    if (fresh) chars->syllables_.push_back(syllable);
    chars->pinyin_[cp] = it->second;
  });
  // A traditional character without its own reading sounds like its simplified form.
  for (const auto& [trad, simp] : chars->simplified_) {
    if (!chars->pinyin_.count(trad)) {
      auto it = chars->pinyin_.find(simp);
      if (it != chars->pinyin_.end()) chars->pinyin_[trad] = it->second;
    }
  }
  chars->Flatten();
  if (chars->pinyin_.empty()) {
    return Status::Corruption(fmt::format("no kMandarin readings in {}", unicode_dir.string()));
  }
  return std::shared_ptr<const ChineseChars>(std::move(chars));
}

std::shared_ptr<const ChineseChars> ChineseChars::Default(Status* status) {
  static std::once_flag once;
  static std::shared_ptr<const ChineseChars> chars;
  static Status load_status;
  std::call_once(once, [] {
    auto loaded = Load();
    if (loaded.ok()) {
      chars = *loaded;
    } else {
      load_status = loaded.status();
    }
  });
  if (status) *status = load_status;
  return chars;
}

void ChineseChars::Flatten() {
  flat_simplified_.assign(kFlat, 0);
  flat_pinyin_.assign(kFlat, 0);
  for (const auto& [from, to] : simplified_) {
    if (from < kFlat) flat_simplified_[from] = to;
  }
  for (const auto& [c, id] : pinyin_) {
    if (c < kFlat) flat_pinyin_[c] = id;
  }
}

std::string_view ChineseChars::PinyinText(uint16_t id) const {
  return id < syllables_.size() ? std::string_view(syllables_[id]) : std::string_view();
}

}  // namespace yishu::masterdata
