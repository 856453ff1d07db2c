// The Fellegi-Sunter model: for each field and comparison level, m = P(level | same entity) and
// u = P(level | different entities); a pair's match weight is log2(lambda / (1 - lambda)) plus
// log2(m / u) of each field's level. Estimated without labels, as Splink does: u from the
// levels of random pairs (almost all of which are non-matches), m and lambda by expectation-
// maximisation over the candidate pairs' comparison vectors, with u held fixed.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "masterdata/config.hpp"

namespace yishu::masterdata {

struct FieldModel {
  std::vector<double> m, u;  // by level; level 0 (missing) is neutral and unused
};

struct Model {
  std::vector<FieldModel> fields;
  double lambda = 0.01;  // share of matches among the candidate pairs

  // log2(m / u) of one field's level (0 for the null level).
  double LevelWeight(size_t field, int level) const;
  double PriorWeight() const;
};

// Comparison patterns (4 bits per field) with how many pairs showed each.
using PatternCounts = std::unordered_map<uint64_t, double>;

// A model with u from the level counts of random pairs (`u_counts[field][level]`), smoothed so
// that no level has u = 0, and m at neutral starting values.
Model InitialModel(const Config& config, const std::vector<std::vector<double>>& u_counts);

// Runs EM on the patterns, updating m and lambda. Fields whose bit is set in `ignore_mask` take
// no part (they were forced to agree by the blocking rule that produced these pairs) and keep
// their m. Returns the number of iterations run.
int TrainEm(Model& model, const PatternCounts& patterns, uint32_t ignore_mask, int max_iterations);

}  // namespace yishu::masterdata
