// Group commit of data accesses: each access through the sharing API is one audit event plus
// its metering (calls and records per grant, credential and day). Both are written in the same
// transaction, one transaction per group of accesses, and the caller is told only after the
// group has committed — so the API answers with data only once the access is on record, and
// the commit (and its WAL write / fsync) is shared by every request of the group instead of one
// per request.
//
// A single writer thread commits group after group; accesses that arrive while a group commits
// form the next. The completion callbacks run on the writer thread: keep them short (post the
// response to the connection's executor).
//
// An access may bring work to run inside its group's transaction (InTransaction): the look-up
// itself. The record is then read in the very transaction that records the access, and on the
// writer's connection, whose page cache stays warm. (In SQLite's WAL mode a connection drops
// its whole page cache whenever another connection has committed; with the access log
// committing hundreds of times a second, look-ups on other connections would read every page
// from the file again, several system calls per look-up.)
//
// Thread-safe. The writer keeps one pooled connection while it has work and gives it back once
// idle for a moment.
// Failure: a group that fails to commit fails every access in it (each callback gets the
// error; the API then answers 500 and releases no data).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "audit/audit.hpp"
#include "store/store.hpp"

namespace yishu::sharing {

struct Metering {
  int64_t grant_id = 0;  // 0: not metered (refused before a grant was found)
  std::string credential;
  std::string day;  // YYYY-MM-DD (UTC)
  int64_t calls = 0;
  int64_t records = 0;
  int64_t denied = 0;
};

class AccessLog {
 public:
  using Done = std::function<void(const Status&)>;
  // Runs in the group's transaction before the events are appended; it may complete its own
  // access's event and metering (what was found, or why it was refused). It must not fail the
  // group: errors are its own to report (through what it captured) and to put in the event.
  // It may run more than once if the group's transaction is retried.
  using InTransaction =
      std::function<void(store::Connection& tx, audit::AuditEvent& event, Metering& metering)>;
  AccessLog(store::Store& store, audit::AuditLog& log, size_t max_group = 2048);
  // Commits everything queued, then stops.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Submit(audit::AuditEvent event, Metering metering, Done done);
  void Submit(audit::AuditEvent event, Metering metering, InTransaction work, Done done);
  // Submits and waits (management paths and tests).
  Status Append(audit::AuditEvent event, Metering metering);

  struct Stats {
    int64_t accesses = 0;
    int64_t groups = 0;
    int64_t failed = 0;
  };
  Stats stats() const;

 private:
  struct Pending {
    audit::AuditEvent event;
    Metering metering;
    InTransaction work;
    Done done;
  };
  void WriterLoop();
  Status Commit(store::Connection& conn, std::deque<Pending>& group);

  store::Store& store_;
  audit::AuditLog& log_;
  size_t max_group_;
  mutable std::mutex mu_;
  std::condition_variable has_work_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

// Tables: share_usage (grant_id, credential, day) -> calls, records, denied.
inline constexpr const char* kUsageUpsert =
    "INSERT INTO share_usage (grant_id, credential, day, calls, records, denied) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (grant_id, credential, day) DO UPDATE SET "
    "calls = share_usage.calls + excluded.calls, records = share_usage.records + "
    "excluded.records, denied = share_usage.denied + excluded.denied";

}  // namespace yishu::sharing
