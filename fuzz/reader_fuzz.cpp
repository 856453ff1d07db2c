// libFuzzer target: one reader (YISHU_FUZZ_FORMAT: csv, jsonl or xlsx) over arbitrary bytes.
// Whatever the input, the reader must return records or a clear error — never crash, hang or
// read out of bounds (AddressSanitizer) — and what it returns must hold together, so that the
// ingest above it can keep its promise of no silent loss:
//   - line numbers only grow and never pass the lines the input has;
//   - a record whose width differs from the header's says so (ragged_row), so it is quarantined;
//   - a record not flagged invalid_utf8 or nul_byte holds only valid text in every field;
//   - a file read to its end has the SM3 of exactly the bytes given (the batch's identity).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/sm3.hpp"
#include "formats/reader.hpp"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace yishu::formats;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ReaderOptions o;
  o.format = YISHU_FUZZ_FORMAT;
  // Small buffers and limits so refills, growth and the size limits are all exercised.
  o.buffer_bytes = 1 + (size % 61);
  o.max_record_bytes = 1 << 16;
  o.max_xlsx_bytes = 1 << 20;
  o.max_xlsx_part_bytes = 8 << 20;
  o.max_xlsx_total_bytes = 16 << 20;
  auto reader = OpenReader(MemorySource(bytes), "fuzz", o);
  if (!reader.ok()) {
    Check(!reader.status().message().empty());
    return 0;
  }
  auto& r = **reader;
  const bool text_lines = r.format() != "xlsx";  // an XLSX "line" is its row number
  int64_t line_breaks = 0;
  for (char c : bytes) line_breaks += (c == '\n' || c == '\r');
  const size_t width = r.header().size();
  Record rec;
  int64_t last_line = 0;
  bool at_end = false;
  for (int n = 0; n < 1000000; ++n) {
    auto got = r.Next(&rec);
    if (!got.ok()) {
      Check(!got.status().message().empty());
      break;
    }
    if (!*got) {
      at_end = true;
      break;
    }
    Check(rec.line > last_line);
    if (text_lines) Check(rec.line <= line_breaks + 1);
    last_line = rec.line;
    bool ragged = false, bad_text = false;
    for (const auto& p : rec.problems) {
      Check(!p.rule.empty() && !p.message.empty());
      ragged |= p.rule == "ragged_row" || p.rule == "unterminated_quote" ||
                p.rule == "invalid_json" || p.rule == "unknown_key";
      bad_text |= p.rule == "invalid_utf8" || p.rule == "nul_byte" || p.rule == "invalid_json";
    }
    if (width != 0 && rec.fields.size() != width) Check(ragged);
    if (!bad_text) {
      Check(Utf8Ok(rec.raw) && rec.raw.find('\0') == std::string_view::npos);
      for (std::string_view f : rec.fields)
        Check(Utf8Ok(f) && f.find('\0') == std::string_view::npos);
    }
  }
  if (at_end) Check(r.sm3() == yishu::crypto::Sm3(bytes));
  return 0;
}
