// The same suite runs against every backend: behaviour must not depend on the store.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "store/migrations.hpp"
#include "store/store.hpp"
#include "store/testing.hpp"

namespace yishu::store {
namespace {

std::string HexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL server configured";
    auto s = Store::Open({testing::FreshUrl(GetParam()), 4});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(ApplyMigrations(*store_, Schema()).ok());
  }
  static std::vector<Migration> Schema() {
    return {{"t", 1, "people",
             "CREATE TABLE people (id {{pk}}, code TEXT NOT NULL UNIQUE, name TEXT, age BIGINT, "
             "score DOUBLE PRECISION, photo {{blob}})"},
            {"t", 2, "index", "CREATE INDEX people_name ON people(name)"}};
  }
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, InsertQueryTypesRoundTrip) {
  std::string bytes("\x00\x01\xff\x80zz", 6);
  auto id = store_->Acquire()->InsertReturningId(
      "INSERT INTO people (code, name, age, score, photo) VALUES (?, ?, ?, ?, ?) RETURNING id",
      {"P1", "王伟", int64_t{42}, 3.5, Blob{bytes}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_GT(*id, 0);
  auto row = store_->QueryOne("SELECT code, name, age, score, photo, id FROM people WHERE code = ?",
                              {"P1"});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->Text(0), "P1");
  EXPECT_EQ(row->Text(1), "王伟");
  EXPECT_EQ(row->Int(2), 42);
  EXPECT_DOUBLE_EQ(row->Double(3), 3.5);
  EXPECT_TRUE((*row)[4].is_blob());
  EXPECT_EQ((*row)[4].AsBytes(), bytes);
  EXPECT_EQ((*row)["id"].AsInt(), *id);
}

TEST_P(StoreTest, NullsAndMissingRows) {
  ASSERT_TRUE(store_->Exec("INSERT INTO people (code, name) VALUES (?, ?)", {"P2", nullptr}).ok());
  auto row = store_->QueryOne("SELECT name, age FROM people WHERE code = ?", {"P2"});
  ASSERT_TRUE(row.ok());
  EXPECT_TRUE(row->IsNull(0));
  EXPECT_TRUE(row->IsNull(1));
  auto none = store_->QueryOne("SELECT name FROM people WHERE code = ?", {"nope"});
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);
}

// Statements are cached per connection with their column names; a schema change must show in
// `SELECT *` on the same connection (SQLite re-prepares the statement behind the cache).
TEST_P(StoreTest, SelectStarSeesColumnsAddedLater) {
  auto conn = store_->Acquire();
  ASSERT_TRUE(conn->Exec("INSERT INTO people (code, name) VALUES (?, ?)", {"S1", "李娜"}).ok());
  const std::string sql = "SELECT * FROM people WHERE code = ?";
  auto before = conn->Query(sql, {"S1"});
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ(before->size(), 1u);
  const size_t columns = (*before)[0].columns().size();
  ASSERT_TRUE(conn->ExecScript("ALTER TABLE people ADD COLUMN township TEXT").ok());
  ASSERT_TRUE(conn->Exec("UPDATE people SET township = ? WHERE code = ?", {"齐贤", "S1"}).ok());
  auto after = conn->Query(sql, {"S1"});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].columns().size(), columns + 1);
  EXPECT_EQ((*after)[0]["township"].AsText(), "齐贤");
  EXPECT_EQ((*after)[0]["name"].AsText(), "李娜");
  // SQLite's rows of one cached statement share its column list.
  auto again = conn->Query(sql, {"S1"});
  ASSERT_TRUE(again.ok());
  if (conn->dialect() == Dialect::kSqlite) {
    EXPECT_EQ(&(*again)[0].columns(), &(*after)[0].columns());
  }
  // Inside a transaction (PostgreSQL aborts it; the store's retry prepares afresh), streamed.
  ASSERT_TRUE(conn->ExecScript("ALTER TABLE people ADD COLUMN village TEXT").ok());
  size_t seen = 0;
  Status s = TransactOn(*conn, [&](Connection& tx) {
    seen = 0;
    return tx.QueryEach(sql, {"S1"}, [&](const Row& r) {
      seen = r.columns().size();
      return true;
    });
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, columns + 2);
}

// Index builds run with their own sort settings; the connection gets its usual ones back, and
// a unique index over duplicate keys fails as a unique violation.
TEST_P(StoreTest, CreateIndexesBuildsAndRestoresTheConnection) {
  auto conn = store_->Acquire();
  ASSERT_TRUE(conn->ExecScript("CREATE TABLE bulk (id BIGINT, k TEXT)").ok());
  for (int i = 0; i < 3000; ++i)
    ASSERT_TRUE(
        conn->Exec("INSERT INTO bulk VALUES (?, ?)", {int64_t{i}, std::to_string(i % 2000)}).ok());
  ASSERT_TRUE(conn->CreateIndexes("CREATE INDEX bulk_k ON bulk(k);").ok());
  EXPECT_EQ(ValueOrThrow(conn->Query("SELECT id FROM bulk WHERE k = '7' ORDER BY id")).size(), 2u);
  Status dup = conn->CreateIndexes("CREATE UNIQUE INDEX bulk_uk ON bulk(k);");
  EXPECT_TRUE(dup.Is(ErrorCode::kAlreadyExists) || dup.Is(ErrorCode::kInternal)) << dup.ToString();
  EXPECT_FALSE(dup.ok());
  if (store_->dialect() == Dialect::kSqlite) {
    auto row = ValueOrThrow(conn->Query("PRAGMA cache_size"));
    EXPECT_EQ(row[0].Int(0), -65536);
    row = ValueOrThrow(conn->Query("PRAGMA temp_store"));
    EXPECT_EQ(row[0].Int(0), 2) << "in memory again";
  }
}

TEST_P(StoreTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(store_->Exec("INSERT INTO people (code) VALUES (?)", {"dup"}).ok());
  auto again = store_->Exec("INSERT INTO people (code) VALUES (?)", {"dup"});
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
}

TEST_P(StoreTest, TransactionRollsBackOnError) {
  Status s = store_->Transact([](Connection& c) -> Status {
    YISHU_RETURN_IF_ERROR(c.Exec("INSERT INTO people (code) VALUES (?)", {"a"}).status());
    YISHU_RETURN_IF_ERROR(c.Exec("INSERT INTO people (code) VALUES (?)", {"a"}).status());
    return Status::Ok();
  });
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  auto n = store_->QueryOne("SELECT count(*) FROM people");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->Int(0), 0) << "half of a failed transaction was written";
}

TEST_P(StoreTest, TransactionRollsBackOnException) {
  EXPECT_THROW(store_->Transact([](Connection& c) -> Status {
    (void)c.Exec("INSERT INTO people (code) VALUES (?)", {"x"});
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM people")->Int(0), 0);
}

TEST_P(StoreTest, UpsertOnConflict) {
  const char* sql =
      "INSERT INTO people (code, name) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET name = "
      "excluded.name";
  ASSERT_TRUE(store_->Exec(sql, {"u", "one"}).ok());
  ASSERT_TRUE(store_->Exec(sql, {"u", "two"}).ok());
  EXPECT_EQ(store_->QueryOne("SELECT name FROM people WHERE code = 'u'")->Text(0), "two");
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM people")->Int(0), 1);
}

TEST_P(StoreTest, BatchedWritesAndStreaming) {
  constexpr int kRows = 5000;
  Status s = store_->Transact([&](Connection& c) -> Status {
    for (int i = 0; i < kRows; ++i) {
      auto r = c.Exec("INSERT INTO people (code, age) VALUES (?, ?)",
                      {"c" + std::to_string(i), int64_t{i}});
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  int64_t sum = 0, seen = 0;
  auto lease = store_->Acquire();
  ASSERT_TRUE(lease
                  ->QueryEach("SELECT age FROM people ORDER BY age", {},
                              [&](const Row& r) {
                                sum += r.Int(0);
                                return ++seen < kRows;
                              })
                  .ok());
  EXPECT_EQ(seen, kRows);
  EXPECT_EQ(sum, int64_t{kRows} * (kRows - 1) / 2);
  // Stopping early leaves the connection usable.
  seen = 0;
  ASSERT_TRUE(
      lease->QueryEach("SELECT age FROM people", {}, [&](const Row&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(lease->QueryOne("SELECT count(*) FROM people")->Int(0), kRows);
}

TEST_P(StoreTest, RowViewsReadInPlace) {
  std::string bytes("\x00\x01\xff\x80zz", 6);
  ASSERT_TRUE(store_
                  ->Exec("INSERT INTO people (code, name, age, photo) VALUES (?, ?, ?, ?), "
                         "(?, NULL, NULL, NULL), (?, ?, ?, NULL)",
                         {"P1", "王伟", int64_t{42}, Blob{bytes}, "P2", "P3", "李娜", int64_t{7}})
                  .ok());
  auto lease = store_->Acquire();
  std::vector<std::string> seen;
  Status s = lease->QueryEachView(
      "SELECT code, name, age, photo FROM people ORDER BY code", {}, [&](const RowView& r) {
        EXPECT_EQ(r.size(), 4u);
        std::string line = std::string(r.Bytes(0)) + "|" + std::string(r.Bytes(1)) + "|" +
                           (r.IsNull(2) ? "null" : std::to_string(r.Int(2))) + "|" +
                           (r.IsNull(3) ? "null" : HexOf(r.Bytes(3)));
        seen.push_back(line);
        EXPECT_THROW((void)r.Bytes(4), std::out_of_range);
        return seen.size() < 2;  // stops early
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"P1|王伟|42|0001ff807a7a", "P2||null|null"}));
  // Stopping early leaves the connection usable.
  EXPECT_EQ(lease->QueryOne("SELECT count(*) FROM people")->Int(0), 3);
}

// SQLite: checkpoints run on the store's own thread, not inside a commit; the WAL still reaches
// the database file.
TEST_P(StoreTest, WalIsCheckpointedInTheBackground) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "SQLite WAL only";
  const std::string path = store_->description().substr(std::string("sqlite:").size());
  const std::string kilobyte(1024, 'x');
  for (int tx = 0; tx < 40; ++tx) {
    Status s = store_->Transact([&](Connection& c) -> Status {
      for (int i = 0; i < 100; ++i)
        YISHU_RETURN_IF_ERROR(c.Exec("INSERT INTO people (code, name) VALUES (?, ?)",
                                     {"c" + std::to_string(tx * 100 + i), kilobyte})
                                  .status());
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // 4 MB written: the database file holds them once a checkpoint has run.
  std::error_code ec;
  for (int i = 0; i < 100 && std::filesystem::file_size(path, ec) < (4u << 20); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GE(std::filesystem::file_size(path, ec), 4u << 20);
}

TEST_P(StoreTest, ConcurrentWritersAllLand) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Status s = store_->Transact([&](Connection& c) {
          return c
              .Exec("INSERT INTO people (code) VALUES (?)",
                    {"t" + std::to_string(t) + "_" + std::to_string(i)})
              .status();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->QueryOne("SELECT count(*) FROM people")->Int(0), 200);
}

TEST_P(StoreTest, MigrationsAreIdempotentAndVersioned) {
  EXPECT_TRUE(ApplyMigrations(*store_, Schema()).ok());
  auto n = store_->QueryOne("SELECT count(*) FROM schema_migrations WHERE module = 't'");
  EXPECT_EQ(n->Int(0), 2);
  // A binary that knows only version 1 must refuse a store at version 2.
  auto older = Schema();
  older.pop_back();
  EXPECT_EQ(ApplyMigrations(*store_, older).code(), ErrorCode::kFailedPrecondition);
  // A broken migration is not recorded and leaves nothing behind.
  auto broken = Schema();
  broken.push_back({"t", 3, "broken", "CREATE TABLE t3 (a TEXT); THIS IS NOT SQL"});
  EXPECT_FALSE(ApplyMigrations(*store_, broken).ok());
  EXPECT_EQ(store_->QueryOne("SELECT max(version) FROM schema_migrations WHERE module='t'")->Int(0),
            2);
}

TEST_P(StoreTest, SqlInjectionStringsAreJustValues) {
  std::string evil = "x'; DROP TABLE people; --";
  ASSERT_TRUE(store_->Exec("INSERT INTO people (code, name) VALUES (?, ?)", {evil, "?"}).ok());
  auto row = store_->QueryOne("SELECT code, name FROM people WHERE code = ?", {evil});
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->Text(0), evil);
  EXPECT_EQ(row->Text(1), "?");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(testing::Backends()),
                         [](const auto& info) { return info.param; });

TEST(StoreOpen, RejectsUnknownUrl) {
  auto s = Store::Open({"mysql://x", 1});
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
}

TEST(StoreOpen, RejectsFileThatIsNotADatabase) {
  auto dir = testing::TempDir();
  auto path = dir / "junk.db";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("this is not a database file, just text that is long enough to matter....", f);
  std::fclose(f);
  auto s = Store::Open({"sqlite:" + path.string(), 1});
  EXPECT_FALSE(s.ok());
}

TEST(StoreOpen, PostgresIsRequiredWhenAsked) {
  if (testing::PostgresRequired()) {
    EXPECT_TRUE(testing::PostgresAvailable());
  }
}

}  // namespace
}  // namespace yishu::store
