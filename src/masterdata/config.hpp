// The resolution config: which column holds which kind of value, how candidate pairs are
// found (blocking rules) and where the match and review thresholds lie. Read from YAML or JSON
// (strictly: an unknown key is an error naming its path). Example (Febrl):
//
//   id_column: rec_id
//   fields:
//     - {name: given_name, kind: name, tf: true}       # column defaults to the name
//     - {name: surname, kind: name, tf: true}
//     - {name: dob, column: date_of_birth, kind: date}
//     - {name: ssn, column: soc_sec_id, kind: text}
//   blocking:                                          # a pair is a candidate when all the
//     - [ssn]                                          # terms of any one rule agree
//     - [given_name, surname]
//     - ["surname:first", dob]
//   match_probability: 0.5
//   review_probability: 0.1
//
// Blocking terms: `field` (the normalized value), `field:pinyin` (names: the toneless reading,
// so homophones share a block), `field:first` (first character), `field:first_pinyin`,
// `field:prefix3` (first three characters), `field:year` (dates), `field:region_seq` (ID
// numbers: the region and sequence digits, which survive a typo in the birth digits).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace yishu::masterdata {

enum class FieldKind : uint8_t {
  kName,        // person name: characters, pinyin, simplified/traditional, dropped/swapped
  kIdCard,      // resident identity number: typos, transpositions, 15 digits, Excel damage
  kDate,        // any common spelling; day/month swap; near dates
  kPhone,       // digits; one digit missing
  kAddress,     // township / road / number parts
  kGender,      // 1/2, 男/女, M/F
  kCreditCode,  // unified social credit code
  kOrgName,     // legal entity name: suffix variants, brackets, region prefixes
  kText,        // anything else: exact, edit distance, Jaro-Winkler
  kExact,       // codes: equal or not
};
std::string_view FieldKindName(FieldKind kind);
// Number of comparison levels of a kind, the null level 0 included.
int LevelCount(FieldKind kind);
// Human name of a level ("exact", "same pinyin", …) for explanations.
std::string_view LevelName(FieldKind kind, int level);

struct FieldSpec {
  std::string name;    // how rules and output refer to it
  std::string column;  // the CSV column (defaults to name)
  FieldKind kind = FieldKind::kText;
  bool tf = false;  // term-frequency adjustment of exact agreement (common names weigh less)
  // Identifier fields (id_card, credit_code): when both values are valid and equal the records
  // match whatever else differs; when both are valid and differ they never join one cluster.
  bool deterministic = false;
  // A date field read from an ID number's birth digits when its own cell is empty.
  std::string fallback_from;
  int fallback_index = -1;  // resolved index of fallback_from
};

enum class BlockTransform : uint8_t {
  kValue,
  kPinyin,
  kFirst,
  kFirstPinyin,
  kPrefix3,
  kYear,
  kRegionSeq
};

struct BlockTerm {
  int field = 0;
  BlockTransform transform = BlockTransform::kValue;
};
struct BlockingRule {
  std::string text;  // as written, for reports
  std::vector<BlockTerm> terms;
};

struct Config {
  std::string id_column;  // the record id column (output names records by it)
  std::vector<FieldSpec> fields;
  std::vector<BlockingRule> blocking;
  double match_probability = 0.5;
  double review_probability = 0.1;
  // Blocks larger than this are skipped (and counted): a default value shared by thousands of
  // records ("未知", 1900-01-01) would otherwise make the comparisons quadratic.
  int64_t max_block_size = 2000;
  // Random pairs drawn to estimate u (the chance of each level among non-matches).
  int64_t u_sample_pairs = 2'000'000;
  int em_iterations = 25;

  int FieldIndex(std::string_view name) const;
};

// Parses and checks a config (kinds, rule terms naming known fields, thresholds in (0, 1)).
Result<Config> ParseConfig(const nlohmann::json& doc);
Result<Config> LoadConfig(const std::string& path);

}  // namespace yishu::masterdata
