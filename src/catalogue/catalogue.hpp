// The catalogue (数据资源目录) kept in the store, with versions and 一数一源.
//
// Every change to a resource writes a new version with the whole definition, so history is
// queryable and any version can be shown again. A change that alters nothing writes nothing.
//
// 一数一源: for each (data element, subject) at most one resource field is the authoritative
// source. A second claim is refused with a Conflict naming the existing source; every other
// field bound to the same element about the same subject is a copy, listed by Sources().
//
// Thread-safety: thread-safe (all state is in the store). Methods taking a Connection run
// inside the caller's transaction, so a change and its audit event commit together.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalogue/model.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::catalogue {

std::vector<store::Migration> CatalogueMigrations();

struct ResourceQuery {
  std::string text;        // matches code, name, description, tags
  std::string department;  // provider department code
  std::string share_type;  // as ParseShareType accepts
  std::string tag;
  bool openable_only = false;  // the public sees only resources that may be opened
  int64_t page = 1;            // 1-based
  int64_t page_size = 20;      // 1..200
};

struct ResourceSummary {
  std::string code, name, department, system, subject, share_type, open_type, security_level,
      effective_level, update_cycle;
  std::vector<std::string> tags;
  int64_t version = 0, field_count = 0, updated_at = 0;
};

struct ResourcePage {
  std::vector<ResourceSummary> items;
  int64_t total = 0, page = 1, page_size = 20;
};

struct VersionInfo {
  int64_t version;
  std::string changed_by;
  int64_t changed_at;
  std::string change;  // "created" or "updated: fields a, b; share_type"
};

struct SourceEntry {
  std::string element, subject;
  std::string resource, field;  // the authoritative source (empty when none declared)
  struct Copy {
    std::string resource, field;
  };
  std::vector<Copy> copies;
};

struct ImportSummary {
  int departments = 0, systems = 0, created = 0, updated = 0, unchanged = 0;
};

enum class PutMode { kCreate, kUpdate, kCreateOrUpdate };

class Catalogue {
 public:
  Catalogue(store::Store& store, ElementLookup elements);

  const ElementLookup& elements() const { return elements_; }
  store::Store& store() { return store_; }

  Status PutDepartment(store::Connection& tx, const Department& d);
  Result<std::vector<Department>> ListDepartments();
  Result<Department> GetDepartment(std::string_view code);
  Status PutSystem(store::Connection& tx, const SourceSystem& s);
  Result<std::vector<SourceSystem>> ListSystems(std::string_view department = {});

  // Creates or updates a resource (per `mode`), writing a new version when anything changed.
  // `expected_version`, when set, must equal the current version (optimistic concurrency).
  // Sets *changed to whether a version was written.
  Result<Resource> PutResource(store::Connection& tx, Resource r, const std::string& actor,
                               PutMode mode, std::optional<int64_t> expected_version = {},
                               bool* changed = nullptr);
  // Current definition, or a given version from history.
  Result<Resource> GetResource(std::string_view code, std::optional<int64_t> version = {});
  Result<ResourcePage> ListResources(const ResourceQuery& q);
  Result<std::vector<VersionInfo>> History(std::string_view code);
  // Per element and subject: the authoritative source and every copy. `element` filters.
  Result<std::vector<SourceEntry>> Sources(std::string_view element = {});

  // Imports a catalogue document ({departments, systems, resources}) all-or-nothing inside the
  // caller's transaction. Errors name the entry ("resources[2] (GA_HOUSEHOLD): ...").
  Result<ImportSummary> Import(store::Connection& tx, const nlohmann::json& doc,
                               const std::string& actor);

 private:
  Status CheckAuthority(store::Connection& tx, const Resource& r);
  store::Store& store_;
  ElementLookup elements_;
};

nlohmann::json ToJson(const ResourceSummary& s);
nlohmann::json ToJson(const VersionInfo& v);
nlohmann::json ToJson(const SourceEntry& s);

}  // namespace yishu::catalogue
