// Classification and grading (分类分级) of a resource's fields.
//
// ClassifyFields looks at each field's machine name, its Chinese label and a sample of its
// values, and proposes:
//   - a detected type: id_card, uscc, mobile, landline, bank_card, email, person_name, address,
//     plate_number, coordinates, ethnicity (or "" when nothing fired);
//   - sensitive personal information categories (PIPL art. 28 / GB/T 35273): health,
//     ethnicity, religion, biometrics, minors, financial_account, precise_location;
//   - a level per DB33/T 2351 (L1 不敏感, L2 低敏感, L3 较敏感, L4 敏感);
//   - the national category per GB/T 43697-2024 (一般数据 / 重要数据 / 核心数据) and whether it
//     is 个人信息 or 敏感个人信息;
//   - a confidence in [0,1] and the evidence: every rule that fired, in words.
// It deliberately ignores the catalogue's own element bindings and declared sensitivity: those
// are what a steward declared, and the point is an independent second opinion (and the demo
// data's bindings are the truth the classifier is measured against).
//
// Proposals and steward decisions persist in `field_classifications` (module
// "classification"); a decision records who and when. A resource's level is the most
// sensitive confirmed (or overridden) field level.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalogue/model.hpp"
#include "common/status.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::security {

// Sampled values per field machine name (empty strings for empty cells are dropped).
struct SampleValues {
  std::map<std::string, std::vector<std::string>> by_field;
  std::string source;  // where they came from, for the evidence ("table r_ga_household", a file)
  int64_t rows = 0;
};

struct FieldProposal {
  std::string field;
  std::string label;
  std::string detected_type;           // "" when nothing detected
  std::vector<std::string> sensitive;  // sensitive personal information categories
  std::string level;                   // L1..L4
  std::string category;                // 一般数据 | 重要数据 | 核心数据
  std::string personal;                // "" | 个人信息 | 敏感个人信息
  double confidence = 0;
  std::vector<std::string> evidence;
};

nlohmann::json ToJson(const FieldProposal& p);

Result<std::vector<FieldProposal>> ClassifyFields(const catalogue::Resource& resource,
                                                  const SampleValues& samples);

// --- persistence -----------------------------------------------------------------------------

std::vector<store::Migration> ClassificationMigrations();

struct FieldClassification {
  FieldProposal proposal;
  std::string decision;  // "" (pending) | confirm | override
  std::string level;     // the decided level (the proposal's on confirm)
  std::string category;  // the decided national category
  std::string decided_by;
  int64_t decided_at = 0;
};

// Stores fresh proposals for a resource, keeping decisions already made (a re-scan never
// silently undoes a steward's choice).
Status SaveProposals(store::Connection& c, const std::string& resource,
                     const std::vector<FieldProposal>& proposals, int64_t now_millis);
Result<std::vector<FieldClassification>> LoadClassification(store::Connection& c,
                                                            const std::string& resource);
// decision: "confirm" (level/category from the proposal when empty) or "override" (level
// required). kNotFound when the field has no proposal yet; kInvalidArgument on a bad level,
// category or decision.
Status DecideField(store::Connection& c, const std::string& resource, const std::string& field,
                   const std::string& decision, const std::string& level,
                   const std::string& category, const std::string& who, int64_t now_millis);
// The most sensitive decided level ("" when nothing decided yet).
std::string ResourceLevel(const std::vector<FieldClassification>& fields);

}  // namespace yishu::security
