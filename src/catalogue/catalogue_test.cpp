#include "catalogue/catalogue.hpp"

#include <gtest/gtest.h>

#include "common/yaml_json.hpp"
#include "store/testing.hpp"

namespace yishu::catalogue {
namespace {

ElementLookup TestElements() {
  return [](std::string_view code) -> std::optional<ElementInfo> {
    if (code == "id_card") return ElementInfo{"string", "L4"};
    if (code == "person_name") return ElementInfo{"string", "L3"};
    if (code == "address") return ElementInfo{"string", "L3"};
    if (code == "uscc") return ElementInfo{"string", "L1"};
    return std::nullopt;
  };
}

constexpr const char* kDoc = R"yaml(
departments:
  - {code: GA, name: 公安分局}
  - {code: MZ, name: 民政局}
systems:
  - {code: GA_HJ, name: 户籍系统, department: GA}
resources:
  - code: GA_HOUSEHOLD
    name: 户籍人口
    department: GA
    system: GA_HJ
    subject: person
    share_type: 有条件共享
    share_condition: 政务用途
    security_level: L2
    tags: [人口, 户籍]
    classification: {category: 基础信息, item: 人口}
    fields:
      - {name: id_number, label: 公民身份号码, element: id_card, key: true, authoritative: true}
      - {name: name, label: 姓名, element: person_name, authoritative: true}
      - {name: address, label: 地址, element: address}
  - code: MZ_DIBAO
    name: 低保对象
    department: MZ
    subject: person
    share_type: 无条件共享
    fields:
      - {name: id_number, label: 身份证号, element: id_card, key: true}
      - {name: address, label: 居住地址, element: address, authoritative: true}
)yaml";

class CatalogueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (store::testing::Unavailable(GetParam())) GTEST_SKIP() << "no PostgreSQL configured";
    store_ = store::Store::Open({store::testing::FreshUrl(GetParam()), 4}).value();
    ASSERT_TRUE(store::ApplyMigrations(*store_, CatalogueMigrations()).ok());
    cat_ = std::make_unique<Catalogue>(*store_, TestElements());
    auto doc = YamlToJson(kDoc, "test.yaml");
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    Status s = Import(*doc);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Status Import(const nlohmann::json& doc) {
    return store_->Transact(
        [&](store::Connection& tx) { return cat_->Import(tx, doc, "tester").status(); });
  }
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Catalogue> cat_;
};

TEST_P(CatalogueTest, ImportedResourcesReadBack) {
  auto r = cat_->GetResource("GA_HOUSEHOLD");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->fields.size(), 3u);
  EXPECT_EQ(r->fields[0].sensitivity, "L4");  // from the element's default
  EXPECT_FALSE(r->fields[0].nullable);        // keys are never nullable
  EXPECT_EQ(r->EffectiveLevel(), "L4");       // follows the most sensitive field
  EXPECT_EQ(r->classification.category, "基础信息");
  auto page = cat_->ListResources({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);
}

TEST_P(CatalogueTest, ChangesMakeVersionsAndNoopsDoNot) {
  auto r = cat_->GetResource("GA_HOUSEHOLD").value();
  r.description = "全区户籍人口";
  r.fields.push_back({"mobile", "手机号码", "string", "", true, false, "L3", false});
  Status s = store_->Transact([&](store::Connection& tx) {
    return cat_->PutResource(tx, r, "steward", PutMode::kUpdate, int64_t{1}).status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  // The same definition again writes nothing.
  bool changed = true;
  s = store_->Transact([&](store::Connection& tx) {
    return cat_->PutResource(tx, r, "steward", PutMode::kUpdate, {}, &changed).status();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(changed);
  auto history = cat_->History("GA_HOUSEHOLD");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].version, 2);
  EXPECT_NE((*history)[0].change.find("+mobile"), std::string::npos);
  EXPECT_NE((*history)[0].change.find("description"), std::string::npos);
  auto v1 = cat_->GetResource("GA_HOUSEHOLD", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->fields.size(), 3u);
  EXPECT_EQ(cat_->GetResource("GA_HOUSEHOLD")->fields.size(), 4u);
  // A stale expected version is refused.
  s = store_->Transact([&](store::Connection& tx) {
    r.description = "again";
    return cat_->PutResource(tx, r, "steward", PutMode::kUpdate, int64_t{1}).status();
  });
  EXPECT_EQ(s.code(), ErrorCode::kFailedPrecondition);
}

TEST_P(CatalogueTest, SecondAuthoritativeSourceIsRefusedNamingTheFirst) {
  auto doc = YamlToJson(R"yaml(
resources:
  - code: MZ_MARRIAGE
    name: 婚姻登记
    department: MZ
    subject: person
    share_type: 有条件共享
    share_condition: 依申请
    fields:
      - {name: id_number, label: 身份证号, element: id_card, key: true, authoritative: true}
)yaml",
                        "conflict.yaml");
  Status s = Import(*doc);
  ASSERT_EQ(s.code(), ErrorCode::kConflict) << s.ToString();
  EXPECT_NE(s.message().find("GA_HOUSEHOLD.id_number"), std::string::npos) << s.message();
  EXPECT_EQ(s.details()["existing_resource"], "GA_HOUSEHOLD");
  // Nothing half-written.
  EXPECT_EQ(cat_->GetResource("MZ_MARRIAGE").status().code(), ErrorCode::kNotFound);
}

TEST_P(CatalogueTest, SourcesListAuthorityAndCopies) {
  auto sources = cat_->Sources();
  ASSERT_TRUE(sources.ok());
  const SourceEntry* id = nullptr;
  const SourceEntry* addr = nullptr;
  for (const auto& s : *sources) {
    if (s.element == "id_card") id = &s;
    if (s.element == "address") addr = &s;
  }
  ASSERT_TRUE(id && addr);
  EXPECT_EQ(id->resource, "GA_HOUSEHOLD");
  ASSERT_EQ(id->copies.size(), 1u);
  EXPECT_EQ(id->copies[0].resource, "MZ_DIBAO");
  EXPECT_EQ(addr->resource, "MZ_DIBAO");
  EXPECT_EQ(addr->copies[0].resource, "GA_HOUSEHOLD");
}

TEST_P(CatalogueTest, SearchAndPaging) {
  ResourceQuery q;
  q.text = "户籍";
  EXPECT_EQ(cat_->ListResources(q)->total, 1);
  q = {};
  q.department = "MZ";
  EXPECT_EQ(cat_->ListResources(q)->items.at(0).code, "MZ_DIBAO");
  q = {};
  q.page_size = 1;
  q.page = 2;
  auto p = cat_->ListResources(q);
  EXPECT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0].code, "MZ_DIBAO");
  q.page_size = 1000;
  EXPECT_EQ(cat_->ListResources(q).status().code(), ErrorCode::kInvalidArgument);
  q = {};
  q.openable_only = true;
  EXPECT_EQ(cat_->ListResources(q)->total, 0);
}

TEST_P(CatalogueTest, BadDefinitionsNameTheProblem) {
  auto bad = [&](const char* yaml, const char* expect) {
    auto doc = YamlToJson(yaml, "bad.yaml");
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    Status s = Import(*doc);
    EXPECT_FALSE(s.ok()) << yaml;
    EXPECT_NE(s.message().find(expect), std::string::npos) << s.message();
  };
  bad("resources: [{code: X1, name: x, department: GA, share_type: 有条件共享, fields: [{name: "
      "a}]}]",
      "share_condition");
  bad("resources: [{code: X1, name: x, department: NOPE, share_type: 无条件共享, fields: [{name: "
      "a}]}]",
      "unknown department 'NOPE'");
  bad("resources: [{code: X1, name: x, department: GA, share_type: 无条件共享, fields: [{name: a, "
      "element: nonsense}]}]",
      "unknown data element 'nonsense'");
  bad("resources: [{code: X1, name: x, department: GA, share_type: 无条件共享, sharetype: y, "
      "fields: [{name: a}]}]",
      "unknown key 'resource.sharetype'");
  bad("resources: [{code: X1, name: x, department: GA, share_type: 无条件共享, fields: [{name: a, "
      "type: blob}]}]",
      "type must be one of");
  bad("resources: [{code: X1, name: x, department: GA, share_type: 无条件共享, fields: [{name: a}, "
      "{name: a}]}]",
      "duplicate field name");
  bad("resources: [{code: 'bad code', name: x, department: GA, share_type: 无条件共享, fields: "
      "[{name: a}]}]",
      "resource.code");
  bad("resources: [{code: X1, name: x, department: GA, share_type: 无条件共享, fields: [{name: a, "
      "nullable: maybe}]}]",
      "must be true or false");
  bad("resources: [{code: X1, name: x, department: GA, system: GA_HJ, share_type: 无条件共享, "
      "fields: []}]",
      "at least one field");
  bad("systems: [{code: S2, name: s, department: ZZ}]", "unknown department 'ZZ'");
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogueTest, ::testing::ValuesIn(store::testing::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace yishu::catalogue
