// Data key rotation: re-encrypts a resource's sealed values under a new key version, in the
// background, resumably, while reads and writes go on.
//
// Contract:
//  - Start/RunToCompletion resume an unfinished rotation of the resource if the progress table
//    (`key_rotations`) has one; otherwise they make a new key version current (KeyRing::
//    NewVersion) and re-encrypt towards it.
//  - Rows are visited in id order, ~batch_size per transaction. A value is rewritten with
//    `UPDATE t SET c = new WHERE id = ? AND c = old`, so a value a concurrent writer changed in
//    between is never overwritten (the writer's newer value is already under the current key,
//    or the final check pass picks it up). The last id done is saved in the same transaction.
//  - Reads go on throughout: every old version stays openable. When a whole pass over every
//    table finds nothing left under an older version, the older versions become "retired" and
//    the rotation "done". A pass that still finds stragglers (sealed by a protector in another
//    process that had not yet seen the new version) is followed by another, up to max_passes.
//  - Stop() ends the run after the current batch; nothing is lost and the next run continues
//    from the saved id.
//  - A value that does not open (corrupted) is left as it is, counted in `unreadable`, and
//    reported through the KeyRing's integrity observer; the rotation then fails at the end
//    rather than retiring a key that is still needed to investigate it.
//
// Thread-safety: one KeyRotation per (resource) at a time per process; its progress() may be
// read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.hpp"
#include "security/field_protection.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::security {

// Where a resource's sealed values live: `table` keyed by the integer `id_column`; each of
// `columns` holds sealed values (blob, may be NULL) of the field with that name, sealed with
// the row's id as record id. Tables that bind values otherwise say how:
//  - `record_id_sql`: an SQL expression giving the record id the values were sealed with
//    (default: the id column itself);
//  - `field_sql`: an SQL expression giving the field name they were sealed with (default: the
//    column's name; only with a single column);
//  - `filter_sql`: a condition selecting this resource's rows in a shared table.
// The expressions come from the modules that own the tables, never from user input.
struct SealedColumns {
  std::string table;
  std::string id_column;
  std::vector<std::string> columns;
  std::string record_id_sql;
  std::string field_sql;
  std::string filter_sql;
};

struct RotationOptions {
  int batch_size = 1000;
  int max_passes = 5;
};

struct RotationProgress {
  std::string resource;
  int64_t target_version = 0;
  std::string table;              // table being worked on
  int64_t last_id = 0;            // last id done in `table`
  int64_t rows_scanned = 0;       // in this run
  int64_t values_resealed = 0;    // in this run
  int64_t values_conflicted = 0;  // changed by a writer meanwhile (left to the writer)
  int64_t unreadable = 0;
  int passes = 0;
  bool resumed = false;  // this run continued a rotation saved earlier
  bool done = false;
};

class KeyRotation {
 public:
  KeyRotation(store::Store& store, KeyRing& keys, std::string resource,
              std::vector<SealedColumns> where, RotationOptions options = {});
  ~KeyRotation();  // stops and joins a background run
  KeyRotation(const KeyRotation&) = delete;
  KeyRotation& operator=(const KeyRotation&) = delete;

  // Runs in the calling thread until done, stopped or failed. `on_progress` is called after
  // every batch.
  Status RunToCompletion(const std::function<void(const RotationProgress&)>& on_progress = {});

  // Background run; kFailedPrecondition if one is already running.
  Status Start();
  // Asks the run to end after its current batch and waits for it.
  void Stop();
  // Waits for a background run; its final status.
  Status Wait();
  RotationProgress progress() const;
  // True while a background run started by Start() has not finished.
  bool running() const { return running_.load(); }

 private:
  Status Run(const std::function<void(const RotationProgress&)>& on_progress);
  Status Pass(FieldProtector& fp, const SealedColumns& t, int64_t from_id, int64_t* old_left,
              const std::function<void(const RotationProgress&)>& on_progress);
  void Publish(const std::function<void(const RotationProgress&)>& on_progress);

  store::Store& store_;
  KeyRing& keys_;
  std::string resource_;
  std::vector<SealedColumns> where_;
  RotationOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  mutable std::mutex mu_;
  RotationProgress progress_;
  std::thread thread_;
  Status result_;
};

// The tables behind it (module "keys", version 2; included in KeyMigrations()).
std::vector<store::Migration> RotationMigrations();

// One line per resource with keys: versions and states, and any unfinished rotation.
struct KeyStatus {
  std::string name;
  int64_t version = 0;
  std::string state;
  int64_t created_at = 0;
};
Result<std::vector<KeyStatus>> ListKeys(store::Store& store);

}  // namespace yishu::security
