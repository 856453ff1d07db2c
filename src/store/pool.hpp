// A blocking pool of connections shared by both backends.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "store/store.hpp"

namespace yishu::store {

class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;
  ConnectionPool(Factory factory, int max_size) : factory_(std::move(factory)), max_(max_size) {}

  // Returns an idle connection, opens a new one while under the limit, or waits.
  std::unique_ptr<Connection> Take() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      if (open_ < max_) {
        ++open_;
        lock.unlock();
        auto c = factory_();
        if (!c.ok()) {
          std::lock_guard relock(mu_);
          --open_;
          throw Error(c.status());
        }
        return std::move(c).value();
      }
      cv_.wait(lock);
    }
  }

  void Give(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  void Seed(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    ++open_;
    idle_.push_back(std::move(c));
  }

 private:
  Factory factory_;
  int max_;
  int open_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace yishu::store
