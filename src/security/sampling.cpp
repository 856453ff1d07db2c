#include "security/sampling.hpp"

#include <algorithm>

#include "common/strings.hpp"
#include "formats/reader.hpp"

namespace yishu::security {

namespace {

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

// Fraction of the resource's fields named by the file's header row (0 when unreadable).
double HeaderScore(const catalogue::Resource& r, const std::filesystem::path& path) {
  auto reader = formats::OpenFileReader(path);
  if (!reader.ok() || r.fields.empty()) return 0;
  const auto& header = (*reader)->header();
  auto names = MapHeader(r, header);
  size_t hits = std::count_if(names.begin(), names.end(), [](const auto& n) { return !n.empty(); });
  return static_cast<double>(hits) / static_cast<double>(std::max(r.fields.size(), header.size()));
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
    YISHU_ASSIGN_OR_RETURN(auto reader, formats::OpenFileReader(best));
    auto names = MapHeader(r, reader->header());
    SampleValues out;
    out.source = "file " + best.filename().string() + " (" + reader->encoding() + ")";
    formats::Record rec;
    while (out.rows < max_rows) {
      YISHU_ASSIGN_OR_RETURN(bool got, reader->Next(&rec));
      if (!got) break;
      if (!rec.problems.empty()) continue;  // columns out of place would mislabel values
      ++out.rows;
      for (size_t k = 0; k < rec.fields.size() && k < names.size(); ++k) {
        if (names[k].empty()) continue;
        std::string v = TrimCell(rec.fields[k]);
        if (!v.empty()) out.by_field[names[k]].push_back(std::move(v));
      }
    }
    if (out.rows == 0) return Status::NotFound("no records in " + best.string());
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

}  // namespace yishu::security
