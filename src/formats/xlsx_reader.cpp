#include "formats/xlsx_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <unordered_map>

#include <fmt/format.h>
#include <orcus/orcus_xlsx.hpp>
#include <orcus/spreadsheet/import_interface.hpp>

#include "crypto/sm3.hpp"

namespace yishu::formats {

namespace {

namespace ss = orcus::spreadsheet;

// ---------------------------------------------------------------------------------------------
// The ZIP container

uint32_t Le16(const unsigned char* p) {
  return p[0] | (p[1] << 8);
}
uint32_t Le32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

Status NotXlsx(const std::string& why) {
  return Status::InvalidArgument("not a readable XLSX workbook: " + why);
}

// Inflates one deflated entry in fixed-size steps, never holding more than one step, and checks
// that it yields exactly the declared size and CRC. Looks for inline-string cells on the way.
Status InflateAndCheck(std::string_view name, const unsigned char* data, size_t compressed,
                       uint32_t declared, uint32_t crc_expected, bool deflated,
                       bool* inline_strings) {
  static constexpr std::string_view kInline = "t=\"inlineStr\"";
  uLong crc = crc32(0, nullptr, 0);
  size_t produced = 0;
  std::string tail;  // the end of the previous step, so a pattern split by a step is found
  auto scan = [&](const unsigned char* p, size_t n) {
    crc = crc32(crc, p, static_cast<uInt>(n));
    if (*inline_strings) return;
    std::string window = tail;
    window.append(reinterpret_cast<const char*>(p), n);
    if (window.find(kInline) != std::string::npos) *inline_strings = true;
    tail = window.substr(window.size() - std::min(window.size(), kInline.size() - 1));
  };
  if (!deflated) {
    for (size_t off = 0; off < compressed; off += 1 << 20)
      scan(data + off, std::min<size_t>(1 << 20, compressed - off));
    produced = compressed;
  } else {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Status::Internal("zlib inflateInit failed");
    std::string out(1 << 18, '\0');
    z.next_in = const_cast<unsigned char*>(data);
    int rc = Z_OK;
    size_t left = compressed;
    while (rc != Z_STREAM_END) {
      if (z.avail_in == 0 && left > 0) {
        uInt chunk = static_cast<uInt>(std::min<size_t>(left, 1 << 30));
        z.avail_in = chunk;
        left -= chunk;
      }
      z.next_out = reinterpret_cast<unsigned char*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      rc = inflate(&z, Z_NO_FLUSH);
      size_t got = out.size() - z.avail_out;
      produced += got;
      if (produced > declared) {
        inflateEnd(&z);
        return NotXlsx(fmt::format(
            "part {} inflates to more than the {} bytes it declares (a zip bomb or a corrupt "
            "file)",
            name, declared));
      }
      scan(reinterpret_cast<unsigned char*>(out.data()), got);
      if (rc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) break;
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        inflateEnd(&z);
        return NotXlsx(fmt::format("part {} is corrupt ({})", name, z.msg ? z.msg : "inflate"));
      }
    }
    inflateEnd(&z);
  }
  if (produced != declared)
    return NotXlsx(fmt::format("part {} holds {} bytes where it declares {} (truncated?)", name,
                               produced, declared));
  if (crc != crc_expected) return NotXlsx(fmt::format("part {} fails its CRC check", name));
  return Status::Ok();
}

}  // namespace

Status CheckZipArchive(std::string_view bytes, const ReaderOptions& o) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n == 0) return Status::InvalidArgument("the file is empty (0 bytes)");
  if (n < 22 || std::memcmp(b, "PK\x03\x04", 4) != 0)
    return NotXlsx("the file is not a ZIP archive (an XLSX workbook is one)");
  // End of central directory: 22 bytes plus a comment of at most 64 KiB, at the very end.
  size_t eocd = std::string_view::npos;
  for (size_t p = n - 22 + 1; p-- > 0 && n - p <= 22 + 0xFFFF;)
    if (Le32(b + p) == 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd == std::string_view::npos)
    return NotXlsx("the ZIP archive has no central directory (truncated?)");
  const uint32_t entries = Le16(b + eocd + 10);
  const uint32_t cd_size = Le32(b + eocd + 12);
  const uint32_t cd_offset = Le32(b + eocd + 16);
  if (entries == 0xFFFF || cd_offset == 0xFFFFFFFF)
    return NotXlsx("ZIP64 archives are not supported (a workbook over 4 GB?)");
  if (Le16(b + eocd + 4) != 0 || Le16(b + eocd + 6) != 0)
    return NotXlsx("multi-volume ZIP archives are not supported");
  if (static_cast<uint64_t>(cd_offset) + cd_size > eocd)
    return NotXlsx("the ZIP central directory lies outside the file (truncated?)");
  if (entries > 10000) return NotXlsx(fmt::format("the archive has {} entries", entries));
  uint64_t total = 0;
  size_t p = cd_offset;
  for (uint32_t i = 0; i < entries; ++i) {
    if (p + 46 > eocd || Le32(b + p) != 0x02014b50)
      return NotXlsx("the ZIP central directory is corrupt");
    const uint32_t flags = Le16(b + p + 8), method = Le16(b + p + 10);
    const uint32_t crc = Le32(b + p + 16), csize = Le32(b + p + 20), usize = Le32(b + p + 24);
    const uint32_t name_len = Le16(b + p + 28), extra_len = Le16(b + p + 30),
                   comment_len = Le16(b + p + 32);
    const uint32_t local = Le32(b + p + 42);
    if (p + 46 + name_len + extra_len + comment_len > eocd)
      return NotXlsx("the ZIP central directory is corrupt");
    std::string name(reinterpret_cast<const char*>(b + p + 46), name_len);
    p += 46 + name_len + extra_len + comment_len;
    if (flags & 1) return NotXlsx("part " + name + " is encrypted (a password-protected file?)");
    if (method != 0 && method != 8)
      return NotXlsx(fmt::format("part {} uses compression method {} (only stored and deflate)",
                                 name, method));
    if (usize > o.max_xlsx_part_bytes)
      return NotXlsx(fmt::format("part {} inflates to {} bytes, over the limit of {}", name, usize,
                                 o.max_xlsx_part_bytes));
    total += usize;
    if (total > o.max_xlsx_total_bytes)
      return NotXlsx(fmt::format("the parts inflate to more than the limit of {} bytes in all",
                                 o.max_xlsx_total_bytes));
    if (usize > (1u << 20) && usize / std::max<uint64_t>(csize, 1) > o.max_xlsx_ratio)
      return NotXlsx(
          fmt::format("part {} inflates {}x ({} to {} bytes), over the limit of {}x: a zip bomb",
                      name, usize / std::max<uint64_t>(csize, 1), csize, usize, o.max_xlsx_ratio));
    if (method == 0 && csize != usize)
      return NotXlsx("stored part " + name + " has two different sizes");
    // The local header and the data must lie inside the file, before the central directory.
    if (static_cast<uint64_t>(local) + 30 > cd_offset || Le32(b + local) != 0x04034b50)
      return NotXlsx("part " + name + " has no valid local header");
    const uint64_t data =
        static_cast<uint64_t>(local) + 30 + Le16(b + local + 26) + Le16(b + local + 28);
    if (data + csize > cd_offset) return NotXlsx("part " + name + " is truncated");
    // Worksheets and shared strings are what liborcus inflates into buffers of the declared
    // size and parses: verify their real size, CRC and content now.
    if (name.rfind("xl/", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".xml") {
      bool inline_strings = false;
      YISHU_RETURN_IF_ERROR(
          InflateAndCheck(name, b + data, csize, usize, crc, method == 8, &inline_strings));
      if (inline_strings && name.rfind("xl/worksheets/", 0) == 0)
        return NotXlsx(
            "sheet part " + name +
            " stores text as inline strings (written by a streaming exporter), which this reader "
            "cannot read without losing values: open and save it in Excel or WPS, or deliver "
            "CSV");
    }
  }
  return Status::Ok();
}

namespace {

// ---------------------------------------------------------------------------------------------
// Cells from liborcus

// A1 notation, 0-based; false when `s` is not one.
bool ParseA1(std::string_view s, ss::row_t* row, ss::col_t* col) {
  size_t i = 0;
  int64_t c = 0, r = 0;
  if (i < s.size() && s[i] == '$') ++i;
  size_t letters = i;
  while (i < s.size() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) {
    c = c * 26 + ((s[i] | 0x20) - 'a' + 1);
    if (c > 16384) return false;
    ++i;
  }
  if (i == letters) return false;
  if (i < s.size() && s[i] == '$') ++i;
  size_t digits = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    r = r * 10 + (s[i] - '0');
    if (r > 1048576) return false;
    ++i;
  }
  if (i == digits || i != s.size() || r == 0) return false;
  *row = static_cast<ss::row_t>(r - 1);
  *col = static_cast<ss::col_t>(c - 1);
  return true;
}

class Resolver : public ss::iface::import_reference_resolver {
 public:
  orcus::spreadsheet::src_address_t resolve_address(std::string_view a) override {
    ss::src_address_t out{0, 0, 0};
    if (!ParseA1(a, &out.row, &out.column))
      throw std::runtime_error(fmt::format("invalid cell address '{}'", a));
    return out;
  }
  ss::src_range_t resolve_range(std::string_view r) override {
    size_t colon = r.find(':');
    ss::src_range_t out{};
    out.first = resolve_address(r.substr(0, colon));
    out.last = colon == std::string_view::npos ? out.first : resolve_address(r.substr(colon + 1));
    return out;
  }
};

// Excel's date serial (1900 system) as text.
std::string FormatSerialDate(double v) {
  if (!(v >= 1 && v < 2958466)) return fmt::format("{}", v);  // outside 1900-01-01..9999-12-31
  int64_t days = static_cast<int64_t>(std::floor(v));
  double frac = v - days;
  // Serial 60 is Excel's phantom 1900-02-29; before it the epoch is one day later.
  int64_t from_epoch = days < 60 ? days + 1 : days;
  // Days since 1899-12-30 to a civil date (Howard Hinnant's algorithm, via days since 1970).
  int64_t z = from_epoch - 25569 + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (days == 60) y = 1900, m = 2, d = 29;
  int64_t secs = static_cast<int64_t>(std::llround(frac * 86400));
  if (secs == 0 || secs == 86400) return fmt::format("{:04}-{:02}-{:02}", y, m, d);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", y, m, d, secs / 3600, secs / 60 % 60,
                     secs % 60);
}

std::string FormatNumber(double v) {
  // Whole numbers as integers (a phone number typed as a number reads back as typed); the rest
  // in their shortest round-trip form, so Excel's damage (1.10105E+17) stays visible.
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

// Number format codes that show a date or time: built-in ids and custom codes with date
// letters outside quotes, brackets and escapes.
bool IsDateFormat(size_t id, const std::string& code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
      (id >= 50 && id <= 58))
    return true;
  if (code.empty()) return false;
  bool quoted = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\\' || c == '_' || c == '*') {
      ++i;
      continue;
    }
    if (c == '[') ++bracket;
    if (c == ']') --bracket;
    if (bracket > 0) continue;
    c = static_cast<char>(c | 0x20);
    if (c == 'y' || c == 'd' || c == 'h' || c == 's' || c == 'm') return true;
  }
  return false;
}

// The styles liborcus reports, reduced to: which cell formats show dates.
class Styles : public ss::iface::import_styles {
 public:
  bool IsDateXf(size_t xf) const { return xf < xf_is_date_.size() && xf_is_date_[xf]; }

  void set_number_format_identifier(size_t id) override { fmt_id_ = id; }
  void set_number_format_code(std::string_view s) override { fmt_code_ = s; }
  size_t commit_number_format() override {
    codes_[fmt_id_] = fmt_code_;
    fmt_code_.clear();
    return fmt_id_;
  }
  void set_xf_number_format(size_t id) override { xf_fmt_ = id; }
  size_t commit_cell_xf() override {
    auto it = codes_.find(xf_fmt_);
    xf_is_date_.push_back(IsDateFormat(xf_fmt_, it == codes_.end() ? "" : it->second));
    xf_fmt_ = 0;
    return xf_is_date_.size() - 1;
  }
  size_t commit_cell_style_xf() override {
    xf_fmt_ = 0;
    return 0;
  }
  size_t commit_dxf() override {
    xf_fmt_ = 0;
    return 0;
  }

  // Everything else about looks is of no interest to collection.
  void set_font_count(size_t) override {}
  void set_font_bold(bool) override {}
  void set_font_italic(bool) override {}
  void set_font_name(std::string_view) override {}
  void set_font_size(double) override {}
  void set_font_underline(ss::underline_t) override {}
  void set_font_underline_width(ss::underline_width_t) override {}
  void set_font_underline_mode(ss::underline_mode_t) override {}
  void set_font_underline_type(ss::underline_type_t) override {}
  void set_font_underline_color(ss::color_elem_t, ss::color_elem_t, ss::color_elem_t,
                                ss::color_elem_t) override {}
  void set_font_color(ss::color_elem_t, ss::color_elem_t, ss::color_elem_t,
                      ss::color_elem_t) override {}
  void set_strikethrough_style(ss::strikethrough_style_t) override {}
  void set_strikethrough_type(ss::strikethrough_type_t) override {}
  void set_strikethrough_width(ss::strikethrough_width_t) override {}
  void set_strikethrough_text(ss::strikethrough_text_t) override {}
  size_t commit_font() override { return 0; }
  void set_fill_count(size_t) override {}
  void set_fill_pattern_type(ss::fill_pattern_t) override {}
  void set_fill_fg_color(ss::color_elem_t, ss::color_elem_t, ss::color_elem_t,
                         ss::color_elem_t) override {}
  void set_fill_bg_color(ss::color_elem_t, ss::color_elem_t, ss::color_elem_t,
                         ss::color_elem_t) override {}
  size_t commit_fill() override { return 0; }
  void set_border_count(size_t) override {}
  void set_border_style(ss::border_direction_t, ss::border_style_t) override {}
  void set_border_color(ss::border_direction_t, ss::color_elem_t, ss::color_elem_t,
                        ss::color_elem_t, ss::color_elem_t) override {}
  void set_border_width(ss::border_direction_t, double, orcus::length_unit_t) override {}
  size_t commit_border() override { return 0; }
  void set_cell_hidden(bool) override {}
  void set_cell_locked(bool) override {}
  void set_cell_print_content(bool) override {}
  void set_cell_formula_hidden(bool) override {}
  size_t commit_cell_protection() override { return 0; }
  void set_number_format_count(size_t) override {}
  void set_cell_xf_count(size_t) override {}
  void set_cell_style_xf_count(size_t) override {}
  void set_dxf_count(size_t) override {}
  void set_xf_font(size_t) override {}
  void set_xf_fill(size_t) override {}
  void set_xf_border(size_t) override {}
  void set_xf_protection(size_t) override {}
  void set_xf_style_xf(size_t) override {}
  void set_xf_apply_alignment(bool) override {}
  void set_xf_horizontal_alignment(ss::hor_alignment_t) override {}
  void set_xf_vertical_alignment(ss::ver_alignment_t) override {}
  void set_cell_style_count(size_t) override {}
  void set_cell_style_name(std::string_view) override {}
  void set_cell_style_xf(size_t) override {}
  void set_cell_style_builtin(size_t) override {}
  void set_cell_style_parent_name(std::string_view) override {}
  size_t commit_cell_style() override { return 0; }

 private:
  size_t fmt_id_ = 0, xf_fmt_ = 0;
  std::string fmt_code_;
  std::unordered_map<size_t, std::string> codes_;
  std::vector<bool> xf_is_date_;
};

// Text lives in one arena; a span names a piece of it.
struct Span {
  size_t off = 0;
  uint32_t len = 0;
};

struct Cell {
  ss::row_t row;
  ss::col_t col;
  Span text;
  bool numeric;  // a number, reformatted when its format turns out to show a date
  double value;
  uint32_t xf = 0;  // the cell's format (styles are read after the sheets)
};

class SharedStrings : public ss::iface::import_shared_strings {
 public:
  explicit SharedStrings(std::string* arena) : arena_(arena) {}
  const Span* Get(size_t i) const { return i < spans_.size() ? &spans_[i] : nullptr; }

  size_t append(std::string_view s) override { return Add(s); }
  size_t add(std::string_view s) override { return Add(s); }
  void append_segment(std::string_view s) override { segments_.append(s); }
  size_t commit_segments() override {
    size_t id = Add(segments_);
    segments_.clear();
    return id;
  }
  void set_segment_font(size_t) override {}
  void set_segment_bold(bool) override {}
  void set_segment_italic(bool) override {}
  void set_segment_font_name(std::string_view) override {}
  void set_segment_font_size(double) override {}
  void set_segment_font_color(ss::color_elem_t, ss::color_elem_t, ss::color_elem_t,
                              ss::color_elem_t) override {}

 private:
  size_t Add(std::string_view s) {
    spans_.push_back({arena_->size(), static_cast<uint32_t>(s.size())});
    arena_->append(s);
    return spans_.size() - 1;
  }
  std::string* arena_;
  std::string segments_;
  std::vector<Span> spans_;
};

// The chosen sheet: cells in the order liborcus reports them (row by row), formula results
// kept aside (they come after every sheet has been read).
struct SheetData {
  std::string arena;
  std::vector<Cell> cells;
  std::map<std::pair<ss::row_t, ss::col_t>, std::string> formula_results;
  Span Put(std::string_view s) {
    Span sp{arena.size(), static_cast<uint32_t>(s.size())};
    arena.append(s);
    return sp;
  }
};

class FormulaSink : public ss::iface::import_formula {
 public:
  explicit FormulaSink(SheetData* d) : d_(d) {}
  void set_position(ss::row_t row, ss::col_t col) override { row_ = row, col_ = col; }
  void set_formula(ss::formula_grammar_t, std::string_view) override {}
  void set_shared_formula_index(size_t) override {}
  void set_result_string(std::string_view v) override { result_ = v; }
  void set_result_value(double v) override { result_ = FormatNumber(v); }
  void set_result_bool(bool v) override { result_ = v ? "TRUE" : "FALSE"; }
  void set_result_empty() override { result_.clear(); }
  void commit() override {
    if (d_) d_->formula_results[{row_, col_}] = result_;
    result_.clear();
  }

 private:
  SheetData* d_;
  ss::row_t row_ = 0;
  ss::col_t col_ = 0;
  std::string result_;
};

// One sheet as liborcus sees it; only the chosen one keeps anything.
class Sheet : public ss::iface::import_sheet {
 public:
  Sheet(SheetData* data, const SharedStrings* strings)
      : data_(data), strings_(strings), formula_(data) {}

  ss::iface::import_formula* get_formula() override { return &formula_; }
  void set_auto(ss::row_t row, ss::col_t col, std::string_view s) override {
    if (data_) data_->cells.push_back({row, col, data_->Put(s), false, 0});
  }
  void set_string(ss::row_t row, ss::col_t col, ss::string_id_t id) override {
    if (!data_) return;
    const Span* sp = strings_->Get(id);
    if (!sp) throw std::runtime_error(fmt::format("cell refers to missing shared string {}", id));
    data_->cells.push_back({row, col, *sp, false, 0});
  }
  void set_value(ss::row_t row, ss::col_t col, double value) override {
    if (data_) data_->cells.push_back({row, col, data_->Put(FormatNumber(value)), true, value});
  }
  void set_bool(ss::row_t row, ss::col_t col, bool value) override {
    if (data_) data_->cells.push_back({row, col, data_->Put(value ? "TRUE" : "FALSE"), false, 0});
  }
  void set_date_time(ss::row_t row, ss::col_t col, int y, int mo, int d, int h, int mi,
                     double s) override {
    if (!data_) return;
    std::string t = h == 0 && mi == 0 && s == 0 ? fmt::format("{:04}-{:02}-{:02}", y, mo, d)
                                                : fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                                                              y, mo, d, h, mi, static_cast<int>(s));
    data_->cells.push_back({row, col, data_->Put(t), false, 0});
  }
  void set_format(ss::row_t row, ss::col_t col, size_t xf) override {
    // liborcus reports a cell's format right after its value, but reads the styles only after
    // every sheet: remember the format; dates are rendered once the styles are known.
    if (!data_ || data_->cells.empty()) return;
    Cell& c = data_->cells.back();
    if (c.row == row && c.col == col && c.numeric) c.xf = static_cast<uint32_t>(xf);
  }
  void set_format(ss::row_t, ss::col_t, ss::row_t, ss::col_t, size_t) override {}
  void fill_down_cells(ss::row_t, ss::col_t, ss::row_t) override {}
  ss::range_size_t get_sheet_size() const override { return {1048576, 16384}; }

 private:
  SheetData* data_;
  const SharedStrings* strings_;
  FormulaSink formula_;
};

class Factory : public ss::iface::import_factory {
 public:
  Factory(std::string wanted, SheetData* data)
      : wanted_(std::move(wanted)), data_(data), strings_(&data->arena) {}

  ss::iface::import_shared_strings* get_shared_strings() override { return &strings_; }
  ss::iface::import_styles* get_styles() override { return &styles_; }
  ss::iface::import_reference_resolver* get_reference_resolver(ss::formula_ref_context_t) override {
    return &resolver_;
  }
  ss::iface::import_sheet* append_sheet(ss::sheet_t index, std::string_view name) override {
    bool chosen = wanted_.empty() ? index == 0 : name == wanted_;
    if (chosen) chosen_name_ = name;
    names_.emplace_back(name);
    sheets_.push_back(std::make_unique<Sheet>(chosen ? data_ : nullptr, &strings_));
    return sheets_.back().get();
  }
  ss::iface::import_sheet* get_sheet(std::string_view name) override {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return sheets_[i].get();
    return nullptr;
  }
  ss::iface::import_sheet* get_sheet(ss::sheet_t index) override {
    return index >= 0 && static_cast<size_t>(index) < sheets_.size() ? sheets_[index].get()
                                                                     : nullptr;
  }
  void finalize() override {}

  const std::vector<std::string>& names() const { return names_; }
  const std::string& chosen_name() const { return chosen_name_; }
  const Styles& styles() const { return styles_; }

 private:
  std::string wanted_;
  SheetData* data_;
  SharedStrings strings_;
  Styles styles_;
  Resolver resolver_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Sheet>> sheets_;
  std::string chosen_name_;
};

// A field as one CSV value (quoted when it must be), for the row's raw text.
void AppendCsvField(std::string* out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

class XlsxReader : public RecordReader {
 public:
  XlsxReader(std::unique_ptr<SheetData> data, std::string sm3, int64_t bytes)
      : data_(std::move(data)), sm3_(std::move(sm3)), bytes_(bytes) {}

  Status Init() {
    // Formula results take their cells' places; a hostile sheet may list rows out of order:
    // rows are read in row order whatever the XML says (a later cell at a spot wins).
    for (auto& [pos, text] : data_->formula_results)
      data_->cells.push_back({pos.first, pos.second, data_->Put(text), false, 0});
    data_->formula_results.clear();
    auto before = [](const Cell& a, const Cell& b) {
      return a.row != b.row ? a.row < b.row : a.col < b.col;
    };
    if (!std::is_sorted(data_->cells.begin(), data_->cells.end(), before))
      std::stable_sort(data_->cells.begin(), data_->cells.end(), before);
    Record h;
    YISHU_ASSIGN_OR_RETURN(bool got, NextRow(&h));
    if (!got) return Status::InvalidArgument("the sheet is empty: no header row");
    for (auto f : h.fields) header_.emplace_back(f);
    while (!header_.empty() && header_.back().empty()) header_.pop_back();
    if (header_.empty()) return Status::InvalidArgument("the header row has no names");
    width_ = header_.size();
    return Status::Ok();
  }

  const std::vector<std::string>& header() const override { return header_; }
  std::string encoding() const override { return "UTF-8"; }
  std::string format() const override { return "xlsx"; }
  int64_t blank_lines() const override { return blank_; }
  int64_t bytes_read() const override { return bytes_; }
  int64_t bytes_total() const override { return bytes_; }
  std::string sm3() override { return sm3_; }

  Result<bool> Next(Record* r) override {
    YISHU_ASSIGN_OR_RETURN(bool got, NextRow(r));
    if (!got) return false;
    // Cells right of the header's last name: flagged like a ragged CSV row when they hold text.
    size_t used = r->fields.size();
    while (used > width_ && r->fields[used - 1].empty()) --used;
    if (used > width_)
      r->problems.push_back({"ragged_row", fmt::format("a value in column {} where the header "
                                                       "has {} columns",
                                                       used, width_)});
    r->fields.resize(width_);
    if (std::memchr(r->raw.data(), 0, r->raw.size()))
      r->problems.push_back({"nul_byte", "the row contains a NUL character"});
    return true;
  }

 private:
  // The next row that has any cell; rows with none in between count as blank lines.
  Result<bool> NextRow(Record* r) {
    r->fields.clear();
    r->problems.clear();
    const auto& cells = data_->cells;
    if (next_ >= cells.size()) return false;
    const ss::row_t row = cells[next_].row;
    if (row < 0) return Status::InvalidArgument("a cell is out of range");
    blank_ += last_row_ >= 0 ? row - last_row_ - 1 : row;
    last_row_ = row;
    values_.clear();
    size_t end = next_;
    while (end < cells.size() && cells[end].row == row) ++end;
    for (size_t i = next_; i < end; ++i) {
      const Cell& c = cells[i];
      if (c.col < 0 || c.col > 16383) return Status::InvalidArgument("a cell is out of range");
      if (values_.size() <= static_cast<size_t>(c.col)) values_.resize(c.col + 1);
      values_[c.col] = std::string_view(data_->arena.data() + c.text.off, c.text.len);
    }
    next_ = end;
    raw_.clear();
    for (size_t i = 0; i < values_.size(); ++i) {
      if (i) raw_.push_back(',');
      AppendCsvField(&raw_, values_[i]);
    }
    r->line = row + 1;
    r->raw = raw_;
    r->fields.assign(values_.begin(), values_.end());
    if (r->fields.size() < width_) r->fields.resize(width_);
    return true;
  }

  std::unique_ptr<SheetData> data_;
  std::string sm3_;
  int64_t bytes_;
  std::vector<std::string> header_;
  size_t width_ = 0;
  size_t next_ = 0;
  ss::row_t last_row_ = -1;
  int64_t blank_ = 0;
  std::vector<std::string_view> values_;
  std::string raw_;
};

}  // namespace

Result<std::unique_ptr<RecordReader>> OpenXlsxReader(std::unique_ptr<ByteSource> source,
                                                     const ReaderOptions& options) {
  std::string bytes;
  if (source->size() > 0 && static_cast<size_t>(source->size()) > options.max_xlsx_bytes)
    return Status::InvalidArgument(fmt::format("the workbook is {} bytes, over the limit of {}",
                                               source->size(), options.max_xlsx_bytes));
  crypto::Sm3Hasher hasher;
  for (;;) {
    size_t have = bytes.size();
    if (have >= options.max_xlsx_bytes + 1) break;
    bytes.resize(have + std::min<size_t>(1 << 20, options.max_xlsx_bytes + 1 - have));
    YISHU_ASSIGN_OR_RETURN(size_t got, source->Read(bytes.data() + have, bytes.size() - have));
    bytes.resize(have + got);
    if (got == 0) break;
  }
  if (bytes.size() > options.max_xlsx_bytes)
    return Status::InvalidArgument(
        fmt::format("the workbook is over the limit of {} bytes", options.max_xlsx_bytes));
  hasher.Update(bytes);
  YISHU_RETURN_IF_ERROR(CheckZipArchive(bytes, options));

  auto data = std::make_unique<SheetData>();
  Factory factory(options.sheet, data.get());
  try {
    orcus::orcus_xlsx importer(&factory);
    importer.read_stream(bytes);
  } catch (const std::exception& e) {
    return NotXlsx(e.what());
  }
  if (factory.chosen_name().empty()) {
    if (factory.names().empty()) return NotXlsx("the workbook has no sheets");
    std::string names;
    for (const auto& n : factory.names()) names += (names.empty() ? "'" : ", '") + n + "'";
    return Status::InvalidArgument(
        fmt::format("the workbook has no sheet named '{}' (it has {})", options.sheet, names));
  }
  // A number whose format shows a date is given as the date Excel shows.
  for (Cell& c : data->cells)
    if (c.numeric && c.xf && factory.styles().IsDateXf(c.xf)) {
      c.text = data->Put(FormatSerialDate(c.value));
      c.numeric = false;
    }
  int64_t size = static_cast<int64_t>(bytes.size());
  std::string().swap(bytes);
  auto reader = std::make_unique<XlsxReader>(std::move(data), hasher.Final(), size);
  YISHU_RETURN_IF_ERROR(reader->Init());
  return std::unique_ptr<RecordReader>(std::move(reader));
}

}  // namespace yishu::formats
