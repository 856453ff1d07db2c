// Reading delivered CSV files into a RecordBatch: UTF-8 or GBK (detected: text that is not
// valid UTF-8 is read as GB18030, a superset of GBK), a BOM dropped, quoted cells with ""
// escapes, CRLF or LF, cells trimmed. Rows are passed with their physical line number (the
// header is line 1), so results can point back to the delivered file.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "masterdata/config.hpp"
#include "masterdata/records.hpp"

namespace yishu::masterdata {

// The file as UTF-8 (converted from GB18030 when it is not UTF-8), BOM removed.
Result<std::string> ReadTextFile(const std::filesystem::path& path);

// Calls row(cells, line) for each row of `text` (the header included). Unescapes in place, so
// `text` is modified; the cells point into it and live until the next row.
void ForEachCsvRow(std::string& text,
                   const std::function<void(std::span<const std::string_view>, int64_t)>& row);

// Appends the rows of a CSV file with a header to `batch`, taking the config's id column and
// field columns. InvalidArgument naming every missing column before any row is read.
Status LoadCsv(const std::filesystem::path& path, const Config& config, uint8_t side,
               RecordBatch* batch);

// Checks that the header of `path` has all the columns the config names.
Status CheckColumns(const std::filesystem::path& path, const Config& config);

}  // namespace yishu::masterdata
