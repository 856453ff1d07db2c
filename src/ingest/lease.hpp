// One batch at a time per resource, across processes (the server, `yishu ingest`, the inbox
// watcher) and backends.
//
// A batch into an empty table loads without the key's unique index and builds it at the end
// (sorting once instead of inserting a million keys at random places), so while it runs nothing
// in the table guards its keys. The lease is what keeps another batch of the same resource out
// meanwhile. It lives in the store (`ingest_leases`), so a CLI process and the server exclude
// each other, and it expires: a holder renews it from a heartbeat thread, and a holder that died
// loses it `ttl` after its last renewal.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.hpp"
#include "store/store.hpp"

namespace yishu::ingest {

struct LeaseOptions {
  int64_t ttl_ms = 30000;
  // How long to wait for a live holder before giving up (< 0: as long as it stays alive).
  int64_t wait_ms = -1;
  // Called once per wait round with the batch that holds the resource.
  std::function<void(int64_t holder_batch)> on_wait;
};

class ResourceLease {
 public:
  // Waits until no live batch holds `resource`, then holds it for `batch_id` and renews it
  // every ttl/3 until released. kUnavailable when wait_ms passes first.
  static Result<std::unique_ptr<ResourceLease>> Acquire(store::Store& store, std::string resource,
                                                        int64_t batch_id,
                                                        LeaseOptions options = {});
  ResourceLease(const ResourceLease&) = delete;
  ResourceLease& operator=(const ResourceLease&) = delete;
  ~ResourceLease();  // releases

  // False once a renewal found the lease taken by another batch (this holder stalled past the
  // ttl): the holder must stop writing and fail its batch.
  bool held() const;
  // Stops the heartbeat and deletes the lease (idempotent).
  Status Release();

 private:
  ResourceLease(store::Store& store, std::string resource, int64_t batch_id, int64_t ttl_ms);
  void Heartbeat();

  store::Store& store_;
  const std::string resource_;
  const int64_t batch_id_;
  const int64_t ttl_ms_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool lost_ = false;
  std::thread heartbeat_;
};

}  // namespace yishu::ingest
