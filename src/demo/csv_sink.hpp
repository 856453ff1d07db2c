// Buffered CSV output in the shapes departments deliver: UTF-8 with or without BOM, or GBK;
// LF or CRLF; RFC 4180 quoting. Rows are assembled in UTF-8 and converted a megabyte at a time,
// so GBK costs one iconv call per buffer, not per row.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace yishu::demo {

enum class Encoding { kUtf8, kGbk };

class CsvSink {
 public:
  static Result<std::unique_ptr<CsvSink>> Open(const std::filesystem::path& path, Encoding encoding,
                                               bool bom, bool crlf);
  ~CsvSink();
  CsvSink(const CsvSink&) = delete;
  CsvSink& operator=(const CsvSink&) = delete;

  // Serialises `cells` into last_row() (quoting as needed) and writes it as one line.
  void WriteRow(const std::vector<std::string>& cells);
  // Writes last_row() again: a duplicated record.
  void RepeatLastRow();
  const std::string& last_row() const { return row_; }
  // Lines written so far (the header is line 1).
  int64_t lines() const { return lines_; }
  // Flushes, converts what is left and closes; the first error met while writing, if any.
  Status Close();

  static void AppendCell(std::string& out, std::string_view cell);

 private:
  CsvSink() = default;
  void FlushIfFull() {
    if (buffer_.size() >= kFlushAt) Flush();
  }
  void Flush();

  static constexpr size_t kFlushAt = 1 << 20;
  std::FILE* file_ = nullptr;
  std::filesystem::path path_;
  Encoding encoding_ = Encoding::kUtf8;
  std::string_view eol_ = "\n";
  std::string buffer_, converted_, row_;
  void* iconv_ = nullptr;
  int64_t lines_ = 0;
  Status status_;
};

// UTF-8 -> GBK of a whole string with iconv; an error names the first character GBK lacks.
Result<std::string> Utf8ToGbk(std::string_view utf8);

}  // namespace yishu::demo
