#include <gtest/gtest.h>

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
}  // namespace yishu
