// Field profiles. Aggregates are SQL (one pass for counts, distincts and min/max; GROUP BY for
// top values and lengths), so the database does the heavy lifting on either backend; the
// pattern histogram is one streamed pass per plain field with a bounded map. Nothing of a
// county's table is held in memory at once.
#include <algorithm>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "quality/quality.hpp"

namespace yishu::quality {

namespace {

constexpr int kTopValues = 10;
constexpr size_t kMaxPatterns = 256;  // distinct shapes tracked; the rest count as "(other)"
constexpr int kTopPatterns = 10;

}  // namespace

Result<nlohmann::json> Quality::Profile(const std::string& resource, int64_t batch_id) {
  YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(resource));
  const auto plan = ingest::PlanColumns(res, registry_);
  const std::string table = ingest::Ingester::TableName(res.code);
  {
    // No batch delivered yet: no table, an empty profile.
    auto probe = store_.Query("SELECT COUNT(*) FROM " + table + " WHERE 1 = 0");
    if (!probe.ok())
      return nlohmann::json{{"resource", res.code},
                            {"batch_id", batch_id},
                            {"rows", 0},
                            {"fields", nlohmann::json::array()}};
  }
  const std::string where = batch_id ? " WHERE _batch = ?" : "";
  store::Params params;
  if (batch_id) params.emplace_back(batch_id);
  auto and_where = [&](const std::string& cond) {
    return (batch_id ? where + " AND " : std::string(" WHERE ")) + cond;
  };

  // One aggregate pass: for every column its non-null count, distinct count, min and max.
  std::string sql = "SELECT COUNT(*)";
  std::vector<size_t> counted_by_opening;  // sealed fields without a blind index
  for (size_t i = 0; i < plan.size(); ++i) {
    const auto& c = plan[i];
    if (c.sealed) {
      // A blind index is there exactly when its value is; otherwise only the record knows.
      sql += c.bidx ? ", COUNT(" + c.name + "__bidx), COUNT(DISTINCT " + c.name + "__bidx)"
                    : ", NULL, NULL";
      sql += ", NULL, NULL";
      if (!c.bidx) counted_by_opening.push_back(i);
    } else {
      sql += ", COUNT(" + c.name + "), COUNT(DISTINCT " + c.name + "), MIN(" + c.name + "), MAX(" +
             c.name + ")";
    }
  }
  YISHU_ASSIGN_OR_RETURN(auto agg, store_.QueryOne(sql + " FROM " + table + where, params));
  const int64_t rows = agg.Int(0);
  // Non-null counts of sealed fields without a blind index: one streamed pass opening the
  // records, counting which fields each holds (the values are not kept).
  std::vector<int64_t> opened_filled(plan.size(), 0);
  if (!counted_by_opening.empty()) {
    YISHU_ASSIGN_OR_RETURN(auto protector, keys_.ForResource(res.code));
    const std::string col(security::kSealedRecordColumn);
    security::SealedRecord record;
    Status failed;
    auto conn = store_.Acquire();
    YISHU_RETURN_IF_ERROR(
        conn->QueryEach("SELECT _id, " + col + " FROM " + table + and_where(col + " IS NOT NULL"),
                        params, [&](const store::Row& r) {
                          failed = protector->OpenRecord(r.Int(0), r[1].AsBytes(), &record);
                          if (!failed.ok()) return false;
                          for (size_t i : counted_by_opening)
                            opened_filled[i] += record.Find(plan[i].name) ? 1 : 0;
                          return true;
                        }));
    YISHU_RETURN_IF_ERROR(failed);
  }

  nlohmann::json fields = nlohmann::json::array();
  for (size_t i = 0; i < plan.size(); ++i) {
    const auto& c = plan[i];
    const auto& f = res.fields[i];
    const size_t base = 1 + i * 4;
    const int64_t filled = agg[base].is_null() ? opened_filled[i] : agg.Int(base);
    nlohmann::json j = {{"name", f.name},
                        {"label", f.label},
                        {"element", f.element},
                        {"sealed", c.sealed},
                        {"rows", rows},
                        {"nulls", rows - filled},
                        {"null_rate", rows ? static_cast<double>(rows - filled) / rows : 0.0},
                        {"distinct", agg[base + 1].is_null() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(agg.Int(base + 1))}};
    if (c.sealed) {
      // Only what the ciphertext and the blind index tell; no value, shape or length.
      j["distinct_basis"] = c.bidx ? "blind index" : "not measurable (sealed, no blind index)";
      fields.push_back(std::move(j));
      continue;
    }
    j["min"] =
        agg[base + 2].is_null() ? nlohmann::json(nullptr) : nlohmann::json(agg.Text(base + 2));
    j["max"] =
        agg[base + 3].is_null() ? nlohmann::json(nullptr) : nlohmann::json(agg.Text(base + 3));

    nlohmann::json top = nlohmann::json::array();
    {
      store::Params p = params;
      p.emplace_back(int64_t{kTopValues});
      YISHU_ASSIGN_OR_RETURN(
          auto tv, store_.Query("SELECT " + c.name + ", COUNT(*) AS n FROM " + table +
                                    and_where(c.name + " IS NOT NULL") + " GROUP BY " + c.name +
                                    " ORDER BY n DESC, " + c.name + " LIMIT ?",
                                p));
      for (const auto& r : tv) top.push_back({{"value", r.Text(0)}, {"count", r.Int(1)}});
    }
    j["top_values"] = top;

    nlohmann::json lengths = nlohmann::json::array();
    {
      const std::string len = "LENGTH(CAST(" + c.name + " AS TEXT))";
      YISHU_ASSIGN_OR_RETURN(auto lv, store_.Query("SELECT " + len + " AS len, COUNT(*) FROM " +
                                                       table + and_where(c.name + " IS NOT NULL") +
                                                       " GROUP BY " + len + " ORDER BY 1",
                                                   params));
      for (const auto& r : lv) lengths.push_back({{"length", r.Int(0)}, {"count", r.Int(1)}});
    }
    j["lengths"] = lengths;

    std::map<std::string, int64_t> shapes;
    int64_t other = 0;
    {
      auto conn = store_.Acquire();
      YISHU_RETURN_IF_ERROR(conn->QueryEach(
          "SELECT CAST(" + c.name + " AS TEXT) FROM " + table + and_where(c.name + " IS NOT NULL"),
          params, [&](const store::Row& r) {
            std::string shape = PatternOf(r[0].AsText());
            auto it = shapes.find(shape);
            if (it != shapes.end())
              ++it->second;
            else if (shapes.size() < kMaxPatterns)
              shapes.emplace(std::move(shape), 1);
            else
              ++other;
            return true;
          }));
    }
    std::vector<std::pair<std::string, int64_t>> ranked(shapes.begin(), shapes.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    nlohmann::json patterns = nlohmann::json::array();
    int64_t shown = 0;
    for (size_t k = 0; k < ranked.size() && k < kTopPatterns; ++k) {
      patterns.push_back({{"pattern", ranked[k].first}, {"count", ranked[k].second}});
      shown += ranked[k].second;
    }
    if (filled - shown > 0) patterns.push_back({{"pattern", "(other)"}, {"count", filled - shown}});
    j["patterns"] = patterns;
    j["distinct_patterns"] =
        other ? nlohmann::json(fmt::format("> {}", kMaxPatterns)) : nlohmann::json(shapes.size());
    fields.push_back(std::move(j));
  }
  int64_t now = NowMillis();
  nlohmann::json profile = {{"resource", res.code},
                            {"batch_id", batch_id},
                            {"rows", rows},
                            {"computed_at", FormatRfc3339(now)},
                            {"fields", fields}};
  YISHU_RETURN_IF_ERROR(
      store_
          .Exec("INSERT INTO quality_profiles (resource, batch_id, computed_ms, "
                "profile) VALUES (?, ?, ?, ?)",
                {res.code, batch_id, now,
                 profile.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)})
          .status());
  return profile;
}

}  // namespace yishu::quality
