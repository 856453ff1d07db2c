#include "security/rotation.hpp"

#include <algorithm>
#include <map>

#include "common/thread.hpp"
#include "common/time.hpp"
#include "crypto/util.hpp"

namespace yishu::security {

std::vector<store::Migration> RotationMigrations() {
  return {{"keys", 2, "key rotation progress", R"sql(
CREATE TABLE key_rotations (
  resource TEXT NOT NULL,
  version BIGINT NOT NULL,
  table_name TEXT NOT NULL,
  last_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (resource, version, table_name)
);
)sql"}};
}

Result<std::vector<KeyStatus>> ListKeys(store::Store& store) {
  YISHU_ASSIGN_OR_RETURN(
      store::Rows rows,
      store.Query(
          "SELECT name, version, state, created_at FROM wrapped_keys ORDER BY name, version"));
  std::vector<KeyStatus> out;
  for (const auto& r : rows) out.push_back({r.Text(0), r.Int(1), r.Text(2), r.Int(3)});
  return out;
}

KeyRotation::KeyRotation(store::Store& store, KeyRing& keys, std::string resource,
                         std::vector<SealedColumns> where, RotationOptions options)
    : store_(store),
      keys_(keys),
      resource_(std::move(resource)),
      where_(std::move(where)),
      options_(options) {
  progress_.resource = resource_;
}

KeyRotation::~KeyRotation() {
  Stop();
}

RotationProgress KeyRotation::progress() const {
  std::lock_guard lock(mu_);
  return progress_;
}

void KeyRotation::Publish(const std::function<void(const RotationProgress&)>& on_progress) {
  if (!on_progress) return;
  on_progress(progress());
}

Status KeyRotation::Start() {
  if (thread_.joinable()) return Status::FailedPrecondition("a rotation is already running");
  stop_ = false;
  running_ = true;
  thread_ = std::thread([this] {
    MarkBackgroundThread("yishu-rotation");
    result_ = Run({});
    running_ = false;
  });
  return Status::Ok();
}

void KeyRotation::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status KeyRotation::Wait() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

Status KeyRotation::RunToCompletion(
    const std::function<void(const RotationProgress&)>& on_progress) {
  stop_ = false;
  return Run(on_progress);
}

Status KeyRotation::Run(const std::function<void(const RotationProgress&)>& on_progress) {
  {
    std::lock_guard lock(mu_);
    progress_ = RotationProgress{};
    progress_.resource = resource_;
  }
  // Resume an unfinished rotation, else begin one.
  YISHU_ASSIGN_OR_RETURN(
      store::Rows saved,
      store_.Query("SELECT version, table_name, last_id FROM key_rotations "
                   "WHERE resource = ? AND state = 'running' ORDER BY version DESC",
                   {resource_}));
  int64_t target = 0;
  std::map<std::string, int64_t> start_at;
  if (!saved.empty()) {
    target = saved[0].Int(0);
    for (const auto& r : saved)
      if (r.Int(0) == target) start_at[r.Text(1)] = r.Int(2);
  }
  YISHU_ASSIGN_OR_RETURN(int64_t current, keys_.CurrentVersion(resource_));
  if (target == 0 || target != current) {
    // Nothing to resume (or a newer version superseded it: rotate towards the newest).
    if (target != 0 && target != current) {
      target = current;
    } else {
      YISHU_ASSIGN_OR_RETURN(target, keys_.NewVersion(resource_));
    }
    start_at.clear();
    Status s = store_.Transact([&](store::Connection& c) -> Status {
      YISHU_RETURN_IF_ERROR(
          c.Exec("UPDATE key_rotations SET state = 'superseded' WHERE resource = ? AND "
                 "state = 'running'",
                 {resource_})
              .status());
      for (const auto& t : where_)
        YISHU_RETURN_IF_ERROR(
            c.Exec("INSERT INTO key_rotations (resource, version, table_name, last_id, state, "
                   "updated_at) VALUES (?, ?, ?, 0, 'running', ?) ON CONFLICT (resource, "
                   "version, table_name) DO UPDATE SET state = 'running', last_id = 0",
                   {resource_, target, t.table, NowMillis()})
                .status());
      return Status::Ok();
    });
    YISHU_RETURN_IF_ERROR(s);
  } else {
    std::lock_guard lock(mu_);
    progress_.resumed = true;
  }
  {
    std::lock_guard lock(mu_);
    progress_.target_version = target;
  }
  YISHU_ASSIGN_OR_RETURN(std::unique_ptr<FieldProtector> fp, keys_.ForResource(resource_));

  for (int pass = 1; pass <= options_.max_passes; ++pass) {
    {
      std::lock_guard lock(mu_);
      progress_.passes = pass;
    }
    int64_t old_left = 0;
    for (const auto& t : where_) {
      int64_t from = pass == 1 && start_at.count(t.table) ? start_at[t.table] : 0;
      YISHU_RETURN_IF_ERROR(Pass(*fp, t, from, &old_left, on_progress));
      if (stop_) return Status::Ok();
    }
    // Done when a full scan (not the tail of a resumed one) found nothing under an old version;
    // normally the second pass, which only reads.
    bool full_scan = pass > 1 || start_at.empty() ||
                     std::all_of(start_at.begin(), start_at.end(),
                                 [](const auto& kv) { return kv.second == 0; });
    int64_t unreadable;
    {
      std::lock_guard lock(mu_);
      unreadable = progress_.unreadable;
    }
    if (unreadable > 0)
      return Status::Corruption(std::to_string(unreadable) + " sealed value(s) of " + resource_ +
                                " do not open; old key versions are kept (see the audit trail)");
    if (old_left == 0 && full_scan) {
      Status s = store_.Transact([&](store::Connection& c) -> Status {
        YISHU_RETURN_IF_ERROR(c.Exec("UPDATE wrapped_keys SET state = 'retired' WHERE name = ? "
                                     "AND version < ? AND state <> 'retired'",
                                     {resource_, target})
                                  .status());
        return c
            .Exec(
                "UPDATE key_rotations SET state = 'done', updated_at = ? WHERE resource = ? "
                "AND version = ?",
                {NowMillis(), resource_, target})
            .status();
      });
      YISHU_RETURN_IF_ERROR(s);
      {
        std::lock_guard lock(mu_);
        progress_.done = true;
      }
      Publish(on_progress);
      return Status::Ok();
    }
    // Start the next pass from the beginning of every table.
    YISHU_RETURN_IF_ERROR(store_
                              .Exec("UPDATE key_rotations SET last_id = 0 WHERE resource = ? AND "
                                    "version = ?",
                                    {resource_, target})
                              .status());
  }
  return Status::FailedPrecondition("rotation of " + resource_ +
                                    " still finds values under old "
                                    "key versions after " +
                                    std::to_string(options_.max_passes) +
                                    " passes: a writer keeps sealing with an old version");
}

Status KeyRotation::Pass(FieldProtector& fp, const SealedColumns& t, int64_t from_id,
                         int64_t* old_left,
                         const std::function<void(const RotationProgress&)>& on_progress) {
  int64_t target;
  {
    std::lock_guard lock(mu_);
    target = progress_.target_version;
    progress_.table = t.table;
    progress_.last_id = from_id;
  }
  if (!t.field_sql.empty() && t.columns.size() != 1)
    return Status::InvalidArgument("field_sql needs exactly one sealed column in " + t.table);
  // Columns: id, record id, field name, then the sealed columns.
  std::string select = "SELECT " + t.id_column + ", " +
                       (t.record_id_sql.empty() ? t.id_column : t.record_id_sql) + ", " +
                       (t.field_sql.empty() ? "''" : t.field_sql);
  for (const auto& c : t.columns) select += ", " + c;
  select += " FROM " + t.table + " WHERE " + t.id_column + " > ?";
  if (!t.filter_sql.empty()) select += " AND (" + t.filter_sql + ")";
  select += " ORDER BY " + t.id_column + " LIMIT ?";
  constexpr size_t kFirstSealed = 3;
  struct Change {
    int64_t id;
    size_t col;
    std::string old_value, new_value;
  };
  std::vector<Change> changes;
  std::string plain, sealed;
  int64_t last = from_id;
  while (!stop_) {
    YISHU_ASSIGN_OR_RETURN(store::Rows rows,
                           store_.Query(select, {last, int64_t{options_.batch_size}}));
    if (rows.empty()) break;
    changes.clear();
    int64_t unreadable = 0;
    for (const auto& r : rows) {
      int64_t id = r.Int(0);
      int64_t record_id = r.Int(1);
      for (size_t k = 0; k < t.columns.size(); ++k) {
        const store::Value& v = r[k + kFirstSealed];
        if (v.is_null()) continue;
        const std::string& old = v.AsBytes();
        if (fp.KeyVersionOf(old) == target) continue;
        const std::string field = t.field_sql.empty() ? t.columns[k] : r.Text(2);
        if (!fp.Open(record_id, field, old, &plain).ok()) {
          ++unreadable;  // reported by Open through the integrity observer
          continue;
        }
        YISHU_RETURN_IF_ERROR(fp.Seal(record_id, field, plain, &sealed));
        if (fp.KeyVersionOf(sealed) != target)
          return Status::FailedPrecondition("a newer key version of " + resource_ +
                                            " appeared during rotation; run it again");
        changes.push_back({id, k, old, sealed});
      }
    }
    crypto::Wipe(plain);
    last = rows.back().Int(0);
    int64_t conflicted = 0;
    Status s = store_.Transact([&](store::Connection& c) -> Status {
      conflicted = 0;
      for (const auto& ch : changes) {
        const std::string& col = t.columns[ch.col];
        YISHU_ASSIGN_OR_RETURN(
            int64_t n, c.Exec("UPDATE " + t.table + " SET " + col + " = ? WHERE " + t.id_column +
                                  " = ? AND " + col + " = ?",
                              {store::Blob{ch.new_value}, ch.id, store::Blob{ch.old_value}}));
        if (n == 0) ++conflicted;
      }
      return c
          .Exec(
              "UPDATE key_rotations SET last_id = ?, updated_at = ? WHERE resource = ? AND "
              "version = ? AND table_name = ?",
              {last, NowMillis(), resource_, target, t.table})
          .status();
    });
    YISHU_RETURN_IF_ERROR(s);
    // Everything this pass found under an old key counts, re-sealed or not: a pass is only
    // clean when it found nothing to do, which proves no writer (e.g. in another process that
    // had not yet seen the new version) left old values behind the scan.
    *old_left += static_cast<int64_t>(changes.size()) + unreadable;
    {
      std::lock_guard lock(mu_);
      progress_.last_id = last;
      progress_.rows_scanned += static_cast<int64_t>(rows.size());
      progress_.values_resealed += static_cast<int64_t>(changes.size()) - conflicted;
      progress_.values_conflicted += conflicted;
      progress_.unreadable += unreadable;
    }
    Publish(on_progress);
  }
  return Status::Ok();
}

}  // namespace yishu::security
