#include "catalogue/model.hpp"

#include <algorithm>
#include <set>

#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"

namespace yishu::catalogue {

std::string_view ShareTypeName(ShareType t) {
  switch (t) {
    case ShareType::kUnconditional:
      return "无条件共享";
    case ShareType::kConditional:
      return "有条件共享";
    case ShareType::kNone:
      return "不予共享";
  }
  return "有条件共享";
}

std::string_view OpenTypeName(OpenType t) {
  switch (t) {
    case OpenType::kUnconditional:
      return "无条件开放";
    case OpenType::kConditional:
      return "有条件开放";
    case OpenType::kNone:
      return "不予开放";
  }
  return "不予开放";
}

std::optional<ShareType> ParseShareType(std::string_view s) {
  if (s == "无条件共享" || s == "unconditional") return ShareType::kUnconditional;
  if (s == "有条件共享" || s == "conditional") return ShareType::kConditional;
  if (s == "不予共享" || s == "none") return ShareType::kNone;
  return std::nullopt;
}

std::optional<OpenType> ParseOpenType(std::string_view s) {
  if (s == "无条件开放" || s == "unconditional") return OpenType::kUnconditional;
  if (s == "有条件开放" || s == "conditional") return OpenType::kConditional;
  if (s == "不予开放" || s == "none") return OpenType::kNone;
  return std::nullopt;
}

bool IsValidCode(std::string_view code) {
  if (code.size() < 2 || code.size() > 64) return false;
  for (char c : code) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidLevel(std::string_view level) {
  return level.size() == 2 && level[0] == 'L' && level[1] >= '1' && level[1] <= '4';
}

namespace {

bool IsValidFieldName(std::string_view n) {
  if (n.empty() || n.size() > 63 || !(n[0] >= 'a' && n[0] <= 'z')) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

const std::set<std::string, std::less<>> kTypes = {"string",   "integer", "decimal",  "date",
                                                   "datetime", "enum",    "geo_point"};
const std::set<std::string, std::less<>> kCycles = {"realtime",  "daily",  "weekly",   "monthly",
                                                    "quarterly", "yearly", "irregular"};
const std::set<std::string, std::less<>> kSubjects = {"person", "legal_entity", "other"};

Status CodeError(const std::string& path, const std::string& code) {
  return Status::InvalidArgument("'" + path + "' must be 2-64 letters, digits, '_' or '-' (got '" +
                                 code + "')");
}

}  // namespace

const Field* Resource::FindField(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string Resource::EffectiveLevel() const {
  std::string level = security_level.empty() ? "L1" : security_level;
  for (const auto& f : fields)
    if (IsValidLevel(f.sensitivity) && f.sensitivity > level) level = f.sensitivity;
  return level;
}

Result<Department> ParseDepartment(const nlohmann::json& j) {
  JsonReader r(j, "department");
  Department d;
  d.code = r.String("code", true);
  d.name = r.String("name", true);
  d.name_en = r.String("name_en", false);
  YISHU_RETURN_IF_ERROR(r.Finish());
  if (!IsValidCode(d.code)) return CodeError("department.code", d.code);
  return d;
}

Result<SourceSystem> ParseSourceSystem(const nlohmann::json& j) {
  JsonReader r(j, "system");
  SourceSystem s;
  s.code = r.String("code", true);
  s.name = r.String("name", true);
  s.department = r.String("department", true);
  YISHU_RETURN_IF_ERROR(r.Finish());
  if (!IsValidCode(s.code)) return CodeError("system.code", s.code);
  return s;
}

Result<Resource> ParseResource(const nlohmann::json& j, const ElementLookup& elements) {
  JsonReader r(j, "resource");
  Resource res;
  res.code = r.String("code", true);
  res.name = r.String("name", true);
  res.description = r.String("description", false);
  res.department = r.String("department", true);
  res.system = r.String("system", false);
  res.subject = r.String("subject", false, "other");
  res.update_cycle = r.String("update_cycle", false, "irregular");
  std::string share = r.String("share_type", true);
  res.share_condition = r.String("share_condition", false);
  std::string open = r.String("open_type", false, "不予开放");
  res.open_condition = r.String("open_condition", false);
  res.security_level = r.String("security_level", false);
  res.tags = r.StringList("tags");
  const auto& cls = r.Node("classification", false, nlohmann::json::value_t::object);
  const auto& fields = r.Node("fields", true, nlohmann::json::value_t::array);
  YISHU_RETURN_IF_ERROR(r.Finish());

  std::string where = "resource '" + res.code + "': ";
  if (!IsValidCode(res.code)) return CodeError("resource.code", res.code);
  if (!kSubjects.count(res.subject))
    return Status::InvalidArgument(where + "subject must be person, legal_entity or other (got '" +
                                   res.subject + "')");
  if (!kCycles.count(res.update_cycle))
    return Status::InvalidArgument(
        where +
        "update_cycle must be one of realtime, daily, weekly, monthly, quarterly, yearly, "
        "irregular (got '" +
        res.update_cycle + "')");
  auto st = ParseShareType(share);
  if (!st)
    return Status::InvalidArgument(
        where + "share_type must be 无条件共享, 有条件共享 or 不予共享 (got '" + share + "')");
  res.share_type = *st;
  if (res.share_type != ShareType::kUnconditional && Trim(res.share_condition).empty())
    return Status::InvalidArgument(where + std::string(ShareTypeName(res.share_type)) +
                                   " requires share_condition (the condition or legal basis)");
  auto ot = ParseOpenType(open);
  if (!ot)
    return Status::InvalidArgument(
        where + "open_type must be 无条件开放, 有条件开放 or 不予开放 (got '" + open + "')");
  res.open_type = *ot;
  if (res.open_type == OpenType::kConditional && Trim(res.open_condition).empty())
    return Status::InvalidArgument(where + "有条件开放 requires open_condition (the condition)");
  if (!res.security_level.empty() && !IsValidLevel(res.security_level))
    return Status::InvalidArgument(where + "security_level must be L1, L2, L3 or L4 (got '" +
                                   res.security_level + "')");
  if (!cls.is_null()) {
    JsonReader c(cls, "resource.classification");
    res.classification.category = c.String("category", false);
    res.classification.item = c.String("item", false);
    res.classification.entry = c.String("entry", false);
    res.classification.sub_entry = c.String("sub_entry", false);
    YISHU_RETURN_IF_ERROR(c.Finish());
  }
  if (fields.empty()) return Status::InvalidArgument(where + "a resource needs at least one field");
  std::set<std::string> names;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string path = "resource.fields[" + std::to_string(i) + "]";
    JsonReader fr(fields[i], path);
    Field f;
    f.name = fr.String("name", true);
    f.label = fr.String("label", false);
    f.type = fr.String("type", false);
    f.element = fr.String("element", false);
    f.nullable = fr.Bool("nullable", true);
    f.key = fr.Bool("key", false);
    f.sensitivity = fr.String("sensitivity", false);
    f.authoritative = fr.Bool("authoritative", false);
    YISHU_RETURN_IF_ERROR(fr.Finish());
    std::string fwhere = where + "field '" + f.name + "': ";
    if (!IsValidFieldName(f.name))
      return Status::InvalidArgument(fwhere + "name must match [a-z][a-z0-9_]* (max 63)");
    if (!names.insert(f.name).second)
      return Status::InvalidArgument(fwhere + "duplicate field name");
    if (f.label.empty()) f.label = f.name;
    std::optional<ElementInfo> info;
    if (!f.element.empty()) {
      info = elements ? elements(f.element) : std::nullopt;
      if (!info)
        return Status::InvalidArgument(fwhere + "unknown data element '" + f.element + "'");
      if (f.type.empty()) f.type = info->type;
      if (f.sensitivity.empty()) f.sensitivity = info->default_sensitivity;
    }
    if (f.type.empty()) f.type = "string";
    if (!kTypes.count(f.type))
      return Status::InvalidArgument(fwhere +
                                     "type must be one of string, integer, decimal, "
                                     "date, datetime, enum, geo_point (got '" +
                                     f.type + "')");
    if (f.sensitivity.empty()) f.sensitivity = "L1";
    if (!IsValidLevel(f.sensitivity))
      return Status::InvalidArgument(fwhere + "sensitivity must be L1..L4 (got '" + f.sensitivity +
                                     "')");
    if (f.key && f.nullable && fields[i].contains("nullable"))
      return Status::InvalidArgument(fwhere + "a key field cannot be nullable");
    if (f.key) f.nullable = false;
    if (f.authoritative && f.element.empty())
      return Status::InvalidArgument(fwhere +
                                     "authoritative needs a data element: authority is claimed "
                                     "over an element about a subject");
    if (f.authoritative && res.subject == "other")
      return Status::InvalidArgument(fwhere +
                                     "authoritative needs the resource's subject "
                                     "(person or legal_entity)");
    res.fields.push_back(std::move(f));
  }
  return res;
}

nlohmann::json ToJson(const Department& d) {
  return {{"code", d.code}, {"name", d.name}, {"name_en", d.name_en}};
}

nlohmann::json ToJson(const SourceSystem& s) {
  return {{"code", s.code}, {"name", s.name}, {"department", s.department}};
}

nlohmann::json DefinitionJson(const Resource& r) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : r.fields) {
    fields.push_back({{"name", f.name},
                      {"label", f.label},
                      {"type", f.type},
                      {"element", f.element},
                      {"nullable", f.nullable},
                      {"key", f.key},
                      {"sensitivity", f.sensitivity},
                      {"authoritative", f.authoritative}});
  }
  return {{"code", r.code},
          {"name", r.name},
          {"description", r.description},
          {"department", r.department},
          {"system", r.system},
          {"subject", r.subject},
          {"update_cycle", r.update_cycle},
          {"share_type", ShareTypeName(r.share_type)},
          {"share_condition", r.share_condition},
          {"open_type", OpenTypeName(r.open_type)},
          {"open_condition", r.open_condition},
          {"security_level", r.security_level},
          {"tags", r.tags},
          {"classification",
           {{"category", r.classification.category},
            {"item", r.classification.item},
            {"entry", r.classification.entry},
            {"sub_entry", r.classification.sub_entry}}},
          {"fields", fields}};
}

nlohmann::json ToJson(const Resource& r) {
  nlohmann::json j = DefinitionJson(r);
  j["version"] = r.version;
  j["updated_by"] = r.updated_by;
  j["updated_at"] = FormatRfc3339(r.updated_at);
  j["effective_level"] = r.EffectiveLevel();
  return j;
}

}  // namespace yishu::catalogue
