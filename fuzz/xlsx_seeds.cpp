// Writes seed workbooks for the XLSX fuzz target into the directory given: a normal workbook,
// two sheets, dates, formulas, a blank row, a ragged row and inline strings.
#include <filesystem>
#include <fstream>

#include "formats/testing_xlsx.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  using namespace yishu::formats::testing;
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  XRows people = {
      {1, {XCell::Text("id_number"), XCell::Text("name"), XCell::Text("birth_date")}},
      {2, {XCell::Text("11010519491231002X"), XCell::Text("张三"), XCell::Date("18263")}},
      {3,
       {XCell::Number("1.10105194912310E+17"), XCell::Text("李四, \"小\""),
        XCell::Formula("A1", "x")}},
      {5, {XCell::Text("a"), XCell::Text("b"), XCell::Text("c"), XCell::Text("d")}}};
  write("people.xlsx", MakeXlsx({{"户籍", people}}));
  write("two_sheets.xlsx", MakeXlsx({{"a", {{1, {XCell::Text("x")}}}}, {"b", people}}));
  write("inline.xlsx", MakeXlsx({{"s", {{1, {XCell::Inline("x")}}}}}));
  auto entries = XlsxEntries({{"s", people}});
  for (auto& e : entries) e.deflate = false;
  write("stored.xlsx", MakeZip(entries));
  return 0;
}
