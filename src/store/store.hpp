// The store: one interface over SQLite (embedded default) and PostgreSQL (and compatible
// databases such as openGauss and KingbaseES), with the same behaviour on both.
//
// SQL is written once, in the common subset both dialects accept, with `?` placeholders (the
// PostgreSQL backend renumbers them to $1..$n). Where DDL differs, migrations use the tokens
// {{pk}} (auto-increment 64-bit primary key) and {{blob}} (binary column); see migrations.hpp.
// Both backends support `INSERT ... RETURNING` and `ON CONFLICT ... DO UPDATE`.
//
// Thread-safety: Store is thread-safe. A Connection is used by one thread at a time; take one
// with Store::Acquire() (a pooled lease) or use the Store helpers which do that for you.
// Statements are prepared once per connection and cached by their SQL text.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "store/value.hpp"

namespace yishu::store {

enum class Dialect { kSqlite, kPostgres };
std::string_view DialectName(Dialect d);

struct StoreOptions {
  // "sqlite:/path/to/yishu.db" or a libpq URL "postgresql://user@host:port/db".
  std::string url;
  // Pooled connections (readers and writers). SQLite serialises writers itself.
  int pool_size = 8;
};

// One row of Connection::QueryEachView: values read in place from the driver's buffers, valid
// only during the callback. For bulk scans where copying every value into a Row would cost more
// than the work done on it (audit verification reads millions of rows).
class RowView {
 public:
  virtual ~RowView() = default;
  virtual size_t size() const = 0;
  virtual bool IsNull(size_t i) const = 0;
  virtual int64_t Int(size_t i) const = 0;
  // The bytes of a text or blob value ("" for NULL).
  virtual std::string_view Bytes(size_t i) const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;

  // Runs one statement; returns the number of rows changed.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Streams rows to `on_row` without materialising the result; stop early by returning false.
  virtual Status QueryEach(std::string_view sql, const Params& params,
                           const std::function<bool(const Row&)>& on_row) = 0;
  // The same, handing out views instead of copies. The default goes through QueryEach.
  virtual Status QueryEachView(std::string_view sql, const Params& params,
                               const std::function<bool(const RowView&)>& on_row);
  // Runs several `;`-separated statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
  // Runs CREATE INDEX statements over a large table with settings that suit its sort. The
  // default is ExecScript.
  virtual Status CreateIndexes(std::string_view ddl) { return ExecScript(ddl); }

  // Transactions. `write` asks for the write lock up front (SQLite BEGIN IMMEDIATE), which
  // avoids lock-upgrade deadlocks between concurrent writers.
  virtual Status Begin(bool write) = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool in_transaction() const = 0;

  // Convenience: the first row, or NotFound.
  Result<Row> QueryOne(std::string_view sql, const Params& params = {});
  // Convenience: `INSERT ... RETURNING id` and return the id.
  Result<int64_t> InsertReturningId(std::string_view sql, const Params& params = {});
};

class Store;

// A connection borrowed from the pool; returned when destroyed.
class ConnectionLease {
 public:
  ConnectionLease(Store* store, std::unique_ptr<Connection> conn);
  ConnectionLease(ConnectionLease&&) noexcept = default;
  ConnectionLease& operator=(ConnectionLease&&) noexcept = default;
  ~ConnectionLease();
  Connection* operator->() { return conn_.get(); }
  Connection& operator*() { return *conn_; }

 private:
  Store* store_;
  std::unique_ptr<Connection> conn_;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if needed) the store named by options.url.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  virtual Dialect dialect() const = 0;
  // A description without secrets, for logs ("sqlite:/data/yishu.db", "postgresql://host/db").
  virtual std::string description() const = 0;

  // Borrows a pooled connection (blocks while all are in use).
  virtual ConnectionLease Acquire() = 0;

  // Runs `body` in a transaction: commits when it returns OK, rolls back on an error Status or
  // an exception (which is rethrown). SQLite busy and PostgreSQL serialization failures are
  // retried a few times.
  Status Transact(const std::function<Status(Connection&)>& body, bool write = true);

  // One-statement helpers on a pooled connection.
  Result<int64_t> Exec(std::string_view sql, const Params& params = {});
  Result<Rows> Query(std::string_view sql, const Params& params = {});
  Result<Row> QueryOne(std::string_view sql, const Params& params = {});

  // One page of a list: the rows of `select_sql from_where_sql order_sql` from `offset`, at most
  // `limit` of them, and how many rows `from_where_sql` (a FROM clause with its WHERE) holds in
  // all. `params` are those of from_where_sql.
  struct Page {
    Rows rows;
    int64_t total = 0;
  };
  Result<Page> QueryPage(std::string_view select_sql, std::string_view from_where_sql,
                         const Params& params, std::string_view order_sql, int64_t limit,
                         int64_t offset);

 protected:
  friend class ConnectionLease;
  virtual void Release(std::unique_ptr<Connection> conn) = 0;
};

// Store::Transact on a connection the caller already holds (a writer thread that keeps its
// connection, and with it a warm page cache, from one transaction to the next).
Status TransactOn(Connection& conn, const std::function<Status(Connection&)>& body,
                  bool write = true);

// Backends (used by Store::Open; exposed for tests).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int pool_size);
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int pool_size);

}  // namespace yishu::store
