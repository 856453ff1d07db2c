// Data element standards (数据元): the definitions every catalogue field is bound to.
//
// A DataElement names one kind of datum (公民身份号码, 手机号码, 婚姻状况, ...) with its value
// type, how a value is checked (a built-in validator, an optional regular expression, a code list,
// a maximum length) and the sensitivity grade a field holding it gets by default. A CodeList is an
// enumeration of codes with labels (GB/T 2261.1 性别, GB/T 3304 民族, operator-defined lists).
//
// These are plain values. The Registry (registry.hpp) owns the built-in ones and those operators
// add from YAML, checks every definition, and validates values against them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace yishu::standards {

enum class ValueType { kString, kInteger, kDecimal, kDate, kDatetime, kEnum, kGeoPoint };

// "string", "integer", "decimal", "date", "datetime", "enum", "geo_point".
std::string_view ValueTypeName(ValueType t);
// The inverse of ValueTypeName; nullopt for anything else (names are case-sensitive).
std::optional<ValueType> ParseValueType(std::string_view name);

// Sensitivity grades of DB33/T 2351 (浙江省公共数据分类分级): L1 不敏感, L2 低敏感, L3 较敏感, L4
// 敏感. Ordered: a higher grade is more sensitive.
enum class Sensitivity { L1 = 1, L2 = 2, L3 = 3, L4 = 4 };

// "L1".."L4".
std::string_view SensitivityName(Sensitivity s);
// "L1".."L4" (exactly); nullopt otherwise.
std::optional<Sensitivity> ParseSensitivity(std::string_view name);
// 不敏感 / 低敏感 / 较敏感 / 敏感.
std::string_view SensitivityLabel(Sensitivity s);

struct CodeListEntry {
  std::string code;
  std::string label;
  bool operator==(const CodeListEntry&) const = default;
};

struct CodeList {
  std::string code;                    // stable identifier: "gender", "ethnicity", "marital_status"
  std::string name;                    // Chinese name: 性别
  std::vector<CodeListEntry> entries;  // in the order of the standard
  std::string standard;     // the standard it comes from, e.g. "GB/T 2261.1-2003"; may be empty
  std::string description;  // may be empty
  bool builtin = false;     // shipped with Yishu (not operator-defined)

  // The label of `code`, or nullptr.
  const std::string* LabelOf(std::string_view code) const;
  bool operator==(const CodeList&) const = default;
};

namespace internal {
struct CompiledElement;  // what the Registry prepares for fast validation (registry.cpp)
}

struct DataElement {
  std::string code;     // stable identifier: [a-z][a-z0-9_]*, at most 64 chars ("id_card")
  std::string name_zh;  // 公民身份号码
  std::string name_en;  // Citizen identity number; may be empty for operator-defined elements
  ValueType type = ValueType::kString;
  // A built-in validator (see validators.hpp: BuiltinValidatorNames()), or "" for none. Built-in
  // elements use the validator of the same name; operator elements may reuse one (a
  // "contact_phone" element with validator "mobile").
  std::string validator;
  // Optional ECMAScript regular expression the whole value must match ("" = none).
  std::string pattern;
  // Code of the CodeList values must come from; required for and only allowed with kEnum.
  std::string code_list;
  // Maximum length in code points; 0 = none.
  int max_length = 0;
  Sensitivity default_sensitivity = Sensitivity::L2;
  std::string description;
  std::string standard;  // the national/provincial standard it follows ("GB 11643-1999"), or ""
  bool builtin = false;  // shipped with Yishu (not operator-defined)

  // Set by the Registry when the element is registered: the resolved validator, compiled regex
  // and code-list index, so Registry::Validate needs no lookup or lock per value. Leave empty
  // when building a definition; it is not part of the definition (see SameDefinition).
  std::shared_ptr<const internal::CompiledElement> compiled;
};

// Equality of the definitions (ignores `compiled`).
bool SameDefinition(const DataElement& a, const DataElement& b);

// The outcome of a failed check. `rule` is a stable machine name scripts and quality reports
// group on ("check_digit", "region_code", "birth_date", "format", "code_list", "length", "type",
// "excel_damage", "legacy_15_digit", "segment", "encoding"); `message` says in Chinese and English
// what is wrong, e.g. "校验位应为 X / check digit should be X".
struct Violation {
  std::string rule;
  std::string message;
  bool operator==(const Violation&) const = default;
};

// JSON for the API. Element: {"code","name","name_en","type","validator","pattern","code_list",
// "max_length","sensitivity","description","standard","builtin"}. Code list: {"code","name",
// "standard","description","builtin","entries":[{"code","label"}]}. Violation: {"rule","message"}.
nlohmann::json ToJson(const DataElement& e);
nlohmann::json ToJson(const CodeList& c);
nlohmann::json ToJson(const Violation& v);

}  // namespace yishu::standards
