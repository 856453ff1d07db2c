// The catalogue's model (数据资源目录): departments, source systems, data resources and their
// fields, as the government catalogue guide describes them, and their JSON form.
//
// One JSON shape serves the API and the YAML files (YAML is read as JSON): parsing is strict,
// so an unknown or misspelt key is an error that names it, never silently ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace yishu::catalogue {

struct Department {
  std::string code;
  std::string name;
  std::string name_en;
};

struct SourceSystem {
  std::string code;
  std::string name;
  std::string department;
};

// 共享类型 (share type) and 开放类型 (open type), GB/T 21063 and the provincial rules.
enum class ShareType { kUnconditional, kConditional, kNone };
enum class OpenType { kUnconditional, kConditional, kNone };
std::string_view ShareTypeName(ShareType t);  // 无条件共享 / 有条件共享 / 不予共享
std::string_view OpenTypeName(OpenType t);    // 无条件开放 / 有条件开放 / 不予开放
// Accepts the Chinese names and the English aliases unconditional / conditional / none.
std::optional<ShareType> ParseShareType(std::string_view s);
std::optional<OpenType> ParseOpenType(std::string_view s);

struct Field {
  std::string name;     // machine name: [a-z][a-z0-9_]*
  std::string label;    // Chinese label as departments know it
  std::string type;     // string | integer | decimal | date | datetime | enum | geo_point
  std::string element;  // data element code (数据元), may be empty
  bool nullable = true;
  bool key = false;
  std::string sensitivity;     // L1..L4; defaults to the element's
  bool authoritative = false;  // this field is the one source of (element, subject)
};

// GB/T 21063 catalogue classification: 类 / 项 / 目 / 细目.
struct Classification {
  std::string category, item, entry, sub_entry;
};

struct Resource {
  std::string code;
  std::string name;
  std::string description;
  std::string department;
  std::string system;
  std::string subject = "other";  // person | legal_entity | other
  std::string update_cycle = "irregular";
  ShareType share_type = ShareType::kConditional;
  std::string share_condition;
  OpenType open_type = OpenType::kNone;
  std::string open_condition;
  std::string security_level;  // L1..L4 as declared; effective level is max with the fields
  std::vector<std::string> tags;
  Classification classification;
  std::vector<Field> fields;

  // Set by the catalogue, not by definitions.
  int64_t version = 0;
  std::string updated_by;
  int64_t updated_at = 0;

  const Field* FindField(std::string_view name) const;
  // The most sensitive of the declared level and every field's sensitivity.
  std::string EffectiveLevel() const;
};

// What the catalogue needs to know of a data element (the standards registry answers it).
struct ElementInfo {
  std::string type;
  std::string default_sensitivity;
};
using ElementLookup = std::function<std::optional<ElementInfo>(std::string_view code)>;

// Parsing (strict) and rendering. Parse errors are InvalidArgument naming the key path.
Result<Department> ParseDepartment(const nlohmann::json& j);
Result<SourceSystem> ParseSourceSystem(const nlohmann::json& j);
// Checks everything that needs no store: required keys, enumerations, field names, types,
// conditions required by share/open types, elements known to `elements`.
Result<Resource> ParseResource(const nlohmann::json& j, const ElementLookup& elements);

nlohmann::json ToJson(const Department& d);
nlohmann::json ToJson(const SourceSystem& s);
// The definition only (what a version records), without version metadata.
nlohmann::json DefinitionJson(const Resource& r);
// Definition plus version, updated_by, updated_at, effective_level.
nlohmann::json ToJson(const Resource& r);

bool IsValidCode(std::string_view code);
bool IsValidLevel(std::string_view level);

}  // namespace yishu::catalogue
