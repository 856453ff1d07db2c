#include "masterdata/records.hpp"

#include <algorithm>
#include <thread>

#include "masterdata/chinese.hpp"
#include "masterdata/hash.hpp"
#include "masterdata/normalize.hpp"
#include "masterdata/parallel.hpp"

namespace yishu::masterdata {

void RecordBatch::Reserve(size_t records, size_t bytes) {
  base_.reserve(records);
  sides_.reserve(records);
  lengths_.reserve(records * (fields_ + 1));
  text_.reserve(bytes);
}

void RecordBatch::Append(RecordBatch&& other) {
  const uint64_t shift = text_.size();
  text_.append(other.text_);
  for (uint64_t b : other.base_) base_.push_back(b + shift);
  lengths_.insert(lengths_.end(), other.lengths_.begin(), other.lengths_.end());
  sides_.insert(sides_.end(), other.sides_.begin(), other.sides_.end());
  other = RecordBatch(fields_);
}

void RecordBatch::Add(std::string_view id, std::span<const std::string_view> cells, uint8_t side) {
  base_.push_back(text_.size());
  sides_.push_back(side);
  auto put = [&](std::string_view s) {
    s = s.substr(0, 0xFFFF);
    text_.append(s);
    lengths_.push_back(static_cast<uint16_t>(s.size()));
  };
  put(id);
  for (size_t f = 0; f < fields_; ++f) put(f < cells.size() ? cells[f] : std::string_view());
}

std::string_view RecordBatch::id(size_t r) const {
  return std::string_view(text_).substr(base_[r], lengths_[r * (fields_ + 1)]);
}

std::string_view RecordBatch::cell(size_t r, size_t f) const {
  const uint16_t* len = &lengths_[r * (fields_ + 1)];
  uint64_t at = base_[r] + len[0];
  for (size_t i = 0; i < f; ++i) at += len[i + 1];
  return std::string_view(text_).substr(at, len[f + 1]);
}

namespace {

// Normalizes one record's cells into `out` (fields wide), appending to `arena`.
class CellMaker {
 public:
  CellMaker(const Config& config, const ChineseChars* chars) : config_(config), chars_(chars) {}

  void Make(const RecordBatch& batch, size_t r, Cell* out, std::vector<uint32_t>& arena) {
    for (size_t f = 0; f < config_.fields.size(); ++f) {
      out[f] = Cell{};
      const std::string_view raw = batch.cell(r, f);
      if (raw.empty()) continue;
      MakeOne(config_.fields[f].kind, raw, out[f], arena);
    }
    // A date missing from its own column is read from the ID number's birth digits.
    for (size_t f = 0; f < config_.fields.size(); ++f) {
      const FieldSpec& spec = config_.fields[f];
      if (spec.fallback_index < 0 || !out[f].missing()) continue;
      const Cell& id = out[spec.fallback_index];
      if (id.length < 14) continue;
      char digits[8];
      for (int i = 0; i < 8; ++i) digits[i] = static_cast<char>(arena[id.offset + 6 + i]);
      MakeOne(FieldKind::kDate, std::string_view(digits, 8), out[f], arena);
    }
  }

 private:
  void PutUnits(Cell& c, std::vector<uint32_t>& arena, const uint32_t* units, size_t n) {
    n = std::min<size_t>(n, 255);
    c.offset = static_cast<uint32_t>(arena.size());
    c.length = static_cast<uint8_t>(n);
    arena.insert(arena.end(), units, units + n);
  }

  void MakeOne(FieldKind kind, std::string_view raw, Cell& c, std::vector<uint32_t>& arena) {
    switch (kind) {
      case FieldKind::kName:
      case FieldKind::kText:
      case FieldKind::kExact:
      case FieldKind::kOrgName: {
        text_.clear();
        if (kind == FieldKind::kOrgName) {
          NormalizeOrgName(raw, chars_, &text_);
        } else {
          NormalizeText(raw, chars_, &text_);
        }
        if (text_.empty()) return;
        PutUnits(c, arena, reinterpret_cast<const uint32_t*>(text_.data()), text_.size());
        c.hash = HashUnits(arena.data() + c.offset, c.length);
        if (kind == FieldKind::kName && chars_) {
          // The reading of the whole name: 王伟 and 王玮 share it.
          uint64_t h = kHashSeed;
          bool any = false;
          for (char32_t ch : text_) {
            const uint16_t py = IsIdeograph(ch) ? chars_->Pinyin(ch) : 0;
            any |= py != 0;
            h = HashStep(h, py ? 0x80000000u | py : static_cast<uint32_t>(ch));
          }
          c.alt = any ? HashFinish(h) : 0;
        }
        return;
      }
      case FieldKind::kIdCard: {
        const IdNumber id = NormalizeIdNumber(raw);
        if (id.length == 0) return;
        uint32_t units[18];
        for (size_t i = 0; i < id.length; ++i) units[i] = static_cast<uint8_t>(id.digits[i]);
        PutUnits(c, arena, units, id.length);
        c.hash = id.truncated ? 0 : HashUnits(units, id.length);
        c.flags = (id.valid ? Cell::kValid : 0) | (id.truncated ? Cell::kTruncated : 0);
        return;
      }
      case FieldKind::kCreditCode: {
        const CreditCode code = NormalizeCreditCode(raw);
        if (code.length == 0) return;
        uint32_t units[18];
        for (size_t i = 0; i < code.length; ++i) units[i] = static_cast<uint8_t>(code.chars[i]);
        PutUnits(c, arena, units, code.length);
        c.hash = HashUnits(units, code.length);
        c.flags = code.valid ? Cell::kValid : 0;
        return;
      }
      case FieldKind::kDate: {
        const Date d = ParseDate(raw);
        uint32_t units[32];
        size_t n = 0;
        if (d.valid()) {
          const int ymd = d.year * 10000 + d.month * 100 + d.day;
          for (int div = 10000000; div > 0; div /= 10) units[n++] = '0' + ymd / div % 10;
          c.alt = static_cast<uint64_t>(ymd);
          c.hash = (uint64_t{1} << 40) + static_cast<uint64_t>(d.days() + 1'000'000);
          c.flags = Cell::kValid;
        } else {
          for (char ch : raw) {
            if (ch >= '0' && ch <= '9' && n < 32) units[n++] = static_cast<uint8_t>(ch);
          }
          if (n == 0) return;
          c.hash = HashUnits(units, n);
        }
        PutUnits(c, arena, units, n);
        return;
      }
      case FieldKind::kPhone: {
        const std::string digits = NormalizePhone(raw);
        if (digits.size() < 5) return;
        uint32_t units[32];
        const size_t n = std::min<size_t>(digits.size(), 32);
        for (size_t i = 0; i < n; ++i) units[i] = static_cast<uint8_t>(digits[i]);
        PutUnits(c, arena, units, n);
        c.hash = HashUnits(units, n);
        return;
      }
      case FieldKind::kAddress: {
        const Address a = ParseAddress(raw, chars_);
        if (a.empty()) return;
        uint32_t units[34];
        size_t n = 0;
        units[n++] = HashString32(a.township);
        units[n++] = HashString32(a.place);
        for (uint32_t v : a.numbers) {
          if (n == 34) break;
          units[n++] = v;
        }
        PutUnits(c, arena, units, n);
        c.aux = static_cast<uint16_t>(n - 2);
        c.hash = HashUnits(units, n);
        c.alt = HashUnits(units, std::min<size_t>(n, 3));
        return;
      }
      case FieldKind::kGender: {
        const int g = NormalizeGender(raw);
        if (!g) return;
        c.hash = static_cast<uint64_t>(g);
        c.aux = static_cast<uint16_t>(g);
        return;
      }
    }
  }

  const Config& config_;
  const ChineseChars* chars_;
  std::vector<char32_t> text_;
};

}  // namespace

PreparedRecords Prepare(const Config& config, const RecordBatch& batch, const ChineseChars* chars,
                        int threads) {
  PreparedRecords p;
  p.records = batch.size();
  p.fields = config.fields.size();
  p.cells.resize(p.records * p.fields);
  p.sides.resize(p.records);
  for (size_t r = 0; r < p.records; ++r) p.sides[r] = batch.side(r);

  // Each thread fills its range of cells and its own arena; the arenas are then concatenated
  // and the offsets of each range shifted by where its arena landed.
  const auto ranges = SplitRange(p.records, threads);
  std::vector<std::vector<uint32_t>> arenas(ranges.size());
  ParallelFor(ranges.size(), static_cast<int>(ranges.size()), [&](size_t t) {
    CellMaker maker(config, chars);
    auto& arena = arenas[t];
    arena.reserve((ranges[t].second - ranges[t].first) * p.fields * 6);
    for (size_t r = ranges[t].first; r < ranges[t].second; ++r) {
      maker.Make(batch, r, &p.cells[r * p.fields], arena);
    }
  });
  size_t total = 0;
  for (const auto& a : arenas) total += a.size();
  p.arena.reserve(total);
  for (size_t t = 0; t < ranges.size(); ++t) {
    const uint32_t shift = static_cast<uint32_t>(p.arena.size());
    p.arena.insert(p.arena.end(), arenas[t].begin(), arenas[t].end());
    std::vector<uint32_t>().swap(arenas[t]);
    for (size_t r = ranges[t].first; r < ranges[t].second; ++r) {
      for (size_t f = 0; f < p.fields; ++f) p.cells[r * p.fields + f].offset += shift;
    }
  }

  for (size_t r = 0; r < p.records; ++r) {
    bool any = false;
    for (size_t f = 0; f < p.fields && !any; ++f) any = !p.cells[r * p.fields + f].missing();
    if (!any) ++p.empty_records;
  }

  // Term frequencies: the share of records holding each exact value, by sorting the keys.
  p.tf.assign(p.records * p.fields, 0.0f);
  std::vector<size_t> tf_fields;
  for (size_t f = 0; f < p.fields; ++f) {
    if (config.fields[f].tf) tf_fields.push_back(f);
  }
  ParallelFor(tf_fields.size(), threads, [&](size_t k) {
    const size_t f = tf_fields[k];
    std::vector<std::pair<uint64_t, uint32_t>> keys;
    keys.reserve(p.records);
    for (size_t r = 0; r < p.records; ++r) {
      const uint64_t h = p.cells[r * p.fields + f].hash;
      if (h) keys.emplace_back(h, static_cast<uint32_t>(r));
    }
    std::sort(keys.begin(), keys.end());
    const double n = static_cast<double>(std::max<size_t>(keys.size(), 1));
    for (size_t i = 0; i < keys.size();) {
      size_t j = i;
      while (j < keys.size() && keys[j].first == keys[i].first) ++j;
      const float share = static_cast<float>((j - i) / n);
      for (size_t k2 = i; k2 < j; ++k2) p.tf[keys[k2].second * p.fields + f] = share;
      i = j;
    }
  });
  return p;
}

}  // namespace yishu::masterdata
