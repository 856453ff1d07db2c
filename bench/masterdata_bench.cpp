// Entity-resolution benchmark: the demo district's persons at full scale. Every mention of a
// person in every department's delivered file (about 3 million) is resolved into persons, and
// the clusters are scored against the generator's truth (truth/links.csv): pairwise precision,
// recall and F1, candidate pairs, time per stage and peak memory. The Febrl scores follow.
//
//   masterdata_bench [--scale 1.0] [--dir D] [--threads 2]
//
// The district is generated once into D (default /tmp/yishu_masterdata_bench_<scale>) in a
// child process, so neither its time nor its memory counts; later runs reuse it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "common/allocator.hpp"
#include "demo/demo.hpp"
#include "demo/resources.hpp"
#include "formats/reader.hpp"
#include "masterdata/engine.hpp"
#include "masterdata/input.hpp"

namespace fs = std::filesystem;
using namespace yishu;
using namespace yishu::masterdata;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long PeakRssMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

// Where each role of each person-bearing resource keeps the person's values. Field order is the
// config's: name, id_number, birth_date, gender, mobile, address, org_code. "=1"/"=2" is a
// constant (the marriage register's husband is male); "" is none.
struct RoleMap {
  std::string_view resource, role;
  std::string_view columns[7];
  std::string_view when_column, when_value;  // only rows where this column has this value
};

const std::vector<RoleMap>& Roles() {
  static const std::vector<RoleMap> kRoles = {
      {"GA_HOUSEHOLD",
       "subject",
       {"name", "id_number", "birth_date", "gender", "mobile", "address", ""}},
      {"MZ_ASSISTANCE",
       "subject",
       {"name", "id_number", "birth_date", "gender", "mobile", "address", ""}},
      {"MZ_MARRIAGE", "husband", {"male_name", "male_id", "male_birth", "=1", "", "", ""}},
      {"MZ_MARRIAGE", "wife", {"female_name", "female_id", "female_birth", "=2", "", "", ""}},
      {"RS_INSURANCE", "insured", {"name", "id_number", "birth_date", "gender", "mobile", "", ""}},
      {"WJ_BIRTH", "child", {"child_name", "", "birth_date", "child_gender", "", "address", ""}},
      {"WJ_BIRTH", "mother", {"mother_name", "mother_id", "", "=2", "", "address", ""}},
      {"WJ_BIRTH", "father", {"father_name", "father_id", "", "=1", "", "address", ""}},
      {"WJ_FAMILY_DOCTOR",
       "subject",
       {"name", "id_number", "birth_date", "gender", "mobile", "address", ""}},
      {"SJ_ENTERPRISE", "legal_rep", {"legal_rep", "legal_rep_id", "", "", "", "", "uscc"}},
      {"SW_TAXPAYER",
       "legal_rep",
       {"legal_rep", "legal_rep_id", "", "", "contact_mobile", "", "taxpayer_id"}},
      {"JY_STUDENT", "student", {"name", "id_number", "birth_date", "gender", "", "address", ""}},
      {"JY_STUDENT",
       "guardian",
       {"guardian_name", "guardian_id", "", "", "guardian_mobile", "", ""}},
      {"ZJ_RENTAL",
       "landlord",
       {"landlord_name", "landlord_id", "", "", "landlord_mobile", "", ""}},
      {"ZJ_RENTAL", "tenant", {"tenant_name", "tenant_id", "", "", "tenant_mobile", "", ""}},
      {"ZF_PENALTY",
       "party",
       {"party_name", "party_id_card", "", "", "", "", ""},
       "party_type",
       "自然人"},
      {"ZF_PENALTY",
       "operator",
       {"", "party_id_card", "", "", "", "", "party_uscc"},
       "party_type",
       "个体工商户"},
      {"ZF_PENALTY",
       "legal_rep",
       {"legal_rep", "", "", "", "", "", "party_uscc"},
       "party_type",
       "法人"},
  };
  return kRoles;
}

// Calls row(fields, line) for every well-formed record of a delivered file (read by
// src/formats, as the platform reads it); the malformed ones are counted in *skipped.
using RowFn = std::function<void(const std::vector<std::string_view>&, int64_t)>;
Status ForEachRecord(const fs::path& file, const RowFn& row, int64_t* skipped) {
  YISHU_ASSIGN_OR_RETURN(auto reader, formats::OpenFileReader(file));
  formats::Record r;
  for (;;) {
    YISHU_ASSIGN_OR_RETURN(bool got, reader->Next(&r));
    if (!got) return Status::Ok();
    if (r.problems.empty())
      row(r.fields, r.line);
    else
      ++*skipped;
  }
}

uint64_t LinkKey(size_t resource, int64_t line, size_t role) {
  return (static_cast<uint64_t>(resource) << 48) | (static_cast<uint64_t>(line) << 8) | role;
}

struct Mentions {
  RecordBatch batch{7};
  std::vector<uint64_t> link_keys;  // per record
  int64_t skipped = 0;              // malformed records of the delivery
};

// Reads one person-bearing delivery into `out`.
Status ReadResource(const fs::path& dir, const std::vector<std::string>& resource_codes, size_t ri,
                    Mentions& out) {
  const demo::ResourceSpec& spec = demo::ResourceByCode(resource_codes[ri]);
  const fs::path file =
      dir / "inbox" / std::string(spec.department) / std::string(spec.delivery.file_name);
  struct Bound {
    size_t role_index;
    int cols[7];
    std::string_view constant[7];
    int when = -1;
    std::string_view when_value;
  };
  std::vector<Bound> bound;
  for (size_t k = 0; k < Roles().size(); ++k) {
    const RoleMap& rm = Roles()[k];
    if (rm.resource != resource_codes[ri]) continue;
    Bound b{k, {}, {}, -1, rm.when_value};
    for (int f = 0; f < 7; ++f) {
      b.cols[f] = -1;
      if (rm.columns[f].starts_with("=")) {
        b.constant[f] = rm.columns[f].substr(1);
      } else if (!rm.columns[f].empty()) {
        b.cols[f] = spec.Col(rm.columns[f]);
      }
    }
    if (!rm.when_column.empty()) b.when = spec.Col(rm.when_column);
    bound.push_back(b);
  }
  std::error_code ec;
  const size_t bytes = static_cast<size_t>(fs::file_size(file, ec));
  if (!ec) out.batch.Reserve(bytes / 150, bytes / 2);
  std::string id;
  std::string_view cells[7];
  return ForEachRecord(
      file,
      [&](const std::vector<std::string_view>& row, int64_t line) {
        for (const Bound& b : bound) {
          if (b.when >= 0 &&
              (b.when >= static_cast<int>(row.size()) || row[b.when] != b.when_value)) {
            continue;
          }
          bool any = false;
          for (int f = 0; f < 7; ++f) {
            if (b.cols[f] >= 0 && b.cols[f] < static_cast<int>(row.size())) {
              cells[f] = row[b.cols[f]];
              // A person is on the row when something of theirs is: the household address of a
              // birth certificate is there with or without a father.
              any |= !cells[f].empty() && f != 3 && f != 5;
            } else {
              cells[f] = b.constant[f];
            }
          }
          if (!any) continue;  // nobody in this role on this row
          id.clear();
          fmt::format_to(std::back_inserter(id), "{}:{}:{}", resource_codes[ri], line,
                         Roles()[b.role_index].role);
          out.batch.Add(id, cells);
          out.link_keys.push_back(LinkKey(ri, line, b.role_index));
        }
      },
      &out.skipped);
}

// Reads every person-bearing delivery into one batch of mentions, two files at a time.
Status ReadMentions(const fs::path& dir, const std::vector<std::string>& resource_codes,
                    int threads, Mentions& out) {
  std::vector<Mentions> parts(resource_codes.size());
  std::vector<Status> status(resource_codes.size());
  // Largest files first so the two threads finish together.
  std::vector<size_t> order(resource_codes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<std::thread> pool;
  std::atomic<size_t> next{0};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < order.size();) {
        status[order[i]] = ReadResource(dir, resource_codes, order[i], parts[order[i]]);
      }
    });
  }
  for (auto& th : pool) th.join();
  size_t records = 0, bytes = 0;
  for (const Mentions& m : parts) {
    records += m.batch.size();
    bytes += m.batch.text_bytes();
  }
  out.batch.Reserve(records, bytes);
  out.link_keys.reserve(records);
  for (size_t i = 0; i < parts.size(); ++i) {
    YISHU_RETURN_IF_ERROR(status[i]);
    out.batch.Append(std::move(parts[i].batch));
    out.link_keys.insert(out.link_keys.end(), parts[i].link_keys.begin(), parts[i].link_keys.end());
    out.skipped += parts[i].skipped;
  }
  return Status::Ok();
}

// truth/links.csv -> link key -> person number.
std::unordered_map<uint64_t, uint32_t> ReadTruth(const fs::path& dir,
                                                 const std::vector<std::string>& codes) {
  std::unordered_map<uint64_t, uint32_t> truth;
  truth.reserve(4'000'000);
  int64_t skipped = 0;
  (void)ForEachRecord(
      dir / "truth" / "links.csv",
      [&](const std::vector<std::string_view>& row, int64_t) {
        if (row.size() < 5 || row[4].empty()) return;
        const auto rit = std::find(codes.begin(), codes.end(), row[1]);
        if (rit == codes.end()) return;
        for (size_t k = 0; k < Roles().size(); ++k) {
          if (Roles()[k].resource == row[1] && Roles()[k].role == row[3]) {
            int64_t l = 0;
            for (char c : row[2]) l = l * 10 + (c - '0');
            truth[LinkKey(static_cast<size_t>(rit - codes.begin()), l, k)] =
                static_cast<uint32_t>(std::stoul(std::string(row[4].substr(1))));
          }
        }
      },
      &skipped);
  return truth;
}

struct Scores {
  double precision = 0, recall = 0, f1 = 0;
  int64_t tp = 0, predicted = 0, truth = 0;
};

// Pairwise scores of a clustering against true entity labels.
Scores PairwiseScores(const std::vector<uint32_t>& cluster, const std::vector<uint64_t>& entity) {
  const size_t n = cluster.size();
  std::vector<std::pair<uint64_t, uint64_t>> both(n);
  for (size_t i = 0; i < n; ++i) both[i] = {cluster[i], entity[i]};
  auto pairs_of = [](std::vector<uint64_t> v) {
    std::sort(v.begin(), v.end());
    int64_t total = 0;
    for (size_t i = 0; i < v.size();) {
      size_t j = i;
      while (j < v.size() && v[j] == v[i]) ++j;
      total += static_cast<int64_t>((j - i) * (j - i - 1) / 2);
      i = j;
    }
    return total;
  };
  Scores s;
  std::sort(both.begin(), both.end());
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && both[j] == both[i]) ++j;
    s.tp += static_cast<int64_t>((j - i) * (j - i - 1) / 2);
    i = j;
  }
  std::vector<uint64_t> c(cluster.begin(), cluster.end());
  s.predicted = pairs_of(c);
  s.truth = pairs_of(entity);
  s.precision = s.predicted ? double(s.tp) / s.predicted : 0;
  s.recall = s.truth ? double(s.tp) / s.truth : 0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
  return s;
}

void PrintFebrl(int threads) {
  const std::string source = YISHU_SOURCE_DIR, shared = YISHU_SHARED_DIR;
  auto config = LoadConfig(source + "/reference/masterdata/febrl.yaml");
  if (!config.ok()) {
    fmt::print("febrl: {}\n", config.status().ToString());
    return;
  }
  static const std::regex re("rec-(\\d+)");
  auto entity_of = [](std::string_view id) {
    std::cmatch m;
    std::regex_search(id.data(), id.data() + id.size(), m, re);
    return std::stoull(m[1].str());
  };
  for (const char* set : {"dataset3", "dataset4"}) {
    RecordBatch batch(config->fields.size());
    const bool link = std::string_view(set) == "dataset4";
    if (link) {
      (void)LoadRecords(shared + "/data/febrl/dataset4a.csv", *config, 0, &batch);
      (void)LoadRecords(shared + "/data/febrl/dataset4b.csv", *config, 1, &batch);
    } else {
      (void)LoadRecords(shared + "/data/febrl/dataset3.csv", *config, 0, &batch);
    }
    const double t0 = Now();
    ResolveOptions options;
    options.threads = threads;
    auto result = Resolve(*config, batch, options);
    const double secs = Now() - t0;
    if (!result.ok()) {
      fmt::print("febrl {}: {}\n", set, result.status().ToString());
      continue;
    }
    std::vector<uint64_t> entity(batch.size());
    for (size_t r = 0; r < batch.size(); ++r) entity[r] = entity_of(batch.id(r));
    Scores s;
    if (link) {
      // Linking: the scored pairs across the files themselves.
      for (const ScoredPair& m : result->matches) s.tp += entity[m.a] == entity[m.b];
      s.predicted = static_cast<int64_t>(result->matches.size());
      s.truth = 5000;
      s.precision = s.predicted ? double(s.tp) / s.predicted : 0;
      s.recall = double(s.tp) / s.truth;
      s.f1 = 2 * s.precision * s.recall / std::max(1e-12, s.precision + s.recall);
    } else {
      s = PairwiseScores(result->cluster_of, entity);
    }
    fmt::print(
        "febrl {} {}: precision {:.4f}  recall {:.4f}  F1 {:.4f}  ({} candidate pairs, "
        "{:.2f} s)\n",
        link ? "4a x 4b link" : "3 dedup", "(EM, no labels)", s.precision, s.recall, s.f1,
        result->stats.candidate_pairs, secs);
  }
}

}  // namespace

int main(int argc, char** argv) {
  yishu::TuneAllocator();
  double scale = 1.0;
  int threads = 2;
  fs::path dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--scale")
      scale = std::atof(argv[i + 1]);
    else if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
  }
  if (dir.empty())
    dir = fs::temp_directory_path() / fmt::format("yishu_masterdata_bench_{}", scale);

  if (!fs::exists(dir / "truth" / "links.csv")) {
    fmt::print("generating the demo district at scale {} into {} ...\n", scale, dir.string());
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      demo::DemoOptions o;
      o.scale = scale;
      o.out_dir = dir;
      auto s = demo::GenerateDistrict(o);
      if (!s.ok()) fmt::print(stderr, "{}\n", s.status().ToString());
      _exit(s.ok() ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  }

  std::vector<std::string> codes;
  for (const RoleMap& r : Roles()) {
    if (std::find(codes.begin(), codes.end(), r.resource) == codes.end()) {
      codes.emplace_back(r.resource);
    }
  }
  auto config =
      LoadConfig(std::string(YISHU_SOURCE_DIR) + "/reference/masterdata/demo-persons.yaml");
  if (!config.ok()) {
    fmt::print(stderr, "{}\n", config.status().ToString());
    return 1;
  }

  const double t0 = Now();
  Mentions mentions;
  mentions.batch.Reserve(0, 0);
  if (Status s = ReadMentions(dir, codes, threads, mentions); !s.ok()) {
    fmt::print(stderr, "{}\n", s.ToString());
    return 1;
  }
  const double t_read = Now() - t0;
  ResolveOptions options;
  options.threads = threads;
  options.keep_review_pairs = true;
  auto result = Resolve(*config, mentions.batch, options);
  const double total = Now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const double cpu_total =
      ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  if (!result.ok()) {
    fmt::print(stderr, "{}\n", result.status().ToString());
    return 1;
  }
  const long peak = PeakRssMb();

  // Truth and scoring (not timed).
  const auto truth = ReadTruth(dir, codes);
  std::vector<uint64_t> entity(mentions.batch.size());
  int64_t unknown = 0;
  for (size_t r = 0; r < entity.size(); ++r) {
    auto it = truth.find(mentions.link_keys[r]);
    if (it != truth.end()) {
      entity[r] = it->second;
    } else {
      entity[r] = (uint64_t{1} << 40) + r;  // no truth: its own entity
      ++unknown;
    }
  }
  const Scores s = PairwiseScores(result->cluster_of, entity);
  const ResolveStats& st = result->stats;
  fmt::print(
      "demo persons, scale {}: {} mentions from {} files ({} without a truth link, {} malformed "
      "records left out)\n",
      scale, mentions.batch.size(), codes.size(), unknown, mentions.skipped);
  fmt::print(
      "  precision {:.5f}  recall {:.5f}  F1 {:.5f}   (true pairs {}, predicted {}, "
      "correct {})\n",
      s.precision, s.recall, s.f1, s.truth, s.predicted, s.tp);
  fmt::print("  candidate pairs {} (by rule:", st.candidate_pairs);
  for (size_t k = 0; k < st.pairs_by_rule.size(); ++k) {
    fmt::print(" [{}] {}", config->blocking[k].text, st.pairs_by_rule[k]);
  }
  fmt::print("), skipped blocks {} ({} records)\n", st.skipped_blocks, st.skipped_block_records);
  fmt::print(
      "  matches {} ({} by identifier), review {}, kept apart {}, clusters {}, "
      "empty records {}\n",
      st.matches, st.deterministic_matches, st.review_pairs, st.kept_apart, st.clusters,
      st.empty_records);
  fmt::print("  time (wall / cpu of both threads): read {:.2f} s", t_read);
  for (const StageTime& t : st.times) {
    fmt::print(", {} {:.2f}/{:.2f} s", t.stage, t.seconds, t.cpu_seconds);
  }
  double load[1] = {0};
  getloadavg(load, 1);
  fmt::print(
      "\n  end to end {:.2f} s wall on {} threads ({:.2f} s CPU; load average {:.1f} on "
      "{} cores); peak RSS {} MB\n",
      total, threads, cpu_total, load[0], std::thread::hardware_concurrency(), peak);
  fmt::print("  baseline (issue 5, same machine): DuckDB Splink-style 56 s, F1 0.987, 2.3 GB\n");
  fmt::print("  model: lambda {:.3g}\n", result->model.lambda);
  for (size_t f = 0; f < config->fields.size(); ++f) {
    fmt::print("    {:<11}", config->fields[f].name);
    for (size_t l = 1; l < result->model.fields[f].m.size(); ++l) {
      fmt::print(" L{} m={:.4f} u={:.2e}", l, result->model.fields[f].m[l],
                 result->model.fields[f].u[l]);
    }
    fmt::print("\n");
  }

  // Where recall is lost: mentions outside their person's largest cluster, by role.
  {
    std::unordered_map<uint64_t, std::unordered_map<uint32_t, uint32_t>> clusters_of;
    for (size_t r = 0; r < entity.size(); ++r) ++clusters_of[entity[r]][result->cluster_of[r]];
    std::map<std::string, int64_t> split_by_role, unknown_by_role;
    for (size_t r = 0; r < entity.size(); ++r) {
      const std::string_view id = mentions.batch.id(r);
      const std::string role =
          std::string(id.substr(0, id.find(':'))) + std::string(id.substr(id.rfind(':')));
      if (entity[r] >> 40) {
        ++unknown_by_role[role];
        continue;
      }
      const auto& m = clusters_of[entity[r]];
      uint32_t best = 0, best_n = 0;
      for (const auto& [c, n] : m) {
        if (n > best_n || (n == best_n && c < best)) best = c, best_n = n;
      }
      if (result->cluster_of[r] != best) ++split_by_role[role];
    }
    fmt::print("  mentions split from their person's main cluster, by role:");
    for (const auto& [role, n] : split_by_role) fmt::print(" {} {}", role, n);
    fmt::print("\n  mentions without a truth link, by role:");
    for (const auto& [role, n] : unknown_by_role) fmt::print(" {} {}", role, n);
    fmt::print("\n");
  }
  PrintFebrl(threads);
  return 0;
}
