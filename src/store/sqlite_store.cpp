// SQLite backend: one file in the data directory, WAL, a pool of connections (readers run
// concurrently with one writer), prepared statements cached per connection.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "common/thread.hpp"
#include "store/pool.hpp"
#include "store/store.hpp"
#include "store/timing.hpp"

namespace yishu::store {
namespace {

// Every connection's settings (journal_mode=WAL is set once per file, before these).
constexpr char kSessionSettings[] =
    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
    "PRAGMA cache_size=-65536;";

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Unavailable(msg);
  if (primary == SQLITE_CONSTRAINT) {
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
      return Status::AlreadyExists(msg);
    return Status::InvalidArgument(msg);
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::Corruption(msg);
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN)
    return Status::IoError(msg);
  return Status::Internal(msg);
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st.stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    static auto& hist = StoreHistogram("sqlite", "exec");
    ScopedStoreTimer timer(hist);
    YISHU_ASSIGN_OR_RETURN(Statement * st, Prepare(sql, params));
    sqlite3_stmt* stmt = st->stmt;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "exec");
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    Rows rows;
    Status s = StepEach(sql, params, [&](Statement& st) {
      rows.push_back(RowOf(st));
      return true;
    });
    if (!s.ok()) return s;
    return rows;
  }

  Status QueryEach(std::string_view sql, const Params& params,
                   const std::function<bool(const Row&)>& on_row) override {
    return StepEach(sql, params, [&](Statement& st) { return on_row(RowOf(st)); });
  }

  Status QueryEachView(std::string_view sql, const Params& params,
                       const std::function<bool(const RowView&)>& on_row) override {
    return StepEach(sql, params, [&](Statement& st) { return on_row(StatementRow(st.stmt)); });
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    std::string copy(sql);
    int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return Status::Internal("script: " + msg);
    }
    return Status::Ok();
  }

  // SQLite sorts an index's keys in runs the size of the page cache, in memory or in temp files
  // as temp_store says. Runs of 2 MB spilled to temp files sort a million-row index in half the
  // CPU of runs of 64 MB (the connection's cache) or of an in-memory temp store, whose merge
  // reads are slow. The keys of an index are what the table already holds in the clear (blind
  // indexes, not values of sealed fields).
  Status CreateIndexes(std::string_view ddl) override {
    YISHU_RETURN_IF_ERROR(ExecScript("PRAGMA temp_store=FILE; PRAGMA cache_size=-2000;"));
    Status built = ExecScript(ddl);
    Status restored = ExecScript(kSessionSettings);
    return built.ok() ? restored : built;
  }

  Status Begin(bool write) override {
    auto r = Exec(write ? "BEGIN IMMEDIATE" : "BEGIN", {});
    if (!r.ok()) return r.status();
    in_tx_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    auto r = Exec("COMMIT", {});
    if (!r.ok()) return r.status();
    in_tx_ = false;
    return Status::Ok();
  }
  Status Rollback() override {
    in_tx_ = false;
    if (sqlite3_get_autocommit(db_)) return Status::Ok();
    auto r = Exec("ROLLBACK", {});
    return r.ok() ? Status::Ok() : r.status();
  }
  bool in_transaction() const override { return in_tx_; }

 private:
  // A prepared statement kept for reuse, with its result's column names: shared by every Row it
  // returns, instead of a list of names allocated per query (and freed by whichever thread
  // drops the last row).
  struct Statement {
    sqlite3_stmt* stmt = nullptr;
    std::shared_ptr<const std::vector<std::string>> columns;
    int reprepared = -1;  // SQLite's re-prepare count when `columns` were read
  };

  // A schema change re-prepares a statement behind our back, and `SELECT *` may then name other
  // columns: the names are read again whenever SQLite's re-prepare count moved.
  static const std::shared_ptr<const std::vector<std::string>>& ColumnsOf(Statement& st) {
    const int reprepared = sqlite3_stmt_status(st.stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
    if (!st.columns || reprepared != st.reprepared) {
      auto names = std::make_shared<std::vector<std::string>>();
      const int ncol = sqlite3_column_count(st.stmt);
      for (int i = 0; i < ncol; ++i) names->emplace_back(sqlite3_column_name(st.stmt, i));
      st.columns = std::move(names);
      st.reprepared = reprepared;
    }
    return st.columns;
  }

  static Row RowOf(Statement& st) {
    const auto& columns = ColumnsOf(st);
    const int ncol = static_cast<int>(columns->size());
    std::vector<Value> values;
    values.reserve(ncol);
    for (int i = 0; i < ncol; ++i) values.push_back(ColumnValue(st.stmt, i));
    return Row(columns, std::move(values));
  }

  Result<Statement*> Prepare(std::string_view sql, const Params& params) {
    Statement* st;
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      st = &it->second;
    } else {
      sqlite3_stmt* prepared;
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &prepared, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare '" + std::string(sql) + "'");
      st = &cache_.emplace(std::string(sql), Statement{prepared, nullptr, -1}).first->second;
    }
    sqlite3_stmt* stmt = st->stmt;
    sqlite3_clear_bindings(stmt);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      return Status::Internal("statement expects " +
                              std::to_string(sqlite3_bind_parameter_count(stmt)) +
                              " parameters, got " + std::to_string(params.size()));
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const auto& v = params[i].variant();
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, idx, *d);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text64(stmt, idx, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
      } else if (auto* b = std::get_if<Blob>(&v)) {
        rc = sqlite3_bind_blob64(stmt, idx, b->bytes.data(), b->bytes.size(), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
    }
    return st;
  }

  // Prepares, binds and steps `sql`, handing each row to `on_step` until it returns false; the
  // statement is reset however the loop ends.
  template <class OnStep>
  Status StepEach(std::string_view sql, const Params& params, OnStep&& on_step) {
    static auto& hist = StoreHistogram("sqlite", "query");
    ScopedStoreTimer timer(hist);
    YISHU_ASSIGN_OR_RETURN(Statement * st, Prepare(sql, params));
    sqlite3_stmt* stmt = st->stmt;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      bool more = true;
      try {
        more = on_step(*st);
      } catch (...) {
        sqlite3_reset(stmt);
        throw;
      }
      if (!more) {
        rc = SQLITE_DONE;
        break;
      }
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "query");
    return Status::Ok();
  }

  // The current row of a stepped statement, read in place.
  class StatementRow final : public RowView {
   public:
    explicit StatementRow(sqlite3_stmt* stmt) : stmt_(stmt), size_(sqlite3_column_count(stmt)) {}
    size_t size() const override { return size_; }
    bool IsNull(size_t i) const override {
      return sqlite3_column_type(stmt_, Column(i)) == SQLITE_NULL;
    }
    int64_t Int(size_t i) const override { return sqlite3_column_int64(stmt_, Column(i)); }
    std::string_view Bytes(size_t i) const override {
      // blob first, then bytes: the documented order that converts no value twice.
      const void* p = sqlite3_column_blob(stmt_, Column(i));
      const int n = sqlite3_column_bytes(stmt_, Column(i));
      return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
               : std::string_view();
    }

   private:
    int Column(size_t i) const {
      if (i >= size_) throw std::out_of_range("column " + std::to_string(i));
      return static_cast<int>(i);
    }
    sqlite3_stmt* stmt_;
    size_t size_;
  };

  static Value ColumnValue(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        return Value(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(stmt, i));
      case SQLITE_TEXT: {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        return Value(std::string(p, sqlite3_column_bytes(stmt, i)));
      }
      case SQLITE_BLOB: {
        auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
        return Value(Blob{std::string(p ? p : "", sqlite3_column_bytes(stmt, i))});
      }
      default:
        return Value();
    }
  }

  sqlite3* db_;
  bool in_tx_ = false;
  // Looked up by the caller's string_view, without copying the SQL text into a key each time.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, Statement, SqlHash, std::equal_to<>> cache_;
};

// WAL checkpoints off the commit path. With SQLite's automatic checkpoint, the commit that
// crosses the WAL threshold copies the WAL back into the database and fsyncs it inline, and
// everything waiting on that commit (a group of sharing requests, of audit events) waits for
// the disk. The store's connections turn the automatic checkpoint off and report WAL growth
// through the WAL hook; this thread checkpoints on its own connection (PASSIVE: never waits for
// or blocks readers and writers) once the WAL passes kPages, or every second while any commit
// is not checkpointed yet.
class Checkpointer {
 public:
  static constexpr int kPages = 1000;  // SQLite's own automatic threshold

  explicit Checkpointer(std::string path) : path_(std::move(path)) {
    thread_ = std::thread([this] {
      MarkBackgroundThread("yishu-walckpt");
      Loop();
    });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  static int WalHook(void* self, sqlite3*, const char*, int pages) {
    static_cast<Checkpointer*>(self)->Committed(pages);
    return SQLITE_OK;
  }

 private:
  // `wal_frames`: frames in the WAL after this commit. A WAL that readers keep from restarting
  // stays long after a checkpoint; only frames added since the last checkpoint count.
  void Committed(int wal_frames) {
    bool wake;
    {
      std::lock_guard lock(mu_);
      if (wal_frames < checkpointed_frames_) checkpointed_frames_ = 0;  // the WAL restarted
      pending_ = true;
      wake = wal_frames - checkpointed_frames_ >= kPages && !due_;
      if (wake) due_ = true;
    }
    if (wake) cv_.notify_one();
  }

  void Loop() {
    sqlite3* db = nullptr;
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || due_; });
      if (!pending_) continue;
      pending_ = false;
      lock.unlock();
      // A connection checkpoints only once it has seen the file is in WAL mode.
      if (!db &&
          (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           nullptr) != SQLITE_OK ||
           sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK)) {
        sqlite3_close_v2(db);
        db = nullptr;
      }
      int wal_frames = 0, checkpointed = 0;
      // A failure (the file is busy or gone) leaves the work to the next round.
      if (db)
        (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                        &checkpointed);
      lock.lock();
      due_ = false;
      checkpointed_frames_ = std::max(checkpointed, 0);
    }
    lock.unlock();
    if (db) sqlite3_close_v2(db);
  }

  std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;  // a commit since the last checkpoint
  bool due_ = false;      // kPages frames since the last checkpoint
  int checkpointed_frames_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

// Waiting for another connection's write lock, for up to 10 s. SQLite's own busy timeout backs
// off to sleeps of 25-100 ms, so a writer that finds the lock taken by a short transaction (a
// group commit, an audit index batch: a few milliseconds) would sleep many times longer than
// the lock is held, and every request queued behind it with it. This polls at 0.2 ms for the
// first 20 ms, then every 2 ms.
int WaitForLock(void*, int attempts) {
  constexpr int kFastAttempts = 100;
  constexpr auto kFast = std::chrono::microseconds(200);
  constexpr auto kSlow = std::chrono::milliseconds(2);
  constexpr auto kLimit = std::chrono::seconds(10);
  if (attempts >= kFastAttempts + (kLimit - kFastAttempts * kFast) / kSlow) return 0;
  std::this_thread::sleep_for(attempts < kFastAttempts ? kFast : std::chrono::microseconds(kSlow));
  return 1;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, int pool_size)
      : path_(std::move(path)),
        checkpointer_(path_),
        pool_([this] { return OpenConnection(); }, pool_size) {}

  Result<std::unique_ptr<Connection>> OpenConnection() {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path_.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Status s = SqliteError(db, rc, "open " + path_);
      sqlite3_close_v2(db);
      return s;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_handler(db, &WaitForLock, nullptr);
    auto conn = std::make_unique<SqliteConnection>(db);
    Status s = conn->ExecScript(std::string("PRAGMA journal_mode=WAL; ") + kSessionSettings);
    if (!s.ok()) return s.WithContext("configuring " + path_);
    // Replaces the automatic checkpoint (see Checkpointer).
    sqlite3_wal_hook(db, &Checkpointer::WalHook, &checkpointer_);
    return std::unique_ptr<Connection>(std::move(conn));
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string description() const override { return "sqlite:" + path_; }
  ConnectionLease Acquire() override { return ConnectionLease(this, pool_.Take()); }

  Status Init() {
    auto first = OpenConnection();
    if (!first.ok()) return first.status();
    // Fail early on a file that is not a database.
    auto check = (*first)->Query("SELECT count(*) FROM sqlite_master");
    if (!check.ok()) return check.status().WithContext(path_);
    pool_.Seed(std::move(first).value());
    return Status::Ok();
  }

 protected:
  void Release(std::unique_ptr<Connection> conn) override { pool_.Give(std::move(conn)); }

 private:
  std::string path_;
  Checkpointer checkpointer_;  // outlives the pool, whose connections call it
  ConnectionPool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int pool_size) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    return Status::IoError("directory of the store does not exist: " + parent.string());
  auto store = std::make_unique<SqliteStore>(path, pool_size < 1 ? 1 : pool_size);
  YISHU_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace yishu::store
