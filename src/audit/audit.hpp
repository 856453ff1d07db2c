// The audit trail: an append-only, hash-chained log of every access and change, with periodic
// SM2-signed checkpoints (issue 4, item 3).
//
// Chain. Entries are numbered seq = 1, 2, 3, ... without gaps. Each stores
//     hash_seq = SM3(hash_{seq-1} || Encode(entry_seq)),   hash_0 = 32 zero bytes,
// where Encode is the canonical encoding below. The encoding covers seq and at_millis, so an
// entry moved to another position (reordered, or re-numbered after a deletion) no longer
// matches its hash, and a deleted entry leaves a gap in seq.
//
// Canonical encoding of one entry (all integers big-endian; str(x) = u32(len(x)) || x):
//     "YSA1" || u64(seq) || i64(at_millis)
//     || str(actor) || str(role) || str(department) || str(action) || str(resource)
//     || str(fields) || i64(record_count) || str(purpose) || str(client) || str(result)
//     || str(detail)
// Every value is the stored column, byte for byte: `fields` is the compact JSON array of the
// field names ("[]" when none), `detail` the compact JSON of AuditEvent::detail ("" when null).
// Strings are stored as valid UTF-8 without NUL (invalid sequences and NUL become U+FFFD before
// hashing, because PostgreSQL TEXT refuses them and an event must never fail to be recorded
// for the bytes a client sent). Verification therefore needs no JSON parsing.
//
// Checkpoints. Every `checkpoint_every_entries` entries, or on the first append after
// `checkpoint_every_millis`, and whenever Checkpoint() is called, the head is signed with SM2
// (ID kSm2DefaultId) over
//     "YSC1" || u64(seq) || hash_seq (32 bytes) || i64(at_millis) || u64(prev_checkpoint_seq)
//     || str(key_id)
// and stored in `audit_checkpoints`, in the same transaction as the entry that made it due.
// prev_checkpoint_seq links the checkpoints, so deleting one in the middle is detected.
//
// Signing key. The SM2 key pair is created on first use and stored in `audit_keys`; its private
// scalar is wrapped with SM4-GCM under a key derived from the caller's `signing_kek`
// (HKDF-SM3, info "yishu/audit/signing-key-wrap/v1"). Verify trusts a key only when its wrapped
// private key unwraps under that KEK and yields the stored public key, so a forger who writes
// their own key pair and re-signs checkpoints is caught without any out-of-band public key.
//
// What Verify detects (and what it cannot). With write access to the database an attacker can:
//  - alter, delete, insert or reorder entries without re-hashing: caught at the first entry
//    whose hash or seq does not follow (named exactly for an altered or reordered entry; a
//    deleted entry is named as the gap). If the attacker re-hashes an altered entry k but not
//    the rest, the break shows at k+1 (the message says "k+1, or k re-hashed").
//  - rewrite and re-hash the whole chain from entry k on: caught by the first signed checkpoint
//    at or after k (named as the range between the last matching checkpoint and it). Entries
//    after the newest checkpoint are protected by the chain only: anyone who knows this format
//    can re-hash them. Frequent checkpoints bound that window.
//  - truncate the tail: caught while `audit_head` (updated with every append) still names the
//    old head, or any checkpoint lies beyond the new end. An attacker who also rewinds
//    `audit_head` and deletes the checkpoints after the cut has rolled the log back to an
//    earlier, genuinely signed state: no check inside the database can tell. Catching that
//    needs a witness outside it: pass a checkpoint seen earlier (exported with the public key,
//    written to the operations log, ...) as VerifyOptions::anchor_seq/anchor_hash, and Verify
//    fails if the log no longer contains it.
//
// Concurrency. One linear chain however many threads, processes and connections append: the
// append updates the single row of `audit_head` first (`UPDATE ... SET seq = seq + n ...
// RETURNING`), which in PostgreSQL takes a row lock held until the caller's transaction ends
// and in SQLite needs the write lock (use Store::Transact(..., write = true)). Consequence: an
// open transaction that has appended holds back every other append until it commits, so append
// the audit event last, just before committing. Appends and Verify may run concurrently (Verify
// checks the head as of its start).
//
// Search index. The append path writes audit_events only, whose rows arrive in seq order and so
// fill pages one after another: a commit writes few pages. Indexes by actor, resource and
// action would each take a random page per event (measured: 2.6x fewer durable appends), so
// those columns are indexed in `audit_index` instead, by IndexPending() in large batches after
// the fact (a background thread when index_in_background). Search stays complete meanwhile:
// entries above `audit_index_state.indexed_upto` are scanned directly (a short range of the
// primary key). The index is derived data: Verify does not rely on it, and RebuildIndex
// recreates it from the log.
//
// Thread-safety: AuditLog and BatchAppender are thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "common/time.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace yishu::audit {

struct AuditEvent {
  std::string actor;       // username or credential id ("system" for the platform itself)
  std::string role;        // platform_admin, dept_steward, ...
  std::string department;  // department code of the actor
  // "login", "login_failed", "read", "write", "grant", "config", "key_change",
  // "catalogue.update", ...
  std::string action;
  std::string resource;             // resource code or object name, may be empty
  std::vector<std::string> fields;  // fields touched, may be empty
  int64_t record_count = 0;
  std::string purpose;
  std::string client;         // client address
  std::string result = "ok";  // "ok", "denied", "error", ...
  nlohmann::json detail;      // extra, may be null
  int64_t at_millis = 0;      // 0 = now
  // The stored texts of `fields` (a JSON array of strings) and `detail` (a JSON object), for
  // hot paths that have them ready (a cached list, an object written by hand on the caller's
  // thread) instead of a list and a JSON value for the writer to serialize. Used instead of
  // `fields` / `detail` when not empty; AddDetail keeps the two forms of detail consistent.
  std::string fields_json;
  std::string detail_json;
};

// Sets `key` in the event's detail, whichever form it is held in.
void AddDetail(AuditEvent& event, const std::string& key, nlohmann::json value);

// An entry as stored: its position in the chain, the event (at_millis filled in) and its hash.
struct StoredEvent {
  int64_t seq = 0;
  AuditEvent event;
  std::string hash_hex;  // hash_seq, 64 hex chars
};

// Search filters; empty strings and unset optionals do not filter. Newest first (seq
// descending). Page with limit/offset, or keyset-style with after_seq: pass the smallest seq of
// the previous page to get the entries that follow it in this newest-first order (seq <
// after_seq), which stays stable while new entries arrive.
struct AuditQuery {
  std::string actor;
  std::string resource;
  std::string action;
  std::string result;
  std::string department;
  std::optional<int64_t> from_millis;  // at_millis >= from_millis
  std::optional<int64_t> to_millis;    // at_millis < to_millis
  std::optional<int64_t> after_seq;    // seq < after_seq
  int64_t limit = 100;                 // 1..1000 (clamped)
  int64_t offset = 0;
};

struct AuditOptions {
  // Sign the head when this many entries follow the previous checkpoint (0 = never by count).
  int64_t checkpoint_every_entries = 10000;
  // ... or on the first append this long after the previous checkpoint (0 = never by time).
  int64_t checkpoint_every_millis = 60000;
  // Also run a thread that signs the head every checkpoint_every_millis when it has moved, so
  // the tail of a quiet log does not stay unsigned until the next append.
  bool checkpoint_timer = false;
  // Run a thread that moves new entries into the search index (see "Search index" above)
  // every index_every_millis, at most index_batch entries per transaction. A batch holds the
  // store's write lock (SQLite) for its whole transaction, about 2.3 µs per entry here, and
  // every appender waits that long: 5,000 per batch put 9-14 ms into the sharing API's p99.
  bool index_in_background = false;
  int64_t index_every_millis = 2000;
  int64_t index_batch = 500;
  // Clock for at_millis and checkpoint times (tests move it); nullptr = system clock.
  const Clock* clock = nullptr;
  // Threads reading and hashing during Verify (0 = hardware concurrency, at most 8). Each holds
  // one pooled connection while it works.
  int verify_threads = 0;
  // Entries per unit of work during Verify (tests make it small to cross chunk boundaries).
  int64_t verify_chunk = 1 << 16;
};

struct VerifyOptions {
  // A checkpoint known from outside the database (see "truncate the tail" above): when set,
  // Verify fails unless entry anchor_seq exists and its hash equals anchor_hash_hex.
  int64_t anchor_seq = 0;
  std::string anchor_hash_hex;
};

struct VerifyProblem {
  int64_t seq = 0;   // the first entry (or checkpoint seq) concerned
  std::string kind;  // "altered", "missing", "truncated", "beyond_head", "head_mismatch",
                     // "rewritten", "checkpoint_signature", "checkpoint_key",
                     // "checkpoint_missing", "checkpoint_beyond_end", "anchor"
  std::string message;
};

struct VerifyReport {
  int64_t head_seq = 0;         // as recorded in audit_head when Verify started
  std::string head_hash_hex;    // "" for an empty log
  int64_t entries_checked = 0;  // entries hashed
  int64_t checkpoints_checked = 0;
  int64_t last_checkpoint_seq = 0;      // newest checkpoint (0 if none)
  int64_t unsigned_tail = 0;            // entries after the newest checkpoint
  std::string public_key_hex;           // the trusted signing key (first one)
  std::vector<VerifyProblem> problems;  // sorted by seq; at most 100 kept
  int64_t problem_count = 0;            // all problems found, including those not kept
  std::vector<std::string> warnings;    // not failures (e.g. a checkpoint overdue)
  double seconds = 0;
  bool ok() const { return problem_count == 0; }
  int64_t first_bad_seq() const { return problems.empty() ? 0 : problems.front().seq; }
  nlohmann::json ToJson() const;
};

// Migrations of module "audit": audit_events, audit_head, audit_checkpoints, audit_keys.
std::vector<store::Migration> AuditMigrations();

class AuditLog {
 public:
  // `store` outlives the log and has AuditMigrations() applied. `signing_kek` is 32 raw bytes
  // (the key hierarchy of the security core provides it); a wrong KEK for an existing store
  // makes checkpointing and PublicKeyHex() fail with kFailedPrecondition, so call
  // PublicKeyHex() at start-up to refuse to run with it. Does not touch the store.
  AuditLog(store::Store& store, std::string signing_kek, AuditOptions options = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends inside the caller's open transaction (kFailedPrecondition if none), so an action
  // and its audit event commit together, or neither does. Returns the new entry's seq. May sign
  // a checkpoint in the same transaction (about a millisecond, once per checkpoint interval).
  Result<int64_t> Append(store::Connection& tx, const AuditEvent& event);
  // Convenience: its own write transaction.
  Result<int64_t> Append(const AuditEvent& event);
  // Appends several events as consecutive entries inside the caller's transaction; returns the
  // seq of the first. This is what BatchAppender commits per group.
  Result<int64_t> AppendBatch(store::Connection& tx, std::span<const AuditEvent> events);

  // Verifies the whole chain, the head and every checkpoint signature. OK, or kCorruption whose
  // message names the first bad entry (seq) and why; details carry {"seq", "kind"}. Other
  // codes are I/O failures (nothing was concluded). Streams the log; safe during appends.
  Status Verify(VerifyReport* report = nullptr);
  Status Verify(const VerifyOptions& options, VerifyReport* report = nullptr);

  // By actor, resource, action, department, result, time range; newest first; paged. Complete
  // whether or not the newest entries are indexed yet.
  Result<std::vector<StoredEvent>> Search(const AuditQuery& q);

  // Indexes up to `max_entries` entries not yet in the search index, in one write
  // transaction; returns how many it indexed (0 when up to date).
  Result<int64_t> IndexPending(int64_t max_entries);
  // The last seq the search index covers.
  Result<int64_t> IndexedUpTo();
  // Drops and recreates the search index from audit_events (after tampering with the index,
  // or to check it): returns the number of entries indexed.
  Result<int64_t> RebuildIndex();

  // The current signing public key (04||X||Y hex), creating the key pair if there is none.
  Result<std::string> PublicKeyHex();
  // The same as a PEM SubjectPublicKeyInfo, for `openssl`/GmSSL users.
  Result<std::string> PublicKeyPem();

  // Signs the current head now (no-op when the newest checkpoint already covers it).
  Status Checkpoint();

  const AuditOptions& options() const { return options_; }
  store::Store& store() { return store_; }

 private:
  struct Key;
  struct Head;
  Result<Head> LockHead(store::Connection& tx, int64_t advance);
  Status SignCheckpoint(store::Connection& tx, Head& head);
  Result<std::shared_ptr<const Key>> SigningKey(store::Connection& tx);
  int64_t Now() const;
  // Calls tick every period until the log is destroyed (on the calling thread).
  void RunEvery(int64_t period_millis, const std::function<void()>& tick);

  store::Store& store_;
  std::string wrap_key_;  // 16-byte SM4 key derived from the KEK; wiped in the destructor
  AuditOptions options_;
  std::mutex key_mu_;
  std::shared_ptr<const Key> key_;  // cached signing key (loaded or created on first use)
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
  std::thread indexer_;
};

// Group commit: collects events from many threads and appends them in one transaction per
// group, so the fsync (or WAL write) per commit is shared. A single writer thread commits
// group after group; events that arrive while a group commits form the next one. Use it for
// events that need not commit with an action of their own (reads through the API, logins);
// actions that must commit atomically with their record use AuditLog::Append(tx, ...).
//
// Thread-safe. The writer holds one pooled connection for the appender's lifetime.
// Failure: a group that fails to commit (after the store's retries) fails every event in it;
// nothing of it is written.
struct BatchOptions {
  size_t max_batch = 4096;       // events per transaction at most
  size_t max_pending = 1 << 17;  // Submit blocks while this many events wait (back-pressure)
  // SQLite only: run the writer's connection with PRAGMA synchronous=FULL (fsync at every
  // commit; the store's default NORMAL in WAL mode survives a process crash, not power loss).
  bool sqlite_synchronous_full = false;
};

class BatchAppender {
 public:
  explicit BatchAppender(AuditLog& log, BatchOptions options = {});
  // Commits everything already submitted, then stops.
  ~BatchAppender();
  BatchAppender(const BatchAppender&) = delete;
  BatchAppender& operator=(const BatchAppender&) = delete;

  // Queues the event (at_millis stamped now if 0); the future yields its seq once its group has
  // committed, or the error that failed the group.
  std::future<Result<int64_t>> Submit(AuditEvent event);
  // Submit and wait: returns when the event is durable.
  Result<int64_t> Append(AuditEvent event);
  // Waits until everything submitted before the call has committed (or failed).
  void Flush();

  struct Stats {
    int64_t events = 0;   // committed
    int64_t batches = 0;  // committed transactions
    int64_t failed = 0;   // events whose group failed
  };
  Stats stats() const;

 private:
  struct Pending {
    AuditEvent event;
    std::promise<Result<int64_t>> done;
  };
  void WriterLoop();

  AuditLog& log_;
  BatchOptions options_;
  mutable std::mutex mu_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::condition_variable progressed_;
  std::deque<Pending> queue_;
  int64_t submitted_ = 0;  // events ever queued
  int64_t finished_ = 0;   // events committed or failed
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

// For `yishu audit verify`: runs Verify and prints a human summary (entries, checkpoints, head,
// public key, then each problem with its seq, first bad entry first). Returns Verify's status;
// the CLI exits non-zero unless it is OK.
Status VerifyAndReport(AuditLog& log, std::ostream& out, const VerifyOptions& options = {});

}  // namespace yishu::audit
