#include "standards/registry.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/strings.hpp"
#include "common/time.hpp"

#ifndef YISHU_REFERENCE_DIR_DEFAULT
#define YISHU_REFERENCE_DIR_DEFAULT "reference"
#endif

namespace yishu::standards {

namespace internal {
// What Validate needs, resolved once when the element is registered.
struct CompiledElement {
  std::optional<BuiltinValidator> validator;
  std::optional<std::regex> pattern;
  bool bad_pattern = false;        // only for elements compiled on the fly
  bool missing_code_list = false;  // ditto
  const CodeList* code_list = nullptr;
  std::vector<std::string_view> sorted_codes;  // views into *code_list (never modified)
  // The same codes packed into integers when every one is at most 7 bytes (national code lists
  // are short digit strings): a look-up is then a few integer compares, not string compares.
  bool packed = false;
  std::vector<uint64_t> packed_codes;  // sorted
};

// A code of at most 7 bytes as one integer: its bytes and its length (so "01" != "1").
inline uint64_t PackCode(std::string_view code) {
  uint64_t v = 0;
  std::memcpy(&v, code.data(), code.size());
  return v | (uint64_t{code.size()} << 56);
}
}  // namespace internal

namespace {

using internal::CompiledElement;
using internal::PackCode;

// Values longer than this are not run through std::regex, whose backtracking recurses per
// character and can exhaust the stack on long inputs.
constexpr size_t kMaxRegexInput = 4096;
constexpr int kMaxMaxLength = 1000000;

// ---------------------------------------------------------------------------------------------
// Built-in definitions

CodeList GenderCodes() {
  CodeList c;
  c.code = "gender";
  c.name = "性别";
  c.standard = "GB/T 2261.1-2003";
  c.description = "人的性别代码";
  c.entries = {{"0", "未知的性别"}, {"1", "男"}, {"2", "女"}, {"9", "未说明的性别"}};
  c.builtin = true;
  return c;
}

CodeList EthnicityCodes() {
  static constexpr const char* kNames[] = {
      "汉族",       "蒙古族",   "回族",     "藏族",   "维吾尔族", "苗族",     "彝族",
      "壮族",       "布依族",   "朝鲜族",   "满族",   "侗族",     "瑶族",     "白族",
      "土家族",     "哈尼族",   "哈萨克族", "傣族",   "黎族",     "傈僳族",   "佤族",
      "畲族",       "高山族",   "拉祜族",   "水族",   "东乡族",   "纳西族",   "景颇族",
      "柯尔克孜族", "土族",     "达斡尔族", "仫佬族", "羌族",     "布朗族",   "撒拉族",
      "毛南族",     "仡佬族",   "锡伯族",   "阿昌族", "普米族",   "塔吉克族", "怒族",
      "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",   "裕固族",   "京族",
      "塔塔尔族",   "独龙族",   "鄂伦春族", "赫哲族", "门巴族",   "珞巴族",   "基诺族"};
  static_assert(std::size(kNames) == 56);
  CodeList c;
  c.code = "ethnicity";
  c.name = "民族";
  c.standard = "GB/T 3304-1991";
  c.description = "中国各民族名称的罗马字母拼写法和代码(数字代码)";
  for (size_t i = 0; i < std::size(kNames); ++i) {
    char code[3] = {static_cast<char>('0' + (i + 1) / 10), static_cast<char>('0' + (i + 1) % 10),
                    0};
    c.entries.push_back({code, kNames[i]});
  }
  c.entries.push_back({"97", "其他"});
  c.entries.push_back({"98", "外国血统中国籍人士"});
  c.builtin = true;
  return c;
}

struct BuiltinDef {
  const char* code;
  const char* name_zh;
  const char* name_en;
  ValueType type;
  const char* validator;
  const char* code_list;
  int max_length;
  Sensitivity sensitivity;
  const char* standard;
  const char* description;
};

// Codes are fixed: other modules and the demo generator refer to them.
constexpr BuiltinDef kBuiltins[] = {
    {"id_card", "公民身份号码", "Citizen identity number", ValueType::kString, "id_card", "", 18,
     Sensitivity::L4, "GB 11643-1999",
     "18 位:6 位地址码(签发时的 GB/T 2260 代码)+8 位出生日期+3 位顺序码+ISO 7064 MOD 11-2 校验码"},
    {"uscc", "统一社会信用代码", "Unified social credit code", ValueType::kString, "uscc", "", 18,
     Sensitivity::L1, "GB 32100-2015",
     "18 位:登记管理部门码+机构类别码+登记管理机关行政区划码+主体标识码(组织机构代码,GB "
     "11714)+校验码"},
    {"mobile", "手机号码", "Mobile phone number", ValueType::kString, "mobile", "", 0,
     Sensitivity::L3, "", "11 位,可带 +86 前缀;号段须已分配"},
    {"landline", "固定电话", "Landline telephone number", ValueType::kString, "landline", "", 0,
     Sensitivity::L3, "", "区号(0xx 或 0xxx)+7-8 位号码,可带连字符与分机号"},
    {"email", "电子邮箱", "E-mail address", ValueType::kString, "email", "", 254, Sensitivity::L3,
     "", ""},
    {"bank_card", "银行卡号", "Bank card number", ValueType::kString, "bank_card", "", 19,
     Sensitivity::L4, "ISO/IEC 7812-1", "12-19 位数字,Luhn 校验"},
    {"gender", "性别", "Sex", ValueType::kEnum, "", "gender", 0, Sensitivity::L2,
     "GB/T 2261.1-2003", ""},
    {"ethnicity", "民族", "Ethnic group", ValueType::kEnum, "", "ethnicity", 0, Sensitivity::L4,
     "GB/T 3304-1991", "民族属敏感个人信息"},
    {"admin_division", "行政区划代码", "Administrative division code", ValueType::kString,
     "admin_division", "", 9, Sensitivity::L1, "GB/T 2260",
     "6 位县级及以上代码(现行或已撤销),或 9 位统计用乡级代码"},
    {"postal_code", "邮政编码", "Postal code", ValueType::kString, "postal_code", "", 6,
     Sensitivity::L1, "", ""},
    {"plate_number", "机动车号牌", "Motor vehicle plate number", ValueType::kString, "plate_number",
     "", 0, Sensitivity::L3, "GA 36", ""},
    {"date", "日期", "Date", ValueType::kDate, "", "", 0, Sensitivity::L1, "",
     "YYYY-MM-DD 或 YYYYMMDD"},
    {"datetime", "日期时间", "Date and time", ValueType::kDatetime, "", "", 0, Sensitivity::L1, "",
     "YYYY-MM-DD HH:MM[:SS],可带时区"},
    {"birth_date", "出生日期", "Date of birth", ValueType::kDate, "", "", 0, Sensitivity::L3, "",
     "YYYY-MM-DD 或 YYYYMMDD"},
    {"address", "地址", "Address", ValueType::kString, "address", "", 200, Sensitivity::L3, "", ""},
    {"person_name", "姓名", "Person name", ValueType::kString, "person_name", "", 30,
     Sensitivity::L3, "", "汉字姓名(少数民族姓名可含间隔号 ·)或拉丁字母姓名"},
    {"org_name", "单位名称", "Organisation name", ValueType::kString, "org_name", "", 120,
     Sensitivity::L1, "", ""},
    {"integer", "整数", "Integer", ValueType::kInteger, "", "", 0, Sensitivity::L1, "", ""},
    {"decimal", "数值", "Decimal number", ValueType::kDecimal, "", "", 0, Sensitivity::L1, "", ""},
    {"geo_point", "地理坐标", "Geographic point", ValueType::kGeoPoint, "", "", 0, Sensitivity::L2,
     "", "经度,纬度(WGS 84 / CGCS2000)"},
};

// ---------------------------------------------------------------------------------------------
// Errors that name the source and entry, collected so the caller sees every problem.

struct Problem {
  ErrorCode code;
  std::string message;
};

std::string EntryName(std::string_view section, size_t index, std::string_view code) {
  std::string s = std::string(section) + "[" + std::to_string(index) + "]";
  if (!code.empty()) s += " (" + std::string(code) + ")";
  return s;
}

Status Combine(std::string_view source, const std::vector<Problem>& problems) {
  if (problems.empty()) return Status::Ok();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : problems) list.push_back(p.message);
  std::string msg = problems.front().message;
  if (problems.size() > 1)
    msg += " (and " + std::to_string(problems.size() - 1) + " more problem" +
           (problems.size() > 2 ? "s" : "") + ")";
  return Status(problems.front().code, std::move(msg),
                {{"source", std::string(source)}, {"errors", std::move(list)}});
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Shared checks of text fields; "" when fine.
std::string CheckText(std::string_view field, std::string_view value, bool required,
                      size_t max_cp) {
  if (value.empty()) return required ? std::string(field) + " is required" : "";
  if (!IsValidUtf8(value)) return std::string(field) + " is not valid UTF-8";
  if (Utf8Length(value) > max_cp)
    return std::string(field) + " is longer than " + std::to_string(max_cp) + " characters";
  return "";
}

// ---------------------------------------------------------------------------------------------
// YAML

std::string NodeWhere(const YAML::Node& n) {
  auto m = n.Mark();
  if (m.is_null()) return "";
  return " (line " + std::to_string(m.line + 1) + ")";
}

// Reads the scalar fields of a mapping; problems for unknown keys and non-scalars.
class FieldReader {
 public:
  FieldReader(const YAML::Node& node, std::vector<std::string> allowed)
      : node_(node), allowed_(std::move(allowed)) {}

  // Problems with the mapping itself (appended to `out`, prefixed with `prefix`).
  void CheckKeys(const std::string& prefix, std::vector<Problem>* out) const {
    std::vector<std::string> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      // YAML forbids repeated keys but yaml-cpp keeps the first silently: half a definition
      // would be dropped without a word.
      if (std::find(seen.begin(), seen.end(), key) != seen.end())
        out->push_back({ErrorCode::kInvalidArgument,
                        prefix + ": field '" + key + "' appears twice" + NodeWhere(it->first)});
      seen.push_back(key);
      if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end())
        out->push_back({ErrorCode::kInvalidArgument,
                        prefix + ": unknown field '" + key + "'" + NodeWhere(it->first) +
                            " (allowed: " + Join(allowed_, ", ") + ")"});
    }
  }

  // The text of a scalar field, "" when absent or null; a problem when it is a list or mapping.
  std::string Text(const std::string& key, const std::string& prefix,
                   std::vector<Problem>* out) const {
    YAML::Node v = node_[key];
    if (!v.IsDefined() || v.IsNull()) return "";
    if (!v.IsScalar()) {
      out->push_back({ErrorCode::kInvalidArgument,
                      prefix + ": " + key + " must be a single value" + NodeWhere(v)});
      return "";
    }
    return v.Scalar();
  }

  YAML::Node Get(const std::string& key) const { return node_[key]; }

 private:
  const YAML::Node& node_;
  std::vector<std::string> allowed_;
};

void ParseCodeListNode(const YAML::Node& n, size_t i, std::string_view source, StandardsBundle* out,
                       std::vector<Problem>* problems) {
  const std::string src(source);
  if (!n.IsMap()) {
    problems->push_back({ErrorCode::kInvalidArgument, src + ": " + EntryName("code_lists", i, "") +
                                                          ": must be a mapping" + NodeWhere(n)});
    return;
  }
  FieldReader r(n, {"code", "name", "standard", "description", "entries"});
  std::vector<Problem> local;
  std::string code = r.Text("code", src + ": " + EntryName("code_lists", i, ""), &local);
  const std::string prefix = src + ": " + EntryName("code_lists", i, code);
  r.CheckKeys(prefix, &local);
  CodeList c;
  c.code = code;
  c.name = r.Text("name", prefix, &local);
  c.standard = r.Text("standard", prefix, &local);
  c.description = r.Text("description", prefix, &local);
  YAML::Node entries = r.Get("entries");
  if (!entries.IsDefined() || entries.IsNull()) {
    // Missing entries are reported by the registry's check ("entries is required").
  } else if (!entries.IsSequence()) {
    local.push_back({ErrorCode::kInvalidArgument,
                     prefix + ": entries must be a list of {code, label}" + NodeWhere(entries)});
  } else {
    for (size_t k = 0; k < entries.size(); ++k) {
      const YAML::Node e = entries[k];
      const std::string ep = prefix + ": entries[" + std::to_string(k) + "]";
      if (!e.IsMap()) {
        local.push_back(
            {ErrorCode::kInvalidArgument, ep + ": must be a mapping {code, label}" + NodeWhere(e)});
        continue;
      }
      FieldReader er(e, {"code", "label"});
      er.CheckKeys(ep, &local);
      c.entries.push_back({er.Text("code", ep, &local), er.Text("label", ep, &local)});
    }
  }
  problems->insert(problems->end(), local.begin(), local.end());
  out->code_lists.push_back(std::move(c));
}

void ParseElementNode(const YAML::Node& n, size_t i, std::string_view source, StandardsBundle* out,
                      std::vector<Problem>* problems) {
  const std::string src(source);
  if (!n.IsMap()) {
    problems->push_back({ErrorCode::kInvalidArgument, src + ": " + EntryName("elements", i, "") +
                                                          ": must be a mapping" + NodeWhere(n)});
    return;
  }
  FieldReader r(n, {"code", "name", "name_en", "type", "validator", "pattern", "code_list",
                    "max_length", "sensitivity", "standard", "description"});
  std::vector<Problem> local;
  std::string code = r.Text("code", src + ": " + EntryName("elements", i, ""), &local);
  const std::string prefix = src + ": " + EntryName("elements", i, code);
  r.CheckKeys(prefix, &local);
  DataElement e;
  e.code = code;
  e.name_zh = r.Text("name", prefix, &local);
  e.name_en = r.Text("name_en", prefix, &local);
  std::string type = r.Text("type", prefix, &local);
  if (type.empty()) {
    local.push_back({ErrorCode::kInvalidArgument, prefix + ": type is required"});
  } else if (auto t = ParseValueType(type)) {
    e.type = *t;
  } else {
    local.push_back({ErrorCode::kInvalidArgument,
                     prefix + ": unknown type '" + type +
                         "' (expected string, integer, decimal, date, datetime, enum or "
                         "geo_point)"});
  }
  e.validator = r.Text("validator", prefix, &local);
  e.pattern = r.Text("pattern", prefix, &local);
  e.code_list = r.Text("code_list", prefix, &local);
  std::string max_length = r.Text("max_length", prefix, &local);
  if (!max_length.empty()) {
    int64_t v;
    if (!ParseInt64(max_length, &v) || v < 0 || v > kMaxMaxLength) {
      local.push_back({ErrorCode::kInvalidArgument,
                       prefix + ": max_length must be an integer from 0 to " +
                           std::to_string(kMaxMaxLength) + ", got '" + max_length + "'"});
    } else {
      e.max_length = static_cast<int>(v);
    }
  }
  std::string sensitivity = r.Text("sensitivity", prefix, &local);
  if (sensitivity.empty()) {
    local.push_back(
        {ErrorCode::kInvalidArgument, prefix + ": sensitivity is required (L1, L2, L3 or L4)"});
  } else if (auto s = ParseSensitivity(sensitivity)) {
    e.default_sensitivity = *s;
  } else {
    local.push_back({ErrorCode::kInvalidArgument, prefix + ": unknown sensitivity '" + sensitivity +
                                                      "' (expected L1, L2, L3 or L4)"});
  }
  e.standard = r.Text("standard", prefix, &local);
  e.description = r.Text("description", prefix, &local);
  problems->insert(problems->end(), local.begin(), local.end());
  out->elements.push_back(std::move(e));
}

// ---------------------------------------------------------------------------------------------
// Store

constexpr const char* kInsertCodeList =
    "INSERT INTO standard_code_lists (code, name, standard, description, source, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
constexpr const char* kInsertEntry =
    "INSERT INTO standard_code_list_entries (code_list_id, position, code, label) VALUES (?, ?, "
    "?, ?)";
constexpr const char* kInsertElement =
    "INSERT INTO standard_elements (code, name_zh, name_en, value_type, validator, pattern, "
    "code_list, max_length, sensitivity, description, standard, source, created_at) VALUES (?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

Status WriteBundle(store::Connection& c, const StandardsBundle& b,
                   const std::vector<bool>& skip_lists, const std::vector<bool>& skip_elements,
                   std::string_view source) {
  const int64_t now = NowMillis();
  for (size_t i = 0; i < b.code_lists.size(); ++i) {
    if (skip_lists[i]) continue;
    const CodeList& l = b.code_lists[i];
    auto id = c.InsertReturningId(kInsertCodeList,
                                  {l.code, l.name, l.standard, l.description, source, now});
    if (!id.ok()) return id.status().WithContext("saving code list '" + l.code + "'");
    for (size_t k = 0; k < l.entries.size(); ++k) {
      auto r = c.Exec(kInsertEntry,
                      {*id, static_cast<int64_t>(k), l.entries[k].code, l.entries[k].label});
      if (!r.ok()) return r.status().WithContext("saving code list '" + l.code + "'");
    }
  }
  for (size_t i = 0; i < b.elements.size(); ++i) {
    if (skip_elements[i]) continue;
    const DataElement& e = b.elements[i];
    auto r =
        c.Exec(kInsertElement,
               {e.code, e.name_zh, e.name_en, ValueTypeName(e.type), e.validator, e.pattern,
                e.code_list, static_cast<int64_t>(e.max_length),
                SensitivityName(e.default_sensitivity), e.description, e.standard, source, now});
    if (!r.ok()) return r.status().WithContext("saving element '" + e.code + "'");
  }
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return buf.str();
}

Violation CodeListViolation(const CodeList& list, std::string_view value) {
  // Common mistakes get a pointed hint: the label instead of the code (男 for 1), or a code
  // without its leading zero (1 for 01).
  for (const auto& e : list.entries) {
    if (e.label == value)
      return {"code_list", "应填代码 " + e.code + " 而不是名称 " + std::string(value) +
                               " / use the code " + e.code + ", not the label"};
  }
  auto strip = [](std::string_view s) {
    while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
    return s;
  };
  for (const auto& e : list.entries) {
    if (IsAllDigits(value) && IsAllDigits(e.code) && strip(e.code) == strip(value))
      return {"code_list",
              "代码应为 " + e.code + "(位数不符) / the code should be written " + e.code};
  }
  std::string shown = Utf8Length(value) > 40 ? "该值" : std::string(value);
  return {"code_list", "代码 " + shown + " 不在代码表 " + list.code + "(" + list.name +
                           ")中 / code " + shown + " is not in the code list " + list.code};
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<StandardsBundle> ParseStandardsYaml(std::string_view yaml_text,
                                           std::string_view source_name) {
  const std::string src(source_name);
  StandardsBundle bundle;
  std::vector<Problem> problems;
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap())
      return Status::InvalidArgument(
          src + ": the document must be a mapping with 'code_lists' and/or 'elements'");
    FieldReader r(root, {"code_lists", "elements"});
    r.CheckKeys(src, &problems);
    YAML::Node lists = root["code_lists"], elements = root["elements"];
    bool any = false;
    if (lists.IsDefined() && !lists.IsNull()) {
      any = true;
      if (!lists.IsSequence()) {
        problems.push_back(
            {ErrorCode::kInvalidArgument, src + ": code_lists must be a list" + NodeWhere(lists)});
      } else {
        for (size_t i = 0; i < lists.size(); ++i)
          ParseCodeListNode(lists[i], i, src, &bundle, &problems);
      }
    }
    if (elements.IsDefined() && !elements.IsNull()) {
      any = true;
      if (!elements.IsSequence()) {
        problems.push_back(
            {ErrorCode::kInvalidArgument, src + ": elements must be a list" + NodeWhere(elements)});
      } else {
        for (size_t i = 0; i < elements.size(); ++i)
          ParseElementNode(elements[i], i, src, &bundle, &problems);
      }
    }
    if (!any && problems.empty())
      problems.push_back({ErrorCode::kInvalidArgument,
                          src + ": nothing to import (no 'code_lists' or 'elements')"});
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Status::InvalidArgument(src + ": not valid YAML: " + e.msg);
    return Status::InvalidArgument(src + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) +
                                   ": not valid YAML: " + e.msg);
  }
  if (!problems.empty()) return Combine(source_name, problems);
  return bundle;
}

Result<StandardsBundle> ParseStandardsJson(const nlohmann::json& doc,
                                           std::string_view source_name) {
  if (!doc.is_object())
    return Status::InvalidArgument(std::string(source_name) +
                                   ": expected an object with 'code_lists' and/or 'elements'");
  // JSON is YAML: one parser, one set of checks and messages.
  std::string text;
  try {
    text = doc.dump();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string(source_name) + ": " + e.what());
  }
  return ParseStandardsYaml(text, source_name);
}

std::vector<store::Migration> StandardsMigrations() {
  return {
      {"standards", 1, "operator-defined code lists and data elements",
       "CREATE TABLE standard_code_lists ("
       " id {{pk}},"
       " code TEXT NOT NULL UNIQUE,"
       " name TEXT NOT NULL,"
       " standard TEXT NOT NULL,"
       " description TEXT NOT NULL,"
       " source TEXT NOT NULL,"
       " created_at BIGINT NOT NULL);"
       "CREATE TABLE standard_code_list_entries ("
       " code_list_id BIGINT NOT NULL REFERENCES standard_code_lists(id),"
       " position BIGINT NOT NULL,"
       " code TEXT NOT NULL,"
       " label TEXT NOT NULL,"
       " PRIMARY KEY (code_list_id, position),"
       " UNIQUE (code_list_id, code));"
       "CREATE TABLE standard_elements ("
       " id {{pk}},"
       " code TEXT NOT NULL UNIQUE,"
       " name_zh TEXT NOT NULL,"
       " name_en TEXT NOT NULL,"
       " value_type TEXT NOT NULL,"
       " validator TEXT NOT NULL,"
       " pattern TEXT NOT NULL,"
       " code_list TEXT NOT NULL,"
       " max_length BIGINT NOT NULL,"
       " sensitivity TEXT NOT NULL,"
       " description TEXT NOT NULL,"
       " standard TEXT NOT NULL,"
       " source TEXT NOT NULL,"
       " created_at BIGINT NOT NULL)"},
  };
}

std::filesystem::path DefaultReferenceDir() {
  const char* env = std::getenv("YISHU_REFERENCE_DIR");
  if (env && *env) return env;
  return YISHU_REFERENCE_DIR_DEFAULT;
}

// ---------------------------------------------------------------------------------------------
// Registry

Registry::Registry(std::unique_ptr<AdminDivisions> divisions, ValidateOptions options)
    : divisions_(std::move(divisions)), options_(options) {}

Result<std::unique_ptr<Registry>> Registry::Create(const std::filesystem::path& reference_dir,
                                                   ValidateOptions options) {
  auto divisions = AdminDivisions::LoadDirectory(reference_dir);
  if (!divisions.ok())
    return divisions.status().WithContext("loading reference data from " + reference_dir.string());
  std::unique_ptr<Registry> r(new Registry(std::move(divisions).value(), options));
  YISHU_RETURN_IF_ERROR(r->AddBuiltins());
  return r;
}

Status Registry::AddBuiltins() {
  std::lock_guard<std::mutex> w(write_mu_);
  StandardsBundle b;
  b.code_lists.push_back(GenderCodes());
  b.code_lists.push_back(EthnicityCodes());
  for (const auto& d : kBuiltins) {
    DataElement e;
    e.code = d.code;
    e.name_zh = d.name_zh;
    e.name_en = d.name_en;
    e.type = d.type;
    e.validator = d.validator;
    e.code_list = d.code_list;
    e.max_length = d.max_length;
    e.default_sensitivity = d.sensitivity;
    e.standard = d.standard;
    e.description = d.description;
    e.builtin = true;
    b.elements.push_back(std::move(e));
  }
  // Built-ins are checked like any definition: a mistake here is a bug caught by every test.
  std::vector<bool> skip_lists, skip_elements;
  Status s = CheckLocked(b, "built-in standards", false, &skip_lists, &skip_elements);
  if (!s.ok()) return Status::Internal("invalid built-in definition: " + s.message());
  CommitLocked(std::move(b), skip_lists, skip_elements);
  return Status::Ok();
}

const CodeList* Registry::FindCodeListUnlocked(std::string_view code) const {
  auto it = code_list_index_.find(code);
  return it == code_list_index_.end() ? nullptr : it->second;
}

const DataElement* Registry::FindElementUnlocked(std::string_view code) const {
  auto it = element_index_.find(code);
  return it == element_index_.end() ? nullptr : it->second;
}

const DataElement* Registry::FindElement(std::string_view code) const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return FindElementUnlocked(code);
}

const CodeList* Registry::FindCodeList(std::string_view code) const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return FindCodeListUnlocked(code);
}

std::vector<const DataElement*> Registry::Elements() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  std::vector<const DataElement*> out;
  out.reserve(elements_.size());
  for (const auto& e : elements_) out.push_back(&e);
  return out;
}

std::vector<const CodeList*> Registry::CodeLists() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  std::vector<const CodeList*> out;
  out.reserve(code_lists_.size());
  for (const auto& c : code_lists_) out.push_back(&c);
  return out;
}

Status Registry::CheckLocked(const StandardsBundle& b, std::string_view source, bool skip_identical,
                             std::vector<bool>* skip_lists,
                             std::vector<bool>* skip_elements) const {
  const std::string src(source);
  std::vector<Problem> problems;
  skip_lists->assign(b.code_lists.size(), false);
  skip_elements->assign(b.elements.size(), false);
  auto add = [&](ErrorCode code, const std::string& prefix, const std::string& what) {
    problems.push_back({code, prefix + ": " + what});
  };

  std::unordered_map<std::string, size_t> batch_lists;
  for (size_t i = 0; i < b.code_lists.size(); ++i) {
    const CodeList& c = b.code_lists[i];
    const std::string prefix = src + ": " + EntryName("code_lists", i, c.code);
    if (c.code.empty()) {
      add(ErrorCode::kInvalidArgument, prefix, "code is required");
    } else if (!IsIdentifier(c.code)) {
      add(ErrorCode::kInvalidArgument, prefix,
          "code '" + c.code +
              "' must be lowercase letters, digits and '_', start with a letter, at most 64 long");
    } else if (const CodeList* existing = FindCodeListUnlocked(c.code)) {
      if (skip_identical && *existing == c) {
        (*skip_lists)[i] = true;
      } else if (existing->builtin) {
        add(ErrorCode::kAlreadyExists, prefix,
            "would redefine the built-in code list '" + c.code + "' (" + existing->name + ")");
      } else {
        add(ErrorCode::kAlreadyExists, prefix, "code list '" + c.code + "' already exists");
      }
    } else if (auto it = batch_lists.find(c.code); it != batch_lists.end()) {
      add(ErrorCode::kAlreadyExists, prefix,
          "code list '" + c.code + "' is defined twice (also code_lists[" +
              std::to_string(it->second) + "])");
    } else {
      batch_lists.emplace(c.code, i);
    }
    if (auto m = CheckText("name", c.name, true, 100); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (auto m = CheckText("standard", c.standard, false, 100); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (auto m = CheckText("description", c.description, false, 2000); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (c.entries.empty())
      add(ErrorCode::kInvalidArgument, prefix, "entries is required (non-empty)");
    std::unordered_map<std::string, size_t> seen;
    for (size_t k = 0; k < c.entries.size(); ++k) {
      const auto& e = c.entries[k];
      const std::string ep = "entries[" + std::to_string(k) + "]";
      if (auto m = CheckText(ep + " code", e.code, true, 64); !m.empty()) {
        add(ErrorCode::kInvalidArgument, prefix, m);
      } else if (Trim(e.code) != e.code) {
        add(ErrorCode::kInvalidArgument, prefix,
            ep + " code '" + e.code + "' has leading or trailing spaces");
      } else if (auto it = seen.find(e.code); it != seen.end()) {
        add(ErrorCode::kInvalidArgument, prefix,
            ep + " code '" + e.code + "' repeats entries[" + std::to_string(it->second) + "]");
      } else {
        seen.emplace(e.code, k);
      }
      if (auto m = CheckText(ep + " label", e.label, true, 200); !m.empty())
        add(ErrorCode::kInvalidArgument, prefix, m);
    }
  }

  std::unordered_map<std::string, size_t> batch_elements;
  for (size_t i = 0; i < b.elements.size(); ++i) {
    const DataElement& e = b.elements[i];
    const std::string prefix = src + ": " + EntryName("elements", i, e.code);
    if (e.code.empty()) {
      add(ErrorCode::kInvalidArgument, prefix, "code is required");
    } else if (!IsIdentifier(e.code)) {
      add(ErrorCode::kInvalidArgument, prefix,
          "code '" + e.code +
              "' must be lowercase letters, digits and '_', start with a letter, at most 64 long");
    } else if (const DataElement* existing = FindElementUnlocked(e.code)) {
      if (skip_identical && SameDefinition(*existing, e)) {
        (*skip_elements)[i] = true;
      } else if (existing->builtin) {
        add(ErrorCode::kAlreadyExists, prefix,
            "would redefine the built-in element '" + e.code + "' (" + existing->name_zh + ")");
      } else {
        add(ErrorCode::kAlreadyExists, prefix, "element '" + e.code + "' already exists");
      }
    } else if (auto it = batch_elements.find(e.code); it != batch_elements.end()) {
      add(ErrorCode::kAlreadyExists, prefix,
          "element '" + e.code + "' is defined twice (also elements[" + std::to_string(it->second) +
              "])");
    } else {
      batch_elements.emplace(e.code, i);
    }
    if (auto m = CheckText("name", e.name_zh, true, 100); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (auto m = CheckText("name_en", e.name_en, false, 200); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (auto m = CheckText("standard", e.standard, false, 100); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (auto m = CheckText("description", e.description, false, 2000); !m.empty())
      add(ErrorCode::kInvalidArgument, prefix, m);
    if (!e.validator.empty()) {
      if (!ParseBuiltinValidator(e.validator)) {
        add(ErrorCode::kInvalidArgument, prefix,
            "unknown validator '" + e.validator + "' (expected one of " +
                Join(std::vector<std::string>(BuiltinValidatorNames().begin(),
                                              BuiltinValidatorNames().end()),
                     ", ") +
                ")");
      } else if (e.type != ValueType::kString) {
        add(ErrorCode::kInvalidArgument, prefix,
            "validator '" + e.validator + "' checks text: it needs type string, not " +
                std::string(ValueTypeName(e.type)));
      }
    }
    if (!e.pattern.empty()) {
      if (e.type == ValueType::kEnum) {
        add(ErrorCode::kInvalidArgument, prefix,
            "pattern is not allowed with type enum (the code list defines the values)");
      } else if (e.pattern.size() > 1000) {
        add(ErrorCode::kInvalidArgument, prefix, "pattern is longer than 1000 characters");
      } else {
        try {
          std::regex re(e.pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& err) {
          add(ErrorCode::kInvalidArgument, prefix,
              "pattern is not a valid regular expression: " + std::string(err.what()));
        }
      }
    }
    if (e.type == ValueType::kEnum) {
      if (e.code_list.empty()) {
        add(ErrorCode::kInvalidArgument, prefix, "type enum needs a code_list");
      } else if (!FindCodeListUnlocked(e.code_list) && !batch_lists.count(e.code_list)) {
        add(ErrorCode::kInvalidArgument, prefix,
            "unknown code list '" + e.code_list + "' (define it under code_lists first)");
      }
    } else if (!e.code_list.empty()) {
      add(ErrorCode::kInvalidArgument, prefix,
          "code_list is only allowed with type enum, not " + std::string(ValueTypeName(e.type)));
    }
    if (e.max_length < 0 || e.max_length > kMaxMaxLength)
      add(ErrorCode::kInvalidArgument, prefix,
          "max_length must be from 0 to " + std::to_string(kMaxMaxLength));
  }
  return Combine(source, problems);
}

std::shared_ptr<const CompiledElement> Registry::Compile(const DataElement& e) const {
  auto c = std::make_shared<CompiledElement>();
  if (!e.validator.empty()) c->validator = ParseBuiltinValidator(e.validator);
  if (!e.pattern.empty()) {
    try {
      c->pattern.emplace(e.pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error&) {
      c->bad_pattern = true;
    }
  }
  if (e.type == ValueType::kEnum) {
    c->code_list = FindCodeListUnlocked(e.code_list);
    if (!c->code_list) {
      c->missing_code_list = true;
    } else {
      for (const auto& entry : c->code_list->entries) c->sorted_codes.push_back(entry.code);
      std::sort(c->sorted_codes.begin(), c->sorted_codes.end());
      c->packed = std::all_of(c->sorted_codes.begin(), c->sorted_codes.end(),
                              [](std::string_view code) { return code.size() <= 7; });
      if (c->packed) {
        for (std::string_view code : c->sorted_codes) c->packed_codes.push_back(PackCode(code));
        std::sort(c->packed_codes.begin(), c->packed_codes.end());
      }
    }
  }
  return c;
}

void Registry::CommitLocked(StandardsBundle b, const std::vector<bool>& skip_lists,
                            const std::vector<bool>& skip_elements) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (size_t i = 0; i < b.code_lists.size(); ++i) {
    if (skip_lists[i]) continue;
    code_lists_.push_back(std::move(b.code_lists[i]));
    code_list_index_[code_lists_.back().code] = &code_lists_.back();
  }
  for (size_t i = 0; i < b.elements.size(); ++i) {
    if (skip_elements[i]) continue;
    DataElement& e = b.elements[i];
    e.compiled = Compile(e);  // code lists of this bundle are in place already
    elements_.push_back(std::move(e));
    element_index_[elements_.back().code] = &elements_.back();
  }
}

Status Registry::AddCodeList(CodeList list) {
  StandardsBundle b;
  b.code_lists.push_back(std::move(list));
  return AddBundle(std::move(b), "code list");
}

Status Registry::AddElement(DataElement element) {
  StandardsBundle b;
  b.elements.push_back(std::move(element));
  return AddBundle(std::move(b), "element");
}

Status Registry::CheckBundle(const StandardsBundle& bundle, std::string_view source_name) const {
  std::lock_guard<std::mutex> w(write_mu_);
  std::vector<bool> a, b;
  return CheckLocked(bundle, source_name, false, &a, &b);
}

Status Registry::AddBundle(StandardsBundle bundle, std::string_view source_name) {
  for (auto& c : bundle.code_lists) c.builtin = false;
  for (auto& e : bundle.elements) e.builtin = false;
  std::lock_guard<std::mutex> w(write_mu_);
  std::vector<bool> skip_lists, skip_elements;
  YISHU_RETURN_IF_ERROR(CheckLocked(bundle, source_name, false, &skip_lists, &skip_elements));
  CommitLocked(std::move(bundle), skip_lists, skip_elements);
  return Status::Ok();
}

Status Registry::ImportYaml(std::string_view yaml_text, std::string_view source_name) {
  YISHU_ASSIGN_OR_RETURN(StandardsBundle b, ParseStandardsYaml(yaml_text, source_name));
  return AddBundle(std::move(b), source_name);
}

Status Registry::ImportFile(const std::filesystem::path& path) {
  YISHU_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return ImportYaml(text, path.filename().string());
}

Status Registry::AddBundleToStore(store::Store& store, StandardsBundle bundle,
                                  std::string_view source_name) {
  for (auto& c : bundle.code_lists) c.builtin = false;
  for (auto& e : bundle.elements) e.builtin = false;
  std::lock_guard<std::mutex> w(write_mu_);
  std::vector<bool> skip_lists, skip_elements;
  YISHU_RETURN_IF_ERROR(CheckLocked(bundle, source_name, false, &skip_lists, &skip_elements));
  Status s = store.Transact([&](store::Connection& c) {
    return WriteBundle(c, bundle, skip_lists, skip_elements, source_name);
  });
  if (!s.ok()) return s.WithContext(std::string(source_name));
  CommitLocked(std::move(bundle), skip_lists, skip_elements);
  return Status::Ok();
}

Status Registry::ImportYamlToStore(store::Store& store, std::string_view yaml_text,
                                   std::string_view source_name) {
  YISHU_ASSIGN_OR_RETURN(StandardsBundle b, ParseStandardsYaml(yaml_text, source_name));
  return AddBundleToStore(store, std::move(b), source_name);
}

Status Registry::ImportFileToStore(store::Store& store, const std::filesystem::path& path) {
  YISHU_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return ImportYamlToStore(store, text, path.filename().string());
}

Status Registry::LoadFromStore(store::Store& store) {
  StandardsBundle b;
  auto lease = store.Acquire();
  YISHU_ASSIGN_OR_RETURN(
      store::Rows lists,
      lease->Query("SELECT id, code, name, standard, description FROM standard_code_lists "
                   "ORDER BY id"));
  YISHU_ASSIGN_OR_RETURN(
      store::Rows entries,
      lease->Query("SELECT code_list_id, code, label FROM standard_code_list_entries "
                   "ORDER BY code_list_id, position"));
  std::unordered_map<int64_t, size_t> by_id;
  for (const auto& r : lists) {
    CodeList c;
    c.code = r.Text(1);
    c.name = r.Text(2);
    c.standard = r.Text(3);
    c.description = r.Text(4);
    by_id[r.Int(0)] = b.code_lists.size();
    b.code_lists.push_back(std::move(c));
  }
  for (const auto& r : entries) {
    auto it = by_id.find(r.Int(0));
    if (it == by_id.end())
      return Status::Corruption("standard_code_list_entries refers to missing code list id " +
                                std::to_string(r.Int(0)));
    b.code_lists[it->second].entries.push_back({r.Text(1), r.Text(2)});
  }
  YISHU_ASSIGN_OR_RETURN(
      store::Rows elements,
      lease->Query("SELECT code, name_zh, name_en, value_type, validator, pattern, code_list, "
                   "max_length, sensitivity, description, standard FROM standard_elements "
                   "ORDER BY id"));
  for (const auto& r : elements) {
    DataElement e;
    e.code = r.Text(0);
    e.name_zh = r.Text(1);
    e.name_en = r.Text(2);
    auto type = ParseValueType(r.Text(3));
    auto sens = ParseSensitivity(r.Text(8));
    if (!type || !sens)
      return Status::Corruption("standard_elements row '" + e.code + "' has type '" + r.Text(3) +
                                "' and sensitivity '" + r.Text(8) + "'");
    e.type = *type;
    e.validator = r.Text(4);
    e.pattern = r.Text(5);
    e.code_list = r.Text(6);
    e.max_length = static_cast<int>(r.Int(7));
    e.default_sensitivity = *sens;
    e.description = r.Text(9);
    e.standard = r.Text(10);
    b.elements.push_back(std::move(e));
  }
  std::lock_guard<std::mutex> w(write_mu_);
  std::vector<bool> skip_lists, skip_elements;
  Status s = CheckLocked(b, "store", true, &skip_lists, &skip_elements);
  if (!s.ok()) return s.WithContext("loading data element standards from the store");
  CommitLocked(std::move(b), skip_lists, skip_elements);
  return Status::Ok();
}

std::optional<Violation> Registry::Validate(const DataElement& element,
                                            std::string_view value) const {
  return Validate(element, value, options_);
}

std::optional<Violation> Registry::Validate(const DataElement& element, std::string_view value,
                                            const ValidateOptions& options) const {
  if (value.empty()) return std::nullopt;  // nullability is checked by the caller
  std::shared_ptr<const CompiledElement> local;
  const CompiledElement* c = element.compiled.get();
  if (!c) {
    std::shared_lock<std::shared_mutex> l(mu_);
    local = Compile(element);
    c = local.get();
  }
  if (c->validator) {
    if (auto v = RunBuiltinValidator(*c->validator, value, *divisions_, options)) return v;
  } else if (auto v = CheckType(element.type, value)) {
    return v;
  }
  if (element.max_length > 0 && value.size() > static_cast<size_t>(element.max_length)) {
    // Bytes bound code points from above, so only long values pay for counting.
    size_t n = Utf8Length(value);
    if (n > static_cast<size_t>(element.max_length))
      return Violation{"length", "长度超过 " + std::to_string(element.max_length) +
                                     " 个字符(实为 " + std::to_string(n) + ") / longer than " +
                                     std::to_string(element.max_length) + " characters (" +
                                     std::to_string(n) + ")"};
  }
  if (c->bad_pattern)
    return Violation{"format",
                     "数据元的正则表达式无效 / the element's pattern is not a valid "
                     "regular expression"};
  if (c->pattern) {
    if (value.size() > kMaxRegexInput)
      return Violation{"format",
                       "值过长,无法按格式检查 / value too long to check against the "
                       "pattern"};
    if (!std::regex_match(value.begin(), value.end(), *c->pattern))
      return Violation{"format", "不符合格式 " + element.pattern +
                                     " / does not match the pattern " + element.pattern};
  }
  if (element.type == ValueType::kEnum) {
    if (c->missing_code_list)
      return Violation{"code_list", "代码表 " + element.code_list + " 未注册 / the code list " +
                                        element.code_list + " is not registered"};
    const bool listed =
        c->packed ? value.size() <= 7 && std::binary_search(c->packed_codes.begin(),
                                                            c->packed_codes.end(), PackCode(value))
                  : std::binary_search(c->sorted_codes.begin(), c->sorted_codes.end(), value);
    if (!listed) return CodeListViolation(*c->code_list, value);
  }
  return std::nullopt;
}

}  // namespace yishu::standards
