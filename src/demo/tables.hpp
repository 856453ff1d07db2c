// The reference tables the demo district is drawn from: townships and their roads, surnames and
// given names with realistic weights, the places migrant workers come from (with the history of
// their division codes), industries, and the variant tables the fault injector uses (同音字,
// 繁体字). Every character here is in GBK, because several departments deliver GBK files.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace yishu::demo {

struct Township {
  std::string_view code;  // 9-digit NBS code, 330603001..
  std::string_view name;
  double weight;    // share of the population (roughly the 2020 census proportions)
  double lon, lat;  // an approximate centre, for plots and permits
  std::span<const std::string_view> roads;
  std::span<const std::string_view> villages;  // 行政村 for 镇 addresses; empty for 街道
};
std::span<const Township> Townships();

struct Weighted {
  std::string_view text;
  double weight;
};
std::span<const Weighted> Surnames();
// Given names (one or two characters) by sex and era: born before 1980, 1980-2004, 2005 on.
std::span<const Weighted> GivenNames(bool male, int era);
// Characters combined into two-character given names, by sex.
std::span<const std::string_view> GivenNameChars(bool male);

// One code a county had during [from, to) (to = 0: still in use).
struct CodePeriod {
  std::string_view code;
  int from, to;
};
struct Origin {
  std::string_view province_short;  // 籍贯 as people write it: 安徽临泉
  double weight;
  std::span<const CodePeriod> codes;
  // Share of non-Han ethnicities, as (GB/T 3304 code, share) pairs.
  std::span<const Weighted> minorities;
};
// Keqiao itself is not in this list (its codes are 330621 until 2013, then 330603).
std::span<const Origin> MigrantOrigins();
// The code of `origin` in use in `year` (the earliest one before it existed).
std::string_view OriginCodeAt(const Origin& origin, int year);

// GB/T 3304 name of an ethnicity code ("01" -> 汉族).
std::string_view EthnicityName(std::string_view code);

struct Industry {
  std::string_view code;  // GB/T 4754-2017 class
  std::string_view name;
  std::string_view word;  // what the trade name says: 印染, 纺织, 布行 ...
  double weight;
  bool individual;  // 个体工商户 (true) or company
  bool polluting;   // holds a discharge permit (排污许可)
};
std::span<const Industry> Industries();
std::span<const std::string_view> TradeNameChars();

// 同音字 used in names: (from, to) pairs, one direction each.
std::span<const std::pair<std::string_view, std::string_view>> Homophones();
// Simplified -> traditional character pairs for names.
std::span<const std::pair<std::string_view, std::string_view>> TraditionalVariants();

}  // namespace yishu::demo
