#include "masterdata/input.hpp"

#include <fmt/format.h>

#include "common/strings.hpp"
#include "formats/reader.hpp"

namespace yishu::masterdata {
namespace {

// The header's column of the id and of each configured field, in that order.
Status MapColumns(const std::vector<std::string>& header, const Config& config,
                  const std::filesystem::path& path, std::vector<int>* columns) {
  auto index = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  };
  std::vector<std::string> missing;
  columns->clear();
  columns->push_back(index(config.id_column));
  if (columns->back() < 0) missing.push_back(config.id_column);
  for (const FieldSpec& f : config.fields) {
    columns->push_back(index(f.column));
    if (columns->back() < 0) missing.push_back(f.column);
  }
  if (!missing.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: no column {} (the header has: {})", path.string(), Join(missing, ", "),
                    Join(header, ", ")),
        {{"missing_columns", missing}});
  }
  return Status::Ok();
}

}  // namespace

Status CheckColumns(const std::filesystem::path& path, const Config& config) {
  YISHU_ASSIGN_OR_RETURN(auto reader, formats::OpenFileReader(path));
  std::vector<int> columns;
  return MapColumns(reader->header(), config, path, &columns);
}

Result<LoadReport> LoadRecords(const std::filesystem::path& path, const Config& config,
                               uint8_t side, RecordBatch* batch) {
  YISHU_ASSIGN_OR_RETURN(auto reader, formats::OpenFileReader(path));
  std::vector<int> columns;
  YISHU_RETURN_IF_ERROR(MapColumns(reader->header(), config, path, &columns));
  LoadReport report;
  std::vector<std::string_view> cells(config.fields.size());
  formats::Record r;
  for (;;) {
    auto got = reader->Next(&r);
    if (!got.ok()) return got.status().WithContext(path.string());
    if (!*got) break;
    if (!r.problems.empty()) {
      if (report.first_skipped.size() < LoadReport::kMaxSkippedListed)
        report.first_skipped.push_back({r.line, r.problems[0].message});
      ++report.skipped;
      continue;
    }
    for (size_t f = 0; f < cells.size(); ++f) cells[f] = Trim(r.fields[columns[f + 1]]);
    batch->Add(Trim(r.fields[columns[0]]), cells, side);
    ++report.loaded;
  }
  return report;
}

}  // namespace yishu::masterdata
