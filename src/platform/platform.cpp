#include "platform/platform.hpp"

#include <cstdlib>

#include "crypto/util.hpp"
#include "ingest/ingest.hpp"
#include "masterdata/golden.hpp"
#include "security/classification.hpp"
#include "security/master_key.hpp"
#include "store/migrations.hpp"

namespace yishu::platform {

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all;
  auto add = [&](std::vector<store::Migration> m) {
    all.insert(all.end(), std::make_move_iterator(m.begin()), std::make_move_iterator(m.end()));
  };
  add(security::KeyMigrations());
  add(standards::StandardsMigrations());
  add(identity::IdentityMigrations());
  add(catalogue::CatalogueMigrations());
  add(audit::AuditMigrations());
  add(security::ClassificationMigrations());
  add(ingest::IngestMigrations());
  add(quality::QualityMigrations());
  add(sharing::SharingMigrations());
  add(masterdata::MasterdataMigrations());
  return all;
}

Result<std::unique_ptr<Platform>> Platform::Open(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec))
    return Status::FailedPrecondition("data directory " + data_dir.string() +
                                      " does not exist: run `yishu init --data-dir " +
                                      data_dir.string() + "` first");
  std::unique_ptr<Platform> p(new Platform());
  YISHU_ASSIGN_OR_RETURN(p->config_, LoadConfig(data_dir));
  crypto::InitLibgcrypt();

  auto keys = security::DefaultKeyProvider(data_dir);
  auto master = keys->MasterKey();
  if (!master.ok()) return master.status();

  auto store = store::Store::Open({p->config_.store_url, p->config_.store_pool_size});
  if (!store.ok()) return store.status().WithContext("opening the store");
  p->store_ = std::move(store).value();
  YISHU_RETURN_IF_ERROR(store::ApplyMigrations(*p->store_, AllMigrations()));
  YISHU_RETURN_IF_ERROR(security::VerifyOrRecordKeyCheck(*p->store_, *master, keys->description()));

  auto ring = security::KeyRing::Open(*p->store_, *master);
  if (!ring.ok()) return ring.status().WithContext("opening the key ring");
  p->keys_ = std::move(ring).value();

  auto registry = standards::Registry::Create(p->config_.reference_dir);
  if (!registry.ok()) return registry.status().WithContext("loading the standards");
  p->standards_ = std::move(registry).value();
  YISHU_RETURN_IF_ERROR(p->standards_->LoadFromStore(*p->store_));

  standards::Registry* reg = p->standards_.get();
  p->catalogue_ = std::make_unique<catalogue::Catalogue>(
      *p->store_, [reg](std::string_view code) -> std::optional<catalogue::ElementInfo> {
        const auto* e = reg->FindElement(code);
        if (!e) return std::nullopt;
        return catalogue::ElementInfo{
            std::string(standards::ValueTypeName(e->type)),
            std::string(standards::SensitivityName(e->default_sensitivity))};
      });
  identity::IdentityOptions io;
  io.token_ttl_seconds = p->config_.token_ttl_seconds;
  io.argon2_m_cost_kib = static_cast<uint32_t>(p->config_.argon2_memory_kib);
  io.argon2_t_cost = static_cast<uint32_t>(p->config_.argon2_iterations);
  p->identity_ = std::make_unique<identity::Identity>(*p->store_, io);
  audit::AuditOptions ao;
  ao.index_in_background = true;
  ao.checkpoint_every_entries = p->config_.audit_checkpoint_every;
  ao.checkpoint_every_millis = p->config_.audit_checkpoint_seconds * 1000;
  p->audit_ = std::make_unique<audit::AuditLog>(*p->store_,
                                                security::DeriveKey(*master, "audit-signing"), ao);
  // A sealed value that fails to open is an integrity event: audit it (who read it is in the
  // request's own event; this records what failed).
  // It is queued, not appended in place: the failing read may be inside a write transaction
  // that a second connection appending would wait on.
  p->audit_appender_ = std::make_unique<audit::BatchAppender>(*p->audit_);
  audit::BatchAppender* appender = p->audit_appender_.get();
  p->keys_->SetIntegrityObserver([appender](const security::KeyRing::IntegrityFailure& f) {
    audit::AuditEvent ev;
    ev.actor = "system";
    ev.action = "integrity_failure";
    ev.resource = f.resource;
    ev.fields = {f.field};
    ev.record_count = 1;
    ev.result = "error";
    ev.detail = {{"record_id", f.record_id}, {"key_version", f.key_version}, {"reason", f.reason}};
    (void)appender->Submit(std::move(ev));
  });
  quality::QualityOptions qo;
  qo.openlineage_file = p->config_.openlineage_file;
  p->quality_ = std::make_unique<quality::Quality>(*p->store_, *p->standards_, *p->catalogue_,
                                                   *p->keys_, p->audit_.get(), qo);
  p->sharing_ = std::make_unique<sharing::Sharing>(*p->store_, *p->catalogue_, *p->standards_,
                                                   *p->keys_, *p->audit_, *p->identity_);
  std::string m = std::move(master).value();
  crypto::Wipe(m);
  auto pub = p->audit_->PublicKeyHex();
  if (!pub.ok()) return pub.status().WithContext("opening the audit trail");
  return p;
}

Result<std::unique_ptr<Platform>> Platform::Init(const std::filesystem::path& data_dir,
                                                 std::vector<std::string>* messages) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IoError("cannot create " + data_dir.string() + ": " + ec.message());
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  YISHU_RETURN_IF_ERROR(WriteDefaultConfig(data_dir));
  YISHU_ASSIGN_OR_RETURN(std::string where, security::CreateMasterKeyIfMissing(data_dir));
  messages->push_back(where);
  YISHU_ASSIGN_OR_RETURN(auto p, Open(data_dir));
  if (!p->identity().HasAnyUser()) {
    const char* env = std::getenv("YISHU_ADMIN_PASSWORD");
    std::string password = env && *env ? env : identity::GeneratePassword();
    identity::NewUser admin{"admin", "平台管理员", "", identity::Role::kPlatformAdmin, password};
    audit::AuditEvent ev;
    ev.actor = "system";
    ev.action = "user.create";
    ev.resource = "user:admin";
    ev.detail = {{"role", "platform_admin"}, {"reason", "first admin at init"}};
    Status s = p->AuditedTransact(
        ev, [&](store::Connection& tx) { return p->identity().CreateUser(tx, admin).status(); });
    if (!s.ok()) return s.WithContext("creating the first admin");
    if (env && *env)
      messages->push_back("created user 'admin' with the password from YISHU_ADMIN_PASSWORD");
    else
      messages->push_back("created user 'admin' with password: " + password +
                          "  (shown once; change it after the first login)");
  }
  return p;
}

Status Platform::AuditedTransact(const audit::AuditEvent& event,
                                 const std::function<Status(store::Connection&)>& body) {
  Status s = store_->Transact([&](store::Connection& tx) -> Status {
    YISHU_RETURN_IF_ERROR(body(tx));
    return audit_->Append(tx, event).status();
  });
  if (!s.ok()) {
    audit::AuditEvent failed = event;
    failed.result = s.code() == ErrorCode::kPermissionDenied ? "denied" : "error";
    if (failed.detail.is_null()) failed.detail = nlohmann::json::object();
    failed.detail["error"] = s.ToJson();
    (void)audit_->Append(failed);
  }
  return s;
}

}  // namespace yishu::platform
