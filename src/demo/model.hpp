// The demo district's ground truth: households, persons and enterprises in compact structs
// (about 70 bytes a person), rendered to text only when a file row is written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "demo/rng.hpp"

namespace yishu::demo {

inline constexpr uint32_t kNone = 0xFFFFFFFF;
// The day the district's data describe: ages, statuses and validity are computed against it.
inline constexpr int kRefYear = 2026, kRefMonth = 11, kRefDay = 29;

// A postal address inside the district (a road address, a village address or a market stall).
struct Address {
  uint8_t township = 0;
  uint8_t kind = 0;      // 0 road + number, 1 village + number, 2 textile market stall
  uint16_t place = 0;    // road / village / market index
  uint16_t number = 0;   // 号
  uint8_t building = 0;  // 幢 (0 = none)
  uint16_t room = 0;     // 室 (0 = none)
};

enum class AddressStyle { kFull, kCity, kDistrict, kTownship };
// 浙江省绍兴市柯桥区柯桥街道笛扬路128号3幢502室 (kFull); shorter styles drop leading parts.
void AppendAddress(std::string& out, const Address& a, AddressStyle style);
// A random address in a township (village addresses only in 镇).
Address RandomAddress(Rng& rng, uint8_t township);

struct Household {
  Address address;
  uint32_t head = 0;
  uint32_t landline = 0;      // 8 digits after 0575-, 0 = none
  uint8_t origin = 0xFF;      // MigrantOrigins() index, 0xFF = born in Keqiao
  uint16_t settled_year = 0;  // the year the household's 户口 moved to Keqiao (migrants)
};

enum Relation : uint8_t {
  kHead,
  kSpouse,
  kSon,
  kDaughter,
  kFather,
  kMother,
  kGrandson,
  kGranddaughter,
  kRelationCount
};
std::string_view RelationName(Relation r);

struct Person {
  uint32_t household = 0;
  int32_t birth_days = 0;  // days since 1970-01-01
  uint64_t mobile = 0;     // 0 = none
  uint32_t father = kNone, mother = kNone, spouse = kNone;
  uint16_t given[2] = {0xFFFF, 0xFFFF};  // GivenChars() indexes
  char id[18];
  uint8_t surname = 0;
  uint8_t gender = 1;  // GB/T 2261.1: 1 男, 2 女
  char ethnicity[2] = {'0', '1'};
  uint8_t relation = kHead;
  uint8_t education = 0;
  uint8_t marital = 0;  // 0 未婚 1 已婚 2 丧偶 3 离婚
  bool twin = false;
  bool deceased = false;
  int16_t birth_year = 0;
  uint8_t birth_month = 0, birth_day = 0;
};

// Characters used in given names; Person::given indexes them.
const std::vector<std::string_view>& GivenChars();
void AppendName(std::string& out, const Person& p);
std::string_view EducationName(uint8_t e);
std::string_view MaritalName(uint8_t m);

struct Enterprise {
  char uscc[18];
  char reg_no[15];       // pre-2016 registration number; reg_no[0] == 0 when none
  uint8_t industry = 0;  // Industries() index
  uint8_t prefix = 0;    // which region prefix the name has
  uint8_t suffix = 0;    // 有限公司 / 股份有限公司 / 有限责任公司
  uint8_t trade_len = 2;
  uint16_t trade[3] = {0, 0, 0};
  uint8_t status = 0;  // 0 存续 1 注销 2 吊销
  bool individual = false;
  uint32_t legal_rep = 0;  // person index
  uint32_t capital = 0;    // registered capital in 100 元 units
  int32_t established = 0;
  int32_t closed = 0;  // 注销/吊销 date, days
  Address address;
  uint32_t employees = 0;  // filled while generating social insurance
};
void AppendEnterpriseName(std::string& out, const Enterprise& e);
std::string_view EnterpriseStatusName(uint8_t s);
std::string_view EnterpriseTypeName(const Enterprise& e);

struct District {
  std::vector<Household> households;
  std::vector<Person> persons;
  std::vector<Enterprise> enterprises;
};

// Builds the district: about 1.1M persons and 300k enterprises at scale 1.
void GeneratePopulation(District& d, double scale, uint64_t seed,
                        const std::function<void(double)>& progress);
void GenerateEnterprises(District& d, double scale, uint64_t seed,
                         const std::function<void(double)>& progress);

// Civil date helpers (days since 1970-01-01).
int32_t DaysOf(int y, int m, int d);
// YYYY-MM-DD appended.
void AppendIsoDate(std::string& out, int32_t days);
int AgeOn(const Person& p, int year, int month, int day);
int RefAge(const Person& p);

// The household's address before its last move (every household has one; faults use it).
Address PreviousAddress(const District& d, uint32_t household, uint64_t seed);

}  // namespace yishu::demo
