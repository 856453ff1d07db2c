// Data quality and the closed loop (质量评估与闭环): what the platform learns about each delivered
// batch and each resource once the records are in, and what it sends back to the providers.
//
//  - Field profiles (profile.cpp): null rate, distinct count, top values, pattern histogram
//    (digits→9, letters→A, CJK→汉), min/max and the length distribution in characters, computed
//    with aggregate SQL and one streamed pass over the stored table (memory is bounded whatever
//    the table's size). Sealed fields are profiled without their plaintext: counts, null rate
//    and the distinct count of their blind index; no values, patterns or lengths.
//  - Scores on the dimensions of GB/T 36344-2018 (scores.cpp), per batch (stored when the batch
//    ends, so the trend over batches is a query) and per resource and department (stored each
//    time they are computed). How each is computed is written at the top of scores.cpp.
//  - Cross-source consistency (consistency.cpp): a copy of an element about a subject compared
//    with the authoritative source (一数一源) for the same subject, joined on the identity
//    number's blind index; disagreements are counted and reported by record id, never value.
//  - Tickets (tickets.cpp): each quality problem becomes a ticket addressed to the providing
//    department: open → acknowledged → fixed → verified (by the next batch) → closed. Every
//    transition is recorded on the ticket and in the audit trail, in the same transaction.
//  - Re-validation (release.cpp): after a batch, the resource's quarantined rows are read again
//    with the current rules; those that now pass are released into the resource's table
//    (keeping their original batch and line as lineage), those whose key a later delivery has
//    stored are marked superseded.
//  - OpenLineage (openlineage.cpp): a RunEvent at each batch's start and end (COMPLETE or FAIL)
//    with the file as input and the resource table as output and their row counts; stored, and
//    appended to a JSON Lines file when configured.
//
// Thread-safety: Quality is thread-safe (its state is in the store); the batch hooks run on
// the ingesting thread. Methods taking a Connection run inside the caller's transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "catalogue/catalogue.hpp"
#include "common/status.hpp"
#include "ingest/ingest.hpp"
#include "security/field_protection.hpp"
#include "standards/registry.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::quality {

// Tables of module "quality".
std::vector<store::Migration> QualityMigrations();

// The shape of a value: digits → 9, ASCII letters → A, CJK ideographs → 汉, everything else as
// it is; at most 40 characters (then "…").
std::string PatternOf(std::string_view value);

struct QualityOptions {
  // OpenLineage: appended one event per line when not empty.
  std::filesystem::path openlineage_file;
  std::string openlineage_namespace = "yishu";
  std::string producer = "urn:yishu:platform";
  // Days a ticket may stay unresolved before it counts as overdue in the closed-loop score.
  int64_t ticket_due_days = 7;
  // Whether a batch's end also runs the cross-source check for its resource.
  bool consistency_after_batch = true;
  // Whether a batch's end re-validates the resource's quarantined rows.
  bool revalidate_after_batch = true;
};

// The six GB/T 36344 dimensions plus the closed loop; a dimension that cannot be measured is
// std::nullopt (and left out of the overall score).
struct Scores {
  std::optional<double> completeness, conformity, accuracy, consistency, timeliness, accessibility,
      closed_loop, overall;
  nlohmann::json detail = nlohmann::json::object();
};
nlohmann::json ToJson(const Scores& s);

// What a ticket transition asks for.
enum class TicketAction { kAcknowledge, kFix, kClose, kReopen };
std::optional<TicketAction> ParseTicketAction(std::string_view s);

struct TicketQuery {
  std::string department, resource, status;
  int64_t page = 1, page_size = 100;
};

struct ReleaseSummary {
  int64_t examined = 0, released = 0, superseded = 0, still_failing = 0;
  int64_t release_batch = 0;  // 0 when nothing was released
};
nlohmann::json ToJson(const ReleaseSummary& r);

class Quality : public ingest::BatchObserver {
 public:
  // `keys` opens sealed values for the cross-source comparison and blinds keys; `audit` (may
  // be null in tests) records the transitions the platform makes by itself.
  Quality(store::Store& store, const standards::Registry& registry, catalogue::Catalogue& cat,
          security::KeyRing& keys, audit::AuditLog* audit, QualityOptions options = {});

  // ingest::BatchObserver: lineage events; at the end of a completed batch its scores,
  // tickets, verification of fixed tickets, re-validation and the cross-source check.
  void OnBatchStarted(const ingest::BatchResult& batch, int64_t started_ms) override;
  void OnBatchFinished(const ingest::BatchResult& batch, const ingest::BatchShape& shape) override;

  // Profiles: of the whole resource (batch 0) or of the rows a batch last wrote. Stored.
  Result<nlohmann::json> Profile(const std::string& resource, int64_t batch_id = 0);

  // Scores of one batch (computed at its end; recomputed when missing).
  Result<Scores> BatchScores(int64_t batch_id);
  // Current scores of a resource (computed now and stored as a snapshot).
  Result<Scores> ResourceScores(const std::string& resource);
  // Batch scores of a resource, oldest first (the trend).
  Result<nlohmann::json> Trend(const std::string& resource, int64_t limit = 50);
  // Per department: its resources' scores, ticket counts and ages, the closed-loop score.
  Result<nlohmann::json> DepartmentScores(const std::string& department = {});

  // Cross-source consistency for every (element, subject) whose authoritative source and a
  // copy can be joined on the subject's identity number; `resource` (either side) filters.
  // Disagreements become tickets for the copy's department.
  Result<nlohmann::json> CheckConsistency(const std::string& resource = {},
                                          const std::string& actor = "system");

  // Tickets.
  Result<nlohmann::json> ListTickets(const TicketQuery& q);
  Result<nlohmann::json> GetTicket(int64_t id);  // with its history
  // A transition asked by a person, in the caller's transaction (which also appends the audit
  // event). FailedPrecondition when the ticket's status does not allow it.
  Result<nlohmann::json> Transition(store::Connection& tx, int64_t id, TicketAction action,
                                    const std::string& actor, const std::string& note);

  // Re-reads the resource's unresolved quarantined rows with the current rules and releases
  // those that pass.
  Result<ReleaseSummary> Revalidate(const std::string& resource, const std::string& actor);

  // OpenLineage RunEvents of a batch (START, then COMPLETE or FAIL), oldest first.
  Result<nlohmann::json> LineageEvents(int64_t batch_id);

 private:
  struct QuarantineTally;
  Result<QuarantineTally> TallyQuarantine(int64_t batch_id);
  Result<Scores> ComputeBatchScores(int64_t batch_id);
  Status UpdateTicketsForBatch(const ingest::BatchResult& b, const QuarantineTally& tally);
  Status RaiseTicket(store::Connection& tx, const std::string& department,
                     const std::string& resource, const std::string& kind, const std::string& rule,
                     const std::string& field, const std::string& title, int64_t occurrences,
                     int64_t batch_id, const nlohmann::json& detail);
  Status RecordTransition(store::Connection& tx, int64_t ticket, const std::string& from,
                          const std::string& to, const std::string& actor, const std::string& note,
                          const std::string& department, const std::string& resource, bool audit);
  Status SaveShape(int64_t batch_id, const ingest::BatchShape& shape);
  Status EmitLineage(int64_t batch_id, const nlohmann::json& event);
  Result<nlohmann::json> StartEvent(const ingest::BatchResult& b, int64_t started_ms);
  Result<nlohmann::json> EndEvent(const ingest::BatchResult& b);
  Result<nlohmann::json> ClosedLoop(const std::string& column, const std::string& value);

  store::Store& store_;
  const standards::Registry& registry_;
  catalogue::Catalogue& catalogue_;
  security::KeyRing& keys_;
  audit::AuditLog* audit_;
  QualityOptions options_;
};

}  // namespace yishu::quality
