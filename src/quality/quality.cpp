#include "quality/quality.hpp"

#include <iostream>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "quality/internal.hpp"

namespace yishu::quality {

std::vector<store::Migration> QualityMigrations() {
  return {{"quality", 1, "profiles, scores, tickets, lineage events, quarantine resolution",
           R"sql(
CREATE TABLE quality_batch_shapes (
  batch_id BIGINT PRIMARY KEY,
  header TEXT NOT NULL,
  format TEXT NOT NULL,
  delimiter TEXT NOT NULL,
  mapping TEXT NOT NULL,
  mode TEXT NOT NULL
);
CREATE TABLE quality_scores (
  id {{pk}},
  scope TEXT NOT NULL,
  resource TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  batch_id BIGINT NOT NULL DEFAULT 0,
  computed_ms BIGINT NOT NULL,
  completeness DOUBLE PRECISION,
  conformity DOUBLE PRECISION,
  accuracy DOUBLE PRECISION,
  consistency DOUBLE PRECISION,
  timeliness DOUBLE PRECISION,
  accessibility DOUBLE PRECISION,
  closed_loop DOUBLE PRECISION,
  overall DOUBLE PRECISION,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX quality_scores_subject ON quality_scores(scope, resource, batch_id, id);
CREATE INDEX quality_scores_department ON quality_scores(scope, department, id);
CREATE TABLE quality_profiles (
  id {{pk}},
  resource TEXT NOT NULL,
  batch_id BIGINT NOT NULL,
  computed_ms BIGINT NOT NULL,
  profile TEXT NOT NULL
);
CREATE INDEX quality_profiles_resource ON quality_profiles(resource, batch_id, id);
CREATE TABLE quality_tickets (
  id {{pk}},
  department TEXT NOT NULL,
  resource TEXT NOT NULL,
  kind TEXT NOT NULL,
  rule TEXT NOT NULL,
  field TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  occurrences BIGINT NOT NULL DEFAULT 0,
  first_batch BIGINT NOT NULL DEFAULT 0,
  last_batch BIGINT NOT NULL DEFAULT 0,
  verified_batch BIGINT NOT NULL DEFAULT 0,
  opened_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  due_ms BIGINT NOT NULL,
  closed_ms BIGINT NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX quality_tickets_department ON quality_tickets(department, status);
CREATE INDEX quality_tickets_problem ON quality_tickets(resource, kind, rule, field, status);
CREATE TABLE quality_ticket_events (
  id {{pk}},
  ticket_id BIGINT NOT NULL,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX quality_ticket_events_ticket ON quality_ticket_events(ticket_id, id);
CREATE TABLE quality_lineage_events (
  id {{pk}},
  batch_id BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX quality_lineage_events_batch ON quality_lineage_events(batch_id, id);
CREATE TABLE quality_quarantine_resolution (
  quarantine_id BIGINT PRIMARY KEY,
  resource TEXT NOT NULL,
  status TEXT NOT NULL,
  by_batch BIGINT NOT NULL,
  record_id BIGINT NOT NULL DEFAULT 0,
  at_ms BIGINT NOT NULL
);
CREATE TABLE quality_consistency (
  id {{pk}},
  run_ms BIGINT NOT NULL,
  element TEXT NOT NULL,
  subject TEXT NOT NULL,
  auth_resource TEXT NOT NULL,
  auth_field TEXT NOT NULL,
  copy_resource TEXT NOT NULL,
  copy_field TEXT NOT NULL,
  compared BIGINT NOT NULL,
  disagreeing BIGINT NOT NULL
);
CREATE INDEX quality_consistency_copy ON quality_consistency(copy_resource, id);
)sql"}};
}

std::string PatternOf(std::string_view value) {
  std::string out;
  size_t chars = 0;
  for (char32_t cp : Utf8Decode(value)) {
    if (++chars > 40) {
      out += "…";
      break;
    }
    if (cp >= '0' && cp <= '9')
      out += '9';
    else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
      out += 'A';
    else if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
             (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xF900 && cp <= 0xFAFF))
      out += "汉";
    else
      AppendUtf8(out, cp);
  }
  return out;
}

std::string_view DimensionOf(std::string_view rule) {
  if (rule == "not_null") return "completeness";
  if (rule.size() > 9 && rule.substr(rule.size() - 9) == "_mismatch") return "consistency";
  static const char* kAccuracy[] = {"duplicate_key", "duplicate_key_in_table", "ragged_row",
                                    "bare_quote",    "text_after_quote",       "unterminated_quote",
                                    "nul_byte",      "invalid_utf8",           "invalid_json",
                                    "unknown_key",   "unmapped_value"};
  for (const char* a : kAccuracy)
    if (rule == a) return "accuracy";
  return "conformity";
}

int64_t CycleDays(std::string_view c) {
  if (c == "realtime" || c == "daily") return 1;
  if (c == "weekly") return 7;
  if (c == "monthly") return 31;
  if (c == "quarterly") return 92;
  if (c == "yearly") return 366;
  return 0;
}

nlohmann::json ScoreJson(const std::optional<double>& v) {
  if (!v) return nullptr;
  return std::round(*v * 10000) / 10000;
}

nlohmann::json ToJson(const Scores& s) {
  return {{"completeness", ScoreJson(s.completeness)},
          {"conformity", ScoreJson(s.conformity)},
          {"accuracy", ScoreJson(s.accuracy)},
          {"consistency", ScoreJson(s.consistency)},
          {"timeliness", ScoreJson(s.timeliness)},
          {"accessibility", ScoreJson(s.accessibility)},
          {"closed_loop", ScoreJson(s.closed_loop)},
          {"overall", ScoreJson(s.overall)},
          {"detail", s.detail}};
}

nlohmann::json ToJson(const ReleaseSummary& r) {
  return {{"examined", r.examined},
          {"released", r.released},
          {"superseded", r.superseded},
          {"still_failing", r.still_failing},
          {"release_batch", r.release_batch}};
}

std::optional<TicketAction> ParseTicketAction(std::string_view s) {
  if (s == "acknowledge") return TicketAction::kAcknowledge;
  if (s == "fix") return TicketAction::kFix;
  if (s == "close") return TicketAction::kClose;
  if (s == "reopen") return TicketAction::kReopen;
  return std::nullopt;
}

Quality::Quality(store::Store& store, const standards::Registry& registry,
                 catalogue::Catalogue& cat, security::KeyRing& keys, audit::AuditLog* audit,
                 QualityOptions options)
    : store_(store),
      registry_(registry),
      catalogue_(cat),
      keys_(keys),
      audit_(audit),
      options_(std::move(options)) {}

Status Quality::SaveShape(int64_t batch_id, const ingest::BatchShape& shape) {
  nlohmann::json mapping(shape.mapping);
  return store_
      .Exec(
          "INSERT INTO quality_batch_shapes (batch_id, header, format, delimiter, mapping, mode) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING",
          {batch_id, nlohmann::json(shape.header).dump(), shape.format,
           std::string(shape.delimiter ? 1 : 0, shape.delimiter), mapping.dump(),
           std::string(ingest::LoadModeName(shape.mode))})
      .status();
}

namespace {
void Report(const char* step, int64_t batch, const Status& s) {
  if (!s.ok())
    std::cerr << fmt::format("quality: batch {}: {} failed: {}\n", batch, step, s.ToString());
}
}  // namespace

void Quality::OnBatchStarted(const ingest::BatchResult& b, int64_t started_ms) {
  auto ev = StartEvent(b, started_ms);
  Report("OpenLineage START", b.batch_id, ev.ok() ? EmitLineage(b.batch_id, *ev) : ev.status());
}

// A hook must not change the batch's outcome: every step reports its own failure and the
// next step still runs.
void Quality::OnBatchFinished(const ingest::BatchResult& b, const ingest::BatchShape& shape) {
  auto ev = EndEvent(b);
  Report("OpenLineage end event", b.batch_id, ev.ok() ? EmitLineage(b.batch_id, *ev) : ev.status());
  if (!shape.header.empty())
    Report("saving the batch shape", b.batch_id, SaveShape(b.batch_id, shape));
  auto scores = ComputeBatchScores(b.batch_id);
  Report("scoring", b.batch_id, scores.status());
  if (b.status != "completed") return;
  auto tally = TallyQuarantine(b.batch_id);
  Report("reading the quarantine", b.batch_id, tally.status());
  if (tally.ok()) Report("tickets", b.batch_id, UpdateTicketsForBatch(b, *tally));
  if (options_.revalidate_after_batch)
    Report("re-validation", b.batch_id, Revalidate(b.resource, "system").status());
  if (options_.consistency_after_batch)
    Report("cross-source check", b.batch_id, CheckConsistency(b.resource).status());
  Report("resource scores", b.batch_id, ResourceScores(b.resource).status());
}

}  // namespace yishu::quality
