// Test helpers: small ZIP archives and XLSX workbooks written in memory (zlib), so the XLSX
// reader's tests and the fuzz corpus need no binary fixtures. Tests only.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace yishu::formats::testing {

struct ZipEntry {
  std::string name;
  std::string data;
  bool deflate = true;
  // When set, the sizes written in the headers instead of the real ones (to forge archives).
  int64_t declared_size = -1;
};

inline void Put16(std::string* o, uint32_t v) {
  o->push_back(static_cast<char>(v & 0xFF));
  o->push_back(static_cast<char>((v >> 8) & 0xFF));
}
inline void Put32(std::string* o, uint32_t v) {
  Put16(o, v & 0xFFFF);
  Put16(o, v >> 16);
}

inline std::string RawDeflate(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string MakeZip(const std::vector<ZipEntry>& entries) {
  std::string out, central;
  for (const auto& e : entries) {
    std::string body = e.deflate ? RawDeflate(e.data) : e.data;
    uint32_t crc =
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size()));
    uint32_t usize = e.declared_size >= 0 ? static_cast<uint32_t>(e.declared_size)
                                          : static_cast<uint32_t>(e.data.size());
    uint32_t offset = static_cast<uint32_t>(out.size());
    auto header = [&](std::string* o, bool central_entry) {
      Put32(o, central_entry ? 0x02014b50 : 0x04034b50);
      if (central_entry) Put16(o, 20);
      Put16(o, 20);
      Put16(o, 0);
      Put16(o, e.deflate ? 8 : 0);
      Put16(o, 0);
      Put16(o, 0x21);
      Put32(o, crc);
      Put32(o, static_cast<uint32_t>(body.size()));
      Put32(o, usize);
      Put16(o, static_cast<uint32_t>(e.name.size()));
      Put16(o, 0);
      if (central_entry) {
        Put16(o, 0);
        Put16(o, 0);
        Put16(o, 0);
        Put32(o, 0);
        Put32(o, offset);
      }
      o->append(e.name);
    };
    header(&out, false);
    out.append(body);
    header(&central, true);
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out.append(central);
  Put32(&out, 0x06054b50);
  Put16(&out, 0);
  Put16(&out, 0);
  Put16(&out, static_cast<uint32_t>(entries.size()));
  Put16(&out, static_cast<uint32_t>(entries.size()));
  Put32(&out, static_cast<uint32_t>(central.size()));
  Put32(&out, cd_offset);
  Put16(&out, 0);
  return out;
}

inline std::string XmlEscape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&')
      o += "&amp;";
    else if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

// A cell: text (shared string), a number, a number shown as a date, or a formula with its
// cached result.
struct XCell {
  enum Kind { kText, kNumber, kDate, kFormula, kInline } kind = kText;
  std::string value;    // text, or the number as written in the XML
  std::string formula;  // kFormula
  static XCell Text(std::string v) { return {kText, std::move(v), {}}; }
  static XCell Number(std::string v) { return {kNumber, std::move(v), {}}; }
  static XCell Date(std::string serial) { return {kDate, std::move(serial), {}}; }
  static XCell Formula(std::string f, std::string cached) {
    return {kFormula, std::move(cached), std::move(f)};
  }
  static XCell Inline(std::string v) { return {kInline, std::move(v), {}}; }
};
// Rows by their 1-based sheet row number (gaps are blank rows).
using XRows = std::vector<std::pair<int, std::vector<XCell>>>;

inline std::string ColumnName(size_t c) {
  std::string s;
  for (size_t n = c + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), 'A' + (n - 1) % 26);
  return s;
}

// The ZIP entries of a workbook with the given sheets (name, rows), shared strings and a style
// (index 1) that shows numbers as dates.
inline std::vector<ZipEntry> XlsxEntries(const std::vector<std::pair<std::string, XRows>>& sheets) {
  std::vector<ZipEntry> e;
  std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/xl/workbook.xml\" "
      "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
      "<Override PartName=\"/xl/sharedStrings.xml\" "
      "ContentType=\"application/"
      "vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
      "<Override PartName=\"/xl/styles.xml\" "
      "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>";
  for (size_t i = 0; i < sheets.size(); ++i)
    types += "<Override PartName=\"/xl/worksheets/sheet" + std::to_string(i + 1) +
             ".xml\" "
             "ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>";
  types += "</Types>";
  e.push_back({"[Content_Types].xml", types});
  e.push_back({"_rels/.rels",
               "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
               "<Relationships "
               "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
               "<Relationship Id=\"rId1\" "
               "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"});
  std::string wb =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
      "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>";
  std::string rels =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  for (size_t i = 0; i < sheets.size(); ++i) {
    std::string n = std::to_string(i + 1);
    wb += "<sheet name=\"" + XmlEscape(sheets[i].first) + "\" sheetId=\"" + n + "\" r:id=\"rId" +
          n + "\"/>";
    rels += "<Relationship Id=\"rId" + n +
            "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "worksheet\" Target=\"worksheets/sheet" +
            n + ".xml\"/>";
  }
  size_t k = sheets.size() + 1;
  rels += "<Relationship Id=\"rId" + std::to_string(k) +
          "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
          "sharedStrings\" Target=\"sharedStrings.xml\"/>";
  rels += "<Relationship Id=\"rId" + std::to_string(k + 1) +
          "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
          "styles\" Target=\"styles.xml\"/></Relationships>";
  wb += "</sheets></workbook>";
  e.push_back({"xl/workbook.xml", wb});
  e.push_back({"xl/_rels/workbook.xml.rels", rels});
  std::vector<std::string> strings;
  for (size_t i = 0; i < sheets.size(); ++i) {
    std::string x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<sheetData>";
    for (const auto& [row, cells] : sheets[i].second) {
      std::string r = std::to_string(row);
      x += "<row r=\"" + r + "\">";
      for (size_t c = 0; c < cells.size(); ++c) {
        const XCell& cell = cells[c];
        std::string ref = ColumnName(c) + r;
        switch (cell.kind) {
          case XCell::kText:
            if (cell.value.empty()) break;
            x += "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(strings.size()) + "</v></c>";
            strings.push_back(cell.value);
            break;
          case XCell::kNumber:
            x += "<c r=\"" + ref + "\"><v>" + cell.value + "</v></c>";
            break;
          case XCell::kDate:
            x += "<c r=\"" + ref + "\" s=\"1\"><v>" + cell.value + "</v></c>";
            break;
          case XCell::kFormula:
            x += "<c r=\"" + ref + "\" t=\"str\"><f>" + XmlEscape(cell.formula) + "</f><v>" +
                 XmlEscape(cell.value) + "</v></c>";
            break;
          case XCell::kInline:
            x += "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + XmlEscape(cell.value) +
                 "</t></is></c>";
            break;
        }
      }
      x += "</row>";
    }
    x += "</sheetData></worksheet>";
    e.push_back({"xl/worksheets/sheet" + std::to_string(i + 1) + ".xml", x});
  }
  std::string ss =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
      "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"" +
      std::to_string(strings.size()) + "\" uniqueCount=\"" + std::to_string(strings.size()) + "\">";
  for (const auto& s : strings) ss += "<si><t xml:space=\"preserve\">" + XmlEscape(s) + "</t></si>";
  ss += "</sst>";
  e.push_back({"xl/sharedStrings.xml", ss});
  e.push_back({"xl/styles.xml",
               "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
               "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
               "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
               "<fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>"
               "<borders count=\"1\"><border/></borders>"
               "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
               "borderId=\"0\"/></cellStyleXfs>"
               "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" "
               "xfId=\"0\"/><xf numFmtId=\"14\" fontId=\"0\" fillId=\"0\" borderId=\"0\" "
               "xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs>"
               "</styleSheet>"});
  return e;
}

inline std::string MakeXlsx(const std::vector<std::pair<std::string, XRows>>& sheets) {
  return MakeZip(XlsxEntries(sheets));
}

}  // namespace yishu::formats::testing
