// The population and legal-person base libraries (人口库、法人库) in the store: the records that
// every department delivered about persons (and legal entities) resolved into clusters, one
// golden record per cluster.
//
//  - Which records: every catalogue resource of the subject whose table exists. A resource's
//    fields are mapped to the subject's attributes by data element (id_card, person_name,
//    gender, address, mobile, a date field named *birth*; for legal entities uscc, org_name,
//    person_name as legal representative, address). A resource holding several persons per
//    record (two id_card fields: marriages, births) is skipped and named in the run summary.
//  - Identifiers are sealed at rest: sealed source values are opened inside this process only;
//    a golden attribute whose source column is sealed is sealed again (SM4-GCM under the data
//    key of "MD_<SUBJECT>", bound to golden id and attribute); the identifier attribute also
//    keeps its blind index (the platform's, same domain as the resource tables), which is how
//    look-up and verification find a golden record. No plaintext identifier reaches the store.
//  - Attributes (一数一源): from the member record of the catalogue's authoritative source of the
//    attribute's element; otherwise the most recent (highest batch, then record id). Each keeps
//    its rule and provenance (resource, field, batch, record).
//  - Runs: a full run resolves every record (the model is trained by EM); an incremental run
//    scores only pairs with a new or changed record (batch changed since the last run) with
//    the stored model and carries the other clusters over. New clusters keep the golden id of
//    the old cluster they overlap most; the others are new ids recorded as split from it, and
//    an old id whose records joined another cluster is marked merged into it (history of every
//    merge, split, creation and retirement); a golden id never silently changes meaning.
//    Everything a run writes commits in one transaction, checked against a concurrent run: an
//    interrupted run leaves the previous golden records as they were.
//  - Review: pairs scored between the review and match probabilities are queued; a reviewer's
//    decision (match / non_match, on a queued pair or on any pair) is kept and every later run
//    obeys it (must-link / cannot-link), re-resolving clusters a non-match cuts through.
//
// Thread-safety: BaseLibrary holds no state of its own beyond references; concurrent runs of
// one subject are refused at commit (Conflict), reads are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "catalogue/catalogue.hpp"
#include "common/status.hpp"
#include "security/field_protection.hpp"
#include "standards/registry.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::masterdata {

// Tables of module "masterdata": md_runs, md_golden, md_attrs, md_members, md_history,
// md_review.
std::vector<store::Migration> MasterdataMigrations();

// "person" or "legal_entity"; InvalidArgument otherwise.
Status CheckSubject(std::string_view subject);

struct RunOptions {
  std::string subject = "person";
  bool incremental = false;  // falls back to a full run when there is no previous run
  std::string actor = "system";
  int threads = 2;
  // Thresholds (default: the subject's, 0.5 and 0.05).
  std::optional<double> match_probability, review_probability;
  // Test hook: called inside the run's transaction after everything is written; an error
  // rolls the whole run back.
  std::function<Status()> before_commit;
};

// A source record: "RESOURCE:record_id".
struct RecordRef {
  std::string resource;
  int64_t record_id = 0;
  std::string ToString() const;
  static Result<RecordRef> Parse(std::string_view text);
};

enum class Decision { kMatch, kNonMatch };
std::optional<Decision> ParseDecision(std::string_view s);  // match | non_match

class BaseLibrary {
 public:
  BaseLibrary(store::Store& store, catalogue::Catalogue& catalogue,
              const standards::Registry& registry, security::KeyRing& keys);

  // Resolves the subject's records and replaces the golden records transactionally. Returns
  // the run summary {run_id, subject, mode, records, clusters, golden: {created, kept, merged,
  // split, retired, updated}, review_pairs, skipped_resources, stats}.
  Result<nlohmann::json> Run(const RunOptions& options);

  // Runs, newest first.
  Result<nlohmann::json> ListRuns(std::string_view subject, int64_t limit = 20);

  // A golden record: {id, subject, status, merged_into, members: [{resource, record_id,
  // batch}], attributes: {name: {sealed, rule, source: {resource, field, batch, record_id},
  // value}}}. Sealed values are opened and passed through `present` (masking), or left out
  // when `present` is null; plain values are given as stored. NotFound when no such id.
  Result<nlohmann::json> Get(
      int64_t golden_id,
      const std::function<std::string(const std::string& attr, const std::string& value)>& present);
  // The golden id of the active record holding this identifier (ID number for persons, credit
  // code for legal entities), matched on its blind index. NotFound when none.
  Result<int64_t> FindByIdentifier(std::string_view subject, std::string_view identifier);
  // Golden records of the subject, newest first, one page: {items: [golden record as Get
  // gives it], total, page, page_size, match}. `q` narrows the list, and `match` says how it
  // was read: "" → every active record ("all"); digits only, up to 12 → that golden id, any
  // status ("id"); the subject's identifier (an 18-character ID number or credit code, matched
  // on its blind index, never compared in plain: "identifier"); RESOURCE:record_id → the record
  // holding that member ("member"); anything else → active records with an unsealed attribute
  // value containing it ("text"; sealed values are not searched). InvalidArgument for a bad
  // subject; an empty page when nothing matches.
  Result<nlohmann::json> Search(
      std::string_view subject, std::string_view q, int64_t page, int64_t page_size,
      const std::function<std::string(const std::string& attr, const std::string& value)>& present);
  // Merges, splits, creations and retirements that involve the golden id, oldest first.
  Result<nlohmann::json> History(int64_t golden_id);

  // Verification (核验): claimed attributes (the identifier and any of the others) -> {result:
  // match | no_match, found, fields: {attr: match | differs | not_held}}. Never a stored value.
  Result<nlohmann::json> Verify(std::string_view subject,
                                const std::map<std::string, std::string>& claims);

  // Why two records scored as they did under the last run's model: comparison vector (level
  // of each attribute), weight of each comparison, prior, total, probability; and the golden
  // ids the records belong to. Values are never shown.
  Result<nlohmann::json> Explain(std::string_view subject, const RecordRef& a, const RecordRef& b);

  // The review queue: {items: [{id, a, b, probability, weight, status, decided_by, ...}],
  // total}. `status`: pending (default), match, non_match, all.
  Result<nlohmann::json> ListReview(std::string_view subject, std::string_view status, int64_t page,
                                    int64_t page_size);
  Result<nlohmann::json> GetReview(int64_t review_id);
  // Records a reviewer's decision on a queued pair (or, DecidePair, on any two records) in the
  // caller's transaction; later runs obey it.
  Result<nlohmann::json> Decide(store::Connection& tx, int64_t review_id, Decision d,
                                const std::string& reviewer, const std::string& note);
  Result<nlohmann::json> DecidePair(store::Connection& tx, std::string_view subject,
                                    const RecordRef& a, const RecordRef& b, Decision d,
                                    const std::string& reviewer, const std::string& note);

 private:
  struct Loaded;
  Result<Loaded> Load(std::string_view subject);
  store::Store& store_;
  catalogue::Catalogue& catalogue_;
  const standards::Registry& registry_;
  security::KeyRing& keys_;
};

}  // namespace yishu::masterdata
