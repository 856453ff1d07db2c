// A tiny CSV reader for the module's own reference files (small, trusted, UTF-8). Not the ingest
// reader: no encoding detection, no dialect sniffing. It still refuses malformed input with the
// file and line, because a silently misread reference file would make every check wrong.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace yishu::standards::internal {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Parses RFC 4180 CSV: comma-separated, fields optionally double-quoted with "" for a quote,
// quoted fields may span lines; LF or CRLF; a leading UTF-8 BOM is skipped; blank lines are
// skipped. `name` is used in messages ("gbt2260-history.csv:12: unterminated quoted field").
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view name);
// Reads a whole file and parses it; errors are prefixed with the file name.
Result<std::vector<CsvRecord>> ReadCsvFile(const std::filesystem::path& path);

}  // namespace yishu::standards::internal
