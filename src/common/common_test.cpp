#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <thread>
#include <vector>

#include "common/bounded_queue.hpp"
#include "common/status.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"

namespace yishu {
namespace {

TEST(Status, OkIsCheapAndErrorsCarryCodes) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status bad = Status::InvalidArgument("field 'code' is missing");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.ToJson()["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(HttpStatusFor(bad.code()), 400);
  EXPECT_EQ(bad.WithContext("resource R1").message(), "resource R1: field 'code' is missing");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> r = 5;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 5);
  Result<int> e = Status::NotFound("x");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kNotFound);
}

TEST(Strings, Utf8) {
  EXPECT_EQ(Utf8Length("柯桥区abc"), 6u);
  EXPECT_TRUE(IsValidUtf8("王伟"));
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(FoldFullWidth("１２３号"), "123号");
}

TEST(Strings, MaskMiddleCountsCharactersNotBytes) {
  EXPECT_EQ(MaskMiddle("330603198001011234", 6, 4), "330603********1234");
  EXPECT_EQ(MaskMiddle("13856785678", 3, 4), "138****5678");
  EXPECT_EQ(MaskMiddle("王小明", 1, 0), "王**");
  EXPECT_EQ(MaskMiddle("王伟", 3, 2), "王*");
  EXPECT_EQ(MaskMiddle("x", 3, 2), "*");
  EXPECT_EQ(MaskMiddle("", 3, 2), "");
  char32_t cp = 0;
  EXPECT_EQ(DecodeUtf8At("王", 0, &cp), 3u);
  EXPECT_EQ(cp, U'王');
  EXPECT_EQ(DecodeUtf8At("\xC0\xAF", 0, &cp), 0u) << "overlong";
  EXPECT_EQ(DecodeUtf8At("\xE7\x8E", 0, &cp), 0u) << "truncated";
}

TEST(Strings, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("a-Z_0.~"), "a-Z_0.~");
  EXPECT_EQ(PercentEncode("a b&c=/"), "a%20b%26c%3D%2F");
  EXPECT_EQ(PercentEncode("华"), "%E5%8D%8E");
}

TEST(Time, CivilFromDaysInvertsDaysFromCivil) {
  for (int64_t d : {-719468LL, -1LL, 0LL, 59LL, 60LL, 11016LL, 20786LL, 2932896LL}) {
    int y, m, dd;
    CivilFromDays(d, &y, &m, &dd);
    EXPECT_EQ(DaysFromCivil(y, m, dd), d) << y << "-" << m << "-" << dd;
  }
  int y, m, d;
  CivilFromDays(0, &y, &m, &d);
  EXPECT_EQ(y * 10000 + m * 100 + d, 19700101);
  CivilFromDays(DaysFromCivil(2024, 2, 29), &y, &m, &d);
  EXPECT_EQ(y * 10000 + m * 100 + d, 20240229);
}

TEST(Time, Rfc3339RoundTrip) {
  auto t = ParseRfc3339("2026-11-29T23:08:02.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-29T23:08:02.123Z");
  EXPECT_FALSE(ParseRfc3339("2026-02-30"));
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 2, 29));
  EXPECT_EQ(*ParseRfc3339("1970-01-02T00:00:00+08:00"), 16 * 3600 * 1000);
}

}  // namespace
TEST(Strings, AppendJsonStringWritesWhatNlohmannDumps) {
  for (std::string s : {std::string(""), std::string("plain"), std::string("引号\"与\\反斜杠"),
                        std::string("\b\f\n\r\t"), std::string("\x01\x1f\x7f"),
                        std::string("身份证 330603199001011234"), std::string("a\0b", 3)}) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, nlohmann::json(s).dump()) << s;
    EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), s);
  }
}

TEST(BoundedQueue, KeepsOrderBoundsTheProducerAndDrainsOnClose) {
  BoundedQueue<int> q(2);
  std::vector<int> got;
  std::thread consumer([&] {
    int v;
    while (q.Pop(&v)) got.push_back(v);
  });
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.Push(i));
  q.Close();
  consumer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[i], i);
  EXPECT_FALSE(q.Push(1));  // closed

  // A consumer that gives up releases a producer blocked on a full queue.
  BoundedQueue<int> full(1);
  ASSERT_TRUE(full.Push(1));
  std::thread closer([&] { full.Close(); });
  EXPECT_FALSE(full.Push(2));
  closer.join();
  int v = 0;
  EXPECT_TRUE(full.Pop(&v));  // what was queued before the close is still delivered
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(full.Pop(&v));
}

}  // namespace yishu
