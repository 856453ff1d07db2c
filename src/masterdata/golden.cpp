#include "masterdata/golden.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "ingest/ingest.hpp"
#include "masterdata/chinese.hpp"
#include "masterdata/compare.hpp"
#include "masterdata/config.hpp"
#include "masterdata/engine.hpp"
#include "masterdata/records.hpp"

namespace yishu::masterdata {

std::vector<store::Migration> MasterdataMigrations() {
  return {{"masterdata", 1, "create golden records, members, history and review queue",
           R"(
CREATE TABLE md_runs (
  id {{pk}},
  subject TEXT NOT NULL,
  prev_run BIGINT NOT NULL,
  mode TEXT NOT NULL,
  actor TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  finished_ms BIGINT NOT NULL,
  model TEXT NOT NULL,
  summary TEXT NOT NULL,
  UNIQUE (subject, prev_run)
);
CREATE TABLE md_golden (
  id {{pk}},
  subject TEXT NOT NULL,
  status TEXT NOT NULL,
  merged_into BIGINT,
  members BIGINT NOT NULL,
  created_run BIGINT NOT NULL,
  updated_run BIGINT NOT NULL
);
CREATE INDEX md_golden_subject ON md_golden (subject, status);
CREATE TABLE md_attrs (
  golden_id BIGINT NOT NULL,
  attr TEXT NOT NULL,
  value_text TEXT,
  value_sealed {{blob}},
  bidx {{blob}},
  rule TEXT NOT NULL,
  resource TEXT NOT NULL,
  field TEXT NOT NULL,
  batch BIGINT NOT NULL,
  record_id BIGINT NOT NULL,
  PRIMARY KEY (golden_id, attr)
);
CREATE INDEX md_attrs_bidx ON md_attrs (attr, bidx);
CREATE TABLE md_members (
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  batch BIGINT NOT NULL,
  golden_id BIGINT NOT NULL,
  run_id BIGINT NOT NULL,
  PRIMARY KEY (subject, resource, record_id)
);
CREATE INDEX md_members_golden ON md_members (golden_id);
CREATE TABLE md_history (
  id {{pk}},
  run_id BIGINT NOT NULL,
  golden_id BIGINT NOT NULL,
  event TEXT NOT NULL,
  other_id BIGINT,
  detail TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX md_history_golden ON md_history (golden_id);
CREATE TABLE md_review (
  id {{pk}},
  subject TEXT NOT NULL,
  a_resource TEXT NOT NULL,
  a_record BIGINT NOT NULL,
  b_resource TEXT NOT NULL,
  b_record BIGINT NOT NULL,
  probability DOUBLE PRECISION,
  weight DOUBLE PRECISION,
  status TEXT NOT NULL,
  run_id BIGINT NOT NULL,
  decided_by TEXT,
  decided_ms BIGINT,
  note TEXT,
  UNIQUE (subject, a_resource, a_record, b_resource, b_record)
);
CREATE INDEX md_review_status ON md_review (subject, status);
)"}};
}

namespace {

// One attribute of a subject: bound to resource fields by data element (and, for generic
// elements such as `date`, by a word in the field name).
struct AttrSpec {
  const char* attr;
  const char* element;
  const char* name_hint;
};

struct SubjectSpec {
  std::string subject;
  std::vector<AttrSpec> attrs;
  std::string identifier;  // the attribute that identifies (deterministic, blind-indexed)
  std::string id_element;
  const char* config;  // the resolution config (fields named by attribute)
};

const SubjectSpec& SpecFor(std::string_view subject) {
  static const SubjectSpec kPerson{"person",
                                   {{"name", "person_name", ""},
                                    {"id_card", "id_card", ""},
                                    {"birth_date", "date", "birth"},
                                    {"gender", "gender", ""},
                                    {"phone", "mobile", ""},
                                    {"address", "address", ""}},
                                   "id_card",
                                   "id_card",
                                   R"({"id_column": "ref",
 "fields": [{"name": "name", "kind": "name", "tf": true},
            {"name": "id_card", "kind": "id_card", "deterministic": true},
            {"name": "birth_date", "kind": "date", "fallback_from": "id_card", "tf": true},
            {"name": "gender", "kind": "gender"},
            {"name": "phone", "kind": "phone", "tf": true},
            {"name": "address", "kind": "address", "tf": true}],
 "blocking": [["id_card"], ["name:pinyin", "birth_date"], ["name", "id_card:region_seq"],
              ["name", "phone"], ["address", "birth_date"], ["name", "address"]],
 "match_probability": 0.5, "review_probability": 0.05, "max_block_size": 3000,
 "u_sample_pairs": 500000})"};
  static const SubjectSpec kLegal{"legal_entity",
                                  {{"org_name", "org_name", ""},
                                   {"uscc", "uscc", ""},
                                   {"legal_rep", "person_name", ""},
                                   {"address", "address", ""},
                                   {"phone", "mobile", ""}},
                                  "uscc",
                                  "uscc",
                                  R"({"id_column": "ref",
 "fields": [{"name": "org_name", "kind": "org_name", "tf": true},
            {"name": "uscc", "kind": "credit_code", "deterministic": true},
            {"name": "legal_rep", "kind": "name", "tf": true},
            {"name": "address", "kind": "address", "tf": true},
            {"name": "phone", "kind": "phone", "tf": true}],
 "blocking": [["uscc"], ["org_name"], ["legal_rep", "address"], ["org_name:prefix3", "address"],
              ["legal_rep", "phone"]],
 "match_probability": 0.5, "review_probability": 0.05, "max_block_size": 3000,
 "u_sample_pairs": 500000})"};
  return subject == "legal_entity" ? kLegal : kPerson;
}

std::string GoldenKeyName(std::string_view subject) {
  return "MD_" + ToUpperAscii(subject);
}

nlohmann::json ModelToJson(const Model& m) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : m.fields) fields.push_back({{"m", f.m}, {"u", f.u}});
  return {{"lambda", m.lambda}, {"fields", fields}};
}

Result<Model> ModelFromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("fields"))
    return Status::Corruption("the stored model of the last run is unreadable");
  // Non-finite numbers are written as null by the JSON writer.
  auto number = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : 0.0; };
  auto numbers = [&](const nlohmann::json& a) {
    std::vector<double> out;
    for (const auto& v : a) out.push_back(number(v));
    return out;
  };
  Model m;
  m.lambda = number(j["lambda"]);
  for (const auto& f : j["fields"]) m.fields.push_back({numbers(f["m"]), numbers(f["u"])});
  return m;
}

std::string Key(std::string_view resource, int64_t record) {
  return fmt::format("{}:{}", resource, record);
}

// Canonical order of a pair of records (the review queue stores each pair once).
void Order(RecordRef& a, RecordRef& b) {
  if (std::tie(b.resource, b.record_id) < std::tie(a.resource, a.record_id)) std::swap(a, b);
}

nlohmann::json ReviewJson(const store::Row& r) {
  nlohmann::json j = {{"id", r.Int(0)},
                      {"subject", r.Text(1)},
                      {"a", Key(r.Text(2), r.Int(3))},
                      {"b", Key(r.Text(4), r.Int(5))},
                      {"probability", r.Double(6)},
                      {"weight", r.Double(7)},
                      {"status", r.Text(8)},
                      {"run_id", r.Int(9)}};
  j["decided_by"] = r.IsNull(10) ? nlohmann::json() : nlohmann::json(r.Text(10));
  j["decided_at"] = r.IsNull(11) ? nlohmann::json() : nlohmann::json(FormatRfc3339(r.Int(11)));
  j["note"] = r.IsNull(12) ? nlohmann::json() : nlohmann::json(r.Text(12));
  return j;
}

constexpr const char* kReviewColumns =
    "id, subject, a_resource, a_record, b_resource, b_record, probability, weight, status, "
    "run_id, decided_by, decided_ms, note";

double Finite(double w) {
  if (std::isinf(w)) return w > 0 ? 1e9 : -1e9;
  return w;
}

}  // namespace

Status CheckSubject(std::string_view subject) {
  if (subject == "person" || subject == "legal_entity") return Status::Ok();
  return Status::InvalidArgument("subject must be person or legal_entity, not '" +
                                 std::string(subject) + "'");
}

std::string RecordRef::ToString() const {
  return Key(resource, record_id);
}

Result<RecordRef> RecordRef::Parse(std::string_view text) {
  const auto colon = text.rfind(':');
  RecordRef r;
  if (colon == std::string_view::npos || colon == 0 ||
      !ParseInt64(text.substr(colon + 1), &r.record_id) || r.record_id <= 0)
    return Status::InvalidArgument("a record is named RESOURCE:record_id, not '" +
                                   std::string(text) + "'");
  r.resource = std::string(text.substr(0, colon));
  return r;
}

std::optional<Decision> ParseDecision(std::string_view s) {
  if (s == "match") return Decision::kMatch;
  if (s == "non_match") return Decision::kNonMatch;
  return std::nullopt;
}

BaseLibrary::BaseLibrary(store::Store& store, catalogue::Catalogue& catalogue,
                         const standards::Registry& registry, security::KeyRing& keys)
    : store_(store), catalogue_(catalogue), registry_(registry), keys_(keys) {}

// Everything a run, an explanation or a verification needs about a subject's records.
struct BaseLibrary::Loaded {
  Config config;
  struct Source {
    std::string code;
    std::vector<int> attr_column;         // per attribute: index into plan, -1 when not held
    std::vector<std::string> attr_field;  // per attribute: the field name ("" when not held)
  };
  std::vector<Source> sources;
  nlohmann::json skipped = nlohmann::json::array();
  RecordBatch batch{0};
  struct Member {
    uint32_t source;
    int64_t record_id, batch;
  };
  std::vector<Member> members;
  std::unordered_map<std::string, uint32_t> index;  // "RES:id" -> record
  std::vector<bool> sealed;  // per attribute: some source seals it (so the golden value is too)
};

Result<BaseLibrary::Loaded> BaseLibrary::Load(std::string_view subject) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  const SubjectSpec& spec = SpecFor(subject);
  Loaded L;
  YISHU_ASSIGN_OR_RETURN(L.config, ParseConfig(nlohmann::json::parse(spec.config)));
  const size_t n_attrs = spec.attrs.size();
  L.batch = RecordBatch(n_attrs);
  L.sealed.assign(n_attrs, false);

  std::vector<std::string> codes;
  for (int64_t page = 1;; ++page) {
    catalogue::ResourceQuery q;
    q.page = page;
    q.page_size = 200;
    YISHU_ASSIGN_OR_RETURN(auto rp, catalogue_.ListResources(q));
    for (const auto& s : rp.items)
      if (s.subject == subject) codes.push_back(s.code);
    if (page * rp.page_size >= rp.total || rp.items.empty()) break;
  }
  std::sort(codes.begin(), codes.end());

  std::vector<std::string> cells(n_attrs);
  std::vector<std::string_view> views(n_attrs);
  for (const std::string& code : codes) {
    YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(code));
    const auto plan = ingest::PlanColumns(res, registry_);
    Loaded::Source src;
    src.code = code;
    src.attr_column.assign(n_attrs, -1);
    src.attr_field.assign(n_attrs, "");
    std::string why_not;
    for (size_t a = 0; a < n_attrs; ++a) {
      std::vector<int> found;
      for (size_t i = 0; i < res.fields.size(); ++i) {
        const auto& f = res.fields[i];
        if (f.element != spec.attrs[a].element) continue;
        if (*spec.attrs[a].name_hint && f.name.find(spec.attrs[a].name_hint) == std::string::npos)
          continue;
        found.push_back(static_cast<int>(i));
      }
      if (found.size() > 1 && spec.attrs[a].attr == spec.identifier) {
        why_not = fmt::format("{} fields bound to {}: several {}s per record", found.size(),
                              spec.attrs[a].element, subject);
        break;
      }
      if (found.size() != 1) continue;  // not held, or ambiguous: left out
      for (size_t c = 0; c < plan.size(); ++c)
        if (plan[c].name == res.fields[found[0]].name) src.attr_column[a] = static_cast<int>(c);
      src.attr_field[a] = res.fields[found[0]].name;
    }
    if (why_not.empty() && src.attr_column[0] < 0 &&
        src.attr_column[static_cast<size_t>(L.config.FieldIndex(spec.identifier))] < 0)
      why_not = "neither a name nor an identifier field";
    if (!why_not.empty()) {
      L.skipped.push_back({{"resource", code}, {"reason", why_not}});
      continue;
    }
    const std::string table = ingest::Ingester::TableName(code);
    if (!store_.Query("SELECT 1 FROM " + table + " WHERE 1 = 0").ok()) continue;  // no batch yet
    std::unique_ptr<security::FieldProtector> protector;
    std::string sql = "SELECT _id, _batch";
    for (size_t a = 0; a < n_attrs; ++a) {
      const int c = src.attr_column[a];
      // Sealed attributes come from the record's sealed column, opened once per row.
      sql += c >= 0 && !plan[c].sealed ? ", " + plan[c].name : ", NULL";
      if (c >= 0 && plan[c].sealed) {
        L.sealed[a] = true;
        if (!protector) {
          YISHU_ASSIGN_OR_RETURN(protector, keys_.ForResource(code));
        }
      }
    }
    const size_t sealed_at = 2 + n_attrs;
    if (protector) sql += ", " + std::string(security::kSealedRecordColumn);
    sql += " FROM " + table + " ORDER BY _id";
    security::SealedRecord record;
    const auto source_index = static_cast<uint32_t>(L.sources.size());
    {
      auto conn = store_.Acquire();
      YISHU_RETURN_IF_ERROR(conn->QueryEach(sql, {}, [&](const store::Row& row) {
        const int64_t id = row.Int(0);
        // A record that does not open has been reported by the key ring; its sealed values
        // count as missing here rather than stopping the run.
        record.Clear();
        if (protector && !row.IsNull(sealed_at))
          (void)protector->OpenRecord(id, row[sealed_at].AsBytes(), &record);
        for (size_t a = 0; a < n_attrs; ++a) {
          cells[a].clear();
          const int c = src.attr_column[a];
          if (c < 0) continue;
          if (plan[c].sealed) {
            if (auto v = record.Find(plan[c].name)) cells[a] = *v;
          } else if (!row.IsNull(2 + a)) {
            cells[a] = row[2 + a].AsText();
          }
        }
        for (size_t a = 0; a < n_attrs; ++a) views[a] = cells[a];
        const std::string key = Key(code, id);
        L.index.emplace(key, static_cast<uint32_t>(L.members.size()));
        L.batch.Add(key, views);
        L.members.push_back({source_index, id, row.Int(1)});
        return true;
      }));
    }
    L.sources.push_back(std::move(src));
  }
  for (auto& c : cells) std::fill(c.begin(), c.end(), '\0');
  return L;
}

Result<nlohmann::json> BaseLibrary::Run(const RunOptions& options) {
  const int64_t started = NowMillis();
  YISHU_ASSIGN_OR_RETURN(Loaded L, Load(options.subject));
  const SubjectSpec& spec = SpecFor(options.subject);
  const size_t n = L.members.size();
  const size_t n_attrs = spec.attrs.size();
  if (options.match_probability) L.config.match_probability = *options.match_probability;
  if (options.review_probability) L.config.review_probability = *options.review_probability;
  if (!(L.config.review_probability > 0 &&
        L.config.review_probability <= L.config.match_probability &&
        L.config.match_probability < 1))
    return Status::InvalidArgument("thresholds must satisfy 0 < review <= match < 1");

  // The last run and what it left.
  int64_t last_run = 0;
  std::optional<Model> last_model;
  YISHU_ASSIGN_OR_RETURN(auto runs, store_.Query("SELECT id, model FROM md_runs WHERE subject = ? "
                                                 "ORDER BY id DESC LIMIT 1",
                                                 {options.subject}));
  if (!runs.empty()) {
    last_run = runs[0].Int(0);
    YISHU_ASSIGN_OR_RETURN(last_model, ModelFromJson(runs[0].Text(1)));
  }
  struct Old {
    int64_t golden, batch;
  };
  std::vector<std::optional<Old>> old(n);
  std::map<int64_t, int64_t> old_sizes;  // golden -> members it had
  std::vector<std::pair<std::string, int64_t>> vanished;
  {
    YISHU_ASSIGN_OR_RETURN(auto rows, store_.Query("SELECT resource, record_id, golden_id, batch "
                                                   "FROM md_members WHERE subject = ?",
                                                   {options.subject}));
    for (const auto& r : rows) {
      ++old_sizes[r.Int(2)];
      auto it = L.index.find(Key(r.Text(0), r.Int(1)));
      if (it == L.index.end()) {
        vanished.emplace_back(r.Text(0), r.Int(1));
        continue;
      }
      old[it->second] = Old{r.Int(2), r.Int(3)};
    }
  }
  // Reviewers' decisions.
  ResolveOptions ro;
  ro.threads = options.threads;
  std::vector<std::pair<uint32_t, uint32_t>> non_matches;
  {
    YISHU_ASSIGN_OR_RETURN(auto rows, store_.Query("SELECT a_resource, a_record, b_resource, "
                                                   "b_record, status FROM md_review WHERE "
                                                   "subject = ? AND status <> 'pending'",
                                                   {options.subject}));
    for (const auto& r : rows) {
      auto a = L.index.find(Key(r.Text(0), r.Int(1)));
      auto b = L.index.find(Key(r.Text(2), r.Int(3)));
      if (a == L.index.end() || b == L.index.end()) continue;
      if (r.Text(4) == "match")
        ro.must_link.emplace_back(a->second, b->second);
      else
        non_matches.emplace_back(a->second, b->second);
    }
  }
  ro.cannot_link = non_matches;

  const bool incremental = options.incremental && last_model.has_value();
  int64_t dirty_count = static_cast<int64_t>(n);
  if (incremental) {
    ro.model = &*last_model;
    ro.dirty.assign(n, 0);
    std::unordered_set<int64_t> reopened;  // old clusters a non-match cuts through
    for (const auto& [a, b] : non_matches)
      if (old[a] && old[b] && old[a]->golden == old[b]->golden) reopened.insert(old[a]->golden);
    std::unordered_map<int64_t, uint32_t> first_clean;
    dirty_count = 0;
    for (uint32_t r = 0; r < n; ++r) {
      const bool dirty =
          !old[r] || old[r]->batch != L.members[r].batch || reopened.count(old[r]->golden) > 0;
      if (dirty) {
        ro.dirty[r] = 1;
        ++dirty_count;
        continue;
      }
      // Carried over: joined to the first clean record of its old cluster.
      auto [it, inserted] = first_clean.emplace(old[r]->golden, r);
      if (!inserted) ro.must_link.emplace_back(it->second, r);
    }
  }
  YISHU_ASSIGN_OR_RETURN(ResolveResult rr, Resolve(L.config, L.batch, ro));

  // Clusters, and which old golden ids they overlap.
  std::map<uint32_t, std::vector<uint32_t>> clusters;
  for (uint32_t r = 0; r < n; ++r) clusters[rr.cluster_of[r]].push_back(r);
  struct Overlap {
    int64_t count;
    uint32_t cluster;
    int64_t golden;
  };
  std::vector<Overlap> overlaps;
  for (const auto& [root, recs] : clusters) {
    std::map<int64_t, int64_t> counts;
    for (uint32_t r : recs)
      if (old[r]) ++counts[old[r]->golden];
    for (const auto& [g, c] : counts) overlaps.push_back({c, root, g});
  }
  std::sort(overlaps.begin(), overlaps.end(), [](const Overlap& x, const Overlap& y) {
    if (x.count != y.count) return x.count > y.count;
    if (x.golden != y.golden) return x.golden < y.golden;
    return x.cluster < y.cluster;
  });
  std::map<uint32_t, int64_t> golden_of;  // cluster -> golden id it keeps
  std::set<int64_t> kept;
  for (const auto& o : overlaps) {
    if (golden_of.count(o.cluster) || kept.count(o.golden)) continue;
    golden_of[o.cluster] = o.golden;
    kept.insert(o.golden);
  }

  // Authoritative sources (一数一源) of the subject's elements.
  YISHU_ASSIGN_OR_RETURN(auto sources, catalogue_.Sources());
  std::set<std::pair<std::string, std::string>> authoritative;  // (resource, field)
  for (const auto& s : sources)
    if (s.subject == options.subject && !s.resource.empty())
      authoritative.emplace(s.resource, s.field);

  YISHU_ASSIGN_OR_RETURN(auto golden_protector, keys_.ForResource(GoldenKeyName(options.subject)));
  const int id_attr = L.config.FieldIndex(spec.identifier);

  nlohmann::json counts = {{"created", 0}, {"kept", 0},  {"updated", 0},
                           {"merged", 0},  {"split", 0}, {"retired", 0}};
  nlohmann::json summary;
  int64_t run_id = 0;
  const int64_t now = NowMillis();
  std::string value;
  Status st = store_.Transact([&](store::Connection& tx) -> Status {
    counts = {{"created", 0}, {"kept", 0},  {"updated", 0},
              {"merged", 0},  {"split", 0}, {"retired", 0}};
    YISHU_ASSIGN_OR_RETURN(auto latest, tx.QueryOne("SELECT COALESCE(MAX(id), 0) FROM md_runs "
                                                    "WHERE subject = ?",
                                                    {options.subject}));
    if (latest.Int(0) != last_run)
      return Status::Conflict("another run of " + options.subject +
                              " committed while this one ran; run again");
    YISHU_ASSIGN_OR_RETURN(
        run_id, tx.InsertReturningId(
                    "INSERT INTO md_runs (subject, prev_run, mode, actor, started_ms, "
                    "finished_ms, model, summary) VALUES (?, ?, ?, ?, ?, ?, ?, '{}') RETURNING id",
                    {options.subject, last_run, incremental ? "incremental" : "full", options.actor,
                     started, started, ModelToJson(rr.model).dump()}));
    auto history = [&](int64_t golden, const char* event, std::optional<int64_t> other,
                       const nlohmann::json& detail) {
      return tx
          .Exec(
              "INSERT INTO md_history (run_id, golden_id, event, other_id, detail, at_ms) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {run_id, golden, event, other, detail.dump(), now})
          .status();
    };
    // Golden ids for the clusters that keep none: new records, or parts split off an old one.
    std::map<uint32_t, int64_t> final_golden = golden_of;
    for (const auto& [root, recs] : clusters) {
      if (golden_of.count(root)) continue;
      YISHU_ASSIGN_OR_RETURN(
          int64_t id, tx.InsertReturningId(
                          "INSERT INTO md_golden (subject, status, members, "
                          "created_run, updated_run) VALUES (?, 'active', ?, "
                          "?, ?) RETURNING id",
                          {options.subject, static_cast<int64_t>(recs.size()), run_id, run_id}));
      final_golden[root] = id;
      std::map<int64_t, int64_t> from;
      for (uint32_t r : recs)
        if (old[r]) ++from[old[r]->golden];
      if (from.empty()) {
        counts["created"] = counts["created"].get<int>() + 1;
        YISHU_RETURN_IF_ERROR(history(id, "created", std::nullopt, {{"members", recs.size()}}));
      } else {
        counts["split"] = counts["split"].get<int>() + 1;
        for (const auto& [g, c] : from) {
          YISHU_RETURN_IF_ERROR(history(id, "split_from", g, {{"records", c}}));
          YISHU_RETURN_IF_ERROR(history(g, "split", id, {{"records", c}}));
        }
      }
    }
    // Old ids no cluster kept: merged into where most of their records went, or retired.
    for (const auto& [g, size] : old_sizes) {
      if (kept.count(g)) continue;
      std::map<int64_t, int64_t> to;
      for (uint32_t r = 0; r < n; ++r)
        if (old[r] && old[r]->golden == g) ++to[final_golden[rr.cluster_of[r]]];
      if (to.empty()) {
        counts["retired"] = counts["retired"].get<int>() + 1;
        YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE md_golden SET status = 'retired', members = 0, "
                                      "updated_run = ? WHERE id = ?",
                                      {run_id, g})
                                  .status());
        YISHU_RETURN_IF_ERROR(history(g, "retired", std::nullopt, {{"reason", "no records"}}));
        YISHU_RETURN_IF_ERROR(tx.Exec("DELETE FROM md_attrs WHERE golden_id = ?", {g}).status());
        continue;
      }
      auto target = std::max_element(to.begin(), to.end(), [](const auto& x, const auto& y) {
                      return x.second < y.second;
                    })->first;
      counts["merged"] = counts["merged"].get<int>() + 1;
      YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE md_golden SET status = 'merged', merged_into = ?, "
                                    "members = 0, updated_run = ? WHERE id = ?",
                                    {target, run_id, g})
                                .status());
      YISHU_RETURN_IF_ERROR(tx.Exec("DELETE FROM md_attrs WHERE golden_id = ?", {g}).status());
      YISHU_RETURN_IF_ERROR(history(g, "merged_into", target, {{"records", size}}));
      YISHU_RETURN_IF_ERROR(history(target, "absorbed", g, {{"records", size}}));
    }
    // Members and attributes of every cluster whose records changed (all of them in a full
    // run, whose model may choose differently).
    if (!incremental) {
      YISHU_RETURN_IF_ERROR(
          tx.Exec("DELETE FROM md_members WHERE subject = ?", {options.subject}).status());
    } else {
      for (const auto& [res, id] : vanished)
        YISHU_RETURN_IF_ERROR(tx.Exec("DELETE FROM md_members WHERE subject = ? AND resource = ? "
                                      "AND record_id = ?",
                                      {options.subject, res, id})
                                  .status());
    }
    for (const auto& [root, recs] : clusters) {
      const int64_t g = final_golden[root];
      bool changed = !incremental || !golden_of.count(root);
      for (uint32_t r : recs)
        if (!old[r] || old[r]->golden != g || old[r]->batch != L.members[r].batch) changed = true;
      if (golden_of.count(root)) {
        int64_t joined = 0, stayed = 0;
        for (uint32_t r : recs) (old[r] && old[r]->golden == g ? stayed : joined) += 1;
        if (joined || stayed != old_sizes[g]) {
          changed = true;
          counts["updated"] = counts["updated"].get<int>() + 1;
          YISHU_RETURN_IF_ERROR(history(
              g, "members_changed", std::nullopt,
              {{"joined", joined}, {"left", old_sizes[g] - stayed}, {"members", recs.size()}}));
        } else {
          counts["kept"] = counts["kept"].get<int>() + 1;
        }
      }
      if (!changed) continue;
      if (golden_of.count(root)) {
        YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE md_golden SET status = 'active', merged_into = "
                                      "NULL, members = ?, updated_run = ? WHERE id = ?",
                                      {static_cast<int64_t>(recs.size()), run_id, g})
                                  .status());
      }
      for (uint32_t r : recs) {
        if (incremental && old[r] && old[r]->golden == g && old[r]->batch == L.members[r].batch)
          continue;
        const auto& m = L.members[r];
        YISHU_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO md_members (subject, resource, record_id, batch, golden_id, "
                    "run_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject, resource, "
                    "record_id) DO UPDATE SET batch = excluded.batch, golden_id = "
                    "excluded.golden_id, run_id = excluded.run_id",
                    {options.subject, L.sources[m.source].code, m.record_id, m.batch, g, run_id})
                .status());
      }
      // Attributes: the authoritative source's value, else the most recent.
      YISHU_RETURN_IF_ERROR(tx.Exec("DELETE FROM md_attrs WHERE golden_id = ?", {g}).status());
      for (size_t a = 0; a < n_attrs; ++a) {
        int best = -1;
        bool best_auth = false;
        for (uint32_t r : recs) {
          if (L.batch.cell(r, a).empty()) continue;
          const auto& m = L.members[r];
          const bool auth = authoritative.count(
                                {L.sources[m.source].code, L.sources[m.source].attr_field[a]}) > 0;
          if (best >= 0) {
            const auto& b = L.members[static_cast<uint32_t>(best)];
            if (best_auth && !auth) continue;
            if (best_auth == auth &&
                std::tie(b.batch, b.record_id) > std::tie(m.batch, m.record_id))
              continue;
          }
          best = static_cast<int>(r);
          best_auth = auth;
        }
        if (best < 0) continue;
        const auto& m = L.members[static_cast<uint32_t>(best)];
        const std::string_view v = L.batch.cell(static_cast<size_t>(best), a);
        store::Value text, sealed, bidx;
        if (L.sealed[a]) {
          YISHU_RETURN_IF_ERROR(golden_protector->Seal(g, spec.attrs[a].attr, v, &value));
          sealed = store::Blob{value};
        } else {
          text = std::string(v);
        }
        if (static_cast<int>(a) == id_attr)
          bidx = store::Blob{golden_protector->BlindIndex(
              spec.id_element, security::NormalizeForIndex(spec.id_element, v))};
        YISHU_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO md_attrs (golden_id, attr, value_text, value_sealed, bidx, "
                    "rule, resource, field, batch, record_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?)",
                    {g, spec.attrs[a].attr, text, sealed, bidx,
                     best_auth ? "authoritative_source" : "most_recent", L.sources[m.source].code,
                     L.sources[m.source].attr_field[a], m.batch, m.record_id})
                .status());
      }
    }
    // The review queue: pairs between the thresholds, except those already decided.
    if (!incremental)
      YISHU_RETURN_IF_ERROR(tx.Exec("DELETE FROM md_review WHERE subject = ? AND status = "
                                    "'pending'",
                                    {options.subject})
                                .status());
    for (const auto& p : rr.review) {
      RecordRef a{L.sources[L.members[p.a].source].code, L.members[p.a].record_id};
      RecordRef b{L.sources[L.members[p.b].source].code, L.members[p.b].record_id};
      Order(a, b);
      YISHU_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO md_review (subject, a_resource, a_record, b_resource, b_record, "
                  "probability, weight, status, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, "
                  "'pending', ?) ON CONFLICT (subject, a_resource, a_record, b_resource, "
                  "b_record) DO NOTHING",
                  {options.subject, a.resource, a.record_id, b.resource, b.record_id,
                   static_cast<double>(p.probability), Finite(p.weight), run_id})
              .status());
    }
    YISHU_ASSIGN_OR_RETURN(auto pending, tx.QueryOne("SELECT COUNT(*) FROM md_review WHERE "
                                                     "subject = ? AND status = 'pending'",
                                                     {options.subject}));
    summary = {{"run_id", run_id},
               {"subject", options.subject},
               {"mode", incremental ? "incremental" : "full"},
               {"records", n},
               {"compared_records", dirty_count},
               {"clusters", clusters.size()},
               {"golden", counts},
               {"review_pairs", rr.review.size()},
               {"review_pending", pending.Int(0)},
               {"skipped_resources", L.skipped},
               {"stats", rr.stats.ToJson()}};
    YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE md_runs SET finished_ms = ?, summary = ? WHERE id = ?",
                                  {NowMillis(), summary.dump(), run_id})
                              .status());
    if (options.before_commit) YISHU_RETURN_IF_ERROR(options.before_commit());
    return Status::Ok();
  });
  std::fill(value.begin(), value.end(), '\0');
  YISHU_RETURN_IF_ERROR(st);
  return summary;
}

Result<nlohmann::json> BaseLibrary::ListRuns(std::string_view subject, int64_t limit) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  YISHU_ASSIGN_OR_RETURN(auto rows,
                         store_.Query("SELECT id, mode, actor, started_ms, finished_ms, summary "
                                      "FROM md_runs WHERE subject = ? ORDER BY id DESC LIMIT ?",
                                      {subject, limit}));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : rows)
    items.push_back({{"id", r.Int(0)},
                     {"mode", r.Text(1)},
                     {"actor", r.Text(2)},
                     {"started_at", FormatRfc3339(r.Int(3))},
                     {"seconds", (r.Int(4) - r.Int(3)) / 1000.0},
                     {"summary", nlohmann::json::parse(r.Text(5), nullptr, false)}});
  return nlohmann::json{{"items", items}};
}

Result<nlohmann::json> BaseLibrary::Get(
    int64_t golden_id,
    const std::function<std::string(const std::string&, const std::string&)>& present) {
  auto row = store_.QueryOne(
      "SELECT id, subject, status, merged_into, members, created_run, updated_run FROM "
      "md_golden WHERE id = ?",
      {golden_id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound(fmt::format("golden record {} does not exist", golden_id));
    return row.status();
  }
  const std::string subject = row->Text(1);
  nlohmann::json j = {
      {"id", golden_id},
      {"subject", subject},
      {"status", row->Text(2)},
      {"merged_into", row->IsNull(3) ? nlohmann::json() : nlohmann::json(row->Int(3))},
      {"created_run", row->Int(5)},
      {"updated_run", row->Int(6)}};
  YISHU_ASSIGN_OR_RETURN(auto members, store_.Query("SELECT resource, record_id, batch FROM "
                                                    "md_members WHERE golden_id = ? ORDER BY "
                                                    "resource, record_id",
                                                    {golden_id}));
  j["members"] = nlohmann::json::array();
  for (const auto& m : members)
    j["members"].push_back({{"resource", m.Text(0)}, {"record_id", m.Int(1)}, {"batch", m.Int(2)}});
  YISHU_ASSIGN_OR_RETURN(auto attrs, store_.Query("SELECT attr, value_text, value_sealed, rule, "
                                                  "resource, field, batch, record_id FROM "
                                                  "md_attrs WHERE golden_id = ? ORDER BY attr",
                                                  {golden_id}));
  std::unique_ptr<security::FieldProtector> protector;
  j["attributes"] = nlohmann::json::object();
  std::string plain;
  for (const auto& a : attrs) {
    const std::string attr = a.Text(0);
    nlohmann::json v = {{"sealed", !a.IsNull(2)},
                        {"rule", a.Text(3)},
                        {"source",
                         {{"resource", a.Text(4)},
                          {"field", a.Text(5)},
                          {"batch", a.Int(6)},
                          {"record_id", a.Int(7)}}}};
    if (a.IsNull(2)) {
      v["value"] = a.Text(1);
    } else if (present) {
      if (!protector) {
        YISHU_ASSIGN_OR_RETURN(protector, keys_.ForResource(GoldenKeyName(subject)));
      }
      if (protector->Open(golden_id, attr, a[2].AsBytes(), &plain).ok())
        v["value"] = present(attr, plain);
      else
        v["unreadable"] = true;
    }
    j["attributes"][attr] = std::move(v);
  }
  std::fill(plain.begin(), plain.end(), '\0');
  return j;
}

Result<int64_t> BaseLibrary::FindByIdentifier(std::string_view subject,
                                              std::string_view identifier) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  const SubjectSpec& spec = SpecFor(subject);
  YISHU_ASSIGN_OR_RETURN(auto protector, keys_.ForResource(GoldenKeyName(subject)));
  const std::string bidx = protector->BlindIndex(
      spec.id_element, security::NormalizeForIndex(spec.id_element, identifier));
  YISHU_ASSIGN_OR_RETURN(auto rows,
                         store_.Query("SELECT g.id FROM md_attrs a JOIN md_golden g ON g.id = "
                                      "a.golden_id WHERE a.attr = ? AND a.bidx = ? AND "
                                      "g.subject = ? AND g.status = 'active' ORDER BY g.id",
                                      {spec.identifier, store::Blob{bidx}, subject}));
  if (rows.empty()) return Status::NotFound("no golden record holds this identifier");
  return rows[0].Int(0);
}

Result<nlohmann::json> BaseLibrary::Search(
    std::string_view subject, std::string_view q_in, int64_t page, int64_t page_size,
    const std::function<std::string(const std::string&, const std::string&)>& present) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  const SubjectSpec& spec = SpecFor(subject);
  const std::string q(Trim(q_in));
  const bool digits =
      !q.empty() && std::all_of(q.begin(), q.end(), [](char c) { return c >= '0' && c <= '9'; });
  const bool identifier_like =
      q.size() == 18 && std::all_of(q.begin(), q.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      });
  std::string match = "all";
  // Every form is a FROM/WHERE over md_golden g with its parameters; counted, then paged.
  std::string from = " FROM md_golden g WHERE g.subject = ? AND g.status = 'active'";
  store::Params params{subject};
  if (q.empty()) {
  } else if (digits && q.size() <= 12) {
    match = "id";
    int64_t id = 0;
    (void)ParseInt64(q, &id);
    from = " FROM md_golden g WHERE g.subject = ? AND g.id = ?";
    params.emplace_back(id);
  } else if (identifier_like) {
    match = "identifier";
    YISHU_ASSIGN_OR_RETURN(auto protector, keys_.ForResource(GoldenKeyName(subject)));
    const std::string bidx =
        protector->BlindIndex(spec.id_element, security::NormalizeForIndex(spec.id_element, q));
    from +=
        " AND g.id IN (SELECT a.golden_id FROM md_attrs a WHERE a.attr = ? AND a.bidx = "
        "?)";
    params.emplace_back(spec.identifier);
    params.emplace_back(store::Blob{bidx});
  } else if (auto ref = RecordRef::Parse(q); ref.ok()) {
    match = "member";
    from =
        " FROM md_golden g WHERE g.subject = ? AND g.id IN (SELECT m.golden_id FROM "
        "md_members m WHERE m.subject = ? AND m.resource = ? AND m.record_id = ?)";
    params.emplace_back(subject);
    params.emplace_back(ref->resource);
    params.emplace_back(ref->record_id);
  } else {
    match = "text";
    std::string pattern = "%";
    for (char c : q) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += '%';
    from +=
        " AND g.id IN (SELECT a.golden_id FROM md_attrs a WHERE a.value_text LIKE ? ESCAPE "
        "'\\')";
    params.emplace_back(pattern);
  }
  YISHU_ASSIGN_OR_RETURN(
      auto listed, store_.QueryPage("SELECT g.id", from, params, "ORDER BY g.id DESC", page_size,
                                    (page - 1) * page_size));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : listed.rows) {
    YISHU_ASSIGN_OR_RETURN(auto g, Get(r.Int(0), present));
    items.push_back(std::move(g));
  }
  return nlohmann::json{{"items", items},
                        {"total", listed.total},
                        {"page", page},
                        {"page_size", page_size},
                        {"match", match}};
}

Result<nlohmann::json> BaseLibrary::History(int64_t golden_id) {
  YISHU_ASSIGN_OR_RETURN(auto rows,
                         store_.Query("SELECT id, run_id, golden_id, event, other_id, detail, "
                                      "at_ms FROM md_history WHERE golden_id = ? ORDER BY id",
                                      {golden_id}));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : rows)
    items.push_back({{"id", r.Int(0)},
                     {"run_id", r.Int(1)},
                     {"golden_id", r.Int(2)},
                     {"event", r.Text(3)},
                     {"other_id", r.IsNull(4) ? nlohmann::json() : nlohmann::json(r.Int(4))},
                     {"detail", nlohmann::json::parse(r.Text(5), nullptr, false)},
                     {"at", FormatRfc3339(r.Int(6))}});
  return nlohmann::json{{"golden_id", golden_id}, {"items", items}};
}

Result<nlohmann::json> BaseLibrary::Verify(std::string_view subject,
                                           const std::map<std::string, std::string>& claims) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  const SubjectSpec& spec = SpecFor(subject);
  YISHU_ASSIGN_OR_RETURN(Config config, ParseConfig(nlohmann::json::parse(spec.config)));
  for (const auto& [k, v] : claims)
    if (config.FieldIndex(k) < 0)
      return Status::InvalidArgument("unknown attribute '" + k + "' for " + std::string(subject));
  auto id = claims.find(spec.identifier);
  if (id == claims.end() || Trim(id->second).empty())
    return Status::InvalidArgument("verification needs the identifier (" + spec.identifier + ")");
  nlohmann::json fields = nlohmann::json::object();
  auto found = FindByIdentifier(subject, id->second);
  if (!found.ok()) {
    if (found.status().code() != ErrorCode::kNotFound) return found.status();
    for (const auto& [k, v] : claims) fields[k] = "not_held";
    return nlohmann::json{{"result", "no_match"}, {"found", false}, {"fields", fields}};
  }
  // The golden values, opened here and compared here; only the verdicts leave.
  std::map<std::string, std::string> held;
  YISHU_ASSIGN_OR_RETURN(auto g,
                         Get(*found, [](const std::string&, const std::string& v) { return v; }));
  for (const auto& [attr, a] : g["attributes"].items())
    if (a.contains("value")) held[attr] = a["value"].get<std::string>();
  RecordBatch batch(config.fields.size());
  std::vector<std::string_view> claim_cells(config.fields.size()), held_cells(config.fields.size());
  for (size_t f = 0; f < config.fields.size(); ++f) {
    auto c = claims.find(config.fields[f].name);
    if (c != claims.end()) claim_cells[f] = c->second;
    auto h = held.find(config.fields[f].name);
    if (h != held.end()) held_cells[f] = h->second;
  }
  batch.Add("claim", claim_cells);
  batch.Add("held", held_cells);
  auto chars = ChineseChars::Default();
  const PreparedRecords p = Prepare(config, batch, chars.get(), 1);
  bool all = true;
  for (size_t f = 0; f < config.fields.size(); ++f) {
    const std::string& name = config.fields[f].name;
    if (!claims.count(name) || Trim(claims.at(name)).empty()) continue;
    std::string verdict;
    if (held_cells[f].empty()) {
      verdict = "not_held";
    } else {
      const int level = CompareCells(config.fields[f].kind, p, p.cell(0, f), p.cell(1, f));
      verdict = level == 1 ? "match" : "differs";
    }
    if (verdict != "match") all = false;
    fields[name] = verdict;
  }
  for (auto& [k, v] : held) std::fill(v.begin(), v.end(), '\0');
  return nlohmann::json{
      {"result", all ? "match" : "no_match"}, {"found", true}, {"fields", fields}};
}

Result<nlohmann::json> BaseLibrary::Explain(std::string_view subject, const RecordRef& a,
                                            const RecordRef& b) {
  YISHU_ASSIGN_OR_RETURN(auto runs, store_.Query("SELECT id, model FROM md_runs WHERE subject = "
                                                 "? ORDER BY id DESC LIMIT 1",
                                                 {subject}));
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  if (runs.empty())
    return Status::FailedPrecondition("no run of " + std::string(subject) +
                                      " yet: nothing to explain with");
  YISHU_ASSIGN_OR_RETURN(Model model, ModelFromJson(runs[0].Text(1)));
  YISHU_ASSIGN_OR_RETURN(Loaded L, Load(subject));
  auto ia = L.index.find(a.ToString());
  auto ib = L.index.find(b.ToString());
  if (ia == L.index.end() || ib == L.index.end())
    return Status::NotFound("no " + std::string(subject) + " record " +
                            (ia == L.index.end() ? a.ToString() : b.ToString()));
  auto chars = ChineseChars::Default();
  const PreparedRecords p = Prepare(L.config, L.batch, chars.get(), 2);
  const Explanation e = masterdata::Explain(L.config, model, p, ia->second, ib->second);
  nlohmann::json j = e.ToJson();
  j["run_id"] = runs[0].Int(0);
  j["a"] = a.ToString();
  j["b"] = b.ToString();
  j["match_probability"] = L.config.match_probability;
  j["review_probability"] = L.config.review_probability;
  auto golden_of = [&](const RecordRef& r) -> nlohmann::json {
    auto row = store_.QueryOne(
        "SELECT golden_id FROM md_members WHERE subject = ? AND resource "
        "= ? AND record_id = ?",
        {subject, r.resource, r.record_id});
    return row.ok() ? nlohmann::json(row->Int(0)) : nlohmann::json();
  };
  j["a_golden"] = golden_of(a);
  j["b_golden"] = golden_of(b);
  return j;
}

Result<nlohmann::json> BaseLibrary::ListReview(std::string_view subject, std::string_view status,
                                               int64_t page, int64_t page_size) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  if (status.empty()) status = "pending";
  if (status != "pending" && status != "match" && status != "non_match" && status != "all")
    return Status::InvalidArgument("status must be pending, match, non_match or all");
  std::string where = " WHERE subject = ?";
  store::Params params{subject};
  if (status != "all") {
    where += " AND status = ?";
    params.emplace_back(status);
  }
  YISHU_ASSIGN_OR_RETURN(auto total,
                         store_.QueryOne("SELECT COUNT(*) FROM md_review" + where, params));
  params.emplace_back(page_size);
  params.emplace_back((page - 1) * page_size);
  YISHU_ASSIGN_OR_RETURN(
      auto rows, store_.Query(std::string("SELECT ") + kReviewColumns + " FROM md_review" + where +
                                  " ORDER BY probability DESC, id LIMIT ? "
                                  "OFFSET ?",
                              params));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : rows) items.push_back(ReviewJson(r));
  return nlohmann::json{
      {"items", items}, {"total", total.Int(0)}, {"page", page}, {"page_size", page_size}};
}

Result<nlohmann::json> BaseLibrary::GetReview(int64_t review_id) {
  auto row = store_.QueryOne(
      std::string("SELECT ") + kReviewColumns + " FROM md_review WHERE id = ?", {review_id});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kNotFound)
      return Status::NotFound(fmt::format("review item {} does not exist", review_id));
    return row.status();
  }
  return ReviewJson(*row);
}

Result<nlohmann::json> BaseLibrary::Decide(store::Connection& tx, int64_t review_id, Decision d,
                                           const std::string& reviewer, const std::string& note) {
  YISHU_ASSIGN_OR_RETURN(int64_t changed,
                         tx.Exec("UPDATE md_review SET status = ?, decided_by = ?, decided_ms = "
                                 "?, note = ? WHERE id = ?",
                                 {d == Decision::kMatch ? "match" : "non_match", reviewer,
                                  NowMillis(), note, review_id}));
  if (changed == 0)
    return Status::NotFound(fmt::format("review item {} does not exist", review_id));
  YISHU_ASSIGN_OR_RETURN(auto row, tx.QueryOne(std::string("SELECT ") + kReviewColumns +
                                                   " FROM md_review WHERE id = ?",
                                               {review_id}));
  return ReviewJson(row);
}

Result<nlohmann::json> BaseLibrary::DecidePair(store::Connection& tx, std::string_view subject,
                                               const RecordRef& a_in, const RecordRef& b_in,
                                               Decision d, const std::string& reviewer,
                                               const std::string& note) {
  YISHU_RETURN_IF_ERROR(CheckSubject(subject));
  RecordRef a = a_in, b = b_in;
  if (a.resource == b.resource && a.record_id == b.record_id)
    return Status::InvalidArgument("a record is always its own match");
  for (const RecordRef* r : {&a, &b}) {
    YISHU_ASSIGN_OR_RETURN(auto res, catalogue_.GetResource(r->resource));
    if (res.subject != subject)
      return Status::InvalidArgument(r->resource + " is not about " + std::string(subject));
    auto row =
        tx.Query("SELECT 1 FROM " + ingest::Ingester::TableName(r->resource) + " WHERE _id = ?",
                 {r->record_id});
    if (!row.ok() || row->empty()) return Status::NotFound("no record " + r->ToString());
  }
  Order(a, b);
  YISHU_ASSIGN_OR_RETURN(
      int64_t id,
      tx.InsertReturningId(
          "INSERT INTO md_review (subject, a_resource, a_record, b_resource, b_record, status, "
          "run_id, decided_by, decided_ms, note) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON "
          "CONFLICT (subject, a_resource, a_record, b_resource, b_record) DO UPDATE SET status "
          "= excluded.status, decided_by = excluded.decided_by, decided_ms = "
          "excluded.decided_ms, note = excluded.note RETURNING id",
          {subject, a.resource, a.record_id, b.resource, b.record_id,
           d == Decision::kMatch ? "match" : "non_match", reviewer, NowMillis(), note}));
  YISHU_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryOne(std::string("SELECT ") + kReviewColumns + " FROM md_review WHERE id = ?", {id}));
  return ReviewJson(row);
}

}  // namespace yishu::masterdata
