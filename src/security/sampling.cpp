#include "security/sampling.hpp"

#include <iconv.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "common/strings.hpp"

namespace yishu::security {

namespace {

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::string TrimCell(std::string_view s) {
  std::string t(Trim(s));
  return t;
}

// Maps header cells to field names: a cell may be the machine name or the Chinese label.
std::vector<std::string> MapHeader(const catalogue::Resource& r,
                                   const std::vector<std::string>& header) {
  std::vector<std::string> out;
  for (const auto& h : header) {
    std::string cell = TrimCell(h);
    std::string name;
    for (const auto& f : r.fields)
      if (f.name == cell || f.label == cell) {
        name = f.name;
        break;
      }
    out.push_back(name);
  }
  return out;
}

class TableSampleSource final : public SampleSource {
 public:
  TableSampleSource(store::Store& store, KeyRing* keys) : store_(store), keys_(keys) {}
  Result<SampleValues> Sample(const catalogue::Resource& r, int max_rows) override {
    std::string table = ResourceTableName(r.code);
    auto rows = store_.Query("SELECT * FROM " + table + " LIMIT ?", {int64_t{max_rows}});
    if (!rows.ok()) return Status::NotFound("no table " + table + " for " + r.code);
    SampleValues out;
    out.source = "table " + table;
    std::unique_ptr<FieldProtector> fp;
    if (keys_) {
      auto p = keys_->ForResource(r.code);
      if (p.ok()) fp = std::move(p).value();
    }
    std::string plain;
    SealedRecord record;
    for (const auto& row : *rows) {
      ++out.rows;
      const auto& cols = row.columns();
      int64_t id = 0;
      // The record id the values were sealed with: ingest's tables call it _id.
      for (size_t i = 0; i < cols.size(); ++i)
        if (cols[i] == "_id" || cols[i] == "id") id = row.Int(i);
      for (size_t i = 0; i < cols.size(); ++i) {
        if (cols[i] == kSealedRecordColumn && !row.IsNull(i)) {
          // The record's sensitive values, sealed together: open it (a sealed value is no
          // evidence of anything by itself).
          if (!fp || !fp->OpenRecord(id, row[i].AsBytes(), &record).ok()) continue;
          for (const auto& f : r.fields)
            if (auto v = record.Find(f.name); v && !v->empty())
              out.by_field[f.name].emplace_back(*v);
          continue;
        }
        if (!r.FindField(cols[i]) || row.IsNull(i)) continue;
        const store::Value& v = row[i];
        if (v.is_blob()) {
          // Sealed at rest: open it (a sealed value is no evidence of anything by itself).
          if (!fp || !fp->Open(id, cols[i], v.AsBytes(), &plain).ok()) continue;
          out.by_field[cols[i]].push_back(plain);
        } else {
          std::string t = v.AsText();
          if (!t.empty()) out.by_field[cols[i]].push_back(std::move(t));
        }
      }
    }
    return out;
  }

 private:
  store::Store& store_;
  KeyRing* keys_;
};

std::string ToUtf8(std::string text, std::string* encoding) {
  if (ValidUtf8(text)) {
    if (encoding) *encoding = "UTF-8";
    return text;
  }
  auto u = GbkToUtf8(text);
  if (encoding) *encoding = "GBK";
  return u.ok() ? *u : std::string();
}

// Fraction of the resource's fields named by the file's header row (0 when unreadable).
double HeaderScore(const catalogue::Resource& r, const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  size_t nl = head.find('\n');
  if (nl == std::string::npos || r.fields.empty()) return 0;
  head.resize(nl + 1);
  auto rec = ParseCsvSample(ToUtf8(std::move(head), nullptr), 1);
  if (rec.empty()) return 0;
  auto names = MapHeader(r, rec[0]);
  size_t hits = std::count_if(names.begin(), names.end(), [](const auto& n) { return !n.empty(); });
  return static_cast<double>(hits) / static_cast<double>(std::max(r.fields.size(), rec[0].size()));
}

class InboxSampleSource final : public SampleSource {
 public:
  explicit InboxSampleSource(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Result<SampleValues> Sample(const catalogue::Resource& r, int max_rows) override {
    // Delivered file names are the department's own (低保对象花名册_202611.csv), so the file is
    // recognised by its header: the one whose cells best match the resource's field names or
    // labels, the newest (by name, then modification time) among equals.
    std::error_code ec;
    std::filesystem::path dept_dir = dir_ / r.department;
    std::filesystem::path root = std::filesystem::is_directory(dept_dir, ec) ? dept_dir : dir_;
    std::filesystem::path best;
    double best_score = 0;
    std::filesystem::file_time_type best_time{};
    if (std::filesystem::is_directory(root, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        double score = HeaderScore(r, it->path());
        if (score < 0.6) continue;
        auto t = it->last_write_time(ec);
        if (score > best_score || (score == best_score &&
                                   (it->path().filename() > best.filename() ||
                                    (it->path().filename() == best.filename() && t > best_time)))) {
          best = it->path();
          best_score = score;
          best_time = t;
        }
      }
    }
    if (best.empty())
      return Status::NotFound("no delivered file for " + r.code + " under " + root.string());
    std::ifstream in(best, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Sampling needs only the head of the file; cut at a line end to keep characters whole.
    constexpr size_t kHead = 4 << 20;
    if (text.size() > kHead) {
      size_t nl = text.rfind('\n', kHead);
      text.resize(nl == std::string::npos ? kHead : nl + 1);
    }
    std::string encoding;
    text = ToUtf8(std::move(text), &encoding);
    auto records = ParseCsvSample(text, static_cast<size_t>(max_rows) + 1);
    if (records.empty()) return Status::NotFound("empty file " + best.string());
    auto names = MapHeader(r, records[0]);
    SampleValues out;
    out.source = "file " + best.filename().string() + " (" + encoding + ")";
    for (size_t i = 1; i < records.size(); ++i) {
      ++out.rows;
      for (size_t k = 0; k < records[i].size() && k < names.size(); ++k) {
        if (names[k].empty()) continue;
        std::string v = TrimCell(records[i][k]);
        if (!v.empty()) out.by_field[names[k]].push_back(std::move(v));
      }
    }
    return out;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace

std::string ResourceTableName(std::string_view code) {
  return "r_" + ToLowerAscii(code);
}

std::unique_ptr<SampleSource> MakeTableSampleSource(store::Store& store, KeyRing* keys) {
  return std::make_unique<TableSampleSource>(store, keys);
}
std::unique_ptr<SampleSource> MakeInboxSampleSource(std::filesystem::path inbox_dir) {
  return std::make_unique<InboxSampleSource>(std::move(inbox_dir));
}

Result<SampleValues> SampleResource(store::Store& store, KeyRing* keys,
                                    const std::filesystem::path& data_dir,
                                    const catalogue::Resource& r, int max_rows) {
  auto t = MakeTableSampleSource(store, keys)->Sample(r, max_rows);
  if (t.ok() && t->rows > 0) return t;
  auto f = MakeInboxSampleSource(data_dir / "demo-district" / "inbox")->Sample(r, max_rows);
  if (f.ok()) return f;
  // No values anywhere: names and labels alone still classify.
  SampleValues none;
  none.source = "no sample (" + f.status().message() + ")";
  return none;
}

Result<std::string> GbkToUtf8(std::string_view gbk) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return Status::Internal("iconv cannot convert GB18030");
  std::string out(gbk.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(gbk.data());
  size_t in_left = gbk.size();
  char* o = out.data();
  size_t out_left = out.size();
  size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1))
    return Status::InvalidArgument("text is neither UTF-8 nor GBK (at byte " +
                                   std::to_string(gbk.size() - in_left) + ")");
  out.resize(out.size() - out_left);
  return out;
}

std::vector<std::vector<std::string>> ParseCsvSample(std::string_view text, size_t max_records) {
  std::vector<std::vector<std::string>> out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string> rec;
  std::string cell;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size() && out.size() < max_records; ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      rec.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) {
        rec.push_back(std::move(cell));
        out.push_back(std::move(rec));
      }
      rec.clear();
      cell.clear();
      any = false;
    } else {
      cell.push_back(c);
      any = true;
    }
  }
  if ((any || !cell.empty()) && out.size() < max_records) {
    rec.push_back(std::move(cell));
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace yishu::security
