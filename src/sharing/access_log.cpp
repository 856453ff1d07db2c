#include "sharing/access_log.hpp"

#include <future>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "common/thread.hpp"

namespace yishu::sharing {

AccessLog::AccessLog(store::Store& store, audit::AuditLog& log, size_t max_group)
    : store_(store), log_(log), max_group_(max_group) {
  writer_ = std::thread([this] {
    NameThisThread("yishu-access");
    WriterLoop();
  });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  has_work_.notify_all();
  writer_.join();
}

void AccessLog::Submit(audit::AuditEvent event, Metering metering, Done done) {
  Submit(std::move(event), std::move(metering), nullptr, std::move(done));
}

void AccessLog::Submit(audit::AuditEvent event, Metering metering, InTransaction work, Done done) {
  if (event.at_millis == 0) event.at_millis = NowMillis();
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back({std::move(event), std::move(metering), std::move(work), std::move(done)});
  }
  // A writer that is busy takes the whole queue when it comes back: waking it again is a
  // system call for nothing.
  if (was_empty) has_work_.notify_one();
}

Status AccessLog::Append(audit::AuditEvent event, Metering metering) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  Submit(std::move(event), std::move(metering),
         [promise](const Status& s) { promise->set_value(s); });
  return future.get();
}

AccessLog::Stats AccessLog::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Status AccessLog::Commit(store::Connection& conn, std::deque<Pending>& group) {
  // The events move into one contiguous batch for the audit log (no copy of each).
  std::vector<audit::AuditEvent> events;
  events.reserve(group.size());
  for (auto& p : group) events.push_back(std::move(p.event));
  return store::TransactOn(conn, [&](store::Connection& tx) -> Status {
    for (size_t i = 0; i < group.size(); ++i) {
      Pending& p = group[i];
      if (!p.work) continue;
      try {
        p.work(tx, events[i], p.metering);
      } catch (const std::exception& e) {
        events[i].result = "error";
        audit::AddDetail(events[i], "error", std::string("Internal: ") + e.what());
      }
    }
    // Metering summed per (grant, credential, day): one upsert per key and group.
    std::map<std::tuple<int64_t, std::string, std::string>, Metering> usage;
    for (auto& p : group) {
      if (p.metering.grant_id == 0) continue;
      auto& u = usage[{p.metering.grant_id, p.metering.credential, p.metering.day}];
      u.calls += p.metering.calls;
      u.records += p.metering.records;
      u.denied += p.metering.denied;
    }
    for (const auto& [key, u] : usage) {
      const auto& [grant, credential, day] = key;
      YISHU_RETURN_IF_ERROR(
          tx.Exec(kUsageUpsert, {grant, credential, day, u.calls, u.records, u.denied}).status());
    }
    // The audit head is locked last, so other appenders wait only for the commit itself.
    return log_.AppendBatch(tx, events).status();
  });
}

void AccessLog::WriterLoop() {
  // Kept from group to group while there is work (a warm page cache); given back to the pool
  // after a moment without work, so an idle access log holds no connection.
  std::optional<store::ConnectionLease> lease;
  constexpr auto kLinger = std::chrono::milliseconds(200);
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (lease && !has_work_.wait_for(lock, kLinger, ready)) {
        lock.unlock();
        lease.reset();
        continue;
      }
      has_work_.wait(lock, ready);
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Status s;
    try {
      if (!lease) lease.emplace(store_.Acquire());
      s = Commit(**lease, group);
    } catch (const std::exception& e) {
      s = Status::Internal(std::string("committing accesses: ") + e.what());
    }
    if (!s.ok()) lease.reset();  // a broken connection is not kept
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (s.ok()) {
        stats_.accesses += static_cast<int64_t>(group.size());
        stats_.groups += 1;
      } else {
        stats_.failed += static_cast<int64_t>(group.size());
      }
    }
    for (auto& p : group)
      if (p.done) p.done(s);
  }
}

}  // namespace yishu::sharing
