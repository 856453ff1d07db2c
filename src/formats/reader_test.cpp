// Tests of the readers of delivered files on the csv-edge corpus and hostile inputs: every
// buffer size gives the same records, every problem is named, nothing is lost or invented.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.hpp"
#include "crypto/sm3.hpp"
#include "formats/reader.hpp"
#include "formats/testing_records.hpp"

namespace yishu::formats {
namespace {

namespace fs = std::filesystem;

const fs::path kEdge = fs::path(YISHU_SHARED_DIR) / "data" / "csv-edge";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

using testing::ParseBytes;
using testing::Parsed;

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Some record of `p` has the problem `rule`.
bool AnyRowHas(const Parsed& p, const std::string& rule) {
  return std::any_of(p.problems.begin(), p.problems.end(),
                     [&](const auto& pr) { return Has(pr, rule); });
}

// ---------------------------------------------------------------------------------------------
// Readers

TEST(CsvReader, CsvSpectrumMatchesExpectedJson) {
  int checked = 0;
  for (const auto& e : fs::directory_iterator(kEdge / "csvs")) {
    std::string stem = e.path().stem().string();
    auto expected = nlohmann::json::parse(Slurp(kEdge / "json" / (stem + ".json")));
    std::string bytes = Slurp(e.path());
    // Every buffer size gives the same records (refill and growth at every boundary).
    for (size_t buf : {size_t{1} << 20, size_t{3}, size_t{7}, size_t{16}}) {
      ReaderOptions o;
      o.buffer_bytes = buf;
      Parsed p = ParseBytes(bytes, e.path().filename().string(), o);
      ASSERT_TRUE(p.status.ok()) << stem << ": " << p.status.ToString();
      if (stem == "location_coordinates") {
        // Bare quotes inside unquoted fields: kept as given and flagged (strict RFC 4180).
        ASSERT_EQ(p.rows.size(), 1u) << stem;
        EXPECT_TRUE(Has(p.problems[0], "bare_quote"));
        continue;
      }
      ASSERT_EQ(p.rows.size(), expected.size()) << stem << " buf " << buf;
      for (size_t i = 0; i < p.rows.size(); ++i) {
        EXPECT_TRUE(p.problems[i].empty()) << stem << " row " << i;
        for (size_t c = 0; c < p.header.size(); ++c)
          EXPECT_EQ(p.rows[i][c], expected[i][p.header[c]].get<std::string>())
              << stem << " row " << i << " col " << p.header[c] << " buf " << buf;
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

TEST(CsvReader, SyntheticEdgeCases) {
  auto parse = [](const char* name) { return ParseBytes(Slurp(kEdge / "synthetic" / name), name); };
  {
    auto p = parse("utf8_bom.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.header[0], "姓名");
    EXPECT_EQ(p.rows.size(), 1u);
  }
  for (const char* gb : {"gbk.csv", "gb18030_ext_a.csv"}) {
    auto p = parse(gb);
    ASSERT_TRUE(p.status.ok()) << gb;
    EXPECT_EQ(p.encoding, "GB18030") << gb;
    ASSERT_EQ(p.rows.size(), 1u) << gb;
    EXPECT_TRUE(p.problems[0].empty()) << gb;
    for (const auto& h : p.header) EXPECT_TRUE(Utf8Ok(h));
    for (const auto& f : p.rows[0]) EXPECT_TRUE(Utf8Ok(f)) << gb;
  }
  {
    auto p = parse("gb18030_ext_a.csv");
    bool found = false;
    for (const auto& f : p.rows[0]) found |= f.find("䶮") != std::string::npos;
    EXPECT_TRUE(found) << "U+4DAE decoded";
  }
  {
    auto p = parse("unterminated_quote.csv");
    ASSERT_TRUE(p.status.ok());
    ASSERT_FALSE(p.rows.empty());
    bool flagged = false;
    for (size_t i = 0; i < p.rows.size(); ++i)
      if (Has(p.problems[i], "unterminated_quote")) {
        flagged = true;
        EXPECT_EQ(p.lines[i], 2);
      }
    EXPECT_TRUE(flagged);
  }
  {
    auto p = parse("bare_quote.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_TRUE(AnyRowHas(p, "bare_quote"));
  }
  {
    auto p = parse("quote_after_closing.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_TRUE(AnyRowHas(p, "text_after_quote"));
  }
  {
    auto p = parse("ragged_rows.csv");
    ASSERT_TRUE(p.status.ok());
    std::set<int64_t> ragged;
    for (size_t i = 0; i < p.rows.size(); ++i)
      if (Has(p.problems[i], "ragged_row")) ragged.insert(p.lines[i]);
    EXPECT_TRUE(ragged.count(2) && ragged.count(3));
  }
  {
    auto p = parse("fullwidth_comma.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.header.size(), 1u);
    for (auto& pr : p.problems) EXPECT_TRUE(pr.empty());
  }
  {
    auto p = parse("nul_byte.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_TRUE(AnyRowHas(p, "nul_byte"));
  }
  {
    // Decision: a bare CR ends a record, like LF and CRLF (3 records on lines 2, 3, 4).
    auto p = parse("mixed_newlines.csv");
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.rows.size(), 3u);
    EXPECT_EQ(p.rows[1], (std::vector<std::string>{"3", "4"}));
    EXPECT_EQ(p.lines, (std::vector<int64_t>{2, 3, 4}));
  }
  {
    auto p = parse("formula_injection.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.rows.size(), 4u);
    bool kept = false;
    for (auto& r : p.rows)
      for (auto& f : r) kept |= !f.empty() && f[0] == '=';
    EXPECT_TRUE(kept) << "formulas are kept as text on import";
  }
  {
    auto p = parse("header_only.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.rows.size(), 0u);
  }
  {
    auto p = parse("empty_file.csv");
    EXPECT_EQ(p.status.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(p.status.message().find("empty"), std::string::npos);
  }
  {
    auto p = parse("trailing_comma_blank_lines.csv");
    ASSERT_TRUE(p.status.ok());
    EXPECT_TRUE(p.header.back().empty());
    EXPECT_GT(p.blank, 0);
    for (auto& r : p.rows) EXPECT_FALSE(r.empty());
  }
  {
    ReaderOptions o;
    o.buffer_bytes = 4096;
    auto p = ParseBytes(Slurp(kEdge / "synthetic" / "long_field.csv"), "long_field.csv", o);
    ASSERT_TRUE(p.status.ok());
    ASSERT_EQ(p.rows.size(), 1u);
    size_t longest = 0;
    for (auto& f : p.rows[0]) longest = std::max(longest, f.size());
    EXPECT_GE(longest, 70000u);
  }
}

TEST(CsvReader, HostileInputs) {
  // 0 bytes: a clear error.
  EXPECT_FALSE(ParseBytes("").status.ok());
  // Binary junk with NULs: refused as binary.
  std::mt19937 rng(7);
  std::string junk(100000, '\0');
  for (auto& c : junk) c = static_cast<char>(rng() % 256);
  auto p = ParseBytes(junk);
  EXPECT_FALSE(p.status.ok());
  EXPECT_NE(p.status.message().find("binary"), std::string::npos) << p.status.ToString();
  // Junk without NULs: whatever is read is flagged (never mojibake, never a crash).
  for (auto& c : junk)
    if (c == 0) c = 1;
  p = ParseBytes(junk);
  if (p.status.ok()) {
    for (size_t i = 0; i < p.rows.size(); ++i)
      for (const auto& f : p.rows[i])
        if (!Utf8Ok(f)) {
          EXPECT_TRUE(Has(p.problems[i], "invalid_utf8"));
        }
  }
  // A 10 MB field parses (the buffer grows), and one over the limit is a clear error.
  std::string big = "a,b\n1,\"" + std::string(10 << 20, 'x') + "\"\n2,3\n";
  p = ParseBytes(big);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0][1].size(), size_t{10} << 20);
  EXPECT_EQ(p.lines[1], 3);
  ReaderOptions small;
  small.max_record_bytes = 1 << 20;
  p = ParseBytes(big, "x.csv", small);
  EXPECT_FALSE(p.status.ok());
  EXPECT_NE(p.status.message().find("line 2"), std::string::npos) << p.status.message();
  // Truncated: a quote never closed at EOF, and a GBK character cut in half.
  p = ParseBytes("a,b\n1,\"abc");
  ASSERT_TRUE(p.status.ok());
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_TRUE(Has(p.problems[0], "unterminated_quote"));
  std::string gbk = Slurp(kEdge / "synthetic" / "gbk.csv");
  gbk = gbk.substr(0, gbk.find('\n') + 1) + "\xd5\xc5\xc8";  // 张 and half of 三
  p = ParseBytes(gbk);
  ASSERT_TRUE(p.status.ok());
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_TRUE(Has(p.problems[0], "invalid_utf8"));
  // Converted text into a buffer with only a few bytes free (a three-byte character that does
  // not fit used to hang the reader; found by the fuzz target).
  std::string gb = Slurp(kEdge / "synthetic" / "gbk.csv");
  for (size_t buf : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{7}}) {
    ReaderOptions tiny;
    tiny.buffer_bytes = buf;
    p = ParseBytes(gb, "gbk.csv", tiny);
    ASSERT_TRUE(p.status.ok()) << buf;
    ASSERT_EQ(p.rows.size(), 1u) << buf;
    EXPECT_EQ(p.rows[0][0], "张三") << buf;
  }
  // Delimiters detected; quoted multi-line records keep their start line.
  p = ParseBytes("a;b;c\n1;\"x\ny\";3\n4;5;6\n");
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.header.size(), 3u);
  EXPECT_EQ(p.lines, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(p.rows[0][1], "x\ny");
  p = ParseBytes("a\tb\n1\t2\n");
  EXPECT_EQ(p.header.size(), 2u);
  p = ParseBytes("a|b\r\n1|2\r\n");
  EXPECT_EQ(p.rows[0], (std::vector<std::string>{"1", "2"}));
  // UTF-8 with BOM and CRLF.
  p = ParseBytes("\xEF\xBB\xBF姓名,年龄\r\n张三,3\r\n");
  EXPECT_EQ(p.header[0], "姓名");
  EXPECT_EQ(p.rows[0][0], "张三");
  EXPECT_EQ(p.raws[0], "张三,3");
  // An invalid byte later in a UTF-8 file (after the detection sample) fails that record only.
  std::string later = "a,b\n";
  for (int i = 0; i < 80000; ++i) later += "1,2\n";
  later += "3,\xFF\n4,5\n";
  p = ParseBytes(later);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.encoding, "UTF-8");
  ASSERT_EQ(p.rows.size(), 80002u);
  EXPECT_TRUE(Has(p.problems[80000], "invalid_utf8"));
  EXPECT_TRUE(p.problems[80001].empty());
}

TEST(Utf8Ok, AgreesWithTheCodePointDecoderOnEveryShortSequenceAndOnRandomText) {
  // The vectorised check runs from 32 bytes on: pad each short sequence with Chinese text on
  // both sides so it lands at every offset of a 32-byte block, also split across two blocks.
  const std::string han = "柯桥区齐贤街道";  // 21 bytes
  auto hex = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += fmt::format("{:02x}", c);
    return out;
  };
  auto agree = [&](const std::string& s) {
    if (s.find('\0') != std::string::npos) return;  // IsValidUtf8 refuses NUL, Utf8Ok not
    ASSERT_EQ(Utf8Ok(s), IsValidUtf8(s)) << hex(s);
  };
  for (uint32_t a = 0x80; a < 0x100; ++a)
    for (uint32_t b = 0; b < 0x100; b += (a >= 0xC0 ? 1 : 0x11)) {
      for (uint32_t c : {0x20u, 0x80u, 0x8Fu, 0x90u, 0x9Fu, 0xA0u, 0xBFu, 0xC0u}) {
        std::string seq{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        for (size_t pad : {size_t{0}, size_t{5}, size_t{13}, size_t{29}, size_t{30}, size_t{31}}) {
          std::string s = std::string(pad, 'a') + han + seq + han;
          agree(s);
          agree(std::string(pad, 'a') + seq + std::string(40, 'b'));
          agree(han + han + std::string(pad, 'a') + seq);  // the sequence ends the text
          agree(han + han + std::string(pad, 'a') + seq.substr(0, 2));
          agree(han + han + std::string(pad, 'a') + seq.substr(0, 1));
        }
      }
    }
  // Four-byte sequences around the edges (U+10000, U+10FFFF, beyond) at every offset.
  for (std::string seq : {"\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xF4\x90\x80\x80",
                          "\xF0\x8F\xBF\xBF", "\xF5\x80\x80\x80", "\xED\x9F\xBF", "\xED\xA0\x80",
                          "\xE0\xA0\x80", "\xE0\x9F\xBF", "\xC2\x80", "\xC1\xBF"})
    for (size_t pad = 0; pad < 70; ++pad) {
      agree(std::string(pad, 'x') + seq + han);
      agree(han + std::string(pad, 'x') + seq);
    }
  std::mt19937 rng(11);
  const std::string pieces[] = {
      "a",        ",",    "张",           "\xE4", "\xB8", "\x80", "\xF0\x9F\x98\x80",
      "\xC3\xA9", "\xFF", "\xED\xA0\x80", "\n"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    size_t n = rng() % 120;
    for (size_t i = 0; i < n; ++i) {
      // Mostly valid text with the odd bad piece, so long valid runs end in a bad byte too.
      size_t k = rng() % 40;
      s += pieces[k < 3 ? k : k < 36 ? 2 : 3 + rng() % 8];
    }
    agree(s);
  }
}

// The file's SM3 is computed beside the parser once the input passes a few MB: the digest must
// be that of every byte, in order, for UTF-8 and for converted (GB18030) input alike.
TEST(CsvReader, DigestOfALargeFileIsTheSm3OfEveryByte) {
  for (const char* encoding : {"UTF-8", "GB18030"}) {
    std::string text = "name,address\n";
    for (int i = 0; i < 200000; ++i)
      text += "row" + std::to_string(i) + ",Qixian Street " + std::to_string(i * 7) + "\n";
    ASSERT_GT(text.size(), size_t{5} << 20);
    ReaderOptions o;
    o.encoding = encoding;
    o.buffer_bytes = 4096;
    auto r = OpenReader(MemorySource(text), "big.csv", o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    Record rec;
    int64_t rows = 0;
    for (;;) {
      auto got = (*r)->Next(&rec);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      if (!*got) break;
      ++rows;
    }
    EXPECT_EQ(rows, 200000);
    EXPECT_EQ((*r)->sm3(), crypto::Sm3(text)) << encoding;
  }
}

TEST(CsvReader, TextProblemsAreFoundInLongChineseFilesAtAnyPosition) {
  // Rows of Chinese text with a bad byte or a NUL here and there, read with several buffer sizes:
  // every row is flagged exactly when its own bytes are bad.
  std::string text = "姓名,地址\n";
  std::vector<bool> bad_utf8, nul;
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string row = "张三,浙江省绍兴市柯桥区齐贤街道壶瓶山路" + std::to_string(i) + "号";
    // The first rows stay clean: the detection sample must say UTF-8.
    bool b = i > 4000 && rng() % 97 == 0, z = i > 4000 && rng() % 89 == 0;
    if (b) row.insert(rng() % row.size(), "\xFF");
    if (z) row.insert(rng() % row.size(), std::string(1, '\0'));
    bad_utf8.push_back(b);
    nul.push_back(z);
    text += row + (i % 3 ? "\n" : "\r\n");
  }
  for (size_t buf : {size_t{64}, size_t{4096}, size_t{100000}, size_t{1} << 20}) {
    ReaderOptions o;
    o.buffer_bytes = buf;
    auto p = ParseBytes(text, "x.csv", o);
    ASSERT_TRUE(p.status.ok()) << p.status.ToString();
    EXPECT_EQ(p.encoding, "UTF-8");
    ASSERT_EQ(p.rows.size(), bad_utf8.size());
    for (size_t i = 0; i < p.rows.size(); ++i) {
      // A byte inserted inside a character breaks it too, so the row is bad when either is.
      EXPECT_EQ(Has(p.problems[i], "invalid_utf8"), !Utf8Ok(p.raws[i])) << buf << " row " << i;
      EXPECT_EQ(Has(p.problems[i], "nul_byte"), nul[i]) << buf << " row " << i;
      EXPECT_TRUE(!bad_utf8[i] || Has(p.problems[i], "invalid_utf8")) << buf << " row " << i;
      EXPECT_TRUE(bad_utf8[i] || nul[i] || p.problems[i].empty()) << buf << " row " << i;
    }
  }
}

TEST(JsonlReader, ObjectsPerLine) {
  auto p = ParseBytes("{\"a\":\"1\",\"b\":2}\n\n{\"a\":\"x\",\"b\":null}\nnot json\n{\"c\":1}\n",
                      "x.jsonl");
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.rows[0], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(p.rows[1], (std::vector<std::string>{"x", ""}));
  EXPECT_EQ(p.lines[1], 3);
  EXPECT_TRUE(Has(p.problems[2], "invalid_json"));
  EXPECT_TRUE(Has(p.problems[3], "unknown_key"));
}

TEST(JsonlReader, AnEscapedNulIsFlaggedNotPassedOn) {
  auto p = ParseBytes("{\"a\":\"1\",\"b\":\"x\"}\n{\"a\":\"2\",\"b\":\"x\\u0000y\"}\n", "x.jsonl");
  ASSERT_TRUE(p.status.ok());
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_TRUE(p.problems[0].empty());
  EXPECT_TRUE(Has(p.problems[1], "nul_byte"));
}

}  // namespace
}  // namespace yishu::formats

namespace yishu::formats {
namespace {

TEST(ReadRows, WholeFileWithItsHeaderOrTheFirstProblemByLine) {
  ReaderOptions csv;
  csv.delimiter = ',';
  auto r = ReadRows(MemorySource("a,b,c\n\"b,c\",\"d\"\"e\",\"multi\nline\"\r\n\nx,y,z\n"), "t.csv",
                    csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].line, 1);
  EXPECT_EQ((*r)[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"b,c", "d\"e", "multi\nline"}));
  EXPECT_EQ((*r)[2].line, 5);
  EXPECT_EQ((*r)[2].fields, (std::vector<std::string>{"x", "y", "z"}));

  auto after_quote = ReadRows(MemorySource("a,b\n1,\"2\"x\n"), "t.csv", csv);
  ASSERT_FALSE(after_quote.ok());
  EXPECT_TRUE(after_quote.status().message().starts_with("t.csv:2: "))
      << after_quote.status().message();
  auto ragged = ReadRows(MemorySource("a,b\n1,2\n1,2,3\n"), "t.csv", csv);
  ASSERT_FALSE(ragged.ok());
  EXPECT_TRUE(ragged.status().message().starts_with("t.csv:3: 3 fields where the header has 2"))
      << ragged.status().message();
  auto empty = ReadRows(MemorySource(""), "t.csv", csv);
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(empty.status().message().starts_with("t.csv: ")) << empty.status().message();
  auto missing = ReadRows(std::filesystem::path("/nonexistent/t.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/t.csv"), std::string::npos);
}

}  // namespace
}  // namespace yishu::formats
