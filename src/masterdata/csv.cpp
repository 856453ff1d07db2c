#include "masterdata/csv.hpp"

#include <iconv.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "common/strings.hpp"

namespace yishu::masterdata {
namespace {

Result<std::string> FromGb18030(const std::string& in) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return Status::Unsupported("iconv lacks GB18030");
  std::string out(in.size() * 3 / 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t produced = 0;
  while (src_left > 0) {
    char* dst = out.data() + produced;
    size_t dst_left = out.size() - produced;
    const size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    produced = out.size() - dst_left;
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) {
        out.resize(out.size() * 2);
        continue;
      }
      iconv_close(cd);
      return Status::InvalidArgument(
          fmt::format("neither UTF-8 nor GB18030 at byte {}", in.size() - src_left));
    }
  }
  iconv_close(cd);
  out.resize(produced);
  return out;
}

std::vector<std::string> HeaderOf(std::string text) {
  std::vector<std::string> header;
  const size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl + 1);
  bool first = true;
  ForEachCsvRow(text, [&](std::span<const std::string_view> cells, int64_t) {
    if (!first) return;
    first = false;
    for (auto c : cells) header.emplace_back(c);
  });
  return header;
}

Status CheckHeader(const std::vector<std::string>& header, const Config& config,
                   const std::filesystem::path& path, std::vector<int>* columns) {
  auto index = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
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

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open {}", path.string()));
  in.seekg(0, std::ios::end);
  const size_t size = static_cast<size_t>(in.tellg());
  // Skip a BOM by where reading starts (erasing it later would move the whole file).
  char head[3] = {};
  in.seekg(0);
  in.read(head, std::min<std::streamsize>(3, static_cast<std::streamsize>(size)));
  const size_t skip = size >= 3 && std::string_view(head, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  in.clear();
  in.seekg(static_cast<std::streamoff>(skip));
  std::string data(size - skip, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!in) return Status::IoError(fmt::format("cannot read {}", path.string()));
  if (IsValidUtf8(data)) return data;
  auto converted = FromGb18030(data);
  if (!converted.ok()) return converted.status().WithContext(path.string());
  return converted;
}

void ForEachCsvRow(std::string& text,
                   const std::function<void(std::span<const std::string_view>, int64_t)>& row) {
  std::vector<std::string_view> cells;
  char* s = text.data();
  const size_t n = text.size();
  size_t i = 0;
  int64_t line = 1;
  while (i < n) {
    cells.clear();
    const int64_t row_line = line;
    for (;;) {
      // One cell: quoted (unescaped in place) or plain; leading blanks skipped.
      while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
      size_t start = i, end;
      if (i < n && s[i] == '"') {
        size_t w = ++i;
        start = w;
        while (i < n) {
          if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
              s[w++] = '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (s[i] == '\n') ++line;
          s[w++] = s[i++];
        }
        end = w;
        while (i < n && s[i] != ',' && s[i] != '\n') ++i;  // junk after the closing quote
      } else {
        while (i < n && s[i] != ',' && s[i] != '\n') ++i;
        end = i;
      }
      std::string_view cell(s + start, end - start);
      while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\r' || cell.back() == '\t')) {
        cell.remove_suffix(1);
      }
      cells.push_back(cell);
      if (i < n && s[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < n && s[i] == '\n') ++i;
    ++line;
    if (!(cells.size() == 1 && cells[0].empty())) row(cells, row_line);
  }
}

Status CheckColumns(const std::filesystem::path& path, const Config& config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open {}", path.string()));
  std::string first;
  std::getline(in, first);
  if (first.starts_with("\xEF\xBB\xBF")) first.erase(0, 3);
  if (!IsValidUtf8(first)) {
    auto converted = FromGb18030(first);
    if (!converted.ok()) return converted.status().WithContext(path.string());
    first = *converted;
  }
  std::vector<int> columns;
  return CheckHeader(HeaderOf(first + "\n"), config, path, &columns);
}

Status LoadCsv(const std::filesystem::path& path, const Config& config, uint8_t side,
               RecordBatch* batch) {
  YISHU_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  std::vector<int> columns;
  YISHU_RETURN_IF_ERROR(CheckHeader(HeaderOf(text), config, path, &columns));
  std::vector<std::string_view> cells(config.fields.size());
  bool header = true;
  ForEachCsvRow(text, [&](std::span<const std::string_view> row, int64_t) {
    if (header) {
      header = false;
      return;
    }
    auto at = [&](int c) { return c < static_cast<int>(row.size()) ? row[c] : std::string_view(); };
    for (size_t f = 0; f < cells.size(); ++f) cells[f] = at(columns[f + 1]);
    batch->Add(at(columns[0]), cells, side);
  });
  return Status::Ok();
}

}  // namespace yishu::masterdata
