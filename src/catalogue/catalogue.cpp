#include "catalogue/catalogue.hpp"

#include <map>
#include <set>

#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"

namespace yishu::catalogue {

std::vector<store::Migration> CatalogueMigrations() {
  return {{"catalogue", 1, "departments, systems, resources, versions, sources", R"sql(
CREATE TABLE departments (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_en TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE TABLE source_systems (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  department TEXT NOT NULL REFERENCES departments(code)
);
CREATE TABLE resources (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  department TEXT NOT NULL REFERENCES departments(code),
  system TEXT NOT NULL,
  subject TEXT NOT NULL,
  update_cycle TEXT NOT NULL,
  share_type TEXT NOT NULL,
  open_type TEXT NOT NULL,
  security_level TEXT NOT NULL,
  effective_level TEXT NOT NULL,
  tags TEXT NOT NULL,
  field_count BIGINT NOT NULL,
  version BIGINT NOT NULL,
  definition TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX resources_department ON resources(department);
CREATE TABLE resource_versions (
  code TEXT NOT NULL REFERENCES resources(code),
  version BIGINT NOT NULL,
  definition TEXT NOT NULL,
  change TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at BIGINT NOT NULL,
  PRIMARY KEY (code, version)
);
CREATE TABLE resource_fields (
  resource TEXT NOT NULL REFERENCES resources(code),
  position BIGINT NOT NULL,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  type TEXT NOT NULL,
  element TEXT NOT NULL,
  subject TEXT NOT NULL,
  nullable BIGINT NOT NULL,
  is_key BIGINT NOT NULL,
  sensitivity TEXT NOT NULL,
  authoritative BIGINT NOT NULL,
  PRIMARY KEY (resource, name)
);
CREATE INDEX resource_fields_element ON resource_fields(element, subject);
CREATE TABLE authoritative_sources (
  element TEXT NOT NULL,
  subject TEXT NOT NULL,
  resource TEXT NOT NULL REFERENCES resources(code),
  field TEXT NOT NULL,
  declared_at BIGINT NOT NULL,
  PRIMARY KEY (element, subject)
);
)sql"}};
}

Catalogue::Catalogue(store::Store& store, ElementLookup elements)
    : store_(store), elements_(std::move(elements)) {}

Status Catalogue::PutDepartment(store::Connection& tx, const Department& d) {
  if (!IsValidCode(d.code))
    return Status::InvalidArgument("invalid department code '" + d.code + "'");
  if (Trim(d.name).empty())
    return Status::InvalidArgument("department '" + d.code + "' needs a name");
  return tx
      .Exec(
          "INSERT INTO departments (code, name, name_en, created_at) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en",
          {d.code, d.name, d.name_en, NowMillis()})
      .status();
}

Result<std::vector<Department>> Catalogue::ListDepartments() {
  YISHU_ASSIGN_OR_RETURN(store::Rows rows,
                         store_.Query("SELECT code, name, name_en FROM departments ORDER BY code"));
  std::vector<Department> out;
  for (const auto& r : rows) out.push_back({r.Text(0), r.Text(1), r.Text(2)});
  return out;
}

Result<Department> Catalogue::GetDepartment(std::string_view code) {
  auto row = store_.QueryOne("SELECT code, name, name_en FROM departments WHERE code = ?", {code});
  if (!row.ok()) {
    if (row.status().Is(ErrorCode::kNotFound))
      return Status::NotFound("no department '" + std::string(code) + "'");
    return row.status();
  }
  return Department{row->Text(0), row->Text(1), row->Text(2)};
}

Status Catalogue::PutSystem(store::Connection& tx, const SourceSystem& s) {
  if (!IsValidCode(s.code)) return Status::InvalidArgument("invalid system code '" + s.code + "'");
  auto dept = tx.QueryOne("SELECT code FROM departments WHERE code = ?", {s.department});
  if (!dept.ok())
    return Status::InvalidArgument("system '" + s.code + "': unknown department '" + s.department +
                                   "'");
  return tx
      .Exec(
          "INSERT INTO source_systems (code, name, department) VALUES (?, ?, ?) "
          "ON CONFLICT (code) DO UPDATE SET name = excluded.name, department = "
          "excluded.department",
          {s.code, s.name, s.department})
      .status();
}

Result<std::vector<SourceSystem>> Catalogue::ListSystems(std::string_view department) {
  std::string sql = "SELECT code, name, department FROM source_systems";
  store::Params params;
  if (!department.empty()) {
    sql += " WHERE department = ?";
    params.push_back(department);
  }
  sql += " ORDER BY code";
  YISHU_ASSIGN_OR_RETURN(store::Rows rows, store_.Query(sql, params));
  std::vector<SourceSystem> out;
  for (const auto& r : rows) out.push_back({r.Text(0), r.Text(1), r.Text(2)});
  return out;
}

namespace {

// A short human description of what changed between two definitions.
std::string DescribeChange(const nlohmann::json& before, const nlohmann::json& after) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : after.items()) {
    if (k == "fields") continue;
    if (!before.contains(k) || before[k] != v) parts.push_back(k);
  }
  std::vector<std::string> fields_changed;
  auto index = [](const nlohmann::json& fields) {
    std::map<std::string, nlohmann::json> m;
    for (const auto& f : fields) m[f["name"].get<std::string>()] = f;
    return m;
  };
  auto b = index(before["fields"]), a = index(after["fields"]);
  for (const auto& [name, f] : a) {
    auto it = b.find(name);
    if (it == b.end())
      fields_changed.push_back("+" + name);
    else if (it->second != f)
      fields_changed.push_back("~" + name);
  }
  for (const auto& [name, f] : b)
    if (!a.count(name)) fields_changed.push_back("-" + name);
  if (!fields_changed.empty()) parts.push_back("fields " + Join(fields_changed, " "));
  return "updated: " + Join(parts, "; ");
}

Result<Resource> ResourceFromDefinition(const std::string& text, const ElementLookup& elements) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("stored resource definition is not JSON: ") + e.what());
  }
  // Stored definitions were valid when written; elements may have gone since, so parse without
  // re-checking them.
  ElementLookup lenient = [&](std::string_view code) -> std::optional<ElementInfo> {
    if (auto e = elements ? elements(code) : std::nullopt) return e;
    return ElementInfo{"string", "L1"};
  };
  return ParseResource(j, lenient);
}

}  // namespace

Status Catalogue::CheckAuthority(store::Connection& tx, const Resource& r) {
  for (const auto& f : r.fields) {
    if (!f.authoritative) continue;
    auto existing = tx.QueryOne(
        "SELECT resource, field FROM authoritative_sources WHERE element = ? AND subject = ?",
        {f.element, r.subject});
    if (existing.ok() && existing->Text(0) != r.code) {
      return Status::Conflict(
          "一数一源: data element '" + f.element + "' about " + r.subject +
              " already has an authoritative source: " + existing->Text(0) + "." +
              existing->Text(1) + "; resource '" + r.code + "' field '" + f.name +
              "' may hold a copy (drop 'authoritative') or the existing source must give it up "
              "first",
          {{"element", f.element},
           {"subject", r.subject},
           {"existing_resource", existing->Text(0)},
           {"existing_field", existing->Text(1)},
           {"resource", r.code},
           {"field", f.name}});
    }
    if (!existing.ok() && !existing.status().Is(ErrorCode::kNotFound)) return existing.status();
  }
  // Two fields of the same resource cannot both claim one element.
  std::set<std::string> claimed;
  for (const auto& f : r.fields)
    if (f.authoritative && !claimed.insert(f.element).second)
      return Status::Conflict("一数一源: resource '" + r.code +
                              "' claims authority twice for element '" + f.element + "'");
  return Status::Ok();
}

Result<Resource> Catalogue::PutResource(store::Connection& tx, Resource r, const std::string& actor,
                                        PutMode mode, std::optional<int64_t> expected_version,
                                        bool* changed) {
  if (changed) *changed = false;
  auto dept = tx.QueryOne("SELECT code FROM departments WHERE code = ?", {r.department});
  if (!dept.ok())
    return Status::InvalidArgument("resource '" + r.code + "': unknown department '" +
                                   r.department + "'");
  if (!r.system.empty()) {
    auto sys = tx.QueryOne("SELECT department FROM source_systems WHERE code = ?", {r.system});
    if (!sys.ok())
      return Status::InvalidArgument("resource '" + r.code + "': unknown source system '" +
                                     r.system + "'");
    if (sys->Text(0) != r.department)
      return Status::InvalidArgument("resource '" + r.code + "': source system '" + r.system +
                                     "' belongs to department '" + sys->Text(0) + "', not '" +
                                     r.department + "'");
  }
  auto current =
      tx.QueryOne("SELECT version, definition, department FROM resources WHERE code = ?", {r.code});
  if (!current.ok() && !current.status().Is(ErrorCode::kNotFound)) return current.status();
  bool exists = current.ok();
  if (exists && mode == PutMode::kCreate)
    return Status::AlreadyExists("resource '" + r.code + "' already exists");
  if (!exists && mode == PutMode::kUpdate) return Status::NotFound("no resource '" + r.code + "'");
  if (exists && expected_version && current->Int(0) != *expected_version)
    return Status::FailedPrecondition(
        "resource '" + r.code + "' is at version " + std::to_string(current->Int(0)) + ", not " +
        std::to_string(*expected_version) + ": someone changed it meanwhile");
  YISHU_RETURN_IF_ERROR(CheckAuthority(tx, r));

  nlohmann::json def = DefinitionJson(r);
  std::string change = "created";
  int64_t now = NowMillis();
  if (exists) {
    nlohmann::json before = nlohmann::json::parse(current->Text(1));
    if (before == def) {
      YISHU_ASSIGN_OR_RETURN(Resource same, GetResource(r.code));
      return same;
    }
    change = DescribeChange(before, def);
    r.version = current->Int(0) + 1;
  } else {
    r.version = 1;
  }
  r.updated_by = actor;
  r.updated_at = now;
  std::string def_text = def.dump();
  store::Params row = {r.name,
                       r.description,
                       r.department,
                       r.system,
                       r.subject,
                       r.update_cycle,
                       std::string(ShareTypeName(r.share_type)),
                       std::string(OpenTypeName(r.open_type)),
                       r.security_level,
                       r.EffectiveLevel(),
                       Join(r.tags, ","),
                       static_cast<int64_t>(r.fields.size()),
                       r.version,
                       def_text,
                       actor,
                       now,
                       r.code};
  if (exists) {
    YISHU_RETURN_IF_ERROR(
        tx.Exec("UPDATE resources SET name = ?, description = ?, department = ?, system = ?, "
                "subject = ?, update_cycle = ?, share_type = ?, open_type = ?, security_level = ?, "
                "effective_level = ?, tags = ?, field_count = ?, version = ?, definition = ?, "
                "updated_by = ?, updated_at = ? WHERE code = ?",
                row)
            .status());
  } else {
    row.push_back(now);
    YISHU_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO resources (name, description, department, system, subject, "
                "update_cycle, share_type, open_type, security_level, effective_level, tags, "
                "field_count, version, definition, updated_by, updated_at, code, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row)
            .status());
  }
  YISHU_RETURN_IF_ERROR(tx.Exec("INSERT INTO resource_versions (code, version, definition, change, "
                                "changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                                {r.code, r.version, def_text, change, actor, now})
                            .status());
  YISHU_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM resource_fields WHERE resource = ?", {r.code}).status());
  YISHU_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM authoritative_sources WHERE resource = ?", {r.code}).status());
  for (size_t i = 0; i < r.fields.size(); ++i) {
    const Field& f = r.fields[i];
    YISHU_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO resource_fields (resource, position, name, label, type, element, "
                "subject, nullable, is_key, sensitivity, authoritative) VALUES (?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?, ?)",
                {r.code, static_cast<int64_t>(i), f.name, f.label, f.type, f.element, r.subject,
                 f.nullable, f.key, f.sensitivity, f.authoritative})
            .status());
    if (f.authoritative) {
      YISHU_RETURN_IF_ERROR(tx.Exec("INSERT INTO authoritative_sources (element, subject, "
                                    "resource, field, declared_at) VALUES (?, ?, ?, ?, ?)",
                                    {f.element, r.subject, r.code, f.name, now})
                                .status());
    }
  }
  if (changed) *changed = true;
  return r;
}

Result<Resource> Catalogue::GetResource(std::string_view code, std::optional<int64_t> version) {
  Result<store::Row> row = Status::Internal("unset");
  if (version) {
    row = store_.QueryOne(
        "SELECT definition, version, changed_by, changed_at FROM resource_versions WHERE code = ? "
        "AND version = ?",
        {code, *version});
  } else {
    row = store_.QueryOne(
        "SELECT definition, version, updated_by, updated_at FROM resources WHERE code = ?", {code});
  }
  if (!row.ok()) {
    if (row.status().Is(ErrorCode::kNotFound))
      return Status::NotFound("no resource '" + std::string(code) + "'" +
                              (version ? " at version " + std::to_string(*version) : ""));
    return row.status();
  }
  YISHU_ASSIGN_OR_RETURN(Resource r, ResourceFromDefinition(row->Text(0), elements_));
  r.version = row->Int(1);
  r.updated_by = row->Text(2);
  r.updated_at = row->Int(3);
  return r;
}

Result<ResourcePage> Catalogue::ListResources(const ResourceQuery& q) {
  if (q.page < 1) return Status::InvalidArgument("page must be 1 or more");
  if (q.page_size < 1 || q.page_size > 200)
    return Status::InvalidArgument("page_size must be between 1 and 200");
  std::string where = " WHERE 1 = 1";
  store::Params params;
  if (!q.text.empty()) {
    where += " AND (code LIKE ? OR name LIKE ? OR description LIKE ? OR tags LIKE ?)";
    std::string like = "%" + q.text + "%";
    for (int i = 0; i < 4; ++i) params.push_back(like);
  }
  if (!q.department.empty()) {
    where += " AND department = ?";
    params.push_back(q.department);
  }
  if (!q.share_type.empty()) {
    auto st = ParseShareType(q.share_type);
    if (!st) return Status::InvalidArgument("unknown share_type '" + q.share_type + "'");
    where += " AND share_type = ?";
    params.push_back(std::string(ShareTypeName(*st)));
  }
  if (!q.tag.empty()) {
    where += " AND (',' || tags || ',') LIKE ?";
    params.push_back("%," + q.tag + ",%");
  }
  if (q.openable_only) {
    where += " AND open_type <> ?";
    params.push_back(std::string(OpenTypeName(OpenType::kNone)));
  }
  ResourcePage page;
  page.page = q.page;
  page.page_size = q.page_size;
  YISHU_ASSIGN_OR_RETURN(
      auto listed,
      store_.QueryPage("SELECT code, name, department, system, subject, share_type, open_type, "
                       "security_level, effective_level, update_cycle, tags, version, "
                       "field_count, updated_at",
                       "FROM resources" + where, params, "ORDER BY code", q.page_size,
                       (q.page - 1) * q.page_size));
  page.total = listed.total;
  const store::Rows& rows = listed.rows;
  for (const auto& r : rows) {
    ResourceSummary s{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                      r.Text(5), r.Text(6), r.Text(7), r.Text(8), r.Text(9)};
    if (!r.Text(10).empty()) s.tags = Split(r.Text(10), ',');
    s.version = r.Int(11);
    s.field_count = r.Int(12);
    s.updated_at = r.Int(13);
    page.items.push_back(std::move(s));
  }
  return page;
}

Result<std::vector<VersionInfo>> Catalogue::History(std::string_view code) {
  YISHU_ASSIGN_OR_RETURN(store::Rows rows,
                         store_.Query("SELECT version, changed_by, changed_at, change FROM "
                                      "resource_versions WHERE code = ? ORDER BY version DESC",
                                      {code}));
  if (rows.empty()) return Status::NotFound("no resource '" + std::string(code) + "'");
  std::vector<VersionInfo> out;
  for (const auto& r : rows) out.push_back({r.Int(0), r.Text(1), r.Int(2), r.Text(3)});
  return out;
}

Result<std::vector<SourceEntry>> Catalogue::Sources(std::string_view element) {
  std::string sql =
      "SELECT f.element, f.subject, f.resource, f.name, f.authoritative FROM resource_fields f "
      "WHERE f.element <> ''";
  store::Params params;
  if (!element.empty()) {
    sql += " AND f.element = ?";
    params.push_back(element);
  }
  sql += " ORDER BY f.element, f.subject, f.authoritative DESC, f.resource, f.name";
  YISHU_ASSIGN_OR_RETURN(store::Rows rows, store_.Query(sql, params));
  std::vector<SourceEntry> out;
  for (const auto& r : rows) {
    if (out.empty() || out.back().element != r.Text(0) || out.back().subject != r.Text(1))
      out.push_back({r.Text(0), r.Text(1), "", "", {}});
    if (r.Int(4)) {
      out.back().resource = r.Text(2);
      out.back().field = r.Text(3);
    } else {
      out.back().copies.push_back({r.Text(2), r.Text(3)});
    }
  }
  return out;
}

Result<ImportSummary> Catalogue::Import(store::Connection& tx, const nlohmann::json& doc,
                                        const std::string& actor) {
  JsonReader top(doc, "");
  const auto& depts = top.Node("departments", false, nlohmann::json::value_t::array);
  const auto& systems = top.Node("systems", false, nlohmann::json::value_t::array);
  const auto& resources = top.Node("resources", false, nlohmann::json::value_t::array);
  YISHU_RETURN_IF_ERROR(top.Finish());
  ImportSummary sum;
  auto entry_name = [](const char* list, size_t i, const nlohmann::json& j) {
    std::string name = std::string(list) + "[" + std::to_string(i) + "]";
    if (j.is_object() && j.contains("code") && j["code"].is_string())
      name += " (" + j["code"].get<std::string>() + ")";
    return name;
  };
  for (size_t i = 0; i < depts.size(); ++i) {
    auto d = ParseDepartment(depts[i]);
    if (!d.ok()) return d.status().WithContext(entry_name("departments", i, depts[i]));
    YISHU_RETURN_IF_ERROR(
        PutDepartment(tx, *d).WithContext(entry_name("departments", i, depts[i])));
    ++sum.departments;
  }
  for (size_t i = 0; i < systems.size(); ++i) {
    auto s = ParseSourceSystem(systems[i]);
    if (!s.ok()) return s.status().WithContext(entry_name("systems", i, systems[i]));
    YISHU_RETURN_IF_ERROR(PutSystem(tx, *s).WithContext(entry_name("systems", i, systems[i])));
    ++sum.systems;
  }
  for (size_t i = 0; i < resources.size(); ++i) {
    auto r = ParseResource(resources[i], elements_);
    if (!r.ok()) return r.status().WithContext(entry_name("resources", i, resources[i]));
    bool existed = tx.QueryOne("SELECT 1 FROM resources WHERE code = ?", {r->code}).ok();
    bool changed = false;
    auto put = PutResource(tx, std::move(r).value(), actor, PutMode::kCreateOrUpdate, {}, &changed);
    if (!put.ok()) return put.status().WithContext(entry_name("resources", i, resources[i]));
    if (!changed)
      ++sum.unchanged;
    else if (existed)
      ++sum.updated;
    else
      ++sum.created;
  }
  return sum;
}

nlohmann::json ToJson(const ResourceSummary& s) {
  return {{"code", s.code},
          {"name", s.name},
          {"department", s.department},
          {"system", s.system},
          {"subject", s.subject},
          {"share_type", s.share_type},
          {"open_type", s.open_type},
          {"security_level", s.security_level},
          {"effective_level", s.effective_level},
          {"update_cycle", s.update_cycle},
          {"tags", s.tags},
          {"version", s.version},
          {"field_count", s.field_count},
          {"updated_at", FormatRfc3339(s.updated_at)}};
}

nlohmann::json ToJson(const VersionInfo& v) {
  return {{"version", v.version},
          {"changed_by", v.changed_by},
          {"changed_at", FormatRfc3339(v.changed_at)},
          {"change", v.change}};
}

nlohmann::json ToJson(const SourceEntry& s) {
  nlohmann::json copies = nlohmann::json::array();
  for (const auto& c : s.copies) copies.push_back({{"resource", c.resource}, {"field", c.field}});
  nlohmann::json source = nullptr;
  if (!s.resource.empty()) source = {{"resource", s.resource}, {"field", s.field}};
  return {{"element", s.element}, {"subject", s.subject}, {"source", source}, {"copies", copies}};
}

}  // namespace yishu::catalogue
