// Internal: the state shared by the management side (flow.cpp) and the data side (access.cpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "ingest/ingest.hpp"
#include "sharing/access_log.hpp"
#include "sharing/sharing.hpp"

namespace yishu::sharing {

// One granted field as read and rendered.
struct OutputField {
  std::string name;
  std::string element;
  Masking masking = Masking::kNone;
  bool sealed = false;  // read from the record's sealed column
  bool integer = false;
  size_t column = 0;  // where a plain field is in the selected row
};

// How a column is compared in a WHERE clause (key, row filter, query filter).
struct FilterColumn {
  std::string column;  // the plain column or its __bidx
  bool bidx = false;
  bool integer = false;
  std::string domain, element;  // for the blind index
  std::string resource_code;
};

// A grant with everything the hot path needs, prepared once when the grant is loaded.
struct GrantPlan {
  Grant grant;
  std::string table;
  std::vector<OutputField> outputs;
  std::string select_columns;  // "_id, a, b[, _sealed]"
  size_t sealed_column = 0;    // where the sealed record is in the row (0: none selected)
  std::optional<FilterColumn> key;
  std::vector<std::pair<FilterColumn, std::string>> row_filter;  // column, required value
  store::Params row_filter_values;  // the row filter's parameters, blind indexes computed
  std::string row_filter_sql;       // " AND col = ?" per row-filter column
  std::string by_key_sql;           // the look-up by key, prepared once per grant
  std::map<std::string, FilterColumn> filterable;  // granted fields usable in queries
  std::string fields_json;                         // compact ["a","b"] for audit
  std::vector<std::string> field_names;
};

struct CachedCredential {
  Credential credential;
};

struct Impl;  // forward for the export worker

struct Sharing::Impl {
  Impl(store::Store& s, catalogue::Catalogue& c, const standards::Registry& r, security::KeyRing& k,
       audit::AuditLog& a, identity::Identity& i, SharingOptions o);
  ~Impl();

  int64_t Now() const { return clock->NowMillis(); }
  std::string Today() const;

  // An action and its audit event in one transaction; a failure is audited on its own.
  Status Audited(audit::AuditEvent& ev, const std::function<Status(store::Connection&)>& body);
  audit::AuditEvent EventFor(const Actor& a, std::string action, std::string resource) const;

  Result<Application> LoadApplication(store::Connection& c, int64_t id);
  Result<Grant> LoadGrant(store::Connection& c, int64_t id);
  // Checks fields and filters against the resource; fills defaults.
  Status CheckConditions(const catalogue::Resource& r, Conditions* c);
  Result<std::shared_ptr<const GrantPlan>> Plan(const Grant& g);
  Status InsertGrant(store::Connection& tx, Grant* g);
  void InvalidateGrants(const std::string& consumer, const std::string& resource);

  // Data side.
  Result<std::shared_ptr<const CachedCredential>> Authenticate(const AccessRequest& r,
                                                               bool* signed_request);
  Result<std::shared_ptr<const GrantPlan>> FindGrant(const Credential& c,
                                                     const std::string& resource);
  security::FieldProtector& Protector(const std::string& resource);
  Result<store::Value> FilterValue(const FilterColumn& f, const std::string& value);

  store::Store& store;
  catalogue::Catalogue& catalogue;
  const standards::Registry& registry;
  security::KeyRing& keys;
  audit::AuditLog& audit;
  identity::Identity& identity;
  SharingOptions options;
  const Clock* clock;
  const uint64_t instance;  // tells this platform's thread-local protectors from another's
  std::unique_ptr<AccessLog> access_log;

  std::mutex cache_mu;
  std::unordered_map<std::string, std::shared_ptr<const CachedCredential>> by_token;  // SM3
  std::unordered_map<std::string, std::shared_ptr<const CachedCredential>> by_id;
  std::unordered_map<std::string, std::shared_ptr<const GrantPlan>> grants;  // consumer\0res

  // Limits, per credential (rate, misses) and per grant and day (quota).
  struct Bucket {
    double tokens = -1;
    int64_t last_ms = 0;
    int64_t miss_window = 0;  // minute number
    int64_t misses = 0;
    bool enumeration_reported = false;
  };
  struct Quota {
    std::string day;
    int64_t used = -1;  // -1: not loaded
    bool reported = false;
  };
  std::mutex limit_mu;
  std::unordered_map<std::string, Bucket> buckets;
  std::unordered_map<int64_t, Quota> quotas;  // per grant: calls today
  std::atomic<int64_t> nonce_inserts{0};

  mutable std::mutex entity_mu;
  std::shared_ptr<EntitySource> entity_source;

  // Export jobs.
  std::mutex export_mu;
  std::condition_variable export_cv, export_idle;
  std::deque<int64_t> export_queue;
  bool export_busy = false;
  bool stopping = false;
  std::thread export_worker;
  void ExportLoop();
  Status RunExport(int64_t id);
};

std::string DayOf(int64_t millis);

}  // namespace yishu::sharing
