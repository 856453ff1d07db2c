// Tests of the XLSX reader: workbooks written in the test (testing_xlsx.hpp), hostile archives.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "formats/reader.hpp"
#include "formats/testing_records.hpp"
#include "formats/testing_xlsx.hpp"
#include "formats/xlsx_reader.hpp"

namespace yishu::formats {
namespace {

using testing::XCell;
using testing::XRows;

using Sheet = testing::Parsed;

Sheet Read(const std::string& bytes, ReaderOptions o = {}, std::string name = "f.xlsx") {
  Sheet out = testing::ParseBytes(bytes, name, o);
  if (out.status.ok()) {
    EXPECT_EQ(out.format, "xlsx");
  }
  return out;
}

XRows People() {
  return {{1,
           {XCell::Text("id_number"), XCell::Text("name"), XCell::Text("birth_date"),
            XCell::Text("mobile")}},
          {2,
           {XCell::Text("11010519491231002X"), XCell::Text("张三"), XCell::Date("18263"),
            XCell::Number("13812345678")}},
          // Excel's damage: an ID typed as a number.
          {3,
           {XCell::Number("1.10105194912310E+17"), XCell::Text("李四, \"小李\""),
            XCell::Text("1950-01-01"), XCell::Formula("A1&\"\"", "13900000000")}},
          // Row 4 is blank; row 5 has a value past the header.
          {5,
           {XCell::Text("X"), XCell::Text(""), XCell::Text(""), XCell::Text(""),
            XCell::Text("extra")}}};
}

TEST(XlsxReader, FirstSheetCellsAsShownAndRowsAsLines) {
  std::string book = testing::MakeXlsx({{"户籍", People()}, {"其他", {{1, {XCell::Text("x")}}}}});
  Sheet s = Read(book);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.header, (std::vector<std::string>{"id_number", "name", "birth_date", "mobile"}));
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0],
            (std::vector<std::string>{"11010519491231002X", "张三", "1949-12-31", "13812345678"}));
  EXPECT_EQ(s.rows[1][0], "1.1010519491231e+17") << "flagged by validation, never repaired";
  EXPECT_EQ(s.rows[1][1], "李四, \"小李\"");
  EXPECT_EQ(s.rows[1][3], "13900000000") << "a formula's cached result";
  EXPECT_EQ(s.raws[1], "1.1010519491231e+17,\"李四, \"\"小李\"\"\",1950-01-01,13900000000");
  EXPECT_EQ(s.lines, (std::vector<int64_t>{2, 3, 5}));
  EXPECT_EQ(s.blank, 1);
  EXPECT_TRUE(s.problems[0].empty());
  EXPECT_EQ(s.problems[2], (std::vector<std::string>{"ragged_row"}));
  EXPECT_EQ(s.rows[2].size(), 4u);
  EXPECT_EQ(s.sm3.size(), 32u);
}

TEST(XlsxReader, NamedSheetAndMissingSheet) {
  std::string book = testing::MakeXlsx(
      {{"说明", {{1, {XCell::Text("read me")}}}},
       {"数据",
        {{1, {XCell::Text("a"), XCell::Text("b")}}, {2, {XCell::Number("1"), XCell::Text("x")}}}}});
  ReaderOptions o;
  o.sheet = "数据";
  Sheet s = Read(book, o);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0], (std::vector<std::string>{"1", "x"}));
  o.sheet = "nope";
  s = Read(book, o);
  ASSERT_FALSE(s.status.ok());
  EXPECT_NE(s.status.message().find("no sheet named 'nope'"), std::string::npos);
  EXPECT_NE(s.status.message().find("'说明', '数据'"), std::string::npos) << s.status.message();
  // By format rather than by name.
  o.sheet.clear();
  o.format = "xlsx";
  s = Read(book, o, "upload");
  EXPECT_TRUE(s.status.ok()) << s.status.ToString();
}

TEST(XlsxReader, HostileWorkbooksGetClearErrors) {
  auto error_of = [](const std::string& bytes, ReaderOptions o = {}) {
    Sheet s = Read(bytes, o);
    EXPECT_FALSE(s.status.ok());
    EXPECT_EQ(s.status.code(), ErrorCode::kInvalidArgument) << s.status.ToString();
    return s.status.message();
  };
  EXPECT_NE(error_of("").find("empty (0 bytes)"), std::string::npos);
  EXPECT_NE(error_of("id,name\n1,x\n").find("not a ZIP archive"), std::string::npos);
  std::string book = testing::MakeXlsx({{"s", People()}});
  // Truncated anywhere: never a crash, always a clear error.
  for (size_t cut : {book.size() / 3, book.size() / 2, book.size() - 30, book.size() - 1})
    EXPECT_NE(error_of(book.substr(0, cut)).find("not a readable XLSX"), std::string::npos) << cut;
  // A zip bomb: 64 MiB of one byte in a sheet part deflates about 1000 to 1.
  auto entries = testing::XlsxEntries({{"s", People()}});
  entries.push_back({"xl/media/bomb.xml", std::string(64 << 20, 'a')});
  std::string msg = error_of(testing::MakeZip(entries));
  EXPECT_NE(msg.find("zip bomb"), std::string::npos) << msg;
  // A part that lies about its size (liborcus sizes its buffer from the header).
  entries = testing::XlsxEntries({{"s", People()}});
  for (auto& e : entries)
    if (e.name == "xl/worksheets/sheet1.xml") e.declared_size = 100;
  msg = error_of(testing::MakeZip(entries));
  EXPECT_NE(msg.find("more than the 100 bytes it declares"), std::string::npos) << msg;
  // Over the configured bounds.
  ReaderOptions small;
  small.max_xlsx_part_bytes = 512;
  msg = error_of(book, small);
  EXPECT_NE(msg.find("over the limit of 512"), std::string::npos) << msg;
  small = {};
  small.max_xlsx_bytes = 1000;
  msg = error_of(book, small);
  EXPECT_NE(msg.find("over the limit of 1000"), std::string::npos) << msg;
  // Inline strings would come out empty with liborcus 0.17: refused, not lost.
  msg = error_of(
      testing::MakeXlsx({{"s", {{1, {XCell::Text("a")}}, {2, {XCell::Inline("lost?")}}}}}));
  EXPECT_NE(msg.find("inline strings"), std::string::npos) << msg;
  // A ZIP that is not a workbook, and a sheet with no rows.
  msg = error_of(testing::MakeZip({{"hello.txt", "hi"}}));
  EXPECT_NE(msg.find("no sheets"), std::string::npos) << msg;
  msg = error_of(testing::MakeXlsx({{"s", {}}}));
  EXPECT_NE(msg.find("no header"), std::string::npos) << msg;
  // Legacy .xls.
  Sheet legacy = Read("\xD0\xCF\x11\xE0", {}, "old.xls");
  EXPECT_NE(legacy.status.message().find(".xls"), std::string::npos);
  // A workbook named .csv is recognised as a ZIP, not read as text.
  Sheet renamed = Read(book, {}, "f.csv");
  EXPECT_NE(renamed.status.message().find("ZIP archive"), std::string::npos)
      << renamed.status.message();
}

TEST(XlsxReader, BigSheetKeepsEveryRow) {
  XRows rows = {{1, {XCell::Text("n"), XCell::Text("text")}}};
  for (int i = 2; i <= 20001; ++i)
    rows.push_back({i, {XCell::Number(std::to_string(i)), XCell::Text(fmt::format("行{}", i))}});
  Sheet s = Read(testing::MakeXlsx({{"s", rows}}));
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_EQ(s.rows.size(), 20000u);
  EXPECT_EQ(s.rows.back(), (std::vector<std::string>{"20001", "行20001"}));
  EXPECT_EQ(s.lines.back(), 20001);
}

}  // namespace
}  // namespace yishu::formats
