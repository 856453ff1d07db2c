// Linkage input: a delivered file (CSV in UTF-8 or GBK, JSON Lines or XLSX, read by
// src/formats) turned into a RecordBatch, taking the config's id column and field columns.
// Cells are trimmed. A malformed record (ragged, broken quoting, text that is not text) is
// left out of linkage and reported with its line and reason, never dropped unnoticed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "masterdata/config.hpp"
#include "masterdata/records.hpp"

namespace yishu::masterdata {

struct SkippedRecord {
  int64_t line = 0;  // physical line (a sheet's row number for XLSX)
  std::string reason;
};

struct LoadReport {
  int64_t loaded = 0;
  int64_t skipped = 0;
  // The first kMaxSkippedListed skipped records; `skipped` counts them all.
  static constexpr size_t kMaxSkippedListed = 100;
  std::vector<SkippedRecord> first_skipped;
};

// Appends the records of `path` to `batch` on `side`. InvalidArgument naming every missing
// column before any record is read; an error for a file that cannot be read at all.
Result<LoadReport> LoadRecords(const std::filesystem::path& path, const Config& config,
                               uint8_t side, RecordBatch* batch);

// Checks that the header of `path` has all the columns the config names.
Status CheckColumns(const std::filesystem::path& path, const Config& config);

}  // namespace yishu::masterdata
