// The platform assembled: configuration, store, key hierarchy, standards, catalogue,
// identity and audit, opened together from a data directory. The server and the CLI are thin
// layers over this; modules never reach for each other except through it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit.hpp"
#include "catalogue/catalogue.hpp"
#include "common/status.hpp"
#include "identity/identity.hpp"
#include "platform/config.hpp"
#include "quality/quality.hpp"
#include "security/field_protection.hpp"
#include "sharing/sharing.hpp"
#include "standards/registry.hpp"
#include "store/store.hpp"

namespace yishu::platform {

class Platform {
 public:
  // Opens the platform in `data_dir`: loads the config, opens the store, applies pending
  // migrations, checks the master key against the store and loads the standards. Every error
  // says what to do ("run `yishu init`", "the master key is not this store's key").
  static Result<std::unique_ptr<Platform>> Open(const std::filesystem::path& data_dir);

  // `yishu init`: creates the directory, a default config and the master key where missing,
  // opens the platform and creates the first admin (password from YISHU_ADMIN_PASSWORD, else
  // generated). `messages` receives what the operator must be told (key location, password).
  static Result<std::unique_ptr<Platform>> Init(const std::filesystem::path& data_dir,
                                                std::vector<std::string>* messages);

  const Config& config() const { return config_; }
  store::Store& store() { return *store_; }
  standards::Registry& standards() { return *standards_; }
  catalogue::Catalogue& catalogue() { return *catalogue_; }
  identity::Identity& identity() { return *identity_; }
  audit::AuditLog& audit() { return *audit_; }
  // Group-committed appends for events that do not share a transaction with an action of their
  // own (integrity failures found while reading, high-rate access events). Submitting never
  // waits on the caller's open transaction, so it is safe inside one.
  audit::BatchAppender& audit_appender() { return *audit_appender_; }
  // Data keys and blind indexes (encryption at rest); opened from the master key at start.
  security::KeyRing& keys() { return *keys_; }
  // Quality scores, tickets, lineage events; also the observer to give every Ingester.
  quality::Quality& quality() { return *quality_; }
  // Data sharing between departments: applications, grants, credentials, the sharing API.
  sharing::Sharing& sharing() { return *sharing_; }

  // Runs `body` and appends `event` in one transaction: the action and its audit record
  // commit together or not at all. A failed action is audited separately with its result.
  Status AuditedTransact(const audit::AuditEvent& event,
                         const std::function<Status(store::Connection&)>& body);

 private:
  Platform() = default;
  Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<security::KeyRing> keys_;
  std::unique_ptr<standards::Registry> standards_;
  std::unique_ptr<catalogue::Catalogue> catalogue_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<audit::AuditLog> audit_;
  // Declared after audit_: destroyed first, committing what is queued while the log exists.
  std::unique_ptr<audit::BatchAppender> audit_appender_;
  std::unique_ptr<quality::Quality> quality_;
  // Last: it runs threads that use everything above, so it is destroyed first.
  std::unique_ptr<sharing::Sharing> sharing_;
};

// Every module's migrations, in dependency order.
std::vector<store::Migration> AllMigrations();

}  // namespace yishu::platform
