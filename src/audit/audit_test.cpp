// The audit trail on every backend: appends verify; each kind of tampering is caught and the
// first bad entry is named; concurrency keeps one chain; an action and its event commit together.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "audit/audit.hpp"
#include "crypto/crypto.hpp"
#include "store/migrations.hpp"
#include "store/testing.hpp"

// Designated initializers name only the filters a query uses.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace yishu::audit {
namespace {

using store::Blob;
using store::Connection;

class FakeClock : public Clock {
 public:
  int64_t NowMillis() const override { return now.load(); }
  std::atomic<int64_t> now{1'780'000'000'000};
};

AuditEvent Event(std::string actor, std::string action, std::string resource = "R001",
                 std::string result = "ok") {
  AuditEvent e;
  e.actor = std::move(actor);
  e.role = "dept_steward";
  e.department = "D-GA";
  e.action = std::move(action);
  e.resource = std::move(resource);
  e.fields = {"name", "id_number"};
  e.record_count = 3;
  e.purpose = "核验";
  e.client = "10.0.0.7";
  e.result = std::move(result);
  return e;
}

class AuditTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL server";
    auto s = store::Store::Open({store::testing::FreshUrl(GetParam()), 6});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store::ApplyMigrations(*store_, AuditMigrations()).ok());
    kek_ = crypto::RandomBytes(32);
    options_.clock = &clock_;
    options_.checkpoint_every_entries = 5;
    options_.checkpoint_every_millis = 60'000;
    options_.verify_chunk = 7;  // several chunks, so chunk boundaries are crossed
    options_.verify_threads = 3;
    log_ = std::make_unique<AuditLog>(*store_, kek_, options_);
  }

  // Appends n events, one per transaction, the clock advancing 1 s each.
  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      clock_.now += 1000;
      auto seq = log_->Append(
          Event(i % 2 ? "alice" : "bob", i % 3 ? "read" : "write", "R00" + std::to_string(i % 4)));
      ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    }
  }

  void Exec(const std::string& sql, const store::Params& params = {}) {
    auto r = store_->Exec(sql, params);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }

  std::string HashAt(int64_t seq) {
    return store_->QueryOne("SELECT hash FROM audit_events WHERE seq = ?", {seq})
        ->
        operator[](0)
        .AsBytes();
  }

  // Verify must fail with kCorruption naming `seq` as the first bad entry, of `kind`.
  void ExpectCaught(int64_t seq, const std::string& kind, VerifyReport* out = nullptr) {
    VerifyReport rep;
    Status s = log_->Verify(&rep);
    ASSERT_EQ(s.code(), ErrorCode::kCorruption) << s.ToString();
    EXPECT_EQ(s.details()["seq"], seq) << s.ToString();
    EXPECT_EQ(s.details()["kind"], kind) << s.ToString();
    EXPECT_EQ(rep.first_bad_seq(), seq);
    EXPECT_NE(s.message().find("first bad entry " + std::to_string(seq)), std::string::npos)
        << s.message();
    if (out) *out = rep;
  }

  // The documented canonical encoding and checkpoint message, rebuilt independently here so a
  // change of format breaks this test, not just the code.
  static void PutU64(std::string& o, uint64_t v) {
    for (int i = 7; i >= 0; --i) o.push_back(static_cast<char>(v >> (8 * i)));
  }
  static void PutStr(std::string& o, const std::string& s) {
    uint32_t n = s.size();
    for (int i = 3; i >= 0; --i) o.push_back(static_cast<char>(n >> (8 * i)));
    o += s;
  }
  std::string EncodeStored(int64_t seq) {
    auto r = store_->QueryOne(
        "SELECT at_millis, actor, role, department, action, resource, fields, record_count, "
        "purpose, client, result, detail FROM audit_events WHERE seq = ?",
        {seq});
    EXPECT_TRUE(r.ok());
    std::string o = "YSA1";
    PutU64(o, seq);
    PutU64(o, r->Int(0));
    for (int i = 1; i <= 6; ++i) PutStr(o, (*r)[i].AsBytes());
    PutU64(o, r->Int(7));
    for (int i = 8; i <= 11; ++i) PutStr(o, (*r)[i].AsBytes());
    return o;
  }
  static std::string CheckpointMessage(int64_t seq, const std::string& hash, int64_t at,
                                       int64_t prev, const std::string& key_id) {
    std::string m = "YSC1";
    PutU64(m, seq);
    m += hash;
    PutU64(m, at);
    PutU64(m, prev);
    PutStr(m, key_id);
    return m;
  }

  FakeClock clock_;
  AuditOptions options_;
  std::string kek_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_P(AuditTest, AppendThenVerifyOk) {
  AppendN(23);
  VerifyReport rep;
  Status s = log_->Verify(&rep);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(rep.head_seq, 23);
  EXPECT_EQ(rep.entries_checked, 23);
  // The first append is time-due (no checkpoint yet), then every 5 entries: 1, 6, 11, 16, 21.
  EXPECT_EQ(rep.checkpoints_checked, 5);
  EXPECT_EQ(rep.last_checkpoint_seq, 21);
  EXPECT_EQ(rep.unsigned_tail, 2);
  EXPECT_TRUE(rep.warnings.empty());
  auto pub = log_->PublicKeyHex();
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(rep.public_key_hex, *pub);
  EXPECT_EQ(rep.head_hash_hex, crypto::ToHex(HashAt(23)));
  auto pem = log_->PublicKeyPem();
  ASSERT_TRUE(pem.ok());
  EXPECT_NE(pem->find("BEGIN PUBLIC KEY"), std::string::npos);
  // An empty log verifies too.
  auto empty = store::Store::Open({store::testing::FreshUrl(GetParam()), 2});
  ASSERT_TRUE(store::ApplyMigrations(**empty, AuditMigrations()).ok());
  AuditLog empty_log(**empty, kek_);
  EXPECT_TRUE(empty_log.Verify().ok());
}

TEST_P(AuditTest, ChainFollowsTheDocumentedEncoding) {
  AppendN(3);
  std::string prev(32, '\0');
  for (int64_t seq = 1; seq <= 3; ++seq) {
    std::string h = crypto::Sm3(prev + EncodeStored(seq));
    EXPECT_EQ(crypto::ToHex(h), crypto::ToHex(HashAt(seq))) << "seq " << seq;
    prev = h;
  }
  // The checkpoint at 1 verifies with the exported public key and the documented message.
  auto cp = store_->QueryOne(
      "SELECT seq, hash, at_millis, prev_seq, key_id, signature FROM audit_checkpoints "
      "WHERE seq = 1");
  ASSERT_TRUE(cp.ok());
  std::string msg = CheckpointMessage(1, (*cp)[1].AsBytes(), cp->Int(2), cp->Int(3), cp->Text(4));
  EXPECT_TRUE(crypto::Sm2Verify(*log_->PublicKeyHex(), msg, (*cp)[5].AsBytes()).ok());
}

TEST_P(AuditTest, ValuesRoundTripThroughSearch) {
  AuditEvent e = Event("张三", "read");
  e.detail = {{"reason", "户籍核验"}, {"rows", 2}};
  e.client = std::string("bad\xff\x00utf8", 9);  // stored as valid UTF-8, never an error
  e.at_millis = 1'700'000'000'123;
  auto seq = log_->Append(e);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  AuditEvent none;  // all defaults: empty strings, null detail, no fields
  none.action = "config";
  ASSERT_TRUE(log_->Append(none).ok());
  auto found = log_->Search({.actor = "张三"});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 1u);
  const auto& got = found->front();
  EXPECT_EQ(got.seq, *seq);
  EXPECT_EQ(got.event.role, "dept_steward");
  EXPECT_EQ(got.event.department, "D-GA");
  EXPECT_EQ(got.event.fields, (std::vector<std::string>{"name", "id_number"}));
  EXPECT_EQ(got.event.record_count, 3);
  EXPECT_EQ(got.event.purpose, "核验");
  EXPECT_EQ(got.event.client, "bad\xef\xbf\xbd\xef\xbf\xbdutf8");
  EXPECT_EQ(got.event.detail["reason"], "户籍核验");
  EXPECT_EQ(got.event.at_millis, 1'700'000'000'123);
  EXPECT_EQ(got.hash_hex.size(), 64u);
  auto cfg = log_->Search({.action = "config"});
  ASSERT_EQ(cfg->size(), 1u);
  EXPECT_TRUE(cfg->front().event.detail.is_null());
  EXPECT_TRUE(cfg->front().event.fields.empty());
  EXPECT_EQ(cfg->front().event.at_millis, clock_.now.load());  // 0 means now
  EXPECT_TRUE(log_->Verify().ok());
}

// Hot paths hand over the stored texts of fields and detail; they read back and verify as
// any other entry, and AddDetail works on either form.
TEST_P(AuditTest, PreparedFieldsAndDetailTextsAreStoredAsGiven) {
  AuditEvent e = Event("cred-1", "share.read");
  e.fields.clear();
  e.fields_json = R"(["name","id_number"])";
  e.detail_json = R"({"auth":"bearer","by":"key","grant":7})";
  ASSERT_TRUE(log_->Append(e).ok());
  AuditEvent refused = e;
  AddDetail(refused, "error", "NOT_FOUND");
  EXPECT_TRUE(refused.detail_json.empty());
  refused.actor = "cred-2";
  ASSERT_TRUE(log_->Append(refused).ok());
  AuditEvent plain = Event("cred-3", "share.read");
  AddDetail(plain, "by", "filter");
  ASSERT_TRUE(log_->Append(plain).ok());

  auto got = log_->Search({.actor = "cred-1"});
  ASSERT_TRUE(got.ok() && got->size() == 1u);
  EXPECT_EQ(got->front().event.fields, (std::vector<std::string>{"name", "id_number"}));
  EXPECT_EQ(got->front().event.detail,
            nlohmann::json({{"auth", "bearer"}, {"by", "key"}, {"grant", 7}}));
  got = log_->Search({.actor = "cred-2"});
  ASSERT_TRUE(got.ok() && got->size() == 1u);
  EXPECT_EQ(
      got->front().event.detail,
      nlohmann::json({{"auth", "bearer"}, {"by", "key"}, {"error", "NOT_FOUND"}, {"grant", 7}}));
  got = log_->Search({.actor = "cred-3"});
  ASSERT_TRUE(got.ok() && got->size() == 1u);
  EXPECT_EQ(got->front().event.detail["by"], "filter");
  EXPECT_TRUE(log_->Verify().ok());
}

TEST_P(AuditTest, AlteredEntryIsNamed) {
  AppendN(20);
  Exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 7");
  ExpectCaught(7, "altered");
}

TEST_P(AuditTest, AlteredNumberOrDetailIsNamed) {
  AppendN(20);
  Exec("UPDATE audit_events SET record_count = 1 WHERE seq = 14");  // a chunk boundary (7)
  ExpectCaught(14, "altered");
  Exec("UPDATE audit_events SET detail = '{\"x\":1}' WHERE seq = 3");
  VerifyReport rep;
  ExpectCaught(3, "altered", &rep);
  EXPECT_EQ(rep.problem_count, 2);
  EXPECT_EQ(rep.problems[1].seq, 14);
}

TEST_P(AuditTest, AlteredTimeIsNamed) {
  AppendN(10);
  Exec("UPDATE audit_events SET at_millis = at_millis - 86400000 WHERE seq = 10");
  ExpectCaught(10, "altered");
}

TEST_P(AuditTest, DeletedEntryIsNamed) {
  AppendN(20);
  Exec("DELETE FROM audit_events WHERE seq = 8");  // first of a chunk
  ExpectCaught(8, "missing");
  Exec("DELETE FROM audit_events WHERE seq IN (1, 2)");
  ExpectCaught(1, "missing");
}

TEST_P(AuditTest, ReorderedEntriesAreNamed) {
  AppendN(20);
  // Swap the contents (every column but seq, hashes included) of entries 4 and 9.
  const std::string cols =
      "at_millis, actor, role, department, action, resource, fields, record_count, purpose, "
      "client, result, detail, hash";
  auto a = store_->QueryOne("SELECT " + cols + " FROM audit_events WHERE seq = 4");
  auto b = store_->QueryOne("SELECT " + cols + " FROM audit_events WHERE seq = 9");
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string set =
      "UPDATE audit_events SET at_millis = ?, actor = ?, role = ?, department = ?, action = ?, "
      "resource = ?, fields = ?, record_count = ?, purpose = ?, client = ?, result = ?, "
      "detail = ?, hash = ? WHERE seq = ?";
  auto params = [](const store::Row& r, int64_t seq) {
    store::Params p;
    for (size_t i = 0; i < r.size(); ++i) p.push_back(r[i]);
    p.push_back(seq);
    return p;
  };
  Exec(set, params(*b, 4));
  Exec(set, params(*a, 9));
  ExpectCaught(4, "altered");
}

TEST_P(AuditTest, RenumberedEntriesAreCaught) {
  AppendN(10);
  // Delete entry 5 and shift the later ones down to close the gap: the seq is hashed.
  Exec("DELETE FROM audit_events WHERE seq = 5");
  for (int64_t s = 6; s <= 10; ++s)
    Exec("UPDATE audit_events SET seq = ? WHERE seq = ?", {s - 1, s});
  Exec("UPDATE audit_head SET seq = 9, hash = ? WHERE id = 1", {Blob{HashAt(9)}});
  ExpectCaught(5, "altered");
}

TEST_P(AuditTest, TruncatedTailIsCaught) {
  AppendN(20);  // checkpoints at 1, 6, 11, 16
  const std::string hash20 = HashAt(20);
  // 1. Delete the tail: audit_head still says 20.
  Exec("DELETE FROM audit_events WHERE seq > 17");
  ExpectCaught(18, "truncated");
  // 2. Also rewind the head: the checkpoint at... 16 is still covered, so cut deeper.
  Exec("DELETE FROM audit_events WHERE seq > 13");
  Exec("UPDATE audit_head SET seq = 13, hash = ? WHERE id = 1", {Blob{HashAt(13)}});
  ExpectCaught(14, "checkpoint_beyond_end");
  // 3. Also delete the checkpoints beyond the cut: the log is now a genuine earlier state. No
  // check inside the database can tell (documented); an anchor kept outside does.
  Exec("DELETE FROM audit_checkpoints WHERE seq > 13");
  Exec("UPDATE audit_head SET checkpoint_seq = 11 WHERE id = 1");
  EXPECT_TRUE(log_->Verify().ok());
  VerifyOptions anchored;
  anchored.anchor_seq = 20;
  anchored.anchor_hash_hex = crypto::ToHex(hash20);
  VerifyReport rep;
  Status s = log_->Verify(anchored, &rep);
  ASSERT_EQ(s.code(), ErrorCode::kCorruption);
  EXPECT_EQ(rep.first_bad_seq(), 20);
  EXPECT_EQ(rep.problems.front().kind, "anchor");
}

TEST_P(AuditTest, AnchorMatchesIntactLog) {
  AppendN(8);
  VerifyOptions anchored;
  anchored.anchor_seq = 8;
  anchored.anchor_hash_hex = crypto::ToHex(HashAt(8));
  EXPECT_TRUE(log_->Verify(anchored).ok());
  anchored.anchor_hash_hex = crypto::ToHex(HashAt(7));
  EXPECT_EQ(log_->Verify(anchored).code(), ErrorCode::kCorruption);
}

TEST_P(AuditTest, EntryBeyondHeadIsCaught) {
  AppendN(6);
  // Someone appends a well-formed entry (correct hash) directly, bypassing audit_head.
  auto row = store_->QueryOne(
      "SELECT at_millis, actor, role, department, action, resource, fields, record_count, "
      "purpose, client, result, detail FROM audit_events WHERE seq = 6");
  store::Params p = {int64_t{7}};
  for (size_t i = 0; i < row->size(); ++i) p.push_back((*row)[i]);
  Exec(
      "INSERT INTO audit_events (seq, at_millis, actor, role, department, action, resource, "
      "fields, record_count, purpose, client, result, detail, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
      p);
  std::string h = crypto::Sm3(HashAt(6) + EncodeStored(7));
  Exec("UPDATE audit_events SET hash = ? WHERE seq = 7", {Blob{h}});
  ExpectCaught(7, "beyond_head");
}

TEST_P(AuditTest, ForgedCheckpointHashIsCaught) {
  AppendN(12);  // checkpoints at 1, 6, 11
  Exec("UPDATE audit_checkpoints SET hash = ? WHERE seq = 6", {Blob{HashAt(5)}});
  ExpectCaught(6, "checkpoint_signature");
}

TEST_P(AuditTest, CheckpointSignedByAnotherKeyIsCaught) {
  AppendN(12);
  auto cp = store_->QueryOne(
      "SELECT seq, hash, at_millis, prev_seq, key_id FROM audit_checkpoints WHERE seq = 11");
  ASSERT_TRUE(cp.ok());
  auto forger = crypto::Sm2GenerateKey();
  ASSERT_TRUE(forger.ok());
  // a) keep our key id, sign with the forger's key.
  std::string msg = CheckpointMessage(11, (*cp)[1].AsBytes(), cp->Int(2), cp->Int(3), cp->Text(4));
  auto sig = crypto::Sm2Sign(forger->private_key_hex, msg);
  Exec("UPDATE audit_checkpoints SET signature = ? WHERE seq = 11", {Blob{*sig}});
  ExpectCaught(11, "checkpoint_signature");
  // b) register the forger's key (it cannot wrap it under our KEK) and claim it signed.
  std::string fid = crypto::ToHex(crypto::Sm3(forger->public_key_hex)).substr(0, 16);
  Exec(
      "INSERT INTO audit_keys (key_id, public_key, wrapped_private, created_at) "
      "VALUES (?, ?, ?, 0)",
      {fid, forger->public_key_hex, Blob{crypto::RandomBytes(60)}});
  msg = CheckpointMessage(11, (*cp)[1].AsBytes(), cp->Int(2), cp->Int(3), fid);
  sig = crypto::Sm2Sign(forger->private_key_hex, msg);
  Exec("UPDATE audit_checkpoints SET signature = ?, key_id = ? WHERE seq = 11", {Blob{*sig}, fid});
  VerifyReport rep;
  ExpectCaught(11, "checkpoint_key", &rep);
  EXPECT_FALSE(rep.warnings.empty());  // the foreign key in audit_keys is reported
}

TEST_P(AuditTest, RehashedRewriteIsCaughtByTheNextCheckpoint) {
  AppendN(20);  // checkpoints at 1, 6, 11, 16
  // Alter entry 8 and re-hash everything after it, head included: the chain is self-consistent,
  // only the signed checkpoint at 11 (and 16) disagrees.
  Exec("UPDATE audit_events SET resource = 'R999' WHERE seq = 8");
  std::string prev = HashAt(7);
  for (int64_t s = 8; s <= 20; ++s) {
    prev = crypto::Sm3(prev + EncodeStored(s));
    Exec("UPDATE audit_events SET hash = ? WHERE seq = ?", {Blob{prev}, s});
  }
  Exec("UPDATE audit_head SET hash = ? WHERE id = 1", {Blob{prev}});
  VerifyReport rep;
  ExpectCaught(7, "rewritten", &rep);  // named as the range after the last good checkpoint (6)
  EXPECT_NE(rep.problems.front().message.find("entries 7..11"), std::string::npos)
      << rep.problems.front().message;
}

TEST_P(AuditTest, RehashedSingleEntryIsCaughtAtTheNext) {
  AppendN(10);
  Exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 4");
  Exec("UPDATE audit_events SET hash = ? WHERE seq = 4",
       {Blob{crypto::Sm3(HashAt(3) + EncodeStored(4))}});
  VerifyReport rep;
  ExpectCaught(5, "altered", &rep);
  EXPECT_NE(rep.problems.front().message.find("entry 4 altered and re-hashed"), std::string::npos);
}

TEST_P(AuditTest, DeletedCheckpointIsCaught) {
  AppendN(20);
  Exec("DELETE FROM audit_checkpoints WHERE seq = 11");
  ExpectCaught(16, "checkpoint_missing");
}

TEST_P(AuditTest, HeadHashMismatchIsCaught) {
  AppendN(4);
  Exec("UPDATE audit_head SET hash = ? WHERE id = 1", {Blob{HashAt(3)}});
  ExpectCaught(4, "head_mismatch");
}

TEST_P(AuditTest, WrongKekCannotSignAndTrustsNothing) {
  AppendN(3);
  AuditLog other(*store_, crypto::RandomBytes(32), options_);
  EXPECT_EQ(other.PublicKeyHex().status().code(), ErrorCode::kFailedPrecondition);
  clock_.now += 120'000;  // a checkpoint is due: the append must fail, not fork the key
  EXPECT_EQ(other.Append(Event("x", "read")).status().code(), ErrorCode::kFailedPrecondition);
  VerifyReport rep;
  EXPECT_EQ(other.Verify(&rep).code(), ErrorCode::kCorruption);
  EXPECT_EQ(rep.problems.front().kind, "checkpoint_key");
  EXPECT_TRUE(log_->Verify().ok());
}

TEST_P(AuditTest, ExplicitAndTimedCheckpoints) {
  options_.checkpoint_every_entries = 0;
  options_.checkpoint_every_millis = 10'000;
  AuditLog log(*store_, kek_, options_);
  auto count = [&] { return store_->QueryOne("SELECT count(*) FROM audit_checkpoints")->Int(0); };
  ASSERT_TRUE(log.Append(Event("a", "read")).ok());  // time-due: no checkpoint yet
  EXPECT_EQ(count(), 1);
  ASSERT_TRUE(log.Append(Event("a", "read")).ok());
  EXPECT_EQ(count(), 1);
  clock_.now += 10'000;
  ASSERT_TRUE(log.Append(Event("a", "read")).ok());
  EXPECT_EQ(count(), 2);
  ASSERT_TRUE(log.Append(Event("a", "read")).ok());
  ASSERT_TRUE(log.Checkpoint().ok());
  EXPECT_EQ(count(), 3);
  ASSERT_TRUE(log.Checkpoint().ok());  // head already covered: nothing new
  EXPECT_EQ(count(), 3);
  VerifyReport rep;
  ASSERT_TRUE(log.Verify(&rep).ok());
  EXPECT_EQ(rep.last_checkpoint_seq, 4);
  EXPECT_EQ(rep.unsigned_tail, 0);
}

TEST_P(AuditTest, CheckpointTimerSignsAQuietTail) {
  AuditOptions o;
  o.checkpoint_every_entries = 0;
  o.checkpoint_every_millis = 50;
  o.checkpoint_timer = true;
  AuditLog log(*store_, kek_, o);
  ASSERT_TRUE(log.Append(Event("a", "read")).ok());
  ASSERT_TRUE(log.Append(Event("a", "read")).ok());
  for (int i = 0; i < 100; ++i) {
    VerifyReport rep;
    ASSERT_TRUE(log.Verify(&rep).ok());
    if (rep.unsigned_tail == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "the timer never signed the head";
}

TEST_P(AuditTest, ConcurrentAppendsKeepOneChain) {
  constexpr int kThreads = 4, kEach = 60;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = log_->Append(Event("user" + std::to_string(t), "read"));
        if (!r.ok()) {
          ADD_FAILURE() << r.status().ToString();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  VerifyReport rep;
  Status s = log_->Verify(&rep);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(rep.head_seq, kThreads * kEach);
  EXPECT_EQ(rep.entries_checked, kThreads * kEach);
}

TEST_P(AuditTest, BatchAppenderGroupsAndKeepsOneChain) {
  constexpr int kThreads = 4, kEach = 250;
  std::vector<int64_t> seqs;
  std::mutex mu;
  {
    BatchAppender batch(*log_, {.max_batch = 64});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::vector<std::future<Result<int64_t>>> futures;
        for (int i = 0; i < kEach; ++i)
          futures.push_back(batch.Submit(Event("batch" + std::to_string(t), "read")));
        for (auto& f : futures) {
          auto r = f.get();
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          std::lock_guard lock(mu);
          seqs.push_back(*r);
        }
      });
    }
    // Meanwhile, synchronous appends in their own transactions interleave with the groups.
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(log_->Append(Event("sync", "write")).ok());
    for (auto& th : threads) th.join();
    batch.Flush();
    auto st = batch.stats();
    EXPECT_EQ(st.events, kThreads * kEach);
    EXPECT_EQ(st.failed, 0);
    EXPECT_LT(st.batches, kThreads * kEach);  // grouped
    auto one = batch.Append(Event("last", "read"));
    ASSERT_TRUE(one.ok());
  }
  std::sort(seqs.begin(), seqs.end());
  EXPECT_EQ(std::unique(seqs.begin(), seqs.end()), seqs.end());
  VerifyReport rep;
  Status s = log_->Verify(&rep);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(rep.head_seq, kThreads * kEach + 21);
  EXPECT_EQ(rep.warnings.size(), 0u);
}

TEST_P(AuditTest, SearchByEachFilter) {
  clock_.now = 1'000'000;
  struct E {
    const char* actor;
    const char* action;
    const char* resource;
    const char* result;
    const char* dept;
  };
  std::vector<E> es = {
      {"alice", "read", "R1", "ok", "D1"},      {"bob", "read", "R2", "ok", "D2"},
      {"alice", "write", "R1", "denied", "D1"}, {"carol", "login_failed", "", "denied", "D3"},
      {"alice", "read", "R2", "ok", "D1"},      {"bob", "grant", "R1", "error", "D2"}};
  for (const auto& x : es) {
    clock_.now += 1000;
    AuditEvent e = Event(x.actor, x.action, x.resource, x.result);
    e.department = x.dept;
    ASSERT_TRUE(log_->Append(e).ok());
  }
  auto seqs = [&](const AuditQuery& q) {
    auto r = log_->Search(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<int64_t> out;
    for (const auto& e : *r) out.push_back(e.seq);
    return out;
  };
  using V = std::vector<int64_t>;
  // The same answers whether nothing, part or all of the log is in the search index.
  for (int64_t indexed : {0, 3, 6}) {
    SCOPED_TRACE("indexed up to " + std::to_string(indexed));
    auto upto = log_->IndexedUpTo();
    ASSERT_TRUE(upto.ok());
    auto n = log_->IndexPending(indexed - *upto);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*log_->IndexedUpTo(), indexed);
    EXPECT_EQ(seqs({.actor = "alice"}), (V{5, 3, 1}));  // newest first
    EXPECT_EQ(seqs({.resource = "R1"}), (V{6, 3, 1}));
    EXPECT_EQ(seqs({.action = "read"}), (V{5, 2, 1}));
    EXPECT_EQ(seqs({.result = "denied"}), (V{4, 3}));
    EXPECT_EQ(seqs({.department = "D2"}), (V{6, 2}));
    EXPECT_EQ(seqs({.from_millis = 1'003'000, .to_millis = 1'005'000}), (V{4, 3}));
    EXPECT_EQ(seqs({.actor = "alice", .resource = "R2", .action = "read"}), (V{5}));
    EXPECT_EQ(seqs({}), (V{6, 5, 4, 3, 2, 1}));
    // Paging: limit/offset, and keyset with after_seq, across the indexed boundary.
    EXPECT_EQ(seqs({.limit = 2}), (V{6, 5}));
    EXPECT_EQ(seqs({.limit = 2, .offset = 2}), (V{4, 3}));
    EXPECT_EQ(seqs({.after_seq = 4, .limit = 2}), (V{3, 2}));
    EXPECT_EQ(seqs({.actor = "alice", .after_seq = 3}), (V{1}));
    EXPECT_EQ(seqs({.actor = "alice", .limit = 1, .offset = 1}), (V{3}));
    EXPECT_EQ(seqs({.actor = "alice", .limit = 2, .offset = 1}), (V{3, 1}));
    EXPECT_EQ(seqs({.resource = "R1", .limit = 1, .offset = 2}), (V{1}));
    EXPECT_EQ(seqs({.action = "read", .after_seq = 5, .limit = 1}), (V{2}));
    EXPECT_TRUE(seqs({.actor = "nobody"}).empty());
    EXPECT_TRUE(seqs({.actor = "alice", .offset = 3}).empty());
  }
  EXPECT_EQ(*log_->IndexPending(100), 0);  // up to date: nothing twice
}

TEST_P(AuditTest, SearchIndexIsRebuiltAndFilledInTheBackground) {
  AppendN(9);
  ASSERT_EQ(*log_->IndexPending(100), 9);
  // The index is derived data: damaged, it is rebuilt from the log.
  Exec("DELETE FROM audit_index WHERE actor = 'alice'");
  EXPECT_TRUE(log_->Search({.actor = "alice"})->empty());
  EXPECT_EQ(*log_->RebuildIndex(), 9);
  EXPECT_EQ(log_->Search({.actor = "alice"})->size(), 4u);
  EXPECT_TRUE(log_->Verify().ok());

  AuditOptions o = options_;
  o.index_in_background = true;
  o.index_every_millis = 10;
  o.index_batch = 2;  // several batches per tick
  AuditLog background(*store_, kek_, o);
  AppendN(7);
  for (int i = 0; i < 500 && *background.IndexedUpTo() < 16; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(*background.IndexedUpTo(), 16);
  EXPECT_EQ(store_->QueryOne("SELECT COUNT(*) FROM audit_index")->Int(0), 16);
}

// A log written before the search index existed (schema version 1) is indexed by the upgrade.
TEST_P(AuditTest, UpgradeIndexesTheExistingLog) {
  auto fresh = store::Store::Open({store::testing::FreshUrl(GetParam()), 4});
  ASSERT_TRUE(fresh.ok());
  auto& st = **fresh;
  auto all = AuditMigrations();
  ASSERT_TRUE(store::ApplyMigrations(st, {all.front()}).ok());
  for (int i = 0; i < 5; ++i) {
    AuditEvent e = Event(i % 2 ? "alice" : "bob", "read");
    e.at_millis = 1'000'000 + i;
    // Version 1's append: the same row, written by the code of that time.
    ASSERT_TRUE(st.Exec("INSERT INTO audit_events (seq, at_millis, actor, role, department, "
                        "action, resource, fields, record_count, purpose, client, result, "
                        "detail, hash) VALUES (?, ?, ?, '', '', 'read', '', '[]', 0, '', '', "
                        "'ok', '', ?)",
                        {int64_t{i + 1}, e.at_millis, e.actor, Blob{std::string(32, 'h')}})
                    .ok());
  }
  ASSERT_TRUE(store::ApplyMigrations(st, all).ok());
  AuditLog upgraded(st, kek_, options_);
  EXPECT_EQ(*upgraded.IndexedUpTo(), 5);
  auto r = upgraded.Search({.actor = "alice"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].seq, 4);
  EXPECT_EQ(*upgraded.IndexPending(10), 0);
}

TEST_P(AuditTest, RolledBackActionRollsBackItsEvent) {
  ASSERT_TRUE(store_->Exec("CREATE TABLE things (code TEXT PRIMARY KEY)").ok());
  AppendN(2);
  Status s = store_->Transact([&](Connection& tx) -> Status {
    YISHU_RETURN_IF_ERROR(tx.Exec("INSERT INTO things (code) VALUES ('a')").status());
    YISHU_RETURN_IF_ERROR(log_->Append(tx, Event("alice", "write", "things")).status());
    return Status::Conflict("the action failed after its audit event was appended");
  });
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM things")->Int(0), 0);
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM audit_events")->Int(0), 2);
  EXPECT_EQ(store_->QueryOne("SELECT seq FROM audit_head")->Int(0), 2);
  // And a committed action commits with its event; the chain continues without a gap.
  int64_t seq = 0;
  s = store_->Transact([&](Connection& tx) -> Status {
    YISHU_RETURN_IF_ERROR(tx.Exec("INSERT INTO things (code) VALUES ('b')").status());
    YISHU_ASSIGN_OR_RETURN(seq, log_->Append(tx, Event("alice", "write", "things")));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seq, 3);
  EXPECT_TRUE(log_->Verify().ok());
}

TEST_P(AuditTest, RolledBackKeyCreationIsRedoneBeforeSigning) {
  // The very first append creates the key pair and signs checkpoint 1, then rolls back.
  Status s = store_->Transact([&](Connection& tx) -> Status {
    YISHU_RETURN_IF_ERROR(log_->Append(tx, Event("a", "read")).status());
    return Status::Conflict("no");
  });
  ASSERT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM audit_keys")->Int(0), 0);
  ASSERT_TRUE(log_->Append(Event("a", "read")).ok());
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM audit_keys")->Int(0), 1);
  EXPECT_TRUE(log_->Verify().ok());
}

TEST_P(AuditTest, AppendNeedsAnOpenTransaction) {
  auto lease = store_->Acquire();
  EXPECT_EQ(log_->Append(*lease, Event("a", "read")).status().code(),
            ErrorCode::kFailedPrecondition);
}

TEST_P(AuditTest, VerifyAndReportNamesTheFirstBadEntry) {
  AppendN(9);
  std::ostringstream ok_out;
  EXPECT_TRUE(VerifyAndReport(*log_, ok_out).ok());
  EXPECT_NE(ok_out.str().find("OK"), std::string::npos) << ok_out.str();
  Exec("UPDATE audit_events SET result = 'ok' , purpose = 'x' WHERE seq = 5");
  std::ostringstream bad_out;
  EXPECT_EQ(VerifyAndReport(*log_, bad_out).code(), ErrorCode::kCorruption);
  EXPECT_NE(bad_out.str().find("first bad entry 5"), std::string::npos) << bad_out.str();
}

TEST_P(AuditTest, AppendsDuringVerifyDoNotConfuseIt) {
  AppendN(30);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop) ASSERT_TRUE(log_->Append(Event("w", "read")).ok());
  });
  for (int i = 0; i < 5; ++i) {
    Status s = log_->Verify();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  stop = true;
  writer.join();
  EXPECT_TRUE(log_->Verify().ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace yishu::audit
