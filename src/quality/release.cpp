// Re-validation of quarantined rows (the closed loop's last step). A row stays quarantined
// until it is resolved:
//  - released: read again with the current rules (a code list, a catalogue or a referenced
//    record may have changed) it now passes; it is stored through the ordinary ingest path in a
//    release batch (append: a key already stored is never overwritten by an old row), and the
//    stored record is pointed back at the batch and line it was delivered in, so lineage still
//    names the provider's file;
//  - superseded: a later delivery stored a record with the same key (the provider's
//    corrected resubmission), so this row no longer needs anything.
// Resolutions are kept in quality_quarantine_resolution; the quarantine itself is never edited.
#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "quality/internal.hpp"

namespace yishu::quality {

namespace {

constexpr int64_t kPage = 2000;

struct Shape {
  std::vector<std::string> header;
  std::string format;
  char delimiter = ',';
  std::map<std::string, std::string> mapping;
  std::string header_line;  // CSV only
  std::unique_ptr<ingest::Validator> validator;
};

std::string CsvField(const std::string& s, char delim) {
  if (s.find_first_of(std::string("\"\r\n") + delim) == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

struct Candidate {
  int64_t quarantine_id, batch_id, line;
  std::string raw;
};

}  // namespace

Result<ReleaseSummary> Quality::Revalidate(const std::string& resource, const std::string& actor) {
  YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(resource));
  const auto plan = ingest::PlanColumns(res, registry_);
  const std::string table = ingest::Ingester::TableName(res.code);
  std::vector<int> keys;
  for (size_t i = 0; i < plan.size(); ++i)
    if (res.fields[i].key) keys.push_back(static_cast<int>(i));
  std::unique_ptr<security::FieldProtector> protector;
  if (ingest::AnySealed(plan)) {
    YISHU_ASSIGN_OR_RETURN(protector, keys_.ForResource(res.code));
  }
  std::string key_lookup;
  if (!keys.empty()) {
    key_lookup = "SELECT _batch FROM " + table + " WHERE ";
    for (size_t k = 0; k < keys.size(); ++k) {
      const auto& c = plan[keys[k]];
      key_lookup += (k ? " AND " : "") + (c.bidx ? c.name + "__bidx" : c.name) + " = ?";
    }
  }

  ReleaseSummary sum;
  std::map<int64_t, std::unique_ptr<Shape>> shapes;
  auto shape_of = [&](int64_t batch) -> Result<Shape*> {
    auto it = shapes.find(batch);
    if (it != shapes.end()) return it->second.get();
    auto& slot = shapes[batch];
    YISHU_ASSIGN_OR_RETURN(auto rows, store_.Query("SELECT header, format, delimiter, mapping "
                                                   "FROM quality_batch_shapes WHERE batch_id = ?",
                                                   {batch}));
    if (rows.empty()) return static_cast<Shape*>(nullptr);  // delivered before this module
    auto s = std::make_unique<Shape>();
    auto header = nlohmann::json::parse(rows[0].Text(0), nullptr, false);
    auto mapping = nlohmann::json::parse(rows[0].Text(3), nullptr, false);
    if (!header.is_array() || !mapping.is_object()) return static_cast<Shape*>(nullptr);
    for (const auto& h : header) s->header.push_back(h.get<std::string>());
    for (auto m = mapping.begin(); m != mapping.end(); ++m)
      s->mapping[m.key()] = m.value().get<std::string>();
    s->format = rows[0].Text(1);
    std::string d = rows[0].Text(2);
    s->delimiter = d.empty() ? ',' : d[0];
    for (size_t i = 0; i < s->header.size(); ++i)
      s->header_line +=
          (i ? std::string(1, s->delimiter) : "") + CsvField(s->header[i], s->delimiter);
    auto v = ingest::Validator::Create(res, registry_, s->header, s->mapping);
    if (!v.ok()) return static_cast<Shape*>(nullptr);  // the catalogue no longer fits the file
    s->validator = std::move(v).value();
    slot = std::move(s);
    return slot.get();
  };
  auto reader_options = [](const Shape& s) {
    formats::ReaderOptions o;
    o.format = s.format == "jsonl" ? "jsonl" : "csv";
    o.encoding = "UTF-8";
    o.delimiter = s.delimiter;
    return o;
  };

  std::map<int64_t, std::vector<Candidate>> passing;    // by original batch
  std::vector<std::pair<int64_t, int64_t>> superseded;  // quarantine id, by batch
  int64_t after = 0;
  for (;;) {
    YISHU_ASSIGN_OR_RETURN(
        auto rows, store_.Query("SELECT q.id, q.batch_id, q.line, q.raw, q.sealed FROM "
                                "ingest_quarantine q "
                                "JOIN ingest_batches b ON b.id = q.batch_id WHERE b.resource = ? "
                                "AND q.id > ? AND NOT EXISTS (SELECT 1 FROM "
                                "quality_quarantine_resolution r WHERE r.quarantine_id = q.id) "
                                "ORDER BY q.id LIMIT ?",
                                {res.code, after, kPage}));
    if (rows.empty()) break;
    for (const auto& r : rows) {
      after = r.Int(0);
      ++sum.examined;
      YISHU_ASSIGN_OR_RETURN(Shape * shape, shape_of(r.Int(1)));
      if (!shape) {
        ++sum.still_failing;
        continue;
      }
      std::string raw = r[3].AsBytes();
      if (r.Int(4)) {
        // Sealed by ingest like the fields themselves, bound to the batch and line.
        if (!protector) {
          ++sum.still_failing;
          continue;
        }
        std::string opened;
        if (!protector->Open(r.Int(2), ingest::QuarantineSealField(r.Int(1)), raw, &opened).ok()) {
          ++sum.still_failing;  // the key ring has audited the integrity failure
          continue;
        }
        raw = std::move(opened);
      }
      std::string text =
          shape->format == "jsonl" ? raw + "\n" : shape->header_line + "\n" + raw + "\n";
      auto reader = formats::OpenReader(formats::MemorySource(text),
                                        shape->format == "jsonl" ? "r.jsonl" : "r.csv",
                                        reader_options(*shape));
      formats::Record rec;
      std::vector<std::string_view> values;
      std::vector<ingest::Reason> reasons;
      bool got = false;
      if (reader.ok()) {
        auto next = (*reader)->Next(&rec);
        got = next.ok() && *next;
      }
      if (!got) {
        ++sum.still_failing;
        continue;
      }
      shape->validator->Check(rec, &values, &reasons);
      // Where the row's key is stored now, if it is.
      std::optional<int64_t> stored_in;
      if (!keys.empty()) {
        store::Params kp;
        bool complete = true;
        for (int k : keys) {
          if (values[k].empty()) {
            complete = false;
            break;
          }
          std::string v(values[k]);
          if (plan[k].bidx) {
            kp.emplace_back(store::Blob{protector->BlindIndex(
                plan[k].bidx_domain, security::NormalizeForIndex(res.fields[k].element, v))});
          } else if (plan[k].integer) {
            int64_t x = 0;
            if (!ParseInt64(v, &x)) complete = false;
            kp.emplace_back(x);
          } else {
            kp.emplace_back(v);
          }
        }
        if (complete) {
          auto hit = store_.Query(key_lookup, kp);
          if (hit.ok() && !hit->empty()) stored_in = (*hit)[0].Int(0);
        }
      }
      if (stored_in && *stored_in > r.Int(1)) {
        superseded.emplace_back(r.Int(0), *stored_in);  // a later delivery has this key
      } else if (reasons.empty() && !stored_in) {
        passing[r.Int(1)].push_back({r.Int(0), r.Int(1), r.Int(2), raw});
      } else {
        ++sum.still_failing;  // fails, or its key is held by an earlier record
      }
    }
  }

  const int64_t now = NowMillis();
  if (!superseded.empty())
    YISHU_RETURN_IF_ERROR(store_.Transact([&](store::Connection& tx) -> Status {
      for (const auto& [qid, by] : superseded)
        YISHU_RETURN_IF_ERROR(tx.Exec("INSERT INTO quality_quarantine_resolution "
                                      "(quarantine_id, resource, status, by_batch, at_ms) VALUES "
                                      "(?, ?, 'superseded', ?, ?) ON CONFLICT (quarantine_id) DO "
                                      "NOTHING",
                                      {qid, res.code, by, now})
                                  .status());
      return Status::Ok();
    }));
  sum.superseded += static_cast<int64_t>(superseded.size());

  // Release what passes, one release batch per original batch (each has its own columns).
  ingest::Ingester ingester(store_, registry_, catalogue_, &keys_);
  for (auto& [batch, list] : passing) {
    Shape* shape = shapes[batch].get();
    std::string text = shape->format == "jsonl" ? "" : shape->header_line + "\n";
    int64_t line = shape->format == "jsonl" ? 1 : 2;
    std::map<int64_t, const Candidate*> at_line;
    for (const auto& c : list) {
      at_line[line] = &c;
      text += c.raw + "\n";
      line += 1 + static_cast<int64_t>(std::count(c.raw.begin(), c.raw.end(), '\n'));
    }
    ingest::IngestOptions o;
    o.resource = res.code;
    o.file_name =
        fmt::format("release-of-batch-{}.{}", batch, shape->format == "jsonl" ? "jsonl" : "csv");
    o.mode = ingest::LoadMode::kAppend;
    o.mapping = shape->mapping;
    o.reader = reader_options(*shape);
    o.actor = actor;
    YISHU_ASSIGN_OR_RETURN(auto released, ingester.Ingest(formats::MemorySource(text), o));
    sum.release_batch = released.batch_id;
    YISHU_RETURN_IF_ERROR(store_.Transact([&](store::Connection& tx) -> Status {
      auto resolve = [&](int64_t qid, const char* status, int64_t record) {
        return tx
            .Exec(
                "INSERT INTO quality_quarantine_resolution (quarantine_id, resource, "
                "status, by_batch, record_id, at_ms) VALUES (?, ?, ?, ?, ?, ?) ON "
                "CONFLICT (quarantine_id) DO NOTHING",
                {qid, res.code, std::string(status), released.batch_id, record, now})
            .status();
      };
      YISHU_ASSIGN_OR_RETURN(
          auto stored,
          tx.Query("SELECT _id, _line FROM " + table + " WHERE _batch = ?", {released.batch_id}));
      for (const auto& s : stored) {
        auto it = at_line.find(s.Int(1));
        if (it == at_line.end()) continue;
        // Lineage names the provider's delivery, not the release.
        YISHU_RETURN_IF_ERROR(
            tx.Exec("UPDATE " + table + " SET _batch = ?, _line = ? WHERE _id = ?",
                    {it->second->batch_id, it->second->line, s.Int(0)})
                .status());
        YISHU_RETURN_IF_ERROR(resolve(it->second->quarantine_id, "released", s.Int(0)));
        ++sum.released;
      }
      // Refused in the release (a record with the key arrived meanwhile): the release's own
      // quarantine rows only repeat the originals, which stay unresolved for the next pass.
      YISHU_ASSIGN_OR_RETURN(auto refused, tx.Query("SELECT id FROM ingest_quarantine WHERE "
                                                    "batch_id = ?",
                                                    {released.batch_id}));
      for (const auto& q : refused) YISHU_RETURN_IF_ERROR(resolve(q.Int(0), "superseded", 0));
      return Status::Ok();
    }));
  }
  return sum;
}

}  // namespace yishu::quality
