// Readers of delivered files: one interface over CSV and JSON Lines, yielding records with
// the physical line where each starts, its raw bytes and its fields.
//
// Contract:
//  - Streaming: a reader holds one buffer (grown only as far as the longest record needs, at
//    most ReaderOptions::max_record_bytes), never the whole file.
//  - Text is UTF-8 inside the reader whatever the file's encoding: the byte stream is detected
//    (BOM, a strict UTF-8 check, then uchardet) and converted with iconv. Bytes that do not
//    convert become an invalid UTF-8 byte, so the record holding them fails the UTF-8 check —
//    the reader never produces mojibake nor drops the record.
//  - Structural problems of one record (ragged row, bare quote, text after a closing quote,
//    unterminated quote, NUL byte, invalid UTF-8) are reported in Record::problems; the
//    record is still returned so the caller can quarantine it with its raw line. Problems of
//    the whole file (cannot open, empty, no header, binary, a record over the size limit) are
//    an error Status.
//  - Blank lines are not records; they are counted in blank_lines().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace yishu::formats {

// Raw bytes in; owned by the reader.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes; 0 at the end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Total size when known (for progress), else -1.
  virtual int64_t size() const { return -1; }
};

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::filesystem::path& path);
// A source over bytes the caller keeps alive (HTTP bodies, tests).
std::unique_ptr<ByteSource> MemorySource(std::string_view bytes);

struct RecordProblem {
  std::string rule;  // ragged_row, bare_quote, text_after_quote, unterminated_quote, nul_byte,
                     // invalid_utf8, unknown_key, invalid_json
  std::string message;
};

struct Record {
  int64_t line = 0;      // physical line (1-based) where the record starts
  std::string_view raw;  // the record's bytes as UTF-8 text (after conversion), no terminator
  std::vector<std::string_view> fields;
  std::vector<RecordProblem> problems;
};

struct ReaderOptions {
  std::string format = "auto";    // auto (by extension, then content), csv, jsonl, xlsx
  std::string encoding = "auto";  // auto, or an iconv name (UTF-8, GB18030, GBK, ...)
  char delimiter = 0;             // 0 = detect among , ; \t |
  size_t buffer_bytes = 1 << 20;
  size_t max_record_bytes = 64 << 20;  // a record longer than this fails the file
  // XLSX: the sheet to read (empty: the first one) and the bounds that keep a hostile
  // workbook from exhausting memory (xlsx_reader.hpp).
  std::string sheet;
  size_t max_xlsx_bytes = size_t{200} << 20;         // the file itself
  size_t max_xlsx_part_bytes = size_t{768} << 20;    // one part, inflated
  size_t max_xlsx_total_bytes = size_t{1536} << 20;  // every part, inflated
  size_t max_xlsx_ratio = 100;                       // inflated / compressed, parts over 1 MiB
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Column names from the header (CSV) or the keys of the first object (JSON Lines).
  virtual const std::vector<std::string>& header() const = 0;
  // The next record; false at the end. Views in `r` stay valid until the next call.
  virtual Result<bool> Next(Record* r) = 0;
  virtual std::string encoding() const = 0;  // as detected/used: "UTF-8", "GB18030", ...
  virtual std::string format() const = 0;    // "csv", "jsonl", "xlsx"
  virtual char delimiter() const { return 0; }
  virtual int64_t blank_lines() const = 0;
  // Raw input bytes consumed so far and the total (-1 unknown), for progress.
  virtual int64_t bytes_read() const = 0;
  virtual int64_t bytes_total() const = 0;
  // SM3 of every raw byte of the file; complete once Next() has returned false.
  virtual std::string sm3() = 0;
};

// Opens a reader and reads the header. `name` is the file name (its extension picks the format
// when options.format is "auto").
Result<std::unique_ptr<RecordReader>> OpenReader(std::unique_ptr<ByteSource> source,
                                                 std::string_view name,
                                                 const ReaderOptions& options = {});
// The same for the file at `path` (its extension picks the format); an error names the path.
Result<std::unique_ptr<RecordReader>> OpenFileReader(const std::filesystem::path& path,
                                                     const ReaderOptions& options = {});

// A small file read whole, the header as the first row (line 1): reference data, truth files of
// the demo district, configuration tables. Every record must be well-formed: the first problem
// fails the file as "name:line: message", because a silently misread reference file would make
// every check that uses it wrong. Delivered files go through OpenReader instead, which keeps
// malformed records for quarantine.
struct TextRow {
  int64_t line = 0;
  std::vector<std::string> fields;
};
Result<std::vector<TextRow>> ReadRows(std::unique_ptr<ByteSource> source, std::string_view name,
                                      const ReaderOptions& options = {});
Result<std::vector<TextRow>> ReadRows(const std::filesystem::path& path,
                                      const ReaderOptions& options = {});

// True when `s` is well-formed UTF-8 (fast on ASCII).
bool Utf8Ok(std::string_view s);

}  // namespace yishu::formats
