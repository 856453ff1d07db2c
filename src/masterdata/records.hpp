// Records as the engine holds them.
//
// RecordBatch is the input: one row per source record, one text cell per configured field,
// packed into one buffer (no string per cell). PreparedRecords is what comparisons read: each
// cell normalized once into a fixed 24-byte Cell, record-major so that comparing a pair touches
// two short runs of memory, with the variable part (characters, digits, address parts) in one
// shared arena. Nothing is allocated per comparison.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "masterdata/config.hpp"

namespace yishu::masterdata {

class ChineseChars;

class RecordBatch {
 public:
  explicit RecordBatch(size_t field_count) : fields_(field_count) {}
  // `cells` has one entry per field (empty = missing). `side` is 0 or 1 (linking two files).
  void Add(std::string_view id, std::span<const std::string_view> cells, uint8_t side = 0);
  void Reserve(size_t records, size_t bytes);
  // Moves the records of `other` (same field count) to the end of this batch.
  void Append(RecordBatch&& other);

  size_t size() const { return base_.size(); }
  size_t text_bytes() const { return text_.size(); }
  size_t field_count() const { return fields_; }
  std::string_view id(size_t r) const;
  std::string_view cell(size_t r, size_t f) const;
  uint8_t side(size_t r) const { return sides_[r]; }

 private:
  size_t fields_;
  std::string text_;               // per record: id, then its cells, back to back
  std::vector<uint64_t> base_;     // where each record starts in text_
  std::vector<uint16_t> lengths_;  // per record: id length, then each cell's length
  std::vector<uint8_t> sides_;
};

// One normalized value. `hash` is the exact-agreement key (0 = missing).
struct Cell {
  uint64_t hash = 0;
  uint64_t alt = 0;     // names: pinyin key; addresses: township+place+number key; dates: yyyymmdd
  uint32_t offset = 0;  // into PreparedRecords::arena
  uint8_t length = 0;   // code units in the arena
  uint8_t flags = 0;    // kValid, kTruncated
  uint16_t aux = 0;     // gender code; address: number count
  static constexpr uint8_t kValid = 1, kTruncated = 2;
  bool missing() const { return hash == 0 && length == 0; }
};
static_assert(sizeof(Cell) == 24);

struct PreparedRecords {
  size_t records = 0;
  size_t fields = 0;
  std::vector<Cell> cells;      // records × fields, record-major
  std::vector<uint32_t> arena;  // code points, digits, address part keys
  std::vector<uint8_t> sides;
  std::vector<float> tf;      // records × fields: share of records with this value (tf fields)
  int64_t empty_records = 0;  // records with no value at all (each its own cluster)

  const Cell& cell(size_t r, size_t f) const { return cells[r * fields + f]; }
  std::span<const uint32_t> units(const Cell& c) const {
    return {arena.data() + c.offset, c.length};
  }
};

// Normalizes every cell (in parallel over `threads`) and computes term frequencies.
PreparedRecords Prepare(const Config& config, const RecordBatch& batch, const ChineseChars* chars,
                        int threads);

}  // namespace yishu::masterdata
