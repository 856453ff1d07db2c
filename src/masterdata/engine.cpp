#include "masterdata/engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <unordered_map>

#include "masterdata/chinese.hpp"
#include "masterdata/compare.hpp"
#include "masterdata/hash.hpp"
#include "masterdata/parallel.hpp"

namespace yishu::masterdata {
namespace {

using Clock = std::chrono::steady_clock;

// Process CPU seconds (all threads): on a shared machine wall time says little on its own.
double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

class Stopwatch {
 public:
  explicit Stopwatch(std::vector<StageTime>* out)
      : out_(out), start_(Clock::now()), cpu_start_(CpuSeconds()) {}
  void Lap(std::string stage) {
    const auto now = Clock::now();
    const double cpu = CpuSeconds();
    out_->push_back(
        {std::move(stage), std::chrono::duration<double>(now - start_).count(), cpu - cpu_start_});
    start_ = now;
    cpu_start_ = cpu;
  }

 private:
  std::vector<StageTime>* out_;
  Clock::time_point start_;
  double cpu_start_;
};

uint64_t TermKey(const PreparedRecords& p, const ChineseChars* chars, size_t r,
                 const BlockTerm& t) {
  const Cell& c = p.cell(r, static_cast<size_t>(t.field));
  if (c.missing()) return 0;
  const auto units = p.units(c);
  switch (t.transform) {
    case BlockTransform::kValue:
      return c.hash;
    case BlockTransform::kPinyin:
      return c.alt ? c.alt : c.hash;
    case BlockTransform::kFirst:
      return units.empty() ? 0 : HashStep(kHashSeed, units[0]) | 1;
    case BlockTransform::kFirstPinyin: {
      if (units.empty()) return 0;
      const uint16_t py = chars && IsIdeograph(units[0]) ? chars->Pinyin(units[0]) : 0;
      return HashStep(kHashSeed, py ? 0x80000000u | py : units[0]) | 1;
    }
    case BlockTransform::kPrefix3:
      return units.size() < 3 ? 0 : HashUnits(units.data(), 3);
    case BlockTransform::kYear:
      return (c.flags & Cell::kValid) ? c.alt / 10000 + 1 : 0;
    case BlockTransform::kRegionSeq: {
      if (units.size() != 18) return 0;
      uint32_t parts[9];
      std::copy(units.begin(), units.begin() + 6, parts);
      std::copy(units.begin() + 14, units.begin() + 17, parts + 6);
      return HashUnits(parts, 9);
    }
  }
  return 0;
}

struct Candidate {
  uint32_t a, b;
  uint32_t rules;  // every rule whose key the pair agrees on (bit k: rule k)
};

// Candidate pairs of every rule, each pair once: a pair whose keys agree on an earlier rule was
// already produced by it (the Splink way of taking the union without a set of seen pairs).
std::vector<std::vector<Candidate>> Block(const Config& config, const PreparedRecords& p,
                                          const ChineseChars* chars, bool link,
                                          const std::vector<uint8_t>& dirty, int threads,
                                          ResolveStats& stats) {
  const bool all_dirty = dirty.empty();
  const size_t rules = config.blocking.size();
  std::vector<uint64_t> keys(p.records * rules);
  const auto ranges = SplitRange(p.records, threads);
  ParallelFor(ranges.size(), threads, [&](size_t t) {
    for (size_t r = ranges[t].first; r < ranges[t].second; ++r) {
      for (size_t k = 0; k < rules; ++k) {
        uint64_t h = kHashSeed + k;
        for (const BlockTerm& term : config.blocking[k].terms) {
          const uint64_t v = TermKey(p, chars, r, term);
          if (!v) {
            h = 0;
            break;
          }
          h = HashStep(h, v);
        }
        keys[r * rules + k] = h ? HashFinish(h) : 0;
      }
    }
  });

  std::vector<std::vector<Candidate>> by_rule(rules);
  std::vector<int64_t> skipped(rules, 0), skipped_records(rules, 0);
  ParallelFor(rules, threads, [&](size_t k) {
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    entries.reserve(p.records);
    for (size_t r = 0; r < p.records; ++r) {
      if (const uint64_t key = keys[r * rules + k])
        entries.emplace_back(key, static_cast<uint32_t>(r));
    }
    std::sort(entries.begin(), entries.end());
    auto& out = by_rule[k];
    for (size_t i = 0; i < entries.size();) {
      size_t j = i + 1;
      while (j < entries.size() && entries[j].first == entries[i].first) ++j;
      const size_t size = j - i;
      if (size > static_cast<size_t>(config.max_block_size)) {
        ++skipped[k];
        skipped_records[k] += static_cast<int64_t>(size);
      } else {
        for (size_t x = i; x < j; ++x) {
          const uint32_t a = entries[x].second;
          for (size_t y = x + 1; y < j; ++y) {
            const uint32_t b = entries[y].second;
            if (link && p.sides[a] == p.sides[b]) continue;
            if (!all_dirty && !dirty[a] && !dirty[b]) continue;
            uint32_t agree = 0;
            for (size_t e = 0; e < rules; ++e) {
              const uint64_t ka = keys[a * rules + e];
              if (ka && ka == keys[b * rules + e]) agree |= 1u << e;
            }
            // Produced by the first rule it agrees on, once.
            if ((agree & ((1u << k) - 1)) == 0) out.push_back({a, b, agree});
          }
        }
      }
      i = j;
    }
  });
  for (size_t k = 0; k < rules; ++k) {
    stats.pairs_by_rule.push_back(static_cast<int64_t>(by_rule[k].size()));
    stats.candidate_pairs += static_cast<int64_t>(by_rule[k].size());
    stats.skipped_blocks += skipped[k];
    stats.skipped_block_records += skipped_records[k];
  }
  return by_rule;
}

// Level counts of random pairs (across the sides when linking): the u probabilities.
std::vector<std::vector<double>> RandomPairLevels(const Config& config, const PreparedRecords& p,
                                                  bool link, int64_t pairs, uint64_t seed,
                                                  int threads) {
  std::vector<uint32_t> left, right;
  for (uint32_t r = 0; r < p.records; ++r) (link && p.sides[r] ? right : left).push_back(r);
  if (!link) right = left;
  const size_t fields = config.fields.size();
  std::vector<std::vector<std::vector<double>>> per_thread(
      static_cast<size_t>(std::max(1, threads)),
      std::vector<std::vector<double>>(fields, std::vector<double>(16, 0.0)));
  if (left.size() >= 1 && right.size() >= 2) {
    ParallelFor(per_thread.size(), threads, [&](size_t t) {
      std::mt19937_64 rng(seed + t * 7919);
      const int64_t n = pairs / static_cast<int64_t>(per_thread.size());
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t a = left[rng() % left.size()];
        const uint32_t b = right[rng() % right.size()];
        if (a == b) continue;
        const uint64_t pattern = ComparePair(config, p, a, b);
        for (size_t f = 0; f < fields; ++f) per_thread[t][f][LevelOf(pattern, f)] += 1;
      }
    });
  }
  auto total = per_thread[0];
  for (size_t t = 1; t < per_thread.size(); ++t) {
    for (size_t f = 0; f < fields; ++f) {
      for (size_t l = 0; l < 16; ++l) total[f][l] += per_thread[t][f][l];
    }
  }
  return total;
}

uint32_t RuleFieldMask(const BlockingRule& rule) {
  uint32_t mask = 0;
  for (const BlockTerm& t : rule.terms) mask |= 1u << t.field;
  return mask;
}

// Precomputed per (field, level) weights and what TF adjustment needs.
struct Scorer {
  const Config& config;
  const Model& model;
  const PreparedRecords& p;
  std::vector<std::array<double, 16>> weights;
  std::vector<size_t> deterministic_fields;
  double min_tf;

  Scorer(const Config& c, const Model& m, const PreparedRecords& prepared)
      : config(c), model(m), p(prepared), weights(c.fields.size()) {
    for (size_t f = 0; f < c.fields.size(); ++f) {
      weights[f].fill(0.0);
      for (int l = 1; l < LevelCount(c.fields[f].kind); ++l) weights[f][l] = m.LevelWeight(f, l);
      if (c.fields[f].deterministic) deterministic_fields.push_back(f);
    }
    min_tf = 1.0 / static_cast<double>(std::max<size_t>(p.records, 1));
  }

  bool Deterministic(uint32_t a, uint32_t b, uint64_t pattern) const {
    for (size_t f : deterministic_fields) {
      if (LevelOf(pattern, f) == 1 && (p.cell(a, f).flags & p.cell(b, f).flags & Cell::kValid)) {
        return true;
      }
    }
    return false;
  }

  // Exact agreement on a value that many records share says less: log2(m / tf(value)) in
  // place of log2(m / u), as Splink's term-frequency adjustment.
  double FieldWeight(uint32_t a, size_t f, int level) const {
    if (level == 1 && config.fields[f].tf) {
      const double tf = std::max<double>(p.tf[a * p.fields + f], min_tf);
      return std::log2(model.fields[f].m[1] / tf);
    }
    return weights[f][level];
  }

  // Both records hold a valid identifier and they differ: never one cluster, so not a pair a
  // reviewer needs to see (twins, parent and child).
  bool Conflicting(uint32_t a, uint32_t b) const {
    for (size_t f : deterministic_fields) {
      const Cell& x = p.cell(a, f);
      const Cell& y = p.cell(b, f);
      if ((x.flags & y.flags & Cell::kValid) && x.hash != y.hash) return true;
    }
    return false;
  }

  double Weight(uint32_t a, uint64_t pattern) const {
    double w = model.PriorWeight();
    for (size_t f = 0; f < p.fields; ++f) w += FieldWeight(a, f, LevelOf(pattern, f));
    return w;
  }
};

float Probability(double weight) {
  if (std::isinf(weight)) return weight > 0 ? 1.0f : 0.0f;
  return static_cast<float>(1.0 / (1.0 + std::exp2(-weight)));
}

// Union-find over the matches, strongest first, refusing a merge that would put two different
// valid identifiers into one cluster.
std::vector<uint32_t> Cluster(const Config& config, const PreparedRecords& p,
                              std::vector<ScoredPair>& matches, const ResolveOptions& options,
                              ResolveStats& stats) {
  std::vector<uint32_t> parent(p.records);
  std::iota(parent.begin(), parent.end(), 0u);
  std::vector<size_t> id_fields;
  for (size_t f = 0; f < config.fields.size(); ++f) {
    if (config.fields[f].deterministic) id_fields.push_back(f);
  }
  // The valid identifier each cluster root holds (0: none yet), per deterministic field.
  std::vector<uint64_t> ident(p.records * id_fields.size(), 0);
  for (size_t r = 0; r < p.records; ++r) {
    for (size_t k = 0; k < id_fields.size(); ++k) {
      const Cell& c = p.cell(r, id_fields[k]);
      if (c.flags & Cell::kValid) ident[r * id_fields.size() + k] = c.hash;
    }
  }
  auto find = [&](uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  std::sort(matches.begin(), matches.end(),
            [](const ScoredPair& x, const ScoredPair& y) { return x.weight > y.weight; });
  const size_t nk = id_fields.size();
  // Per cluster root: the records its cluster must never join (cannot-link partners).
  std::unordered_map<uint32_t, std::vector<uint32_t>> banned;
  for (const auto& [a, b] : options.cannot_link) {
    if (a >= p.records || b >= p.records || a == b) continue;
    banned[a].push_back(b);
    banned[b].push_back(a);
  }
  auto is_banned = [&](uint32_t ra, uint32_t rb) {
    auto it = banned.find(ra);
    if (it == banned.end()) return false;
    for (uint32_t x : it->second)
      if (find(x) == rb) return true;
    return false;
  };
  auto unite = [&](uint32_t ra, uint32_t rb) {
    if (ra > rb) std::swap(ra, rb);  // the smaller index is the root: cluster id = first record
    parent[rb] = ra;
    for (size_t k = 0; k < nk; ++k) {
      if (!ident[ra * nk + k]) ident[ra * nk + k] = ident[rb * nk + k];
    }
    if (auto it = banned.find(rb); it != banned.end()) {
      auto moved = std::move(it->second);
      banned.erase(it);
      auto& to = banned[ra];
      to.insert(to.end(), moved.begin(), moved.end());
    }
  };
  // Decided and carried-over links first, whatever their score.
  for (const auto& [a, b] : options.must_link) {
    if (a >= p.records || b >= p.records) continue;
    const uint32_t ra = find(a), rb = find(b);
    if (ra != rb) unite(ra, rb);
  }
  for (const ScoredPair& m : matches) {
    uint32_t ra = find(m.a), rb = find(m.b);
    if (ra == rb) continue;
    bool conflict = false;
    for (size_t k = 0; k < nk && !conflict; ++k) {
      const uint64_t ia = ident[ra * nk + k], ib = ident[rb * nk + k];
      conflict = ia && ib && ia != ib;
    }
    if (conflict) {
      ++stats.kept_apart;
      continue;
    }
    if (!banned.empty() && (is_banned(ra, rb) || is_banned(rb, ra))) {
      ++stats.kept_apart_by_review;
      continue;
    }
    unite(ra, rb);
  }
  std::vector<uint32_t> cluster_of(p.records);
  for (uint32_t r = 0; r < p.records; ++r) {
    cluster_of[r] = find(r);
    if (cluster_of[r] == r) ++stats.clusters;
  }
  return cluster_of;
}

// Comparison patterns of the candidates by the blocking rules each agrees on.
struct PatternRules {
  uint64_t pattern;
  uint32_t rules;
  bool operator==(const PatternRules&) const = default;
};
struct PatternRulesHash {
  size_t operator()(const PatternRules& x) const { return HashStep(x.pattern, x.rules); }
};
using Histogram = std::unordered_map<PatternRules, double, PatternRulesHash>;

// u from random pairs, m by EM per blocking rule, lambda from the expected matches.
Model TrainModel(const Config& config, const PreparedRecords& p, bool link,
                 const std::vector<std::vector<Candidate>>& by_rule, const Histogram& histogram,
                 const ResolveOptions& options, int threads, ResolveStats& stats,
                 Stopwatch& watch) {
  const auto u_counts =
      RandomPairLevels(config, p, link, config.u_sample_pairs, options.seed, threads);
  Model model = InitialModel(config, u_counts);
  watch.Lap("estimate_u");

  // m by EM once per blocking rule, over every candidate pair that agrees on the rule's key
  // (whichever rule produced it), with the rule's own fields left out: those pairs agree on them
  // by construction, matches or not. Each field's m is the mean over the rules where it was
  // free to vary (as Splink trains).
  const Model initial = model;
  std::vector<std::vector<double>> m_sum(config.fields.size());
  std::vector<int> m_runs(config.fields.size(), 0);
  for (size_t f = 0; f < config.fields.size(); ++f) m_sum[f].assign(initial.fields[f].m.size(), 0);
  for (size_t k = 0; k < by_rule.size(); ++k) {
    PatternCounts rule_counts;
    for (const auto& [key, c] : histogram) {
      if (key.rules & (1u << k)) rule_counts[key.pattern] += c;
    }
    if (rule_counts.empty()) continue;
    Model per_rule = initial;
    per_rule.lambda = 0.1;
    const uint32_t mask = RuleFieldMask(config.blocking[k]);
    TrainEm(per_rule, rule_counts, mask, config.em_iterations);
    for (size_t f = 0; f < config.fields.size(); ++f) {
      if (mask & (1u << f)) continue;
      for (size_t l = 1; l < m_sum[f].size(); ++l) m_sum[f][l] += per_rule.fields[f].m[l];
      ++m_runs[f];
    }
  }
  for (size_t f = 0; f < config.fields.size(); ++f) {
    if (!m_runs[f]) continue;
    for (size_t l = 1; l < m_sum[f].size(); ++l) model.fields[f].m[l] = m_sum[f][l] / m_runs[f];
  }
  // The expected number of matches among the candidates: lambda at the fixed point of
  // "lambda = mean match probability of the candidates under lambda".
  PatternCounts all;
  for (const auto& [key, c] : histogram) all[key.pattern] += c;
  Model global = model;
  global.lambda = 0.1;
  for (int i = 0; i < 50; ++i) {
    double expected = 0, total = 0;
    for (const auto& [pattern, c] : all) {
      double w = global.PriorWeight();
      for (size_t f = 0; f < config.fields.size(); ++f)
        w += global.LevelWeight(f, LevelOf(pattern, f));
      expected += c / (1.0 + std::exp2(-w));
      total += c;
    }
    const double next = std::clamp(expected / std::max(total, 1.0), 1e-9, 1.0 - 1e-9);
    if (std::abs(next - global.lambda) < 1e-7) break;
    global.lambda = next;
  }
  // EM's lambda is the share of matches among the candidates; a pair is judged against the
  // chance that two records taken at random match, which is far smaller (Splink's
  // probability_two_random_records_match). Blocking is built to miss almost no match, so the
  // expected matches among the candidates over all possible pairs estimates it.
  const double n_left = link ? static_cast<double>(std::count(p.sides.begin(), p.sides.end(), 0))
                             : static_cast<double>(p.records);
  const double all_pairs =
      link ? n_left * (static_cast<double>(p.records) - n_left) : n_left * (n_left - 1) / 2;
  if (all_pairs > 0 && stats.candidate_pairs > 0) {
    model.lambda = std::clamp(
        global.lambda * static_cast<double>(stats.candidate_pairs) / all_pairs, 1e-12, 0.5);
  }
  watch.Lap("train_em");
  return model;
}

}  // namespace

nlohmann::json ResolveStats::ToJson() const {
  nlohmann::json j = {{"records", records},
                      {"empty_records", empty_records},
                      {"candidate_pairs", candidate_pairs},
                      {"pairs_by_rule", pairs_by_rule},
                      {"skipped_blocks", skipped_blocks},
                      {"skipped_block_records", skipped_block_records},
                      {"matches", matches},
                      {"deterministic_matches", deterministic_matches},
                      {"review_pairs", review_pairs},
                      {"kept_apart", kept_apart},
                      {"kept_apart_by_review", kept_apart_by_review},
                      {"clusters", clusters}};
  for (const StageTime& t : times) {
    j["seconds"][t.stage] = t.seconds;
    j["cpu_seconds"][t.stage] = t.cpu_seconds;
  }
  return j;
}

Result<ResolveResult> Resolve(const Config& config, const RecordBatch& batch,
                              const ResolveOptions& options) {
  if (batch.field_count() != config.fields.size()) {
    return Status::InvalidArgument("the batch's fields do not match the config's");
  }
  if (batch.size() >= std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("too many records for one run");
  }
  const ChineseChars* chars = options.chars;
  std::shared_ptr<const ChineseChars> default_chars;
  if (!chars) {
    default_chars = ChineseChars::Default();
    chars = default_chars.get();
  }
  const int threads = std::max(1, options.threads);
  ResolveResult result;
  ResolveStats& stats = result.stats;
  Stopwatch watch(&stats.times);

  const PreparedRecords p = Prepare(config, batch, chars, threads);
  stats.records = static_cast<int64_t>(p.records);
  stats.empty_records = p.empty_records;
  bool link = false;
  for (uint8_t s : p.sides) link |= s != 0;
  watch.Lap("prepare");

  if (!options.dirty.empty() && options.dirty.size() != p.records) {
    return Status::InvalidArgument("dirty must have one entry per record");
  }
  auto by_rule = Block(config, p, chars, link, options.dirty, threads, stats);
  watch.Lap("block");

  // Comparison vectors of every candidate, and their histogram by (pattern, rules agreed on).
  std::vector<std::vector<uint64_t>> patterns(by_rule.size());
  Histogram histogram;
  for (size_t k = 0; k < by_rule.size(); ++k) {
    const auto& pairs = by_rule[k];
    patterns[k].resize(pairs.size());
    const auto ranges = SplitRange(pairs.size(), threads);
    std::vector<Histogram> local(ranges.size());
    ParallelFor(ranges.size(), threads, [&](size_t t) {
      for (size_t i = ranges[t].first; i < ranges[t].second; ++i) {
        const uint64_t pattern = ComparePair(config, p, pairs[i].a, pairs[i].b);
        patterns[k][i] = pattern;
        local[t][{pattern, pairs[i].rules}] += 1;
      }
    });
    for (const auto& l : local) {
      for (const auto& [key, c] : l) histogram[key] += c;
    }
  }
  watch.Lap("compare");

  Model model;
  if (options.model) {
    model = *options.model;
    if (model.fields.size() != config.fields.size()) {
      return Status::InvalidArgument("the model's fields do not match the config's");
    }
  } else {
    model = TrainModel(config, p, link, by_rule, histogram, options, threads, stats, watch);
  }

  // Score: match weights with TF adjustment; deterministic identifier agreement wins outright.
  const Scorer scorer(config, model, p);
  const double match_weight =
      std::log2(config.match_probability / (1.0 - config.match_probability));
  const double review_weight =
      std::log2(config.review_probability / (1.0 - config.review_probability));
  struct Out {
    std::vector<ScoredPair> matches, review;
    int64_t deterministic = 0;
  };
  for (size_t k = 0; k < by_rule.size(); ++k) {
    const auto ranges = SplitRange(by_rule[k].size(), threads);
    std::vector<Out> out(ranges.size());
    ParallelFor(ranges.size(), threads, [&](size_t t) {
      for (size_t i = ranges[t].first; i < ranges[t].second; ++i) {
        const Candidate& c = by_rule[k][i];
        const uint64_t pattern = patterns[k][i];
        double w;
        if (scorer.Deterministic(c.a, c.b, pattern)) {
          w = std::numeric_limits<double>::infinity();
          ++out[t].deterministic;
        } else {
          w = scorer.Weight(c.a, pattern);
        }
        if (w >= match_weight) {
          out[t].matches.push_back({c.a, c.b, static_cast<float>(w), Probability(w)});
        } else if (w >= review_weight && options.keep_review_pairs &&
                   !scorer.Conflicting(c.a, c.b)) {
          out[t].review.push_back({c.a, c.b, static_cast<float>(w), Probability(w)});
        }
      }
    });
    for (auto& o : out) {
      result.matches.insert(result.matches.end(), o.matches.begin(), o.matches.end());
      result.review.insert(result.review.end(), o.review.begin(), o.review.end());
      stats.deterministic_matches += o.deterministic;
    }
    std::vector<Candidate>().swap(by_rule[k]);
    std::vector<uint64_t>().swap(patterns[k]);
  }
  stats.matches = static_cast<int64_t>(result.matches.size());
  stats.review_pairs = static_cast<int64_t>(result.review.size());
  watch.Lap("score");

  result.cluster_of = Cluster(config, p, result.matches, options, stats);
  watch.Lap("cluster");
  result.model = std::move(model);
  return result;
}

Explanation Explain(const Config& config, const Model& model, const PreparedRecords& p, uint32_t a,
                    uint32_t b) {
  const Scorer scorer(config, model, p);
  const uint64_t pattern = ComparePair(config, p, a, b);
  Explanation e;
  e.prior = model.PriorWeight();
  e.total = e.prior;
  for (size_t f = 0; f < config.fields.size(); ++f) {
    Explanation::Part part;
    part.field = config.fields[f].name;
    part.level = LevelOf(pattern, f);
    part.level_name = LevelName(config.fields[f].kind, part.level);
    part.weight = scorer.FieldWeight(a, f, part.level);
    e.total += part.weight;
    e.parts.push_back(std::move(part));
  }
  e.deterministic = scorer.Deterministic(a, b, pattern);
  e.probability = e.deterministic ? 1.0 : Probability(e.total);
  return e;
}

nlohmann::json Explanation::ToJson() const {
  nlohmann::json j = {{"prior", prior},
                      {"total", total},
                      {"probability", probability},
                      {"deterministic", deterministic}};
  for (const Part& p : parts) {
    j["comparisons"].push_back({{"field", p.field},
                                {"level", p.level},
                                {"level_name", p.level_name},
                                {"weight", p.weight}});
  }
  return j;
}

}  // namespace yishu::masterdata
