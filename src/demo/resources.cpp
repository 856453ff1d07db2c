#include "demo/resources.hpp"

#include <cstdlib>

#include <fmt/format.h>

namespace yishu::demo {
namespace {

constexpr int kKey = 1, kNotNull = 2, kAuth = 4;

FieldSpec F(std::string_view name, std::string_view label, std::string_view type,
            std::string_view element, std::string_view sensitivity, int flags = 0) {
  FieldSpec f;
  f.name = name;
  f.label = label;
  f.type = type;
  f.element = element;
  f.sensitivity = sensitivity;
  f.key = flags & kKey;
  f.nullable = !(flags & (kNotNull | kKey));
  f.authoritative = flags & kAuth;
  return f;
}

std::vector<ResourceSpec> BuildResources() {
  std::vector<ResourceSpec> r;

  // 公安: the household register, the one source of a person's identity (一数一源).
  r.push_back({
      .code = "GA_HOUSEHOLD",
      .name = "户籍人口信息",
      .description = "全区户籍人口基本信息，含身份、户籍地址、户别和人员状态，按日更新",
      .department = "GA",
      .system = "GA_HJ",
      .subject = "person",
      .update_cycle = "daily",
      .share_type = "有条件共享",
      .share_condition = "仅用于政务服务身份核验和人口基础库建设",
      .open_type = "不予开放",
      .open_condition = "涉及个人隐私",
      .security_level = "L4",
      .tags = {"人口", "户籍"},
      .category = "基础信息",
      .item = "人口信息",
      .entry = "户籍",
      .sub_entry = "户籍人口",
      .fields = {F("id_number", "公民身份号码", "string", "id_card", "L4", kKey | kAuth),
                 F("name", "姓名", "string", "person_name", "L3", kNotNull | kAuth),
                 F("gender", "性别", "enum", "gender", "L2", kNotNull | kAuth),
                 F("ethnicity", "民族", "enum", "ethnicity", "L2", kAuth),
                 F("birth_date", "出生日期", "date", "date", "L3", kNotNull | kAuth),
                 F("household_no", "户号", "string", "", "L3", kNotNull),
                 F("relation", "与户主关系", "string", "", "L2"),
                 F("address", "户籍地址", "string", "address", "L3", kNotNull | kAuth),
                 F("township_code", "乡镇街道代码", "string", "", "L1"),
                 F("mobile", "联系电话", "string", "mobile", "L3"),
                 F("origin", "籍贯", "string", "", "L2"),
                 F("education", "文化程度", "string", "", "L2"),
                 F("marital_status", "婚姻状况", "string", "", "L3"),
                 F("hukou_type", "户口类别", "string", "", "L2"),
                 F("registered_on", "户籍登记日期", "date", "date", "L2"),
                 F("status", "人员状态", "string", "", "L2")},
      .delivery = {"GA_HOUSEHOLD_20261129.csv", Encoding::kUtf8, false, false, true},
      .fault_scale = 0.1,
  });

  r.push_back({
      .code = "MZ_ASSISTANCE",
      .name = "最低生活保障对象信息",
      .description = "城乡最低生活保障在保对象及保障金发放情况",
      .department = "MZ",
      .system = "MZ_JZ",
      .subject = "person",
      .update_cycle = "monthly",
      .share_type = "有条件共享",
      .share_condition = "用于社会救助对象核查和帮扶",
      .open_type = "不予开放",
      .open_condition = "涉及个人隐私",
      .security_level = "L3",
      .tags = {"社会救助", "低保"},
      .category = "主题信息",
      .item = "社会保障",
      .entry = "社会救助",
      .sub_entry = "最低生活保障",
      .fields = {F("case_no", "救助证编号", "string", "", "L2", kKey),
                 F("id_number", "身份证号码", "string", "id_card", "L4", kNotNull),
                 F("name", "姓名", "string", "person_name", "L3", kNotNull),
                 F("gender", "性别", "enum", "gender", "L2"),
                 F("birth_date", "出生日期", "date", "date", "L3"),
                 F("township", "所属乡镇街道", "string", "", "L1"),
                 F("address", "家庭住址", "string", "address", "L3"),
                 F("mobile", "联系电话", "string", "mobile", "L3"),
                 F("family_size", "保障人数", "integer", "integer", "L2"),
                 F("monthly_amount", "月保障金额", "decimal", "decimal", "L3"),
                 F("start_date", "享受起始日期", "date", "date", "L2"),
                 F("status", "救助状态", "string", "", "L2")},
      .delivery = {"低保对象花名册_202611.csv", Encoding::kGbk, false, true, true},
  });

  r.push_back({
      .code = "MZ_MARRIAGE",
      .name = "婚姻登记信息",
      .description = "结婚登记、离婚登记记录（2000年以来电子化数据）",
      .department = "MZ",
      .system = "MZ_HY",
      .subject = "person",
      .update_cycle = "daily",
      .share_type = "有条件共享",
      .share_condition = "用于婚姻状况核验",
      .open_type = "不予开放",
      .open_condition = "涉及个人隐私",
      .security_level = "L3",
      .tags = {"婚姻", "民政"},
      .category = "主题信息",
      .item = "民政",
      .entry = "婚姻登记",
      .sub_entry = "婚姻登记记录",
      .fields = {F("cert_no", "登记证字号", "string", "", "L2", kKey),
                 F("reg_type", "登记类型", "string", "", "L2", kNotNull),
                 F("reg_date", "登记日期", "date", "date", "L2", kNotNull),
                 F("male_name", "男方姓名", "string", "person_name", "L3"),
                 F("male_id", "男方身份证号", "string", "id_card", "L4"),
                 F("male_birth", "男方出生日期", "date", "date", "L3"),
                 F("female_name", "女方姓名", "string", "person_name", "L3"),
                 F("female_id", "女方身份证号", "string", "id_card", "L4"),
                 F("female_birth", "女方出生日期", "date", "date", "L3"),
                 F("office", "登记机关", "string", "", "L1")},
      .delivery = {"MZ_MARRIAGE_20261129.csv", Encoding::kGbk, false, true, true},
  });

  r.push_back({
      .code = "RS_INSURANCE",
      .name = "社会保险参保信息",
      .description = "职工基本养老保险、城乡居民基本养老保险参保登记及缴费基数",
      .department = "RS",
      .system = "RS_SB",
      .subject = "person",
      .update_cycle = "monthly",
      .share_type = "有条件共享",
      .share_condition = "用于就业和社保待遇资格核验",
      .open_type = "不予开放",
      .open_condition = "涉及个人隐私",
      .security_level = "L3",
      .tags = {"社保", "就业"},
      .category = "主题信息",
      .item = "社会保障",
      .entry = "社会保险",
      .sub_entry = "参保登记",
      .fields = {F("id_number", "公民身份号码", "string", "id_card", "L4", kKey),
                 F("name", "姓名", "string", "person_name", "L3", kNotNull),
                 F("gender", "性别", "enum", "gender", "L2"),
                 F("birth_date", "出生日期", "date", "date", "L3"),
                 F("insurance_type", "险种类型", "string", "", "L2", kKey),
                 F("employer_uscc", "单位统一社会信用代码", "string", "uscc", "L1"),
                 F("employer_name", "单位名称", "string", "org_name", "L1"),
                 F("start_date", "参保日期", "date", "date", "L2"),
                 F("contribution_base", "缴费基数", "decimal", "decimal", "L3"),
                 F("status", "参保状态", "string", "", "L2"),
                 F("mobile", "手机号码", "string", "mobile", "L3")},
      .delivery = {"rs_insurance_202611.csv", Encoding::kUtf8, true, true, false},
  });

  r.push_back({
      .code = "WJ_BIRTH",
      .name = "出生医学证明信息",
      .description = "辖区助产机构签发的出生医学证明，含新生儿及父母信息",
      .department = "WJ",
      .system = "WJ_FY",
      .subject = "person",
      .update_cycle = "daily",
      .share_type = "有条件共享",
      .share_condition = "用于出生登记、预防接种和生育服务",
      .open_type = "不予开放",
      .open_condition = "涉及个人隐私和健康信息",
      .security_level = "L4",
      .tags = {"卫生健康", "出生", "妇幼"},
      .category = "主题信息",
      .item = "医疗卫生",
      .entry = "妇幼保健",
      .sub_entry = "出生医学证明",
      .fields = {F("cert_no", "出生医学证明编号", "string", "", "L2", kKey),
                 F("child_name", "新生儿姓名", "string", "person_name", "L3"),
                 F("child_gender", "新生儿性别", "enum", "gender", "L2", kNotNull),
                 F("birth_date", "出生日期", "date", "date", "L3", kNotNull),
                 F("birth_weight", "出生体重(克)", "integer", "integer", "L4"),
                 F("institution", "助产机构", "string", "", "L1"),
                 F("mother_name", "母亲姓名", "string", "person_name", "L3"),
                 F("mother_id", "母亲身份证号", "string", "id_card", "L4"),
                 F("father_name", "父亲姓名", "string", "person_name", "L3"),
                 F("father_id", "父亲身份证号", "string", "id_card", "L4"),
                 F("address", "家庭住址", "string", "address", "L3")},
      .delivery = {"出生医学证明_2013-2026.csv", Encoding::kGbk, false, true, true},
  });

  r.push_back({
      .code = "WJ_FAMILY_DOCTOR",
      .name = "家庭医生签约服务信息",
      .description = "居民家庭医生签约记录及重点人群标识",
      .department = "WJ",
      .system = "WJ_JW",
      .subject = "person",
      .update_cycle = "monthly",
      .share_type = "有条件共享",
      .share_condition = "仅用于基本公共卫生服务和健康管理",
      .open_type = "不予开放",
      .open_condition = "涉及个人健康信息",
      .security_level = "L4",
      .tags = {"卫生健康", "家庭医生"},
      .category = "主题信息",
      .item = "医疗卫生",
      .entry = "基层卫生",
      .sub_entry = "家庭医生签约",
      .fields = {F("sign_no", "签约编号", "string", "", "L2", kKey),
                 F("id_number", "身份证号", "string", "id_card", "L4", kNotNull),
                 F("name", "姓名", "string", "person_name", "L3", kNotNull),
                 F("gender", "性别", "enum", "gender", "L2"),
                 F("birth_date", "出生日期", "date", "date", "L3"),
                 F("mobile", "联系电话", "string", "mobile", "L3"),
                 F("landline", "固定电话", "string", "landline", "L3"),
                 F("address", "现住址", "string", "address", "L3"),
                 F("institution", "签约机构", "string", "", "L1"),
                 F("doctor", "签约医生", "string", "", "L2"),
                 F("sign_date", "签约日期", "date", "date", "L2"),
                 F("key_group", "重点人群", "string", "", "L4")},
      .delivery = {"家庭医生签约_202611.csv", Encoding::kGbk, false, true, true},
  });

  // 市场监管: the one source of a legal entity's identity.
  r.push_back({
      .code = "SJ_ENTERPRISE",
      .name = "市场主体登记信息",
      .description = "企业、个体工商户设立、变更、注销登记基本信息",
      .department = "SJ",
      .system = "SJ_DJ",
      .subject = "legal_entity",
      .update_cycle = "daily",
      .share_type = "无条件共享",
      .share_condition = "",
      .open_type = "有条件开放",
      .open_condition = "法定代表人证件号码不予开放，其余信息依法公示",
      .security_level = "L3",
      .tags = {"法人", "市场主体", "纺织"},
      .category = "基础信息",
      .item = "法人单位信息",
      .entry = "市场主体",
      .sub_entry = "登记信息",
      .fields = {F("uscc", "统一社会信用代码", "string", "uscc", "L1", kKey | kAuth),
                 F("name", "企业名称", "string", "org_name", "L1", kNotNull | kAuth),
                 F("reg_no", "注册号", "string", "", "L1"),
                 F("entity_type", "市场主体类型", "string", "", "L1"),
                 F("legal_rep", "法定代表人", "string", "person_name", "L2", kAuth),
                 F("legal_rep_id", "法定代表人证件号码", "string", "id_card", "L4", kAuth),
                 F("registered_capital", "注册资本(万元)", "decimal", "decimal", "L1"),
                 F("established", "成立日期", "date", "date", "L1", kAuth),
                 F("industry_code", "行业代码", "string", "", "L1"),
                 F("industry", "行业", "string", "", "L1"),
                 F("address", "住所", "string", "address", "L1", kAuth),
                 F("township", "所属乡镇街道", "string", "", "L1"),
                 F("status", "登记状态", "string", "", "L1"),
                 F("status_date", "注销吊销日期", "date", "date", "L1"),
                 F("scope", "经营范围", "string", "", "L1")},
      .delivery = {"sj_enterprise_20261129.csv", Encoding::kUtf8, false, false, false},
      .fault_scale = 0.1,
  });

  r.push_back({
      .code = "SW_TAXPAYER",
      .name = "纳税人登记及信用信息",
      .description = "纳税人税务登记、纳税人类型和年度纳税信用等级",
      .department = "SW",
      .system = "SW_ZG",
      .subject = "legal_entity",
      .update_cycle = "monthly",
      .share_type = "有条件共享",
      .share_condition = "用于涉企服务和信用监管",
      .open_type = "有条件开放",
      .open_condition = "仅开放A级纳税人名单",
      .security_level = "L3",
      .tags = {"税务", "信用"},
      .category = "主题信息",
      .item = "财税金融",
      .entry = "税收征管",
      .sub_entry = "纳税人登记",
      .fields = {F("taxpayer_id", "纳税人识别号", "string", "uscc", "L1", kKey),
                 F("name", "纳税人名称", "string", "org_name", "L1", kNotNull),
                 F("legal_rep", "法定代表人", "string", "person_name", "L2"),
                 F("legal_rep_id", "法定代表人身份证号", "string", "id_card", "L4"),
                 F("reg_date", "税务登记日期", "date", "date", "L1"),
                 F("taxpayer_type", "纳税人类型", "string", "", "L1"),
                 F("credit_rating", "纳税信用等级", "string", "", "L2"),
                 F("tax_office", "主管税务所", "string", "", "L1"),
                 F("industry", "行业", "string", "", "L1"),
                 F("address", "生产经营地址", "string", "address", "L1"),
                 F("contact_mobile", "联系电话", "string", "mobile", "L3"),
                 F("status", "纳税人状态", "string", "", "L1")},
      .delivery = {"纳税人登记信息_202611.csv", Encoding::kGbk, false, true, true},
  });

  r.push_back({
      .code = "HB_DISCHARGE_PERMIT",
      .name = "排污许可证信息",
      .description = "排污单位许可证、许可排放量和有效期，印染、化纤企业为主",
      .department = "HB",
      .system = "HB_PW",
      .subject = "legal_entity",
      .update_cycle = "weekly",
      .share_type = "无条件共享",
      .share_condition = "",
      .open_type = "无条件开放",
      .open_condition = "",
      .security_level = "L1",
      .tags = {"生态环境", "排污许可", "印染"},
      .category = "主题信息",
      .item = "生态环境",
      .entry = "污染源监管",
      .sub_entry = "排污许可",
      .fields = {F("permit_no", "许可证编号", "string", "", "L1", kKey),
                 F("uscc", "统一社会信用代码", "string", "uscc", "L1", kNotNull),
                 F("name", "单位名称", "string", "org_name", "L1", kNotNull),
                 F("industry", "行业类别", "string", "", "L1"),
                 F("address", "生产经营场所地址", "string", "address", "L1"),
                 F("location", "中心经纬度", "geo_point", "", "L1"),
                 F("management", "管理类别", "string", "", "L1"),
                 F("pollutants", "主要污染物种类", "string", "", "L1"),
                 F("cod_tpy", "化学需氧量许可排放量(吨/年)", "decimal", "decimal", "L1"),
                 F("nh3n_tpy", "氨氮许可排放量(吨/年)", "decimal", "decimal", "L1"),
                 F("valid_from", "有效期起", "date", "date", "L1"),
                 F("valid_to", "有效期止", "date", "date", "L1")},
      .delivery = {"排污许可证_20261129.csv", Encoding::kUtf8, true, false, true},
  });

  r.push_back({
      .code = "JY_STUDENT",
      .name = "中小学生学籍信息",
      .description = "辖区中小学在校学生学籍及监护人信息",
      .department = "JY",
      .system = "JY_XJ",
      .subject = "person",
      .update_cycle = "monthly",
      .share_type = "有条件共享",
      .share_condition = "仅用于教育管理、入学和资助核验",
      .open_type = "不予开放",
      .open_condition = "涉及未成年人个人信息",
      .security_level = "L4",
      .tags = {"教育", "学籍", "未成年人"},
      .category = "主题信息",
      .item = "教育",
      .entry = "学籍管理",
      .sub_entry = "中小学学籍",
      .fields = {F("student_no", "全国学籍号", "string", "", "L3", kKey),
                 F("name", "学生姓名", "string", "person_name", "L3", kNotNull),
                 F("id_number", "身份证件号", "string", "id_card", "L4"),
                 F("gender", "性别", "enum", "gender", "L2"),
                 F("birth_date", "出生日期", "date", "date", "L3"),
                 F("ethnicity", "民族", "enum", "ethnicity", "L2"),
                 F("school", "学校名称", "string", "", "L1"),
                 F("grade", "年级", "string", "", "L2"),
                 F("class_name", "班级", "string", "", "L2"),
                 F("guardian_name", "监护人姓名", "string", "person_name", "L3"),
                 F("guardian_id", "监护人身份证号", "string", "id_card", "L4"),
                 F("guardian_mobile", "监护人联系电话", "string", "mobile", "L3"),
                 F("home_phone", "家庭电话", "string", "landline", "L3"),
                 F("address", "家庭住址", "string", "address", "L3")},
      .delivery = {"学籍信息_2026秋.csv", Encoding::kUtf8, true, true, true},
  });

  r.push_back({
      .code = "ZJ_RENTAL",
      .name = "房屋租赁登记备案信息",
      .description = "出租房屋登记备案，含出租人、承租人（多为外来务工人员）",
      .department = "ZJ",
      .system = "ZJ_ZL",
      .subject = "person",
      .update_cycle = "weekly",
      .share_type = "有条件共享",
      .share_condition = "用于流动人口服务管理和住房保障",
      .open_type = "不予开放",
      .open_condition = "涉及个人隐私",
      .security_level = "L3",
      .tags = {"住房", "租赁", "流动人口"},
      .category = "主题信息",
      .item = "城乡建设",
      .entry = "房地产市场",
      .sub_entry = "房屋租赁备案",
      .fields = {F("record_no", "备案编号", "string", "", "L1", kKey),
                 F("address", "房屋坐落", "string", "address", "L2", kNotNull),
                 F("area", "建筑面积(平方米)", "decimal", "decimal", "L1"),
                 F("purpose", "房屋用途", "string", "", "L1"),
                 F("landlord_name", "出租人姓名", "string", "person_name", "L3"),
                 F("landlord_id", "出租人证件号码", "string", "id_card", "L4"),
                 F("landlord_mobile", "出租人联系电话", "string", "mobile", "L3"),
                 F("tenant_name", "承租人姓名", "string", "person_name", "L3"),
                 F("tenant_id", "承租人证件号码", "string", "id_card", "L4"),
                 F("tenant_mobile", "承租人联系电话", "string", "mobile", "L3"),
                 F("monthly_rent", "月租金(元)", "decimal", "decimal", "L2"),
                 F("start_date", "租赁起始日期", "date", "date", "L1"),
                 F("end_date", "租赁终止日期", "date", "date", "L1")},
      .delivery = {"租赁备案_202611.csv", Encoding::kGbk, false, false, true},
  });

  r.push_back({
      .code = "ZR_LAND_PLOT",
      .name = "土地供应地块信息",
      .description = "国有建设用地供应地块、使用权人及利用状态（含闲置地块）",
      .department = "ZR",
      .system = "ZR_TD",
      .subject = "other",
      .update_cycle = "monthly",
      .share_type = "无条件共享",
      .share_condition = "",
      .open_type = "有条件开放",
      .open_condition = "使用权人信息脱敏后开放",
      .security_level = "L2",
      .tags = {"自然资源", "土地", "空闲地块"},
      .category = "主题信息",
      .item = "自然资源",
      .entry = "土地管理",
      .sub_entry = "建设用地供应",
      .fields = {F("plot_no", "地块编号", "string", "", "L1", kKey),
                 F("plot_name", "地块名称", "string", "", "L1"),
                 F("township", "所属乡镇街道", "string", "", "L1"),
                 F("location_desc", "坐落", "string", "address", "L1"),
                 F("area_sqm", "面积(平方米)", "decimal", "decimal", "L1"),
                 F("land_use", "土地用途", "string", "", "L1"),
                 F("supply_mode", "供地方式", "string", "", "L1"),
                 F("holder_name", "土地使用权人", "string", "org_name", "L2"),
                 F("holder_uscc", "使用权人统一社会信用代码", "string", "uscc", "L2"),
                 F("centroid", "中心点坐标", "geo_point", "", "L1"),
                 F("idle_status", "利用状态", "string", "", "L1"),
                 F("contract_date", "出让合同签订日期", "date", "date", "L1")},
      .delivery = {"zr_land_plot_20261129.csv", Encoding::kUtf8, false, false, false},
  });

  r.push_back({
      .code = "ZF_PENALTY",
      .name = "行政处罚案件信息",
      .description = "综合行政执法行政处罚决定，当事人包括企业、个体工商户和自然人",
      .department = "ZF",
      .system = "ZF_AJ",
      .subject = "other",
      .update_cycle = "daily",
      .share_type = "无条件共享",
      .share_condition = "",
      .open_type = "有条件开放",
      .open_condition = "法人处罚信息依法公示，自然人当事人信息不予开放",
      .security_level = "L3",
      .tags = {"执法", "行政处罚", "信用"},
      .category = "主题信息",
      .item = "综合执法",
      .entry = "行政处罚",
      .sub_entry = "处罚决定",
      .fields = {F("case_no", "处罚决定书文号", "string", "", "L1", kKey),
                 F("party_type", "当事人类型", "string", "", "L1", kNotNull),
                 F("party_name", "当事人名称", "string", "", "L2", kNotNull),
                 F("party_uscc", "统一社会信用代码", "string", "uscc", "L1"),
                 F("party_id_card", "当事人身份证号", "string", "id_card", "L4"),
                 F("legal_rep", "法定代表人", "string", "person_name", "L2"),
                 F("violation", "违法行为", "string", "", "L1"),
                 F("basis", "处罚依据", "string", "", "L1"),
                 F("penalty", "处罚种类", "string", "", "L1"),
                 F("fine_amount", "罚款金额(元)", "decimal", "decimal", "L1"),
                 F("decision_date", "处罚决定日期", "date", "date", "L1"),
                 F("agency", "执法机构", "string", "", "L1"),
                 F("status", "执行情况", "string", "", "L1")},
      .delivery = {"行政处罚_2026.csv", Encoding::kUtf8, true, true, true},
  });
  return r;
}

// A double-quoted YAML scalar (JSON escaping is valid YAML).
std::string Q(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

int ResourceSpec::Col(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  fmt::print(stderr, "demo: resource {} has no field {}\n", code, field);
  std::abort();
}

const std::vector<DepartmentSpec>& Departments() {
  static const std::vector<DepartmentSpec> kDepartments = {
      {"GA", "绍兴市公安局柯桥区分局", "Public Security Bureau, Keqiao Branch"},
      {"MZ", "柯桥区民政局", "Civil Affairs Bureau"},
      {"RS", "柯桥区人力资源和社会保障局", "Human Resources and Social Security Bureau"},
      {"WJ", "柯桥区卫生健康局", "Health Commission"},
      {"SJ", "绍兴市柯桥区市场监督管理局", "Market Supervision Administration"},
      {"SW", "国家税务总局绍兴市柯桥区税务局", "Taxation Bureau"},
      {"HB", "绍兴市生态环境局柯桥分局", "Ecology and Environment Bureau, Keqiao Branch"},
      {"JY", "柯桥区教育体育局", "Education and Sports Bureau"},
      {"ZJ", "柯桥区住房和城乡建设局", "Housing and Urban-Rural Development Bureau"},
      {"ZR", "绍兴市自然资源和规划局柯桥分局",
       "Natural Resources and Planning Bureau, Keqiao Branch"},
      {"ZF", "柯桥区综合行政执法局", "Comprehensive Administrative Law Enforcement Bureau"},
  };
  return kDepartments;
}

const std::vector<SystemSpec>& Systems() {
  static const std::vector<SystemSpec> kSystems = {
      {"GA_HJ", "户籍管理系统", "GA"},         {"MZ_JZ", "社会救助信息系统", "MZ"},
      {"MZ_HY", "婚姻登记管理信息系统", "MZ"}, {"RS_SB", "社会保险信息系统", "RS"},
      {"WJ_FY", "妇幼保健信息系统", "WJ"},     {"WJ_JW", "基层卫生信息系统", "WJ"},
      {"SJ_DJ", "市场主体登记系统", "SJ"},     {"SW_ZG", "税收征管信息系统", "SW"},
      {"HB_PW", "排污许可管理信息平台", "HB"}, {"JY_XJ", "中小学生学籍信息管理系统", "JY"},
      {"ZJ_ZL", "房屋租赁管理服务系统", "ZJ"}, {"ZR_TD", "土地供应管理系统", "ZR"},
      {"ZF_AJ", "综合执法办案系统", "ZF"},
  };
  return kSystems;
}

const std::vector<ResourceSpec>& Resources() {
  static const std::vector<ResourceSpec> kResources = BuildResources();
  return kResources;
}

const ResourceSpec& ResourceByCode(std::string_view code) {
  for (const ResourceSpec& r : Resources()) {
    if (r.code == code) return r;
  }
  fmt::print(stderr, "demo: no resource {}\n", code);
  std::abort();
}

std::string CatalogueYaml() {
  std::string y;
  auto out = std::back_inserter(y);
  y += "# 柯桥区演示数据资源目录 (generated by `yishu demo`; import with `yishu catalogue "
       "import`)\n";
  y += "departments:\n";
  for (const DepartmentSpec& d : Departments()) {
    fmt::format_to(out, "  - {{code: {}, name: {}, name_en: {}}}\n", d.code, Q(d.name),
                   Q(d.name_en));
  }
  y += "systems:\n";
  for (const SystemSpec& s : Systems()) {
    fmt::format_to(out, "  - {{code: {}, name: {}, department: {}}}\n", s.code, Q(s.name),
                   s.department);
  }
  y += "resources:\n";
  for (const ResourceSpec& r : Resources()) {
    fmt::format_to(out, "  - code: {}\n", r.code);
    fmt::format_to(out, "    name: {}\n", Q(r.name));
    fmt::format_to(out, "    description: {}\n", Q(r.description));
    fmt::format_to(out, "    department: {}\n", r.department);
    fmt::format_to(out, "    system: {}\n", r.system);
    fmt::format_to(out, "    subject: {}\n", r.subject);
    fmt::format_to(out, "    update_cycle: {}\n", r.update_cycle);
    fmt::format_to(out, "    share_type: {}\n", Q(r.share_type));
    if (!r.share_condition.empty()) {
      fmt::format_to(out, "    share_condition: {}\n", Q(r.share_condition));
    }
    fmt::format_to(out, "    open_type: {}\n", Q(r.open_type));
    if (!r.open_condition.empty()) {
      fmt::format_to(out, "    open_condition: {}\n", Q(r.open_condition));
    }
    fmt::format_to(out, "    security_level: {}\n", r.security_level);
    y += "    tags: [";
    for (size_t i = 0; i < r.tags.size(); ++i) {
      if (i) y += ", ";
      y += Q(r.tags[i]);
    }
    y += "]\n";
    fmt::format_to(out,
                   "    classification: {{category: {}, item: {}, entry: {}, sub_entry: {}}}\n",
                   Q(r.category), Q(r.item), Q(r.entry), Q(r.sub_entry));
    y += "    fields:\n";
    for (const FieldSpec& f : r.fields) {
      fmt::format_to(out, "      - {{name: {}, label: {}, type: {}", f.name, Q(f.label), f.type);
      if (!f.element.empty()) fmt::format_to(out, ", element: {}", f.element);
      if (f.key) y += ", key: true";
      fmt::format_to(out, ", nullable: {}", f.nullable ? "true" : "false");
      fmt::format_to(out, ", sensitivity: {}", f.sensitivity);
      if (f.authoritative) y += ", authoritative: true";
      y += "}\n";
    }
  }
  return y;
}

}  // namespace yishu::demo
