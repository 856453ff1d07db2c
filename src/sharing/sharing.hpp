// Data sharing between departments (共享, issue 6): applications and approvals by share type,
// grants with field and row limits and masking, application credentials, and the sharing API's
// data access (by key, by filter, bulk export) with metering, limits and audit.
//
// Flow by the resource's share type (以共享为原则, 不共享为例外):
//  - 无条件共享: an application is granted at once (status "granted").
//  - 有条件共享: the application waits ("pending") for the provider department's steward (or
//    the platform admin), who approves with conditions (fields and their masking, row filter,
//    purpose, validity, quota, rate) or rejects with a reason.
//  - 不予共享: an application is refused citing the catalogue's basis (share_condition),
//    unless it asks for an exception with a reason; then it waits ("pending_exception") for the
//    platform authority (platform_admin) alone.
// Every step (apply, grant, approve, reject, refuse, revoke, expire, credential create/revoke)
// commits together with its audit event ("share.*" actions).
//
// Grants are per application; conditions never change after approval (a change is a new
// application), so cached grants only need their status checked. The look-up statement
// itself requires the grant and the credential to be active (EXISTS sub-queries on their
// primary keys), so a revocation — from this process, another server, or the CLI — takes
// effect on the very next request whatever is cached; expiry is a time comparison on every
// request.
//
// Data access (the hot path) is asynchronous: the answer is handed to `done` after the access's
// audit event and metering have committed (AccessLog group commit). Denials are audited too.
// Person / legal-entity look-ups and verification (核验) from the base libraries will plug in
// through `EntitySource` (see below) once entity resolution exists.
//
// Thread-safety: Sharing is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "catalogue/catalogue.hpp"
#include "common/status.hpp"
#include "common/time.hpp"
#include "identity/identity.hpp"
#include "security/field_protection.hpp"
#include "sharing/masking.hpp"
#include "standards/registry.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::sharing {

// Who acts on the management side (a signed-in user) and from where.
struct Actor {
  identity::Principal principal;
  std::string client;
  bool admin() const { return principal.role == identity::Role::kPlatformAdmin; }
};

// Conditions of a grant.
struct Conditions {
  std::map<std::string, Masking> fields;          // granted fields -> masking
  std::map<std::string, std::string> row_filter;  // field -> the only value released
  std::string purpose;
  int64_t validity_days = 365;
  int64_t daily_quota = 10000;   // records-returning calls per credential and day
  int64_t rate_per_second = 50;  // per credential
  bool allow_bearer = true;      // false: SM2-signed requests only
};

struct ApplicationRequest {
  std::string resource;
  std::vector<std::string> fields;  // empty: every field
  std::map<std::string, std::string> row_filter;
  std::string purpose;
  int64_t validity_days = 365;
  int64_t daily_quota = 10000;
  std::string exception_reason;  // 不予共享 only: asks the platform authority for an exception
};
// Strict: unknown keys and wrong types are InvalidArgument naming the path.
Result<ApplicationRequest> ParseApplicationRequest(const nlohmann::json& j);

struct Application {
  int64_t id = 0;
  std::string resource, provider, consumer, applicant, share_type;
  ApplicationRequest request;
  // pending | pending_exception | granted | rejected | refused
  std::string status;
  std::string decided_by, decision_note;
  int64_t created_at = 0, decided_at = 0;
  int64_t grant_id = 0;
  std::string basis;  // the catalogue's share_condition, cited when refused
};
nlohmann::json ToJson(const Application& a);

struct Grant {
  int64_t id = 0;
  int64_t application_id = 0;
  std::string resource, provider, consumer;
  Conditions conditions;
  int64_t created_at = 0, expires_at = 0;
  std::string status;  // active | revoked | expired
  std::string revoked_by, revoke_reason;
  int64_t revoked_at = 0;
  std::string mask_key;  // random per grant; keys the "hash" masking
};
nlohmann::json ToJson(const Grant& g);

struct Credential {
  std::string id;  // "cred_" + 16 hex
  std::string department, name, public_key_hex, status, created_by;
  int64_t created_at = 0;
};
nlohmann::json ToJson(const Credential& c);

// A new credential: the token and private key are shown once and never stored (only the SM3
// of the token and the public key are).
struct NewCredential {
  Credential credential;
  std::string token;            // "ysc_" + 64 hex
  std::string private_key_hex;  // SM2 d
};

// A sharing-API request as the transport hands it over.
struct AccessRequest {
  std::string method, path;
  std::map<std::string, std::string> query;
  std::string authorization;  // the Authorization header ("" when absent)
  std::string body;
  std::string client;
  std::string purpose;  // X-Purpose header, else the grant's purpose
};

// A data answer, or the error (ResourceExhausted carries details {"retry_after": seconds}).
struct AccessResult {
  Status status;
  std::string body;  // JSON, built without a DOM on the hot path
  // When set, the body is produced by calling this, on the thread that answers the caller (the
  // HTTP connection's), not on the access log's writer thread where `done` is called: unsealing
  // and masking then run in parallel instead of queueing behind that one thread. A failure
  // there answers with its status instead.
  std::function<Status(std::string* body)> render;
  std::string content_type = "application/json; charset=utf-8";
  int http_status = 200;    // on success (202 for an accepted export)
  int64_t retry_after = 0;  // seconds, for 429
};
using AccessDone = std::function<void(AccessResult)>;

struct SharingOptions {
  const Clock* clock = nullptr;            // nullptr: system clock
  int64_t signature_skew_millis = 300000;  // ±5 minutes
  int64_t max_page_size = 100;
  // Look-ups that find nothing, per credential per minute, before the credential is suspended
  // for the rest of that minute and an enumeration event is audited.
  int64_t miss_limit_per_minute = 30;
};

// The seam for person and legal-entity services from the base libraries (人口库 / 法人库):
// look-up of a golden record and verification (核验: "does this match?" answered per field
// without revealing values). Entity resolution implements it; the sharing API is to serve it
// through the same path as resource look-ups — credential, grant (the base library registered
// in the catalogue as a resource such as BASE_PERSON, so applications and grants work
// unchanged), masking, limits, metering and audit. Until a source is set, those calls answer
// kUnavailable.
class EntitySource {
 public:
  virtual ~EntitySource() = default;
  // subject: "person" | "legal_entity"; identifier: an ID number or a credit code.
  // The golden record's attributes, field -> plaintext value (sharing masks them).
  virtual Result<std::map<std::string, std::string>> Lookup(std::string_view subject,
                                                            std::string_view identifier) = 0;
  // For each claimed field: whether it matches the golden record.
  virtual Result<std::map<std::string, bool>> Verify(
      std::string_view subject, std::string_view identifier,
      const std::map<std::string, std::string>& claims) = 0;
};

// Migrations of module "sharing".
std::vector<store::Migration> SharingMigrations();

// A slice of a list: at most `limit` entries after skipping `offset`.
struct ListWindow {
  int64_t limit = 500;
  int64_t offset = 0;
};

class Sharing {
 public:
  Sharing(store::Store& store, catalogue::Catalogue& cat, const standards::Registry& registry,
          security::KeyRing& keys, audit::AuditLog& audit, identity::Identity& identity,
          SharingOptions options = {});
  ~Sharing();
  Sharing(const Sharing&) = delete;
  Sharing& operator=(const Sharing&) = delete;

  // ---- Applications and grants (management side) ----
  // The consumer is the actor's department. NotFound for an unknown resource, InvalidArgument
  // for unknown fields, PermissionDenied (with the basis) for 不予共享 without exception reason.
  Result<Application> Apply(const Actor& actor, const ApplicationRequest& request);
  // `conditions` may override what was asked (JSON: fields {name: masking} or [names],
  // row_filter, purpose, validity_days, daily_quota, rate_per_second, allow_bearer).
  Result<Application> Approve(const Actor& actor, int64_t application_id,
                              const nlohmann::json& conditions);
  Result<Application> Reject(const Actor& actor, int64_t application_id, std::string reason);
  Result<Grant> Revoke(const Actor& actor, int64_t grant_id, std::string reason);
  Result<Application> GetApplication(const Actor& actor, int64_t id);
  // queue: "mine" (the actor's department's applications), "provider" (applications to the
  // actor's department's resources; admins see every pending one), "exceptions" (admins).
  // Lists are newest first; `window` picks a slice of them in SQL and `total` (when given)
  // receives how many the whole list holds.
  Result<std::vector<Application>> ListApplications(const Actor& actor, std::string_view queue,
                                                    std::string_view status = {},
                                                    ListWindow window = {},
                                                    int64_t* total = nullptr);
  // side: "consumer" or "provider".
  Result<std::vector<Grant>> ListGrants(const Actor& actor, std::string_view side,
                                        ListWindow window = {}, int64_t* total = nullptr);
  // Marks grants past their expiry as expired, each with an audit event. Returns how many.
  Result<int64_t> ExpireGrants();

  // ---- Credentials ----
  Result<NewCredential> CreateCredential(const std::string& actor_name,
                                         const std::string& department, const std::string& name);
  Result<NewCredential> CreateCredential(const Actor& actor, const std::string& department,
                                         const std::string& name);
  Status RevokeCredential(const Actor& actor, const std::string& credential_id);
  Result<std::vector<Credential>> ListCredentials(const Actor& actor, ListWindow window = {},
                                                  int64_t* total = nullptr);

  // ---- Usage views ----
  // side "provider": who uses the actor's department's data, how much and for what;
  // side "consumer": the department's grants, quotas used today, calls.
  Result<nlohmann::json> Usage(const Actor& actor, std::string_view side, int64_t days = 30);

  // ---- The sharing API (credential side) ----
  // GET /share/{resource}/records/{key}: one masked record by the resource's key field.
  void GetRecord(const AccessRequest& request, const std::string& resource, const std::string& key,
                 AccessDone done);
  // GET /share/{resource}/records?<field>=<value>&page=&page_size=
  void QueryRecords(const AccessRequest& request, const std::string& resource, AccessDone done);
  // POST /share/{resource}/exports {"format": "csv"|"json", "filter": {field: value}}:
  // starts an asynchronous export job; the answer is {"id", "status"}.
  void StartExport(const AccessRequest& request, const std::string& resource, AccessDone done);
  // GET /share/{resource}/exports/{id} (status) and .../file (the watermarked file).
  void GetExport(const AccessRequest& request, const std::string& resource, int64_t export_id,
                 bool file, AccessDone done);
  // Waits until queued exports have finished (tests, shutdown).
  void WaitForExports();

  // Person / legal-entity services (see EntitySource). Thread-safe; may be set at any time.
  void SetEntitySource(std::shared_ptr<EntitySource> source);
  std::shared_ptr<EntitySource> entity_source() const;

  // Drops every cached grant and credential (tests; revocation does not need it).
  void ClearCaches();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishu::sharing
