#include "audit/audit.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/thread.hpp"
#include "crypto/crypto.hpp"

namespace yishu::audit {
namespace {

using store::Blob;
using store::Connection;
using store::Row;
using store::RowView;

constexpr size_t kHashSize = crypto::kSm3DigestSize;
constexpr size_t kMaxProblemsKept = 100;
constexpr std::string_view kWrapInfo = "yishu/audit/signing-key-wrap/v1";

const std::string& GenesisHash() {
  static const std::string kZero(kHashSize, '\0');
  return kZero;
}

// ---- canonical encoding ------------------------------------------------------------------

void PutU64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(b, 8);
}
void PutI64(std::string& out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v));
}
void PutStr(std::string& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
               static_cast<char>(n)};
  out.append(b, 4);
  out.append(s);
}

// The stored columns of one entry, as views (over a prepared event or over a fetched row).
struct EntryView {
  int64_t seq = 0;
  int64_t at_millis = 0;
  std::string_view actor, role, department, action, resource, fields;
  int64_t record_count = 0;
  std::string_view purpose, client, result, detail;
};

// Appends Encode(entry), as documented in audit.hpp, to `out`.
void EncodeAppend(const EntryView& e, std::string* out) {
  out->append("YSA1");
  PutU64(*out, static_cast<uint64_t>(e.seq));
  PutI64(*out, e.at_millis);
  PutStr(*out, e.actor);
  PutStr(*out, e.role);
  PutStr(*out, e.department);
  PutStr(*out, e.action);
  PutStr(*out, e.resource);
  PutStr(*out, e.fields);
  PutI64(*out, e.record_count);
  PutStr(*out, e.purpose);
  PutStr(*out, e.client);
  PutStr(*out, e.result);
  PutStr(*out, e.detail);
}

std::string CheckpointMessage(int64_t seq, std::string_view hash, int64_t at_millis,
                              int64_t prev_seq, std::string_view key_id) {
  std::string m = "YSC1";
  PutU64(m, static_cast<uint64_t>(seq));
  m.append(hash);
  PutI64(m, at_millis);
  PutU64(m, static_cast<uint64_t>(prev_seq));
  PutStr(m, key_id);
  return m;
}

// SM3(prev || Encode(entry)) into `digest` (kHashSize bytes). `message` is scratch space reused
// between calls: prev and the encoding are hashed as one buffer in one libgcrypt call, which costs
// less than feeding a hash handle piece by piece (verification is bound by this hash).
void ChainHashOf(std::string_view prev, const EntryView& entry, std::string* message,
                 char* digest) {
  message->assign(prev);
  EncodeAppend(entry, message);
  crypto::Sm3To(*message, digest);
}

// Valid UTF-8 without NUL, as PostgreSQL TEXT demands (see audit.hpp).
std::string CleanText(std::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  std::string out;
  for (char32_t cp : Utf8Decode(s)) AppendUtf8(out, cp == 0 ? char32_t{0xFFFD} : cp);
  return out;
}

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void AddDetail(AuditEvent& event, const std::string& key, nlohmann::json value) {
  if (!event.detail_json.empty()) {
    // Rare (a refusal on a hot path): back to a value, and then as any other detail.
    event.detail = nlohmann::json::parse(event.detail_json, nullptr, false);
    event.detail_json.clear();
  }
  if (!event.detail.is_object()) event.detail = nlohmann::json::object();
  event.detail[key] = std::move(value);
}

namespace {

// An event turned into the exact column values that will be stored and hashed.
struct PreparedEvent {
  int64_t at_millis;
  std::string actor, role, department, action, resource, fields;
  int64_t record_count;
  std::string purpose, client, result, detail;

  EntryView View(int64_t seq) const {
    return {seq,    at_millis,    actor,   role,   department, action, resource,
            fields, record_count, purpose, client, result,     detail};
  }
};

PreparedEvent Prepare(const AuditEvent& e, int64_t now) {
  PreparedEvent p;
  p.at_millis = e.at_millis ? e.at_millis : now;
  p.actor = CleanText(e.actor);
  p.role = CleanText(e.role);
  p.department = CleanText(e.department);
  p.action = CleanText(e.action);
  p.resource = CleanText(e.resource);
  if (!e.fields_json.empty()) {
    p.fields = CleanText(e.fields_json);
  } else {
    // A JSON array of strings, as nlohmann::json would dump it, without building one.
    p.fields = "[";
    for (size_t i = 0; i < e.fields.size(); ++i) {
      if (i) p.fields += ',';
      AppendJsonString(p.fields, CleanText(e.fields[i]));
    }
    p.fields += ']';
  }
  p.record_count = e.record_count;
  p.purpose = CleanText(e.purpose);
  p.client = CleanText(e.client);
  p.result = CleanText(e.result);
  if (!e.detail_json.empty())
    p.detail = CleanText(e.detail_json);
  else if (!e.detail.is_null())
    p.detail = DumpJson(e.detail);
  return p;
}

constexpr std::string_view kEntryColumns =
    "seq, at_millis, actor, role, department, action, resource, fields, record_count, purpose, "
    "client, result, detail, hash";

constexpr int64_t kRowsPerInsert = 16;

// "INSERT INTO audit_events (...) VALUES (...), (...)" for 1..kRowsPerInsert rows.
const std::string& InsertSql(int64_t rows) {
  static const std::vector<std::string> kSql = [] {
    std::vector<std::string> v(kRowsPerInsert + 1);
    for (int64_t k = 1; k <= kRowsPerInsert; ++k) {
      v[k] = fmt::format("INSERT INTO audit_events ({}) VALUES ", kEntryColumns);
      for (int64_t i = 0; i < k; ++i)
        v[k] += std::string(i ? ", " : "") + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }
    return v;
  }();
  return kSql[rows];
}

EntryView ViewOfRow(const RowView& r) {
  return {r.Int(0),   r.Int(1), r.Bytes(2), r.Bytes(3),  r.Bytes(4),  r.Bytes(5), r.Bytes(6),
          r.Bytes(7), r.Int(8), r.Bytes(9), r.Bytes(10), r.Bytes(11), r.Bytes(12)};
}

std::string Hex(std::string_view bytes) {
  return crypto::ToHex(bytes);
}

std::string KeyIdOf(std::string_view public_hex) {
  return crypto::ToHex(crypto::Sm3(public_hex)).substr(0, 16);
}

// Problems found during Verify, kept sorted and capped; thread-safe.
class ProblemSink {
 public:
  void Add(int64_t seq, std::string kind, std::string message) {
    std::lock_guard lock(mu_);
    ++count_;
    seqs_.insert(seq);
    problems_.push_back({seq, std::move(kind), std::move(message)});
    if (problems_.size() > 4 * kMaxProblemsKept) Trim();
  }
  // Whether a problem was found at some seq in [from, to].
  bool AnyIn(int64_t from, int64_t to) {
    std::lock_guard lock(mu_);
    auto it = seqs_.lower_bound(from);
    return it != seqs_.end() && *it <= to;
  }
  void Into(VerifyReport& rep) {
    std::lock_guard lock(mu_);
    Trim();
    rep.problems = problems_;
    rep.problem_count = count_;
  }

 private:
  void Trim() {
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const auto& a, const auto& b) { return a.seq < b.seq; });
    if (problems_.size() > kMaxProblemsKept) problems_.resize(kMaxProblemsKept);
  }
  std::mutex mu_;
  std::vector<VerifyProblem> problems_;
  int64_t count_ = 0;
  std::set<int64_t> seqs_;  // of every problem, kept or not
};

std::string RangeText(int64_t from, int64_t to) {
  return from == to ? fmt::format("entry {}", from) : fmt::format("entries {}..{}", from, to);
}

}  // namespace

// ---- schema -------------------------------------------------------------------------------

std::vector<store::Migration> AuditMigrations() {
  return {
      {"audit", 1, "create audit trail",
       // seq uses {{pk}} so that in SQLite it is the rowid: the chain is stored and scanned in
       // seq order without a separate index. Values are always given explicitly.
       "CREATE TABLE audit_events ("
       " seq {{pk}},"
       " at_millis BIGINT NOT NULL,"
       " actor TEXT NOT NULL, role TEXT NOT NULL, department TEXT NOT NULL,"
       " action TEXT NOT NULL, resource TEXT NOT NULL, fields TEXT NOT NULL,"
       " record_count BIGINT NOT NULL, purpose TEXT NOT NULL, client TEXT NOT NULL,"
       " result TEXT NOT NULL, detail TEXT NOT NULL,"
       " hash {{blob}} NOT NULL);"
       "CREATE INDEX audit_events_actor ON audit_events(actor, seq);"
       "CREATE INDEX audit_events_resource ON audit_events(resource, seq);"
       "CREATE INDEX audit_events_action ON audit_events(action, seq);"
       "CREATE INDEX audit_events_at ON audit_events(at_millis);"
       // The single row every append updates first: the serialisation point of the chain.
       // hash '' stands for the genesis hash (32 zero bytes; no portable blob literal).
       "CREATE TABLE audit_head ("
       " id INTEGER PRIMARY KEY CHECK (id = 1),"
       " seq BIGINT NOT NULL, hash {{blob}} NOT NULL,"
       " checkpoint_seq BIGINT NOT NULL, checkpoint_at BIGINT NOT NULL);"
       "INSERT INTO audit_head (id, seq, hash, checkpoint_seq, checkpoint_at)"
       " VALUES (1, 0, '', 0, 0);"
       "CREATE TABLE audit_checkpoints ("
       " seq BIGINT PRIMARY KEY, hash {{blob}} NOT NULL, at_millis BIGINT NOT NULL,"
       " prev_seq BIGINT NOT NULL, key_id TEXT NOT NULL, signature {{blob}} NOT NULL);"
       "CREATE TABLE audit_keys ("
       " key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL,"
       " wrapped_private {{blob}} NOT NULL, created_at BIGINT NOT NULL)"},
      // The search columns move to an index filled in batches (see "Search index" in
      // audit.hpp); everything logged so far is indexed here.
      {"audit", 2, "batched search index",
       "CREATE TABLE audit_index ("
       " seq {{id}}, actor TEXT NOT NULL, resource TEXT NOT NULL,"
       " action TEXT NOT NULL);"
       "INSERT INTO audit_index (seq, actor, resource, action)"
       " SELECT seq, actor, resource, action FROM audit_events;"
       "CREATE INDEX audit_index_actor ON audit_index(actor, seq);"
       "CREATE INDEX audit_index_resource ON audit_index(resource, seq);"
       "CREATE INDEX audit_index_action ON audit_index(action, seq);"
       "CREATE TABLE audit_index_state ("
       " id INTEGER PRIMARY KEY CHECK (id = 1), indexed_upto BIGINT NOT NULL);"
       "INSERT INTO audit_index_state (id, indexed_upto)"
       " SELECT 1, COALESCE(MAX(seq), 0) FROM audit_events;"
       "DROP INDEX audit_events_actor;"
       "DROP INDEX audit_events_resource;"
       "DROP INDEX audit_events_action"},
  };
}

// ---- AuditLog -----------------------------------------------------------------------------

struct AuditLog::Key {
  std::string key_id;
  std::string public_hex;
  crypto::SecretString private_hex;
  // Made once: deriving the public point (for Z_A) costs as much again as the signature.
  mutable std::mutex signer_mu;
  mutable std::optional<crypto::Sm2Signer> signer;

  Result<std::string> Sign(std::string_view message) const {
    std::lock_guard lock(signer_mu);
    if (!signer) {
      YISHU_ASSIGN_OR_RETURN(crypto::Sm2Signer made, crypto::Sm2Signer::Create(private_hex.view()));
      signer.emplace(std::move(made));
    }
    return signer->Sign(message);
  }
};

struct AuditLog::Head {
  int64_t seq = 0;   // after the advance
  std::string hash;  // the hash at the head before the advance (raw, 32 bytes)
  int64_t checkpoint_seq = 0;
  int64_t checkpoint_at = 0;
};

AuditLog::AuditLog(store::Store& store, std::string signing_kek, AuditOptions options)
    : store_(store), options_(options) {
  if (!signing_kek.empty()) {
    auto k = crypto::HkdfSm3(signing_kek, "", kWrapInfo, crypto::kSm4KeySize);
    if (k.ok()) wrap_key_ = std::move(k).value();
  }
  crypto::Wipe(signing_kek);
  // A failure in either task (store down) is retried at the next tick.
  if (options_.checkpoint_timer && options_.checkpoint_every_millis > 0)
    timer_ = std::thread([this] {
      NameThisThread("yishu-auditckpt");
      // Appends checkpoint by count; this covers a quiet log.
      RunEvery(options_.checkpoint_every_millis, [this] { (void)Checkpoint(); });
    });
  if (options_.index_in_background && options_.index_every_millis > 0)
    indexer_ = std::thread([this] {
      MarkBackgroundThread("yishu-auditidx");
      // Catch up in bounded transactions; Search scans whatever is not indexed meanwhile.
      // Between two batches the write lock is left free for a moment: SQLite's lock is not
      // fair, and a waiting appender (polling) would otherwise miss every gap between batches.
      RunEvery(options_.index_every_millis, [this] {
        for (;;) {
          auto n = IndexPending(options_.index_batch);
          if (!n.ok() || *n < options_.index_batch) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      });
    });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  if (indexer_.joinable()) indexer_.join();
  crypto::Wipe(wrap_key_);
}

int64_t AuditLog::Now() const {
  return (options_.clock ? options_.clock : Clock::System())->NowMillis();
}

void AuditLog::RunEvery(int64_t period_millis, const std::function<void()>& tick) {
  std::unique_lock lock(timer_mu_);
  while (!stopping_) {
    timer_cv_.wait_for(lock, std::chrono::milliseconds(period_millis), [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    tick();
    lock.lock();
  }
}

Result<int64_t> AuditLog::IndexedUpTo() {
  auto row = store_.QueryOne("SELECT indexed_upto FROM audit_index_state WHERE id = 1");
  if (!row.ok()) return row.status().WithContext("audit index state");
  return row->Int(0);
}

Result<int64_t> AuditLog::IndexPending(int64_t max_entries) {
  int64_t indexed = 0;
  if (max_entries <= 0) return indexed;
  Status s = store_.Transact(
      [&](Connection& tx) -> Status {
        indexed = 0;
        // The no-op update takes the state row's lock (PostgreSQL) or the write lock (SQLite)
        // before reading it, so two indexers never cover the same range.
        YISHU_ASSIGN_OR_RETURN(
            Row state, tx.QueryOne("UPDATE audit_index_state SET indexed_upto = indexed_upto "
                                   "WHERE id = 1 RETURNING indexed_upto"));
        const int64_t from = state.Int(0);
        // Appends commit in seq order (they serialise on audit_head), so the committed entries
        // are a prefix of the chain and the newest visible seq bounds the range.
        YISHU_ASSIGN_OR_RETURN(Row top,
                               tx.QueryOne("SELECT COALESCE(MAX(seq), 0) FROM audit_events"));
        const int64_t to = std::min(top.Int(0), from + max_entries);
        if (to <= from) return Status::Ok();
        YISHU_ASSIGN_OR_RETURN(indexed,
                               tx.Exec("INSERT INTO audit_index (seq, actor, resource, action) "
                                       "SELECT seq, actor, resource, action FROM audit_events "
                                       "WHERE seq > ? AND seq <= ?",
                                       {from, to}));
        return tx.Exec("UPDATE audit_index_state SET indexed_upto = ? WHERE id = 1", {to}).status();
      },
      /*write=*/true);
  if (!s.ok()) return s.WithContext("audit index");
  return indexed;
}

Result<int64_t> AuditLog::RebuildIndex() {
  Status s = store_.Transact(
      [&](Connection& tx) -> Status {
        YISHU_RETURN_IF_ERROR(tx.Exec("DELETE FROM audit_index").status());
        return tx.Exec("UPDATE audit_index_state SET indexed_upto = 0 WHERE id = 1").status();
      },
      /*write=*/true);
  if (!s.ok()) return s.WithContext("audit index rebuild");
  int64_t total = 0;
  for (;;) {
    YISHU_ASSIGN_OR_RETURN(int64_t n, IndexPending(options_.index_batch));
    total += n;
    if (n == 0) return total;
  }
}

Result<AuditLog::Head> AuditLog::LockHead(Connection& tx, int64_t advance) {
  auto row = tx.QueryOne(
      "UPDATE audit_head SET seq = seq + ? WHERE id = 1 "
      "RETURNING seq, hash, checkpoint_seq, checkpoint_at",
      {advance});
  if (!row.ok()) {
    if (row.status().Is(ErrorCode::kNotFound))
      return Status::FailedPrecondition("audit_head has no row: audit migrations not applied");
    return row.status().WithContext("audit head");
  }
  Head h;
  h.seq = row->Int(0);
  h.hash = (*row)[1].AsBytes();
  if (h.hash.empty()) h.hash = GenesisHash();
  h.checkpoint_seq = row->Int(2);
  h.checkpoint_at = row->Int(3);
  if (h.hash.size() != kHashSize)
    return Status::Corruption(fmt::format("audit_head hash has {} bytes", h.hash.size()));
  return h;
}

Result<std::shared_ptr<const AuditLog::Key>> AuditLog::SigningKey(Connection& tx) {
  std::lock_guard lock(key_mu_);
  if (wrap_key_.empty())
    return Status::FailedPrecondition("no key-encrypting key for the audit signing key");
  if (key_) {
    // The cached key may have been created in a transaction that rolled back: make sure it is
    // in the store, in this transaction, before anything is signed with it.
    auto have = tx.Query("SELECT 1 FROM audit_keys WHERE key_id = ?", {key_->key_id});
    if (!have.ok()) return have.status();
    if (!have->empty()) return key_;
  } else {
    auto rows = tx.Query(
        "SELECT key_id, public_key, wrapped_private FROM audit_keys "
        "ORDER BY created_at DESC, key_id LIMIT 1");
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      const Row& r = rows->front();
      auto d = crypto::UnwrapKey(wrap_key_, r[2].AsBytes());
      if (!d.ok())
        return Status::FailedPrecondition(
            "the audit signing key in the store does not unwrap under the given key-encrypting "
            "key (wrong master key?)");
      crypto::SecretString priv(std::move(d).value());
      auto pub = crypto::Sm2PublicKeyFromPrivate(priv.view());
      if (!pub.ok() || *pub != r.Text(1) || KeyIdOf(*pub) != r.Text(0))
        return Status::Corruption("the stored audit signing key pair does not match");
      auto k = std::make_shared<Key>();
      k->key_id = r.Text(0);
      k->public_hex = r.Text(1);
      k->private_hex = std::move(priv);
      key_ = std::move(k);
      return key_;
    }
    auto pair = crypto::Sm2GenerateKey();
    if (!pair.ok()) return pair.status();
    auto k = std::make_shared<Key>();
    k->public_hex = pair->public_key_hex;
    k->key_id = KeyIdOf(k->public_hex);
    k->private_hex = crypto::SecretString(std::move(pair->private_key_hex));
    key_ = std::move(k);
  }
  auto wrapped = crypto::WrapKey(wrap_key_, key_->private_hex.view());
  if (!wrapped.ok()) return wrapped.status();
  auto ins = tx.Exec(
      "INSERT INTO audit_keys (key_id, public_key, wrapped_private, created_at) "
      "VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING",
      {key_->key_id, key_->public_hex, Blob{std::move(wrapped).value()}, Now()});
  if (!ins.ok()) return ins.status();
  return key_;
}

Status AuditLog::SignCheckpoint(Connection& tx, Head& head) {
  YISHU_ASSIGN_OR_RETURN(auto key, SigningKey(tx));
  int64_t now = Now();
  std::string msg = CheckpointMessage(head.seq, head.hash, now, head.checkpoint_seq, key->key_id);
  YISHU_ASSIGN_OR_RETURN(std::string sig, key->Sign(msg));
  YISHU_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO audit_checkpoints (seq, hash, at_millis, prev_seq, key_id, signature) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {head.seq, Blob{head.hash}, now, head.checkpoint_seq, key->key_id, Blob{sig}})
          .status());
  head.checkpoint_seq = head.seq;
  head.checkpoint_at = now;
  return Status::Ok();
}

Result<int64_t> AuditLog::AppendBatch(Connection& tx, std::span<const AuditEvent> events) {
  if (!tx.in_transaction())
    return Status::FailedPrecondition(
        "audit Append(tx, ...) needs an open transaction (use Store::Transact)");
  if (events.empty()) return Status::InvalidArgument("no audit events to append");
  // Everything that does not need the head is done before taking its lock.
  int64_t now = Now();
  std::vector<PreparedEvent> prepared;
  prepared.reserve(events.size());
  for (const auto& e : events) prepared.push_back(Prepare(e, now));

  const int64_t n = static_cast<int64_t>(events.size());
  YISHU_ASSIGN_OR_RETURN(Head head, LockHead(tx, n));
  const int64_t first = head.seq - n + 1;
  std::string prev = head.hash;
  std::string message;
  char hash[kHashSize];
  store::Params params;
  for (int64_t done = 0; done < n;) {
    // Up to kRowsPerInsert rows per statement: one prepared-statement lookup and one step per
    // group instead of per row (about a third of the append cost in SQLite).
    const int64_t rows = std::min<int64_t>(n - done, kRowsPerInsert);
    params.clear();
    params.reserve(rows * 14);
    for (int64_t i = done; i < done + rows; ++i) {
      PreparedEvent& p = prepared[i];
      const int64_t seq = first + i;
      ChainHashOf(prev, p.View(seq), &message, hash);
      prev.assign(hash, kHashSize);
      // Hashed, so moved into the statement (an initializer list would copy each value twice).
      params.emplace_back(seq);
      params.emplace_back(p.at_millis);
      for (std::string* text :
           {&p.actor, &p.role, &p.department, &p.action, &p.resource, &p.fields})
        params.emplace_back(std::move(*text));
      params.emplace_back(p.record_count);
      for (std::string* text : {&p.purpose, &p.client, &p.result, &p.detail})
        params.emplace_back(std::move(*text));
      params.emplace_back(Blob{prev});
    }
    auto r = tx.Exec(InsertSql(rows), params);
    if (!r.ok()) return r.status().WithContext("audit append");
    done += rows;
  }
  head.hash = prev;
  bool due = (options_.checkpoint_every_entries > 0 &&
              head.seq - head.checkpoint_seq >= options_.checkpoint_every_entries) ||
             (options_.checkpoint_every_millis > 0 &&
              now - head.checkpoint_at >= options_.checkpoint_every_millis);
  if (due) YISHU_RETURN_IF_ERROR(SignCheckpoint(tx, head).WithContext("audit checkpoint"));
  YISHU_RETURN_IF_ERROR(
      tx.Exec("UPDATE audit_head SET hash = ?, checkpoint_seq = ?, checkpoint_at = ? WHERE id = 1",
              {Blob{head.hash}, head.checkpoint_seq, head.checkpoint_at})
          .status());
  return first;
}

Result<int64_t> AuditLog::Append(Connection& tx, const AuditEvent& event) {
  return AppendBatch(tx, std::span<const AuditEvent>(&event, 1));
}

Result<int64_t> AuditLog::Append(const AuditEvent& event) {
  int64_t seq = 0;
  Status s = store_.Transact(
      [&](Connection& tx) -> Status {
        YISHU_ASSIGN_OR_RETURN(seq, Append(tx, event));
        return Status::Ok();
      },
      /*write=*/true);
  if (!s.ok()) return s;
  return seq;
}

Status AuditLog::Checkpoint() {
  return store_.Transact(
      [&](Connection& tx) -> Status {
        YISHU_ASSIGN_OR_RETURN(Head head, LockHead(tx, 0));
        if (head.seq == 0 || head.seq == head.checkpoint_seq) return Status::Ok();
        YISHU_RETURN_IF_ERROR(SignCheckpoint(tx, head));
        return tx
            .Exec("UPDATE audit_head SET checkpoint_seq = ?, checkpoint_at = ? WHERE id = 1",
                  {head.checkpoint_seq, head.checkpoint_at})
            .status();
      },
      /*write=*/true);
}

Result<std::string> AuditLog::PublicKeyHex() {
  std::string pub;
  Status s = store_.Transact(
      [&](Connection& tx) -> Status {
        // Taking the head lock serialises key creation with appends and other processes.
        YISHU_RETURN_IF_ERROR(LockHead(tx, 0).status());
        YISHU_ASSIGN_OR_RETURN(auto key, SigningKey(tx));
        pub = key->public_hex;
        return Status::Ok();
      },
      /*write=*/true);
  if (!s.ok()) return s;
  return pub;
}

Result<std::string> AuditLog::PublicKeyPem() {
  YISHU_ASSIGN_OR_RETURN(std::string hex, PublicKeyHex());
  return crypto::Sm2PublicKeyToPem(hex);
}

// ---- search -------------------------------------------------------------------------------

namespace {

StoredEvent StoredEventOfRow(const Row& r) {
  StoredEvent se;
  se.seq = r.Int(0);
  AuditEvent& e = se.event;
  e.at_millis = r.Int(1);
  e.actor = r.Text(2);
  e.role = r.Text(3);
  e.department = r.Text(4);
  e.action = r.Text(5);
  e.resource = r.Text(6);
  auto fields = nlohmann::json::parse(r[7].AsBytes(), nullptr, /*allow_exceptions=*/false);
  if (fields.is_array())
    for (const auto& f : fields)
      if (f.is_string()) e.fields.push_back(f.get<std::string>());
  e.record_count = r.Int(8);
  e.purpose = r.Text(9);
  e.client = r.Text(10);
  e.result = r.Text(11);
  const std::string& detail = r[12].AsBytes();
  if (!detail.empty()) e.detail = nlohmann::json::parse(detail, nullptr, false);
  se.hash_hex = Hex(r[13].AsBytes());
  return se;
}

// kEntryColumns qualified with the alias `e` (the index query joins two tables).
const std::string& EntryColumnsOfE() {
  static const std::string cols = [] {
    std::string out;
    for (std::string_view c : Split(kEntryColumns, ',')) {
      if (!out.empty()) out += ", ";
      out += "e." + std::string(Trim(c));
    }
    return out;
  }();
  return cols;
}

// The query's conditions on audit_events (alias e), appended as " AND ...".
void AppendFilters(const AuditQuery& q, std::string& sql, store::Params& params) {
  auto eq = [&](const char* column, const std::string& value) {
    if (value.empty()) return;
    sql += fmt::format(" AND e.{} = ?", column);
    params.push_back(value);
  };
  eq("actor", q.actor);
  eq("resource", q.resource);
  eq("action", q.action);
  eq("result", q.result);
  eq("department", q.department);
  if (q.from_millis) {
    sql += " AND e.at_millis >= ?";
    params.push_back(*q.from_millis);
  }
  if (q.to_millis) {
    sql += " AND e.at_millis < ?";
    params.push_back(*q.to_millis);
  }
  if (q.after_seq) {
    sql += " AND e.seq < ?";
    params.push_back(*q.after_seq);
  }
}

}  // namespace

Result<std::vector<StoredEvent>> AuditLog::Search(const AuditQuery& q) {
  const int64_t limit = std::clamp<int64_t>(q.limit, 1, 1000);
  const int64_t offset = std::max<int64_t>(q.offset, 0);
  std::vector<StoredEvent> out;
  auto lease = store_.Acquire();
  auto run = [&](const std::string& sql, const store::Params& params) {
    return lease->QueryEach(sql, params, [&](const Row& r) {
      out.push_back(StoredEventOfRow(r));
      return true;
    });
  };
  std::string sql;
  store::Params params;
  // The indexed column that drives the query, when the filter names one.
  const char* key_column = !q.actor.empty()      ? "actor"
                           : !q.resource.empty() ? "resource"
                           : !q.action.empty()   ? "action"
                                                 : nullptr;
  if (!key_column) {
    sql = fmt::format("SELECT {} FROM audit_events e WHERE 1 = 1", EntryColumnsOfE());
    AppendFilters(q, sql, params);
    sql += " ORDER BY e.seq DESC LIMIT ? OFFSET ?";
    params.push_back(limit);
    params.push_back(offset);
    Status s = run(sql, params);
    if (!s.ok()) return s.WithContext("audit search");
    return out;
  }
  auto state = lease->QueryOne("SELECT indexed_upto FROM audit_index_state WHERE id = 1");
  if (!state.ok()) return state.status().WithContext("audit search");
  const int64_t upto = state->Int(0);

  // 1. The entries not indexed yet: the newest, so they come first in the order. Should the
  //    indexer move on between the two queries, its newly indexed entries are still found here
  //    and excluded below by `upto`.
  sql = fmt::format("SELECT {} FROM audit_events e WHERE e.seq > ?", EntryColumnsOfE());
  params = {upto};
  AppendFilters(q, sql, params);
  sql += " ORDER BY e.seq DESC LIMIT ?";
  params.push_back(offset + limit);
  Status s = run(sql, params);
  if (!s.ok()) return s.WithContext("audit search");
  const int64_t tail = static_cast<int64_t>(out.size());
  out.erase(out.begin(), out.begin() + std::min(tail, offset));
  if (static_cast<int64_t>(out.size()) >= limit) return out;

  // 2. The indexed entries, walking the key's index newest first.
  int64_t bound = upto;
  if (q.after_seq) bound = std::min(bound, *q.after_seq - 1);
  sql = fmt::format(
      "SELECT {} FROM audit_index i JOIN audit_events e ON e.seq = i.seq "
      "WHERE i.{} = ? AND i.seq <= ?",
      EntryColumnsOfE(), key_column);
  const std::string& key = !q.actor.empty() ? q.actor : !q.resource.empty() ? q.resource : q.action;
  params = {key, bound};
  AppendFilters(q, sql, params);
  sql += " ORDER BY i.seq DESC LIMIT ? OFFSET ?";
  params.push_back(limit - static_cast<int64_t>(out.size()));
  params.push_back(std::max<int64_t>(offset - tail, 0));
  s = run(sql, params);
  if (!s.ok()) return s.WithContext("audit search");
  return out;
}

// ---- verification -------------------------------------------------------------------------

nlohmann::json VerifyReport::ToJson() const {
  nlohmann::json probs = nlohmann::json::array();
  for (const auto& p : problems)
    probs.push_back({{"seq", p.seq}, {"kind", p.kind}, {"message", p.message}});
  return {{"ok", ok()},
          {"head_seq", head_seq},
          {"head_hash", head_hash_hex},
          {"entries_checked", entries_checked},
          {"checkpoints_checked", checkpoints_checked},
          {"last_checkpoint_seq", last_checkpoint_seq},
          {"unsigned_tail", unsigned_tail},
          {"public_key", public_key_hex},
          {"first_bad_seq", first_bad_seq()},
          {"problem_count", problem_count},
          {"problems", probs},
          {"warnings", warnings},
          {"seconds", seconds}};
}

Status AuditLog::Verify(VerifyReport* report) {
  return Verify(VerifyOptions{}, report);
}

Status AuditLog::Verify(const VerifyOptions& vo, VerifyReport* report) {
  const auto started = std::chrono::steady_clock::now();
  VerifyReport rep;
  ProblemSink sink;

  struct Cp {
    int64_t seq, at_millis, prev_seq;
    std::string hash, key_id, signature;
  };
  struct StoredKey {
    std::string key_id, public_hex, wrapped;
  };
  std::string head_hash;
  int64_t max_seq = 0;
  std::vector<Cp> checkpoints;
  std::vector<StoredKey> keys;

  // 1. One consistent snapshot of the head, the checkpoints and the keys. Entries up to the
  // head never change afterwards (appends only add higher seqs), so the chain itself can be
  // read later, in parallel, outside this snapshot.
  {
    auto lease = store_.Acquire();
    YISHU_RETURN_IF_ERROR(lease->Begin(false));
    if (lease->dialect() == store::Dialect::kPostgres)
      YISHU_RETURN_IF_ERROR(
          lease->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").status());
    YISHU_ASSIGN_OR_RETURN(Row head,
                           lease->QueryOne("SELECT seq, hash FROM audit_head WHERE id = 1"));
    rep.head_seq = head.Int(0);
    head_hash = head[1].AsBytes();
    if (head_hash.empty() && rep.head_seq == 0) head_hash = GenesisHash();
    YISHU_ASSIGN_OR_RETURN(Row mx, lease->QueryOne("SELECT max(seq) FROM audit_events"));
    max_seq = mx.Int(0);
    YISHU_RETURN_IF_ERROR(lease->QueryEach(
        "SELECT seq, hash, at_millis, prev_seq, key_id, signature FROM audit_checkpoints "
        "ORDER BY seq",
        {}, [&](const Row& r) {
          checkpoints.push_back(
              {r.Int(0), r.Int(2), r.Int(3), r[1].AsBytes(), r.Text(4), r[5].AsBytes()});
          return true;
        }));
    YISHU_RETURN_IF_ERROR(lease->QueryEach(
        "SELECT key_id, public_key, wrapped_private FROM audit_keys ORDER BY created_at, key_id",
        {}, [&](const Row& r) {
          keys.push_back({r.Text(0), r.Text(1), r[2].AsBytes()});
          return true;
        }));
    YISHU_RETURN_IF_ERROR(lease->Commit());
  }
  rep.head_hash_hex = rep.head_seq ? Hex(head_hash) : "";

  // 2. Which keys are ours: the wrapped private key must open under our KEK and match.
  std::map<std::string, std::string> trusted;  // key_id -> public key hex
  for (const auto& k : keys) {
    bool ok = false;
    if (!wrap_key_.empty()) {
      auto d = crypto::UnwrapKey(wrap_key_, k.wrapped);
      if (d.ok()) {
        crypto::SecretString priv(std::move(d).value());
        auto pub = crypto::Sm2PublicKeyFromPrivate(priv.view());
        ok = pub.ok() && *pub == k.public_hex && KeyIdOf(k.public_hex) == k.key_id;
      }
    }
    if (ok) {
      trusted[k.key_id] = k.public_hex;
      if (rep.public_key_hex.empty()) rep.public_key_hex = k.public_hex;
    } else {
      rep.warnings.push_back(fmt::format(
          "audit_keys holds key {} that is not the platform's (it does not unwrap under the "
          "key-encrypting key, or does not match its public key)",
          k.key_id));
    }
  }

  // 3. The chain, in chunks of seqs hashed by several threads. Each link is checked against
  // the stored hash of the previous entry; when every link holds, the stored hashes are the
  // chain recomputed from genesis, so links can be checked independently and in any order.
  std::vector<int64_t> interest;  // seqs whose stored hash later checks need
  for (const auto& cp : checkpoints) interest.push_back(cp.seq);
  if (rep.head_seq > 0) interest.push_back(rep.head_seq);
  if (vo.anchor_seq > 0) interest.push_back(vo.anchor_seq);
  std::sort(interest.begin(), interest.end());
  interest.erase(std::unique(interest.begin(), interest.end()), interest.end());
  std::map<int64_t, std::string> hash_at;

  const int64_t chunk_size = std::max<int64_t>(options_.verify_chunk, 1);
  const int64_t chunks = (max_seq + chunk_size - 1) / chunk_size;
  int threads = options_.verify_threads;
  if (threads <= 0)
    threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8);
  threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(chunks, 1)));
  std::atomic<int64_t> next_chunk{0};
  std::atomic<int64_t> checked{0};
  std::mutex mu;  // io_error, hash_at
  Status io_error;

  std::atomic<size_t> next_signature{0};
  std::vector<char> signature_ok(checkpoints.size(), 0);
  auto worker = [&] {
    auto lease = store_.Acquire();
    // SQLite: map the file for the scan (a read system call per page otherwise, 1.4x slower);
    // only for the scan, since a mapped connection remaps on every growth of the file.
    const bool mapped = lease->dialect() == store::Dialect::kSqlite &&
                        lease->Exec("PRAGMA mmap_size = 17179869184").ok();
    struct Unmap {
      store::ConnectionLease& lease;
      bool mapped;
      ~Unmap() {
        if (mapped) (void)lease->Exec("PRAGMA mmap_size = 0");
      }
    } unmap{lease, mapped};
    std::string message, prev;
    message.reserve(1024);
    std::vector<std::pair<int64_t, std::string>> found;
    int64_t local_checked = 0;
    const std::string sql = fmt::format(
        "SELECT {} FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq", kEntryColumns);
    for (;;) {
      const int64_t c = next_chunk.fetch_add(1);
      if (c >= chunks) break;
      const int64_t a = c * chunk_size + 1;
      const int64_t b = std::min(max_seq, a + chunk_size - 1);
      bool have_prev = a == 1;
      if (have_prev) prev = GenesisHash();
      int64_t expected = a;
      auto it = std::lower_bound(interest.begin(), interest.end(), a);
      Status s = lease->QueryEachView(sql, {std::max<int64_t>(a - 1, 1), b}, [&](const RowView& r) {
        const int64_t seq = r.Int(0);
        const std::string_view stored = r.Bytes(13);
        if (seq < a) {  // the entry before the chunk: only its hash, to check the first link
          prev.assign(stored);
          have_prev = true;
          return true;
        }
        if (seq != expected) {
          sink.Add(expected, "missing",
                   fmt::format("{} missing (deleted): the next entry present is {}",
                               RangeText(expected, seq - 1), seq));
          have_prev = false;  // the gap is the finding; do not also report the broken link
        }
        if (have_prev) {
          char digest[kHashSize];
          ChainHashOf(prev, ViewOfRow(r), &message, digest);
          if (stored.size() != kHashSize || std::memcmp(digest, stored.data(), kHashSize) != 0) {
            sink.Add(seq, "altered",
                     seq == 1 ? fmt::format("entry 1: contents do not match its chain hash "
                                            "(altered, reordered or replaced)")
                              : fmt::format("entry {}: contents do not match its chain hash "
                                            "(entry {} altered, reordered or replaced; or entry "
                                            "{} altered and re-hashed)",
                                            seq, seq, seq - 1));
          }
        }
        ++local_checked;
        while (it != interest.end() && *it < seq) ++it;
        if (it != interest.end() && *it == seq) found.emplace_back(seq, std::string(stored));
        prev.assign(stored);
        have_prev = true;
        expected = seq + 1;
        return true;
      });
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (io_error.ok()) io_error = s.WithContext("audit verify");
        break;
      }
      if (expected <= b)
        sink.Add(expected, "missing",
                 fmt::format("{} missing (deleted): the next entry present is {}",
                             RangeText(expected, b), b + 1));
    }
    checked += local_checked;
    // Then the checkpoints' signatures, also shared out: SM2 verification costs as much as
    // thousands of entries.
    for (;;) {
      const size_t i = next_signature.fetch_add(1);
      if (i >= checkpoints.size()) break;
      const Cp& cp = checkpoints[i];
      auto key = trusted.find(cp.key_id);
      if (key == trusted.end()) continue;
      std::string msg = CheckpointMessage(cp.seq, cp.hash, cp.at_millis, cp.prev_seq, cp.key_id);
      signature_ok[i] = crypto::Sm2Verify(key->second, msg, cp.signature).ok();
    }
    std::lock_guard lock(mu);
    for (auto& [seq, h] : found) hash_at[seq] = std::move(h);
  };
  if (chunks > 0 || !checkpoints.empty()) {
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  if (!io_error.ok()) return io_error;
  rep.entries_checked = checked.load();

  // 4. The head: the tail must end where audit_head (advanced by every append) says.
  if (rep.head_seq > max_seq) {
    sink.Add(max_seq + 1, "truncated",
             fmt::format("{} missing: the log ends at {} but audit_head records {} entries "
                         "(tail truncated)",
                         RangeText(max_seq + 1, rep.head_seq), max_seq, rep.head_seq));
  } else if (max_seq > rep.head_seq) {
    sink.Add(rep.head_seq + 1, "beyond_head",
             fmt::format("{} lie beyond audit_head ({}): written outside the audit log",
                         RangeText(rep.head_seq + 1, max_seq), rep.head_seq));
  }
  if (rep.head_seq > 0) {
    auto h = hash_at.find(rep.head_seq);
    if (h != hash_at.end() && h->second != head_hash)
      sink.Add(
          rep.head_seq, "head_mismatch",
          fmt::format("entry {}: its hash differs from the head hash in audit_head", rep.head_seq));
  }

  // 5. Checkpoints: linked, signed by our key, and matching the chain at their seq.
  int64_t prev_cp = 0, last_good = 0;
  for (size_t i = 0; i < checkpoints.size(); ++i) {
    const Cp& cp = checkpoints[i];
    ++rep.checkpoints_checked;
    if (cp.prev_seq != prev_cp)
      sink.Add(cp.seq, "checkpoint_missing",
               fmt::format("checkpoint at {} follows checkpoint {}, but the previous stored "
                           "checkpoint is {}: checkpoints were deleted",
                           cp.seq, cp.prev_seq, prev_cp));
    prev_cp = cp.seq;
    bool signature_verified = false;
    auto key = trusted.find(cp.key_id);
    if (key == trusted.end()) {
      sink.Add(cp.seq, "checkpoint_key",
               fmt::format("checkpoint at {} is signed by key '{}', which is not the platform's "
                           "audit key (forged checkpoint)",
                           cp.seq, cp.key_id));
    } else {
      if (signature_ok[i]) {
        signature_verified = true;
      } else {
        sink.Add(cp.seq, "checkpoint_signature",
                 fmt::format("checkpoint at {}: the SM2 signature does not verify (checkpoint "
                             "forged or altered)",
                             cp.seq));
      }
    }
    if (cp.seq > max_seq) {
      sink.Add(max_seq + 1, "checkpoint_beyond_end",
               fmt::format("{} missing: checkpoint at {} lies beyond the last entry {} (tail "
                           "truncated)",
                           RangeText(max_seq + 1, cp.seq), cp.seq, max_seq));
      continue;
    }
    // An unverified checkpoint proves nothing about the chain (and is reported above).
    if (!signature_verified) continue;
    auto h = hash_at.find(cp.seq);
    if (h == hash_at.end()) continue;  // the entry is missing: reported above
    if (h->second == cp.hash) {
      last_good = cp.seq;
    } else if (!sink.AnyIn(last_good + 1, cp.seq)) {
      // Every link in (last_good, cp.seq] holds, yet the chain ends elsewhere than what was
      // signed: those entries were rewritten and re-hashed. Which one was changed first cannot
      // be known; the first that is no longer covered by a matching checkpoint is named.
      sink.Add(last_good + 1, "rewritten",
               fmt::format("{}: the chain hash at {} differs from the signed checkpoint there: "
                           "entries after {} were rewritten and re-hashed",
                           RangeText(last_good + 1, cp.seq), cp.seq, last_good));
    }
  }
  rep.last_checkpoint_seq = prev_cp;
  rep.unsigned_tail = std::max<int64_t>(rep.head_seq - prev_cp, 0);
  if (options_.checkpoint_every_entries > 0 &&
      rep.unsigned_tail >= options_.checkpoint_every_entries)
    rep.warnings.push_back(fmt::format(
        "{} entries follow the newest checkpoint ({}), more than checkpoint_every_entries: "
        "checkpoints after it may have been deleted (or the interval was raised)",
        rep.unsigned_tail, prev_cp));

  // 6. An anchor from outside the database.
  if (vo.anchor_seq > 0) {
    auto want = crypto::FromHex(vo.anchor_hash_hex);
    auto h = hash_at.find(vo.anchor_seq);
    if (h == hash_at.end())
      sink.Add(vo.anchor_seq, "anchor",
               fmt::format("entry {} (the anchor) is missing: the log was truncated or rolled "
                           "back",
                           vo.anchor_seq));
    else if (!want.ok() || *want != h->second)
      sink.Add(vo.anchor_seq, "anchor",
               fmt::format("entry {}: its hash differs from the anchor: the log was rewritten",
                           vo.anchor_seq));
  }

  sink.Into(rep);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Status result;
  if (!rep.ok()) {
    const VerifyProblem& p = rep.problems.front();
    std::string msg = fmt::format("audit trail: first bad entry {}: {}", p.seq, p.message);
    if (rep.problem_count > 1) msg += fmt::format(" ({} problems in all)", rep.problem_count);
    result = Status(ErrorCode::kCorruption, msg,
                    {{"seq", p.seq}, {"kind", p.kind}, {"problem_count", rep.problem_count}});
  }
  if (report) *report = std::move(rep);
  return result;
}

Status VerifyAndReport(AuditLog& log, std::ostream& out, const VerifyOptions& options) {
  VerifyReport rep;
  Status s = log.Verify(options, &rep);
  if (!s.ok() && !s.Is(ErrorCode::kCorruption)) {
    out << "audit verify: could not read the audit trail: " << s.ToString() << "\n";
    return s;
  }
  out << fmt::format("audit trail: {} entries, head {}{}\n", rep.entries_checked, rep.head_seq,
                     rep.head_hash_hex.empty() ? "" : " (" + rep.head_hash_hex + ")");
  out << fmt::format("checkpoints: {} checked, newest at {}, {} entries after it\n",
                     rep.checkpoints_checked, rep.last_checkpoint_seq, rep.unsigned_tail);
  if (!rep.public_key_hex.empty()) out << "signing key (SM2): " << rep.public_key_hex << "\n";
  for (const auto& w : rep.warnings) out << "warning: " << w << "\n";
  if (rep.ok()) {
    out << fmt::format("OK: chain and signatures intact ({:.2f} s)\n", rep.seconds);
    return s;
  }
  out << fmt::format("FAILED: first bad entry {}\n", rep.first_bad_seq());
  for (const auto& p : rep.problems)
    out << fmt::format("  [{}] {}: {}\n", p.kind, p.seq, p.message);
  if (rep.problem_count > static_cast<int64_t>(rep.problems.size()))
    out << fmt::format("  ... and {} more\n", rep.problem_count - rep.problems.size());
  return s;
}

}  // namespace yishu::audit
