// Entity resolution: records -> candidate pairs (blocking) -> comparison vectors -> a
// Fellegi-Sunter model trained without labels -> scored pairs -> clusters.
//
//   auto config = LoadConfig("persons.yaml");
//   RecordBatch batch(config->fields.size());   // fill with batch.Add(id, cells)
//   auto result = Resolve(*config, batch, {});
//   result->cluster_of[r]                        // the cluster (a record index) of record r
//
// Deduplication compares every candidate pair; linking (records on side 0 and side 1 of the
// batch) compares only pairs across the sides. Identifier fields marked deterministic decide a
// pair when both values are valid: equal -> match, different -> never in one cluster (twins,
// parent and child at one address and phone, the many 王伟 of one township stay apart).
//
// Thread-safety: Resolve is reentrant; it uses `threads` threads of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "masterdata/config.hpp"
#include "masterdata/model.hpp"
#include "masterdata/records.hpp"

namespace yishu::masterdata {

class ChineseChars;

struct ResolveOptions {
  int threads = 2;
  // Unihan tables for pinyin and simplified forms; null: ChineseChars::Default() (and, when
  // Unihan is missing, names are compared by characters only).
  const ChineseChars* chars = nullptr;
  bool keep_review_pairs = true;
  uint64_t seed = 20261130;  // random pairs for u

  // Golden-record runs (golden.hpp). A model to score with instead of training one (incremental
  // runs score new records with the model of the last full run); null: estimate it.
  const Model* model = nullptr;
  // Per record, nonzero when it must be compared; a candidate pair of two clean records is
  // skipped (their clustering is carried over through must_link). Empty: every record.
  std::vector<uint8_t> dirty;
  // Pairs (record indexes) that end in one cluster whatever their score (a reviewer's match,
  // a cluster carried over), and pairs that never do (a reviewer's non-match): no chain of
  // matches joins the clusters of a cannot-link pair.
  std::vector<std::pair<uint32_t, uint32_t>> must_link, cannot_link;
};

struct ScoredPair {
  uint32_t a = 0, b = 0;
  float weight = 0;       // match weight (log2 Bayes factor with prior); +inf when deterministic
  float probability = 0;  // 1 / (1 + 2^-weight)
};

struct StageTime {
  std::string stage;
  double seconds = 0;
  double cpu_seconds = 0;  // of all threads
};

struct ResolveStats {
  int64_t records = 0;
  int64_t empty_records = 0;           // nothing to match on: each is its own cluster
  std::vector<int64_t> pairs_by_rule;  // new candidate pairs each rule added
  int64_t candidate_pairs = 0;
  int64_t skipped_blocks = 0;  // blocks over max_block_size
  int64_t skipped_block_records = 0;
  int64_t matches = 0;  // pairs at or above the match threshold
  int64_t deterministic_matches = 0;
  int64_t review_pairs = 0;          // between the review and match thresholds
  int64_t kept_apart = 0;            // matching pairs refused by conflicting identifiers
  int64_t kept_apart_by_review = 0;  // matching pairs refused by a reviewer's non-match
  int64_t clusters = 0;
  std::vector<StageTime> times;
  nlohmann::json ToJson() const;
};

struct ResolveResult {
  Model model;
  std::vector<uint32_t> cluster_of;  // per record: the smallest record index of its cluster
  std::vector<ScoredPair> matches;   // at or above match_probability
  // Between review_probability and match_probability, except pairs whose valid identifiers
  // differ (they never join one cluster: nothing to review).
  std::vector<ScoredPair> review;
  ResolveStats stats;
};

Result<ResolveResult> Resolve(const Config& config, const RecordBatch& batch,
                              const ResolveOptions& options);

// One line per field of why a pair scored as it did: level, weight (TF-adjusted where the
// field asks for it), and the total.
struct Explanation {
  struct Part {
    std::string field;
    int level = 0;
    std::string level_name;
    double weight = 0;
  };
  std::vector<Part> parts;
  double prior = 0, total = 0, probability = 0;
  bool deterministic = false;
  nlohmann::json ToJson() const;
};
Explanation Explain(const Config& config, const Model& model, const PreparedRecords& p, uint32_t a,
                    uint32_t b);

}  // namespace yishu::masterdata
