#include "standards/element.hpp"

namespace yishu::standards {

namespace {
constexpr std::string_view kTypeNames[] = {"string",   "integer", "decimal",  "date",
                                           "datetime", "enum",    "geo_point"};
}  // namespace

std::string_view ValueTypeName(ValueType t) {
  return kTypeNames[static_cast<int>(t)];
}

std::optional<ValueType> ParseValueType(std::string_view name) {
  for (size_t i = 0; i < std::size(kTypeNames); ++i)
    if (kTypeNames[i] == name) return static_cast<ValueType>(i);
  return std::nullopt;
}

std::string_view SensitivityName(Sensitivity s) {
  switch (s) {
    case Sensitivity::L1:
      return "L1";
    case Sensitivity::L2:
      return "L2";
    case Sensitivity::L3:
      return "L3";
    case Sensitivity::L4:
      return "L4";
  }
  return "L4";
}

std::optional<Sensitivity> ParseSensitivity(std::string_view name) {
  if (name == "L1") return Sensitivity::L1;
  if (name == "L2") return Sensitivity::L2;
  if (name == "L3") return Sensitivity::L3;
  if (name == "L4") return Sensitivity::L4;
  return std::nullopt;
}

std::string_view SensitivityLabel(Sensitivity s) {
  switch (s) {
    case Sensitivity::L1:
      return "不敏感";
    case Sensitivity::L2:
      return "低敏感";
    case Sensitivity::L3:
      return "较敏感";
    case Sensitivity::L4:
      return "敏感";
  }
  return "敏感";
}

const std::string* CodeList::LabelOf(std::string_view c) const {
  for (const auto& e : entries)
    if (e.code == c) return &e.label;
  return nullptr;
}

bool SameDefinition(const DataElement& a, const DataElement& b) {
  return a.code == b.code && a.name_zh == b.name_zh && a.name_en == b.name_en && a.type == b.type &&
         a.validator == b.validator && a.pattern == b.pattern && a.code_list == b.code_list &&
         a.max_length == b.max_length && a.default_sensitivity == b.default_sensitivity &&
         a.description == b.description && a.standard == b.standard && a.builtin == b.builtin;
}

nlohmann::json ToJson(const DataElement& e) {
  return {{"code", e.code},
          {"name", e.name_zh},
          {"name_en", e.name_en},
          {"type", ValueTypeName(e.type)},
          {"validator", e.validator},
          {"pattern", e.pattern},
          {"code_list", e.code_list},
          {"max_length", e.max_length},
          {"sensitivity", SensitivityName(e.default_sensitivity)},
          {"description", e.description},
          {"standard", e.standard},
          {"builtin", e.builtin}};
}

nlohmann::json ToJson(const CodeList& c) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : c.entries) entries.push_back({{"code", e.code}, {"label", e.label}});
  return {{"code", c.code},         {"name", c.name},
          {"standard", c.standard}, {"description", c.description},
          {"builtin", c.builtin},   {"entries", std::move(entries)}};
}

nlohmann::json ToJson(const Violation& v) {
  return {{"rule", v.rule}, {"message", v.message}};
}

}  // namespace yishu::standards
