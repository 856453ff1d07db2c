#include "ingest/lease.hpp"

#include <chrono>

#include "common/thread.hpp"
#include "common/time.hpp"

namespace yishu::ingest {

namespace {

// Takes the lease when it is free or expired, in one statement, so two processes racing for it
// cannot both win: the row comes back only to the winner.
constexpr const char* kTake =
    "INSERT INTO ingest_leases (resource, batch_id, expires_ms) VALUES (?, ?, ?) ON CONFLICT "
    "(resource) DO UPDATE SET batch_id = excluded.batch_id, expires_ms = excluded.expires_ms "
    "WHERE ingest_leases.expires_ms < ? OR ingest_leases.batch_id = excluded.batch_id "
    "RETURNING batch_id";

}  // namespace

ResourceLease::ResourceLease(store::Store& store, std::string resource, int64_t batch_id,
                             int64_t ttl_ms)
    : store_(store), resource_(std::move(resource)), batch_id_(batch_id), ttl_ms_(ttl_ms) {}

Result<std::unique_ptr<ResourceLease>> ResourceLease::Acquire(store::Store& store,
                                                              std::string resource,
                                                              int64_t batch_id,
                                                              LeaseOptions options) {
  const int64_t ttl = std::max<int64_t>(options.ttl_ms, 30);
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.wait_ms);
  auto pause = std::chrono::milliseconds(20);
  for (;;) {
    const int64_t now = NowMillis();
    YISHU_ASSIGN_OR_RETURN(auto won, store.Query(kTake, {resource, batch_id, now + ttl, now}));
    if (!won.empty()) break;
    auto holder = store.Query("SELECT batch_id FROM ingest_leases WHERE resource = ?", {resource});
    const int64_t holder_batch = holder.ok() && !holder->empty() ? (*holder)[0].Int(0) : 0;
    if (options.wait_ms >= 0 && std::chrono::steady_clock::now() >= give_up)
      return Status::Unavailable("resource " + resource + " is being loaded by batch " +
                                 std::to_string(holder_batch) + "; try again when it has finished");
    if (options.on_wait) options.on_wait(holder_batch);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
  std::unique_ptr<ResourceLease> lease(
      new ResourceLease(store, std::move(resource), batch_id, ttl));
  lease->heartbeat_ = std::thread([l = lease.get()] { l->Heartbeat(); });
  return lease;
}

void ResourceLease::Heartbeat() {
  NameThisThread("yishu-inglease");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(ttl_ms_ / 3), [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    const int64_t now = NowMillis();
    // A store that is busy or away for a moment is retried on the next beat; only another
    // holder's row means the lease is gone.
    auto renewed =
        store_.Exec("UPDATE ingest_leases SET expires_ms = ? WHERE resource = ? AND batch_id = ?",
                    {now + ttl_ms_, resource_, batch_id_});
    lock.lock();
    if (renewed.ok() && *renewed == 0) lost_ = true;
  }
}

bool ResourceLease::held() const {
  std::lock_guard lock(mu_);
  return !lost_;
}

Status ResourceLease::Release() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Ok();
    stopping_ = true;
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  return store_
      .Exec("DELETE FROM ingest_leases WHERE resource = ? AND batch_id = ?", {resource_, batch_id_})
      .status();
}

ResourceLease::~ResourceLease() {
  (void)Release();
}

}  // namespace yishu::ingest
