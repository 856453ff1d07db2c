// Group commit for audit events (see BatchAppender in audit.hpp).
#include <chrono>

#include "audit/audit.hpp"
#include "common/thread.hpp"

namespace yishu::audit {

BatchAppender::BatchAppender(AuditLog& log, BatchOptions options) : log_(log), options_(options) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  if (options_.max_pending < options_.max_batch) options_.max_pending = options_.max_batch;
  writer_ = std::thread([this] {
    NameThisThread("yishu-auditwr");
    WriterLoop();
  });
}

BatchAppender::~BatchAppender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  has_work_.notify_all();
  has_room_.notify_all();
  writer_.join();
}

std::future<Result<int64_t>> BatchAppender::Submit(AuditEvent event) {
  if (event.at_millis == 0) {
    const Clock* clock = log_.options().clock ? log_.options().clock : Clock::System();
    event.at_millis = clock->NowMillis();  // when it happened, not when its group commits
  }
  std::promise<Result<int64_t>> done;
  auto future = done.get_future();
  {
    std::unique_lock lock(mu_);
    has_room_.wait(lock, [&] { return stopping_ || queue_.size() < options_.max_pending; });
    if (stopping_) {
      done.set_value(Status::FailedPrecondition("the audit batch appender is shutting down"));
      return future;
    }
    queue_.push_back({std::move(event), std::move(done)});
    ++submitted_;
  }
  has_work_.notify_one();
  return future;
}

Result<int64_t> BatchAppender::Append(AuditEvent event) {
  return Submit(std::move(event)).get();
}

void BatchAppender::Flush() {
  std::unique_lock lock(mu_);
  const int64_t target = submitted_;
  progressed_.wait(lock, [&] { return finished_ >= target; });
}

BatchAppender::Stats BatchAppender::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void BatchAppender::WriterLoop() {
  auto lease = log_.store().Acquire();
  std::string restore_sync;
  if (options_.sqlite_synchronous_full && lease->dialect() == store::Dialect::kSqlite) {
    // PRAGMA synchronous is per connection: this one is ours until the appender stops, then
    // goes back to the pool as it was.
    auto cur = lease->QueryOne("PRAGMA synchronous");
    if (cur.ok()) restore_sync = cur->Text(0);
    (void)lease->Exec("PRAGMA synchronous=FULL");
  }

  std::vector<Pending> batch;
  std::vector<AuditEvent> events;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      has_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything submitted has been written
      // Group commit: take whatever accumulated while the previous group was committing.
      const size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    has_room_.notify_all();
    events.clear();
    events.reserve(batch.size());
    for (auto& p : batch) events.push_back(std::move(p.event));

    // The same retry policy as Store::Transact, on the writer's own connection.
    Result<int64_t> first = Status::Internal("not attempted");
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
      Status s = lease->Begin(/*write=*/true);
      if (s.ok()) {
        first = log_.AppendBatch(*lease, events);
        s = first.ok() ? lease->Commit() : first.status();
      }
      if (s.ok()) break;
      (void)lease->Rollback();
      first = s;
      if (!s.Is(ErrorCode::kUnavailable)) break;
    }

    for (size_t i = 0; i < batch.size(); ++i) {
      if (first.ok())
        batch[i].done.set_value(*first + static_cast<int64_t>(i));
      else
        batch[i].done.set_value(first.status());
    }
    {
      std::lock_guard lock(mu_);
      const auto n = static_cast<int64_t>(batch.size());
      finished_ += n;
      if (first.ok()) {
        stats_.events += n;
        ++stats_.batches;
      } else {
        stats_.failed += n;
      }
    }
    batch.clear();
    progressed_.notify_all();
  }
  if (!restore_sync.empty()) (void)lease->Exec("PRAGMA synchronous=" + restore_sync);
}

}  // namespace yishu::audit
