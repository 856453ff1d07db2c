// Scores on the dimensions of GB/T 36344-2018 (信息技术 数据质量评价指标). Each is a share in
// [0, 1]; one that cannot be measured is null and is left out of the overall score.
//
// Per batch (computed when the batch ends and stored, so the trend is a query):
//  - completeness (完整性) = 1 − (empty cells of the stored rows + not_null reasons in the
//    quarantine) / (rows read × fields).
//  - conformity (规范性) = 1 − records quarantined for a standard's check (format, check digit,
//    code list, type, range…) / rows read.
//  - accuracy (准确性) = 1 − records quarantined as duplicates or damaged (ragged rows, bad
//    quotes, NUL bytes, invalid UTF-8 or JSON, values without a column) / rows read.
//  - consistency (一致性) = 1 − records quarantined for a cross-field disagreement (gender or
//    birth date against the identity number: *_mismatch) / rows read.
//  - timeliness (时效性) = min(1, (cycle + 1 day) / days since the previous delivery) for the
//    catalogue's update cycle (daily 1, weekly 7, monthly 31, quarterly 92, yearly 366); the
//    first delivery is on time; an irregular resource is not measured.
//  - accessibility (可访问性) = 1 when the file could be read to its end, 0 when the batch failed.
//
// Per resource (now): the mean of its last five completed batches for completeness,
// conformity, accuracy and consistency — consistency also averaged with the latest cross-source
// agreement rate of its copies (1 − disagreeing / compared); timeliness from the age of the
// newest delivery; accessibility = completed / all of the last ten batches; and the closed
// loop (闭环) = 1 − Σ over unresolved tickets of min(1, age / due period) / all tickets, so
// every ticket left open weighs more as it ages, up to a whole ticket when overdue.
//
// Overall = weighted mean of the measured dimensions: completeness 0.2, conformity 0.2,
// accuracy 0.2, consistency 0.15, timeliness 0.1, accessibility 0.05, closed loop 0.1.
// Per department: the mean of its resources' overall scores, with its own closed loop and
// ticket counts beside.
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "common/time.hpp"
#include "quality/internal.hpp"

namespace yishu::quality {

namespace {

constexpr int64_t kDayMs = 86400 * 1000LL;

void Overall(Scores* s) {
  const std::pair<const std::optional<double>*, double> parts[] = {
      {&s->completeness, 0.2}, {&s->conformity, 0.2}, {&s->accuracy, 0.2},
      {&s->consistency, 0.15}, {&s->timeliness, 0.1}, {&s->accessibility, 0.05},
      {&s->closed_loop, 0.1}};
  double sum = 0, weight = 0;
  for (const auto& [v, w] : parts)
    if (*v) {
      sum += **v * w;
      weight += w;
    }
  s->overall = weight > 0 ? std::optional<double>(sum / weight) : std::nullopt;
}

store::Value Num(const std::optional<double>& v) {
  return v ? store::Value(*v) : store::Value();
}

std::optional<double> Opt(const store::Value& v) {
  return v.is_null() ? std::nullopt : std::optional<double>(v.AsDouble());
}

Status SaveScores(store::Store& store, const std::string& scope, const std::string& resource,
                  const std::string& department, int64_t batch_id, const Scores& s) {
  return store
      .Exec(
          "INSERT INTO quality_scores (scope, resource, department, batch_id, computed_ms, "
          "completeness, conformity, accuracy, consistency, timeliness, accessibility, "
          "closed_loop, overall, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {scope, resource, department, batch_id, NowMillis(), Num(s.completeness),
           Num(s.conformity), Num(s.accuracy), Num(s.consistency), Num(s.timeliness),
           Num(s.accessibility), Num(s.closed_loop), Num(s.overall), s.detail.dump()})
      .status();
}

Scores ScoresFromRow(const store::Row& r) {
  Scores s;
  s.completeness = Opt(r["completeness"]);
  s.conformity = Opt(r["conformity"]);
  s.accuracy = Opt(r["accuracy"]);
  s.consistency = Opt(r["consistency"]);
  s.timeliness = Opt(r["timeliness"]);
  s.accessibility = Opt(r["accessibility"]);
  s.closed_loop = Opt(r["closed_loop"]);
  s.overall = Opt(r["overall"]);
  s.detail = nlohmann::json::parse(r["detail"].AsText("{}"), nullptr, false);
  if (s.detail.is_discarded()) s.detail = nlohmann::json::object();
  return s;
}

std::optional<double> Timeliness(int64_t cycle_days, int64_t interval_ms) {
  if (cycle_days <= 0) return std::nullopt;
  if (interval_ms <= 0) return 1.0;
  return std::min(1.0, static_cast<double>((cycle_days + 1) * kDayMs) / interval_ms);
}

}  // namespace

Result<Quality::QuarantineTally> Quality::TallyQuarantine(int64_t batch_id) {
  QuarantineTally t;
  auto conn = store_.Acquire();
  YISHU_RETURN_IF_ERROR(conn->QueryEach(
      "SELECT line, reasons FROM ingest_quarantine WHERE batch_id = ? ORDER BY line, id",
      {batch_id}, [&](const store::Row& r) {
        ++t.records;
        auto reasons = nlohmann::json::parse(r.Text(1), nullptr, false);
        if (!reasons.is_array()) return true;
        std::set<std::string> dims;
        std::set<std::pair<std::string, std::string>> seen;
        for (const auto& x : reasons) {
          std::string rule = x.value("rule", "");
          std::string field = x.value("field", "");
          dims.insert(std::string(DimensionOf(rule)));
          if (rule == "not_null") ++t.not_null_reasons;
          if (!seen.insert({rule, field}).second) continue;
          auto& p = t.problems[{rule, field}];
          ++p.rows;
          if (p.message.empty()) p.message = x.value("message", "");
          if (p.example_lines.size() < 5) p.example_lines.push_back(r.Int(0));
        }
        for (const auto& d : dims) ++t.records_by_dimension[d];
        return true;
      }));
  return t;
}

Result<Scores> Quality::ComputeBatchScores(int64_t batch_id) {
  YISHU_ASSIGN_OR_RETURN(auto b, store_.QueryOne("SELECT resource, status, read_count, started_ms, "
                                                 "empty_cells FROM ingest_batches WHERE id = ?",
                                                 {batch_id}));
  const std::string resource = b.Text(0), status = b.Text(1);
  const int64_t read = b.Int(2), started = b.Int(3);
  YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(resource));
  Scores s;
  s.accessibility = status == "completed" ? 1.0 : 0.0;
  s.detail = {{"read", read}, {"status", status}};
  if (status == "completed") {
    YISHU_ASSIGN_OR_RETURN(auto tally, TallyQuarantine(batch_id));
    if (read > 0) {
      const int64_t nfields = static_cast<int64_t>(res.fields.size());
      const double cells = static_cast<double>(read) * std::max<int64_t>(1, nfields);
      // Counted by the ingest as it stored the records (batches from before that have none).
      if (!b.IsNull(4))
        s.completeness = std::max(0.0, 1.0 - (b.Int(4) + tally.not_null_reasons) / cells);
      auto share = [&](const char* dim) {
        auto it = tally.records_by_dimension.find(dim);
        int64_t n = it == tally.records_by_dimension.end() ? 0 : it->second;
        return 1.0 - static_cast<double>(n) / read;
      };
      s.conformity = share("conformity");
      s.accuracy = share("accuracy");
      s.consistency = share("consistency");
      s.detail["empty_cells"] = b.IsNull(4) ? nlohmann::json(nullptr) : nlohmann::json(b.Int(4));
      s.detail["quarantined_by_dimension"] = tally.records_by_dimension;
    }
    YISHU_ASSIGN_OR_RETURN(
        auto prev, store_.Query("SELECT started_ms FROM ingest_batches WHERE resource = ? AND id < "
                                "? AND status = 'completed' ORDER BY id DESC LIMIT 1",
                                {resource, batch_id}));
    const int64_t interval = prev.empty() ? 0 : started - prev[0].Int(0);
    s.timeliness = Timeliness(CycleDays(res.update_cycle), interval);
    s.detail["days_since_previous"] =
        prev.empty() ? nlohmann::json(nullptr) : nlohmann::json(interval / double(kDayMs));
  }
  s.detail["update_cycle"] = res.update_cycle;
  Overall(&s);
  YISHU_RETURN_IF_ERROR(store_
                            .Exec("DELETE FROM quality_scores WHERE scope = 'batch' AND batch_id "
                                  "= ?",
                                  {batch_id})
                            .status());
  YISHU_RETURN_IF_ERROR(SaveScores(store_, "batch", resource, res.department, batch_id, s));
  return s;
}

Result<Scores> Quality::BatchScores(int64_t batch_id) {
  YISHU_ASSIGN_OR_RETURN(auto rows, store_.Query("SELECT * FROM quality_scores WHERE scope = "
                                                 "'batch' AND batch_id = ? ORDER BY id DESC "
                                                 "LIMIT 1",
                                                 {batch_id}));
  if (!rows.empty()) return ScoresFromRow(rows[0]);
  auto exists = store_.QueryOne("SELECT id FROM ingest_batches WHERE id = ?", {batch_id});
  if (!exists.ok()) return Status::NotFound(fmt::format("batch {} does not exist", batch_id));
  return ComputeBatchScores(batch_id);
}

Result<nlohmann::json> Quality::Trend(const std::string& resource, int64_t limit) {
  YISHU_ASSIGN_OR_RETURN(
      auto rows, store_.Query("SELECT * FROM quality_scores WHERE scope = 'batch' AND resource = "
                              "? ORDER BY batch_id DESC LIMIT ?",
                              {resource, limit}));
  nlohmann::json items = nlohmann::json::array();
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    auto j = ToJson(ScoresFromRow(*it));
    j["batch_id"] = (*it)["batch_id"].AsInt();
    j["computed_at"] = FormatRfc3339((*it)["computed_ms"].AsInt());
    items.push_back(std::move(j));
  }
  return nlohmann::json{{"resource", resource}, {"items", items}};
}

Result<nlohmann::json> Quality::ClosedLoop(const std::string& column, const std::string& value) {
  // `column` is one of two fixed names, never input.
  YISHU_ASSIGN_OR_RETURN(auto rows,
                         store_.Query("SELECT status, opened_ms, due_ms FROM quality_tickets "
                                      "WHERE " +
                                          column + " = ?",
                                      {value}));
  const int64_t now = NowMillis();
  std::map<std::string, int64_t> by_status = {
      {"open", 0}, {"acknowledged", 0}, {"fixed", 0}, {"verified", 0}, {"closed", 0}};
  double weight = 0, age_days = 0;
  int64_t unresolved = 0, overdue = 0;
  for (const auto& r : rows) {
    std::string st = r.Text(0);
    ++by_status[st];
    if (st == "verified" || st == "closed") continue;
    ++unresolved;
    const double age = static_cast<double>(now - r.Int(1));
    const double due = static_cast<double>(std::max<int64_t>(1, r.Int(2) - r.Int(1)));
    weight += std::min(1.0, age / due);
    age_days += age / kDayMs;
    if (now > r.Int(2)) ++overdue;
  }
  const int64_t total = static_cast<int64_t>(rows.size());
  return nlohmann::json{{"tickets", total},
                        {"by_status", by_status},
                        {"unresolved", unresolved},
                        {"overdue", overdue},
                        {"mean_unresolved_age_days", unresolved ? age_days / unresolved : 0.0},
                        {"score", total ? 1.0 - weight / total : 1.0}};
}

Result<Scores> Quality::ResourceScores(const std::string& resource) {
  YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(resource));
  Scores s;
  YISHU_ASSIGN_OR_RETURN(
      auto recent, store_.Query("SELECT s.* FROM quality_scores s JOIN ingest_batches b ON b.id = "
                                "s.batch_id WHERE s.scope = 'batch' AND s.resource = ? AND "
                                "b.status = 'completed' ORDER BY s.batch_id DESC LIMIT 5",
                                {resource}));
  auto mean = [&](const char* col) -> std::optional<double> {
    double sum = 0;
    int n = 0;
    for (const auto& r : recent)
      if (!r[col].is_null()) {
        sum += r[col].AsDouble();
        ++n;
      }
    return n ? std::optional<double>(sum / n) : std::nullopt;
  };
  s.completeness = mean("completeness");
  s.conformity = mean("conformity");
  s.accuracy = mean("accuracy");
  s.consistency = mean("consistency");
  // Cross-source agreement: the latest comparison of each of this resource's copies.
  YISHU_ASSIGN_OR_RETURN(
      auto cross, store_.Query("SELECT c.compared, c.disagreeing FROM quality_consistency c WHERE "
                               "c.copy_resource = ? AND c.run_ms = (SELECT MAX(run_ms) FROM "
                               "quality_consistency d WHERE d.copy_resource = c.copy_resource "
                               "AND d.copy_field = c.copy_field AND d.auth_resource = "
                               "c.auth_resource)",
                               {resource}));
  int64_t compared = 0, disagreeing = 0;
  for (const auto& r : cross) compared += r.Int(0), disagreeing += r.Int(1);
  if (compared > 0) {
    double agreement = 1.0 - static_cast<double>(disagreeing) / compared;
    s.consistency = s.consistency ? (*s.consistency + agreement) / 2 : agreement;
    s.detail["cross_source"] = {
        {"compared", compared}, {"disagreeing", disagreeing}, {"agreement", agreement}};
  }
  YISHU_ASSIGN_OR_RETURN(auto batches, store_.Query("SELECT status, started_ms FROM "
                                                    "ingest_batches WHERE resource = ? ORDER BY "
                                                    "id DESC LIMIT 10",
                                                    {resource}));
  if (!batches.empty()) {
    int64_t completed = 0, newest = 0;
    for (const auto& r : batches)
      if (r.Text(0) == "completed") {
        ++completed;
        newest = std::max(newest, r.Int(1));
      }
    s.accessibility = static_cast<double>(completed) / batches.size();
    if (newest) s.timeliness = Timeliness(CycleDays(res.update_cycle), NowMillis() - newest);
  }
  YISHU_ASSIGN_OR_RETURN(auto loop, ClosedLoop("resource", resource));
  s.closed_loop = loop["score"].get<double>();
  s.detail["tickets"] = loop;
  s.detail["batches_scored"] = recent.size();
  s.detail["update_cycle"] = res.update_cycle;
  YISHU_ASSIGN_OR_RETURN(auto backlog,
                         store_.QueryOne("SELECT COUNT(*) FROM ingest_quarantine q JOIN "
                                         "ingest_batches b ON b.id = q.batch_id WHERE b.resource "
                                         "= ? AND NOT EXISTS (SELECT 1 FROM "
                                         "quality_quarantine_resolution r WHERE r.quarantine_id "
                                         "= q.id)",
                                         {resource}));
  s.detail["quarantine_unresolved"] = backlog.Int(0);
  Overall(&s);
  YISHU_RETURN_IF_ERROR(SaveScores(store_, "resource", resource, res.department, 0, s));
  return s;
}

Result<nlohmann::json> Quality::DepartmentScores(const std::string& department) {
  YISHU_ASSIGN_OR_RETURN(auto departments, catalogue_.ListDepartments());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& d : departments) {
    if (!department.empty() && d.code != department) continue;
    catalogue::ResourceQuery q;
    q.department = d.code;
    q.page_size = 200;
    nlohmann::json resources = nlohmann::json::array();
    double sum = 0;
    int n = 0;
    for (int64_t page = 1;; ++page) {
      q.page = page;
      YISHU_ASSIGN_OR_RETURN(auto list, catalogue_.ListResources(q));
      for (const auto& r : list.items) {
        YISHU_ASSIGN_OR_RETURN(auto sc, ResourceScores(r.code));
        resources.push_back(
            {{"resource", r.code}, {"name", r.name}, {"overall", ScoreJson(sc.overall)}});
        if (sc.overall) sum += *sc.overall, ++n;
      }
      if (page * q.page_size >= list.total) break;
    }
    YISHU_ASSIGN_OR_RETURN(auto loop, ClosedLoop("department", d.code));
    Scores s;
    s.closed_loop = loop["score"].get<double>();
    s.overall = n ? std::optional<double>(sum / n) : std::nullopt;
    s.detail = {{"tickets", loop}, {"resources", resources}};
    YISHU_RETURN_IF_ERROR(SaveScores(store_, "department", "", d.code, 0, s));
    items.push_back({{"department", d.code},
                     {"name", d.name},
                     {"overall", ScoreJson(s.overall)},
                     {"closed_loop", ScoreJson(s.closed_loop)},
                     {"tickets", loop},
                     {"resources", resources}});
  }
  return nlohmann::json{{"items", items}};
}

}  // namespace yishu::quality
