#include "store/store.hpp"

#include <charconv>
#include <chrono>
#include <thread>

#include "common/strings.hpp"

namespace yishu::store {

std::string_view DialectName(Dialect d) {
  return d == Dialect::kSqlite ? "sqlite" : "postgresql";
}

int64_t Value::AsInt(int64_t fallback) const {
  if (auto* i = std::get_if<int64_t>(&v_)) return *i;
  if (auto* d = std::get_if<double>(&v_)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v_)) {
    int64_t out;
    if (ParseInt64(*s, &out)) return out;
  }
  return fallback;
}

double Value::AsDouble(double fallback) const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v_)) {
    double out;
    if (ParseDouble(*s, &out)) return out;
  }
  return fallback;
}

std::string Value::AsText(std::string fallback) const {
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  if (auto* i = std::get_if<int64_t>(&v_)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v_)) {
    // Shortest text that reads back as the same double (std::to_string keeps six decimals, so
    // a double sent to PostgreSQL as a parameter lost precision).
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, *d).ptr;
    return std::string(buf, end);
  }
  if (auto* b = std::get_if<Blob>(&v_)) return b->bytes;
  return fallback;
}

const std::string& Value::AsBytes() const {
  static const std::string kEmpty;
  if (auto* b = std::get_if<Blob>(&v_)) return b->bytes;
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  return kEmpty;
}

const Value& Row::operator[](std::string_view name) const {
  const auto& cols = *columns_;
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i] == name) return values_[i];
  throw std::out_of_range("no column named " + std::string(name));
}

namespace {

class RowViewOfRow final : public RowView {
 public:
  explicit RowViewOfRow(const Row& row) : row_(row) {}
  size_t size() const override { return row_.size(); }
  bool IsNull(size_t i) const override { return row_.IsNull(i); }
  int64_t Int(size_t i) const override { return row_.Int(i); }
  std::string_view Bytes(size_t i) const override {
    return row_.IsNull(i) ? std::string_view() : std::string_view(row_[i].AsBytes());
  }

 private:
  const Row& row_;
};

}  // namespace

Status Connection::QueryEachView(std::string_view sql, const Params& params,
                                 const std::function<bool(const RowView&)>& on_row) {
  return QueryEach(sql, params, [&](const Row& row) { return on_row(RowViewOfRow(row)); });
}

Result<Row> Connection::QueryOne(std::string_view sql, const Params& params) {
  YISHU_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.empty()) return Status::NotFound("no row");
  return std::move(rows.front());
}

Result<int64_t> Connection::InsertReturningId(std::string_view sql, const Params& params) {
  YISHU_ASSIGN_OR_RETURN(Row row, QueryOne(sql, params));
  return row.Int(0);
}

ConnectionLease::ConnectionLease(Store* store, std::unique_ptr<Connection> conn)
    : store_(store), conn_(std::move(conn)) {}

ConnectionLease::~ConnectionLease() {
  if (conn_ && store_) {
    if (conn_->in_transaction()) (void)conn_->Rollback();
    store_->Release(std::move(conn_));
  }
}

namespace {
bool IsRetryable(const Status& s) {
  return s.code() == ErrorCode::kUnavailable;
}
}  // namespace

Status TransactOn(Connection& conn, const std::function<Status(Connection&)>& body, bool write) {
  Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
    Status s = conn.Begin(write);
    if (!s.ok()) {
      last = s;
      if (IsRetryable(s)) continue;
      return s;
    }
    try {
      s = body(conn);
    } catch (...) {
      (void)conn.Rollback();
      throw;
    }
    if (!s.ok()) {
      (void)conn.Rollback();
      if (IsRetryable(s)) {
        last = s;
        continue;
      }
      return s;
    }
    s = conn.Commit();
    if (s.ok()) return s;
    (void)conn.Rollback();
    last = s;
    if (!IsRetryable(s)) return s;
  }
  return last;
}

Status Store::Transact(const std::function<Status(Connection&)>& body, bool write) {
  auto lease = Acquire();
  return TransactOn(*lease, body, write);
}

Result<int64_t> Store::Exec(std::string_view sql, const Params& params) {
  auto lease = Acquire();
  return lease->Exec(sql, params);
}

Result<Rows> Store::Query(std::string_view sql, const Params& params) {
  auto lease = Acquire();
  return lease->Query(sql, params);
}

Result<Row> Store::QueryOne(std::string_view sql, const Params& params) {
  auto lease = Acquire();
  return lease->QueryOne(sql, params);
}

Result<Store::Page> Store::QueryPage(std::string_view select_sql, std::string_view from_where_sql,
                                     const Params& params, std::string_view order_sql,
                                     int64_t limit, int64_t offset) {
  if (limit < 1 || offset < 0)
    return Status::InvalidArgument("a page needs limit >= 1 and offset >= 0");
  auto lease = Acquire();
  Page page;
  YISHU_ASSIGN_OR_RETURN(Row count,
                         lease->QueryOne("SELECT COUNT(*) " + std::string(from_where_sql), params));
  page.total = count.Int(0);
  Params windowed = params;
  windowed.emplace_back(limit);
  windowed.emplace_back(offset);
  YISHU_ASSIGN_OR_RETURN(
      page.rows, lease->Query(std::string(select_sql) + " " + std::string(from_where_sql) + " " +
                                  std::string(order_sql) + " LIMIT ? OFFSET ?",
                              windowed));
  return page;
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  const std::string& url = options.url;
  if (StartsWith(url, "sqlite:")) return OpenSqliteStore(url.substr(7), options.pool_size);
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://"))
    return OpenPostgresStore(url, options.pool_size);
  return Status::InvalidArgument("store url must start with sqlite: or postgresql:// (got '" + url +
                                 "')");
}

}  // namespace yishu::store
