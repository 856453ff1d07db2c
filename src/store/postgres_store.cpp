// PostgreSQL backend (libpq). Also the path to PostgreSQL-compatible clusters (openGauss,
// KingbaseES) for a city or province. `?` placeholders are renumbered to $n; statements are
// prepared once per connection; blobs travel as binary parameters, never as escaped text.
#include <libpq-fe.h>

#include <cstring>
#include <unordered_map>

#include "store/pool.hpp"
#include "store/store.hpp"
#include "store/timing.hpp"

namespace yishu::store {
namespace {

constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kFloat4Oid = 700, kFloat8Oid = 701, kOidOid = 26;

// Renumbers `?` to `$1..$n`, leaving quoted strings and identifiers alone.
std::string Renumber(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

Status PgError(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string msg = std::string(what) + ": ";
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* text = res ? PQresultErrorMessage(res) : nullptr;
  msg += (text && *text) ? text : PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string_view code = state ? state : "";
  if (code == "23505") return Status::AlreadyExists(msg);
  if (code.substr(0, 2) == "23" || code.substr(0, 2) == "22") return Status::InvalidArgument(msg);
  if (code == "40001" || code == "40P01" || code.substr(0, 2) == "08" || code == "55P03")
    return Status::Unavailable(msg);
  if (PQstatus(conn) == CONNECTION_BAD) return Status::Unavailable(msg);
  return Status::Internal(msg);
}

std::string DecodeByteaHex(const char* s, int len) {
  std::string out;
  if (len >= 2 && s[0] == '\\' && s[1] == 'x') {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return 0;
    };
    out.reserve((len - 2) / 2);
    for (int i = 2; i + 1 < len; i += 2) out += static_cast<char>(nib(s[i]) << 4 | nib(s[i + 1]));
    return out;
  }
  size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(s), &n);
  if (raw) {
    out.assign(reinterpret_cast<char*>(raw), n);
    PQfreemem(raw);
  }
  return out;
}

Value CellValue(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return Value();
  const char* s = PQgetvalue(res, row, col);
  int len = PQgetlength(res, row, col);
  switch (PQftype(res, col)) {
    case kInt8Oid:
    case kInt4Oid:
    case kInt2Oid:
    case kOidOid:
      return Value(static_cast<int64_t>(std::strtoll(s, nullptr, 10)));
    case kBoolOid:
      return Value(static_cast<int64_t>(s[0] == 't'));
    case kFloat4Oid:
    case kFloat8Oid:
      return Value(std::strtod(s, nullptr));
    case kByteaOid:
      return Value(Blob{DecodeByteaHex(s, len)});
    default:
      return Value(std::string(s, len));
  }
}

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    YISHU_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    const char* n = PQcmdTuples(res.get());
    return static_cast<int64_t>(n && *n ? std::strtoll(n, nullptr, 10) : 0);
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    YISHU_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    Rows rows;
    int nrow = PQntuples(res.get()), ncol = PQnfields(res.get());
    auto columns = Columns(res.get());
    rows.reserve(nrow);
    for (int r = 0; r < nrow; ++r) {
      std::vector<Value> values;
      values.reserve(ncol);
      for (int c = 0; c < ncol; ++c) values.push_back(CellValue(res.get(), r, c));
      rows.emplace_back(columns, std::move(values));
    }
    return rows;
  }

  Status QueryEach(std::string_view sql, const Params& params,
                   const std::function<bool(const Row&)>& on_row) override {
    static auto& hist = StoreHistogram("postgresql", "stream");
    ScopedStoreTimer timer(hist);
    ParamBuffers buf(params);
    for (int attempt = 0;; ++attempt) {
      YISHU_ASSIGN_OR_RETURN(std::string name, PrepareCached(sql));
      if (!PQsendQueryPrepared(conn_, name.c_str(), buf.count(), buf.values(), buf.lengths(),
                               buf.formats(), 0))
        return PgError(conn_, nullptr, "send");
      PQsetSingleRowMode(conn_);
      Status status;
      bool wanted = true, stale = false;
      std::shared_ptr<std::vector<std::string>> columns;
      while (PGresult* raw = PQgetResult(conn_)) {
        PgResult res(raw);
        auto st = PQresultStatus(raw);
        if (st == PGRES_SINGLE_TUPLE && wanted && status.ok()) {
          if (!columns) columns = Columns(raw);
          std::vector<Value> values;
          for (int c = 0; c < PQnfields(raw); ++c) values.push_back(CellValue(raw, 0, c));
          try {
            wanted = on_row(Row(columns, std::move(values)));
          } catch (...) {
            while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
            throw;
          }
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
          // The plan is checked before any row is sent: a stale one has delivered nothing.
          stale = !columns && IsStalePlan(raw);
          status = stale ? StaleError(raw) : PgError(conn_, raw, "query");
        }
      }
      if (!stale || !ForgetStale(sql) || attempt > 0) return status;
    }
  }

  Status ExecScript(std::string_view sql) override {
    PgResult res(PQexec(conn_, std::string(sql).c_str()));
    auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(conn_, res.get(), "script");
    return Status::Ok();
  }

  Status Begin(bool) override {
    YISHU_RETURN_IF_ERROR(ExecScript("BEGIN"));
    in_tx_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    Status s = ExecScript("COMMIT");
    in_tx_ = false;
    return s;
  }
  Status Rollback() override {
    in_tx_ = false;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return Status::Ok();
    return ExecScript("ROLLBACK");
  }
  bool in_transaction() const override { return in_tx_; }

 private:
  class ParamBuffers {
   public:
    explicit ParamBuffers(const Params& params) {
      texts_.reserve(params.size());
      for (const auto& p : params) {
        const auto& v = p.variant();
        if (std::holds_alternative<std::monostate>(v)) {
          texts_.emplace_back();
          values_.push_back(nullptr);
          lengths_.push_back(0);
          formats_.push_back(0);
          continue;
        }
        if (auto* b = std::get_if<Blob>(&v)) {
          values_.push_back(b->bytes.data());
          lengths_.push_back(static_cast<int>(b->bytes.size()));
          formats_.push_back(1);
          texts_.emplace_back();
          continue;
        }
        texts_.push_back(p.AsText());
        formats_.push_back(0);
        lengths_.push_back(0);
        values_.push_back(nullptr);
      }
      for (size_t i = 0; i < params.size(); ++i)
        if (formats_[i] == 0 && !params[i].is_null()) values_[i] = texts_[i].c_str();
    }
    int count() const { return static_cast<int>(values_.size()); }
    const char* const* values() const { return values_.data(); }
    const int* lengths() const { return lengths_.data(); }
    const int* formats() const { return formats_.data(); }

   private:
    std::vector<std::string> texts_;
    std::vector<const char*> values_;
    std::vector<int> lengths_, formats_;
  };

  static std::shared_ptr<std::vector<std::string>> Columns(const PGresult* res) {
    auto columns = std::make_shared<std::vector<std::string>>();
    for (int c = 0; c < PQnfields(res); ++c) columns->emplace_back(PQfname(res, c));
    return columns;
  }

  Result<std::string> PrepareCached(std::string_view sql) {
    DeallocateStale();
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    std::string name = "y" + std::to_string(++prepared_);
    PgResult res(PQprepare(conn_, name.c_str(), Renumber(sql).c_str(), 0, nullptr));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
      return PgError(conn_, res.get(), "prepare '" + std::string(sql) + "'");
    cache_.emplace(std::string(sql), name);
    return name;
  }

  // A schema change (a column added to a resource table) makes the server refuse a prepared
  // `SELECT *` whose result shape changed. The statement is then forgotten, to be prepared
  // afresh: at once when no transaction was open, or by the caller's retry of its transaction
  // (which the error has aborted) through the Unavailable status.
  static bool IsStalePlan(const PGresult* res) {
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* text = PQresultErrorMessage(res);
    return state && std::string_view(state) == "0A000" && text &&
           std::string_view(text).find("cached plan must not change result type") !=
               std::string_view::npos;
  }
  // Forgets the statement of `sql`; true when it may be run again right away.
  bool ForgetStale(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      stale_.push_back(std::move(it->second));
      cache_.erase(it);
    }
    return PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }
  // Prepared statements forgotten earlier are released once outside a transaction.
  void DeallocateStale() {
    if (stale_.empty() || PQtransactionStatus(conn_) != PQTRANS_IDLE) return;
    for (const auto& name : stale_) PgResult(PQexec(conn_, ("DEALLOCATE " + name).c_str()));
    stale_.clear();
  }
  Status StaleError(const PGresult* res) {
    return Status::Unavailable(PgError(conn_, res, "query").message() +
                               " (the table changed; the statement is prepared again on retry)");
  }

  Result<PgResult> Run(std::string_view sql, const Params& params) {
    static auto& hist = StoreHistogram("postgresql", "statement");
    ScopedStoreTimer timer(hist);
    ParamBuffers buf(params);
    for (int attempt = 0;; ++attempt) {
      YISHU_ASSIGN_OR_RETURN(std::string name, PrepareCached(sql));
      PgResult res(PQexecPrepared(conn_, name.c_str(), buf.count(), buf.values(), buf.lengths(),
                                  buf.formats(), 0));
      auto st = PQresultStatus(res.get());
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
      if (!IsStalePlan(res.get())) return PgError(conn_, res.get(), "query");
      if (!ForgetStale(sql) || attempt > 0) return StaleError(res.get());
    }
  }

  PGconn* conn_;
  bool in_tx_ = false;
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> cache_;
  int64_t prepared_ = 0;            // statements prepared so far: their names are y1, y2, ...
  std::vector<std::string> stale_;  // names to DEALLOCATE
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, int pool_size)
      : url_(std::move(url)), pool_([this] { return OpenConnection(); }, pool_size) {}

  Result<std::unique_ptr<Connection>> OpenConnection() {
    PGconn* conn = PQconnectdb(url_.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn);
      PQfinish(conn);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Status::Unavailable("cannot connect to " + description() + ": " + msg);
    }
    PgResult res(PQexec(conn, "SET client_min_messages = warning; SET client_encoding = 'UTF8'"));
    return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(conn));
  }

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string description() const override {
    // Drop any password from the URL before it reaches a log.
    std::string d = url_;
    auto at = d.find('@');
    auto scheme = d.find("://");
    if (at != std::string::npos && scheme != std::string::npos) {
      auto colon = d.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) d.replace(colon, at - colon, ":***");
    }
    return d;
  }
  ConnectionLease Acquire() override { return ConnectionLease(this, pool_.Take()); }

  Status Init() {
    auto first = OpenConnection();
    if (!first.ok()) return first.status();
    pool_.Seed(std::move(first).value());
    return Status::Ok();
  }

 protected:
  void Release(std::unique_ptr<Connection> conn) override { pool_.Give(std::move(conn)); }

 private:
  std::string url_;
  ConnectionPool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int pool_size) {
  auto store = std::make_unique<PostgresStore>(url, pool_size < 1 ? 1 : pool_size);
  YISHU_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace yishu::store
