// Test helper: everything a reader yields for some bytes, copied out so a test can compare it
// after the reader is gone. Tests only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "formats/reader.hpp"

namespace yishu::formats::testing {

struct Parsed {
  Status status;  // the first error: opening, or a Next() that failed
  std::string format, encoding;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;
  std::vector<std::vector<std::string>> problems;  // rules, per row
  std::vector<std::string> raws;
  int64_t blank = 0;
  std::string sm3;  // once read to the end
};

inline Parsed ParseBytes(std::string_view bytes, std::string name = "x.csv", ReaderOptions o = {}) {
  Parsed out;
  auto r = OpenReader(MemorySource(bytes), name, o);
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  auto& reader = **r;
  out.format = reader.format();
  out.encoding = reader.encoding();
  out.header = reader.header();
  Record rec;
  for (;;) {
    auto got = reader.Next(&rec);
    if (!got.ok()) {
      out.status = got.status();
      return out;
    }
    if (!*got) break;
    out.rows.emplace_back(rec.fields.begin(), rec.fields.end());
    out.lines.push_back(rec.line);
    out.raws.emplace_back(rec.raw);
    std::vector<std::string> pr;
    for (const auto& p : rec.problems) pr.push_back(p.rule);
    out.problems.push_back(pr);
  }
  out.blank = reader.blank_lines();
  out.sm3 = reader.sm3();
  return out;
}

}  // namespace yishu::formats::testing
