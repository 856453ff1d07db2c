#include "masterdata/model.hpp"

#include <algorithm>
#include <cmath>

#include "masterdata/compare.hpp"

namespace yishu::masterdata {

double Model::LevelWeight(size_t field, int level) const {
  if (level == 0) return 0.0;
  const FieldModel& f = fields[field];
  return std::log2(f.m[level] / f.u[level]);
}

double Model::PriorWeight() const {
  return std::log2(lambda / (1.0 - lambda));
}

Model InitialModel(const Config& config, const std::vector<std::vector<double>>& u_counts) {
  Model model;
  for (size_t f = 0; f < config.fields.size(); ++f) {
    const int levels = LevelCount(config.fields[f].kind);
    FieldModel fm;
    fm.u.assign(levels, 0.0);
    fm.m.assign(levels, 0.0);
    double total = 0;
    for (int l = 1; l < levels; ++l) total += u_counts[f][l];
    // Half a pair of pseudo-count keeps a level never seen among random pairs finite.
    for (int l = 1; l < levels; ++l)
      fm.u[l] = (u_counts[f][l] + 0.5) / (total + 0.5 * (levels - 1));
    // Start m leaning on agreement: most of the mass on exact, the rest falling off.
    double sum = 0;
    for (int l = 1; l < levels; ++l) {
      fm.m[l] = l == 1 ? 0.9 : 0.1 / (1 << (l - 1));
      sum += fm.m[l];
    }
    for (int l = 1; l < levels; ++l) fm.m[l] /= sum;
    model.fields.push_back(std::move(fm));
  }
  return model;
}

int TrainEm(Model& model, const PatternCounts& patterns, uint32_t ignore_mask, int max_iterations) {
  const size_t fields = model.fields.size();
  std::vector<std::pair<uint64_t, double>> list(patterns.begin(), patterns.end());
  std::vector<std::vector<double>> m_sum(fields);
  int iteration = 0;
  for (; iteration < max_iterations; ++iteration) {
    for (size_t f = 0; f < fields; ++f) m_sum[f].assign(model.fields[f].m.size(), 0.0);
    double match_total = 0, all_total = 0;
    for (const auto& [pattern, count] : list) {
      // E-step: the probability that a pair with this pattern is a match.
      double log_m = std::log(model.lambda), log_u = std::log(1.0 - model.lambda);
      for (size_t f = 0; f < fields; ++f) {
        if (ignore_mask & (1u << f)) continue;
        const int l = LevelOf(pattern, f);
        if (l == 0) continue;
        log_m += std::log(model.fields[f].m[l]);
        log_u += std::log(model.fields[f].u[l]);
      }
      const double p = 1.0 / (1.0 + std::exp(log_u - log_m));
      match_total += p * count;
      all_total += count;
      for (size_t f = 0; f < fields; ++f) {
        const int l = LevelOf(pattern, f);
        if (l) m_sum[f][l] += p * count;
      }
    }
    if (all_total == 0 || match_total == 0) break;
    // M-step: m from the expected matches; u stays as estimated from random pairs.
    double change = std::abs(model.lambda - match_total / all_total);
    model.lambda = std::clamp(match_total / all_total, 1e-9, 1.0 - 1e-9);
    for (size_t f = 0; f < fields; ++f) {
      if (ignore_mask & (1u << f)) continue;
      double total = 0;
      for (size_t l = 1; l < m_sum[f].size(); ++l) total += m_sum[f][l];
      if (total <= 0) continue;
      for (size_t l = 1; l < m_sum[f].size(); ++l) {
        // A floor keeps a level unseen among matches from vetoing a pair outright.
        const double m = std::max(m_sum[f][l] / total, 1e-6);
        change = std::max(change, std::abs(m - model.fields[f].m[l]));
        model.fields[f].m[l] = m;
      }
    }
    if (change < 1e-6) {
      ++iteration;
      break;
    }
  }
  return iteration;
}

}  // namespace yishu::masterdata
