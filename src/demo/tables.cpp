#include "demo/tables.hpp"

#include <array>

namespace yishu::demo {
namespace {

using SV = std::string_view;

// Roads are a plausible mix: the district's main roads appear in the townships they run through.
constexpr SV kKeqiaoRoads[] = {"笛扬路", "湖西路",     "金柯桥大道", "鉴湖路", "萧山街",
                               "兴越路", "裕民路",     "柯北大道",   "湖中路", "双渎路",
                               "山阴路", "轻纺城大道", "群贤路",     "瓜渚路", "柯华路"};
constexpr SV kKeyanRoads[] = {"柯岩大道", "鉴湖路", "梅墅路", "群贤路", "柯南大道",
                              "越州路",   "宝善路", "湖塘路", "育才路"};
constexpr SV kHuasheRoads[] = {"华齐路", "华舍大道", "蜀阜路", "亭西路",
                               "红星路", "华坂路",   "育英路", "西蜀阜路"};
constexpr SV kHutangRoads[] = {"湖塘路", "古城路", "宾舍路", "西跨湖路", "鉴湖路", "湖塘大道"};
constexpr SV kQixianRoads[] = {"齐贤路", "羊山路", "壶瓶山路", "镇东路", "齐贤大道", "陶里路"};
constexpr SV kFuquanRoads[] = {"福全路", "峡山路", "金湖路", "福华路", "洄涌路"};
constexpr SV kAnchangRoads[] = {"安昌路", "西扆路", "寿康路", "大和路", "安华路", "后白洋路"};
constexpr SV kLantingRoads[] = {"兰亭路", "木栅路", "里木栅路", "兰亭大道", "谢坞路"};
constexpr SV kQianqingRoads[] = {"钱清大道", "联兴路", "新甸路", "江南路", "钱陶路", "大庙路"};
constexpr SV kYangxunqiaoRoads[] = {"杨汛路", "江桥路", "紫薇路", "杨江路", "麒麟路"};
constexpr SV kMaanRoads[] = {"马鞍路", "滨海大道", "越英路", "海涂路", "兴滨路"};
constexpr SV kPingshuiRoads[] = {"平水大道", "若耶路", "云门路", "平江路"};
constexpr SV kWangtanRoads[] = {"王坛路", "舜皇路", "东村路"};
constexpr SV kJidongRoads[] = {"稽东路", "冢斜路", "竹溪路"};
constexpr SV kLizhuRoads[] = {"漓渚路", "棠棣路", "兰花路", "九板桥路"};
constexpr SV kXialvRoads[] = {"夏履路", "莲东路", "夏履大道"};

constexpr SV kPingshuiVillages[] = {"平江村", "同康村", "王化村", "剑灶村", "平水村"};
constexpr SV kWangtanVillages[] = {"王坛村", "东村村", "丹家村", "青坛村"};
constexpr SV kJidongVillages[] = {"稽东村", "冢斜村", "竹田头村", "大桥村"};
constexpr SV kLizhuVillages[] = {"漓渚村", "棠棣村", "九板桥村", "红星村"};
constexpr SV kXialvVillages[] = {"夏履桥村", "莲东村", "双叶村", "前梅村"};

constexpr Township kTownships[] = {
    {"330603001", "柯桥街道", 23.0, 120.490, 30.085, kKeqiaoRoads, {}},
    {"330603002", "柯岩街道", 12.0, 120.470, 30.040, kKeyanRoads, {}},
    {"330603003", "华舍街道", 11.0, 120.430, 30.110, kHuasheRoads, {}},
    {"330603004", "湖塘街道", 5.0, 120.470, 30.010, kHutangRoads, {}},
    {"330603005", "齐贤街道", 10.0, 120.470, 30.140, kQixianRoads, {}},
    {"330603006", "福全街道", 5.5, 120.540, 30.040, kFuquanRoads, {}},
    {"330603007", "安昌街道", 6.5, 120.500, 30.150, kAnchangRoads, {}},
    {"330603008", "兰亭街道", 4.0, 120.520, 29.960, kLantingRoads, {}},
    {"330603009", "钱清街道", 8.0, 120.380, 30.110, kQianqingRoads, {}},
    {"330603010", "杨汛桥街道", 7.0, 120.330, 30.110, kYangxunqiaoRoads, {}},
    {"330603011", "马鞍街道", 6.0, 120.560, 30.180, kMaanRoads, {}},
    {"330603105", "平水镇", 6.0, 120.620, 29.930, kPingshuiRoads, kPingshuiVillages},
    {"330603107", "王坛镇", 2.5, 120.560, 29.770, kWangtanRoads, kWangtanVillages},
    {"330603109", "稽东镇", 2.0, 120.500, 29.780, kJidongRoads, kJidongVillages},
    {"330603111", "漓渚镇", 3.0, 120.480, 29.960, kLizhuRoads, kLizhuVillages},
    {"330603114", "夏履镇", 2.0, 120.300, 30.070, kXialvRoads, kXialvVillages},
};

// Shares in percent, after the 2020 census surname statistics, nudged toward Shaoxing's
// (沈, 金, 俞, 傅, 钱, 章 are more common here than nationally).
constexpr Weighted kSurnames[] = {
    {"王", 7.1},    {"李", 6.0},    {"张", 6.2}, {"刘", 4.6}, {"陈", 5.6}, {"杨", 2.8},
    {"黄", 2.0},    {"赵", 1.9},    {"吴", 2.1}, {"周", 2.0}, {"徐", 1.7}, {"孙", 1.6},
    {"马", 1.2},    {"朱", 1.4},    {"胡", 1.5}, {"郭", 1.0}, {"何", 1.1}, {"高", 1.0},
    {"林", 1.0},    {"罗", 0.8},    {"郑", 0.9}, {"梁", 0.7}, {"谢", 0.7}, {"宋", 0.6},
    {"唐", 0.6},    {"许", 0.6},    {"韩", 0.5}, {"冯", 0.5}, {"邓", 0.5}, {"曹", 0.5},
    {"彭", 0.5},    {"曾", 0.4},    {"肖", 0.4}, {"田", 0.4}, {"董", 0.5}, {"袁", 0.4},
    {"潘", 0.4},    {"于", 0.4},    {"蒋", 0.5}, {"蔡", 0.4}, {"余", 0.4}, {"杜", 0.4},
    {"叶", 0.5},    {"程", 0.4},    {"苏", 0.3}, {"魏", 0.4}, {"吕", 0.4}, {"丁", 0.4},
    {"任", 0.4},    {"沈", 0.9},    {"姚", 0.4}, {"卢", 0.4}, {"姜", 0.3}, {"崔", 0.3},
    {"钟", 0.3},    {"谭", 0.3},    {"陆", 0.4}, {"汪", 0.3}, {"范", 0.3}, {"金", 0.7},
    {"石", 0.3},    {"廖", 0.3},    {"贾", 0.3}, {"夏", 0.3}, {"韦", 0.2}, {"付", 0.2},
    {"方", 0.3},    {"白", 0.2},    {"邹", 0.2}, {"孟", 0.2}, {"熊", 0.2}, {"秦", 0.2},
    {"邱", 0.2},    {"江", 0.2},    {"尹", 0.2}, {"薛", 0.2}, {"闫", 0.2}, {"段", 0.2},
    {"雷", 0.2},    {"侯", 0.2},    {"龙", 0.2}, {"史", 0.2}, {"陶", 0.2}, {"黎", 0.1},
    {"贺", 0.2},    {"顾", 0.2},    {"毛", 0.2}, {"郝", 0.1}, {"龚", 0.2}, {"邵", 0.3},
    {"万", 0.2},    {"钱", 0.4},    {"严", 0.2}, {"俞", 0.5}, {"傅", 0.4}, {"章", 0.3},
    {"戴", 0.2},    {"孔", 0.1},    {"汤", 0.2}, {"楼", 0.2}, {"裘", 0.1}, {"欧阳", 0.05},
    {"诸葛", 0.01}, {"司马", 0.01},
};

// Given names: the frequent one-character names make realistic collisions (王伟, 张伟, 李娜).
constexpr Weighted kMaleOld[] = {
    {"伟", 4},   {"强", 3},   {"军", 3},   {"勇", 4},     {"明", 3},   {"平", 3},
    {"刚", 3},   {"华", 3},   {"建华", 3}, {"建国", 3},   {"建军", 3}, {"国强", 2},
    {"志强", 2}, {"建平", 2}, {"国平", 2}, {"永康", 1},   {"海林", 1}, {"德明", 1},
    {"庆华", 1}, {"根林", 1}, {"水根", 1}, {"阿毛", 0.5}, {"金海", 1}, {"建林", 1},
    {"国庆", 1}, {"福林", 1}, {"荣华", 1}, {"文龙", 1},   {"兴华", 1},
};
constexpr Weighted kFemaleOld[] = {
    {"秀英", 5}, {"桂英", 4}, {"秀兰", 4}, {"玉兰", 3}, {"桂兰", 2}, {"凤英", 2}, {"秀珍", 2},
    {"芳", 3},   {"红", 3},   {"英", 3},   {"兰", 2},   {"珍", 2},   {"丽", 2},   {"萍", 2},
    {"美娟", 1}, {"月英", 1}, {"素娟", 1}, {"雅琴", 1}, {"建英", 1}, {"彩凤", 1}, {"金凤", 1},
    {"玉芬", 1}, {"爱华", 1}, {"小红", 1}, {"小英", 1}, {"国芬", 1}, {"亚琴", 1},
};
constexpr Weighted kMaleMid[] = {
    {"伟", 4},   {"磊", 3},   {"涛", 4},   {"杰", 4},   {"勇", 3},   {"超", 3},   {"强", 3},
    {"斌", 2},   {"鹏", 2},   {"辉", 2},   {"俊", 2},   {"明", 2},   {"飞", 2},   {"波", 2},
    {"浩", 1},   {"健", 1},   {"凯", 1},   {"亮", 1},   {"峰", 1},   {"军", 2},   {"鑫", 1},
    {"俊杰", 2}, {"志强", 1}, {"海波", 1}, {"建峰", 1}, {"晓东", 1}, {"文杰", 1}, {"振华", 1},
    {"伟杰", 1}, {"家豪", 1}, {"佳伟", 1}, {"晓峰", 1}, {"志刚", 1}, {"建伟", 1},
};
constexpr Weighted kFemaleMid[] = {
    {"娜", 4},   {"静", 3},   {"敏", 4},   {"丽", 4},   {"艳", 3},   {"娟", 3},   {"霞", 2},
    {"燕", 3},   {"玲", 2},   {"婷", 3},   {"芳", 3},   {"琳", 2},   {"颖", 2},   {"慧", 2},
    {"莉", 2},   {"倩", 2},   {"洁", 2},   {"晶", 1},   {"雪", 1},   {"佳", 1},   {"丹", 2},
    {"丽娟", 2}, {"晓燕", 2}, {"海燕", 2}, {"婷婷", 2}, {"佳琪", 1}, {"丽丽", 1}, {"晓丽", 1},
    {"雅婷", 1}, {"丹丹", 1}, {"莉莉", 1}, {"梦婷", 1}, {"思佳", 1}, {"晓敏", 1},
};
constexpr Weighted kMaleNew[] = {
    {"浩然", 3}, {"宇轩", 3}, {"子轩", 3}, {"梓轩", 2}, {"浩宇", 3}, {"俊熙", 1}, {"一鸣", 2},
    {"子豪", 2}, {"宇航", 2}, {"思远", 1}, {"文博", 2}, {"奕辰", 2}, {"宇辰", 2}, {"睿", 2},
    {"轩", 2},   {"浩", 2},   {"博文", 1}, {"俊杰", 2}, {"天佑", 1}, {"子墨", 2}, {"沐阳", 1},
    {"皓轩", 1}, {"嘉豪", 1}, {"明轩", 1}, {"昊天", 1}, {"铭泽", 1}, {"梓豪", 1},
};
constexpr Weighted kFemaleNew[] = {
    {"子涵", 4}, {"梓涵", 3}, {"欣怡", 4}, {"诗涵", 3}, {"一诺", 3}, {"雨涵", 3}, {"可馨", 2},
    {"梓萱", 2}, {"思涵", 2}, {"语嫣", 1}, {"佳怡", 2}, {"紫涵", 1}, {"雨桐", 2}, {"若曦", 1},
    {"欣妍", 2}, {"梦琪", 1}, {"依诺", 1}, {"安琪", 1}, {"怡", 2},   {"悦", 2},   {"琪", 1},
    {"语桐", 1}, {"诗琪", 1}, {"梓晴", 1}, {"雨欣", 1}, {"思琪", 1},
};

constexpr SV kMaleChars[] = {
    "建", "国", "志", "文", "海", "明", "晓", "家", "俊", "子", "宇", "浩", "天", "博", "嘉", "振",
    "永", "德", "伟", "军", "华", "平", "东", "林", "峰", "杰", "涛", "辉", "鹏", "斌", "强", "刚",
    "龙", "成", "兴", "荣", "庆", "祥", "福", "贵", "新", "春", "金", "立", "胜", "良", "毅", "航"};
constexpr SV kFemaleChars[] = {
    "秀", "丽", "美", "晓", "雅", "静", "慧", "婷", "佳", "欣", "雨", "思", "梦", "诗", "玉", "金",
    "彩", "月", "芳", "燕", "红", "霞", "兰", "琴", "萍", "娟", "英", "珍", "凤", "洁", "琳", "颖",
    "莉", "倩", "晶", "雪", "丹", "露", "怡", "菲", "蕾", "薇", "妍", "涵", "琪", "婉", "璐", "瑶"};

// Migrant origins: counties that send many textile workers to Keqiao, with their code history
// from the MCA list (an ID keeps the code of its time of issue, so old codes stay valid).
constexpr CodePeriod kLinquan[] = {{"342122", 1981, 1996}, {"341221", 1996, 0}};
constexpr CodePeriod kTaihe[] = {{"342123", 1981, 1996}, {"341222", 1996, 0}};
constexpr CodePeriod kLixin[] = {
    {"342130", 1981, 1996}, {"341227", 1996, 2000}, {"341623", 2000, 0}};
constexpr CodePeriod kXinxian[] = {{"413029", 1981, 1998}, {"411523", 1998, 0}};
constexpr CodePeriod kGuangshan[] = {{"413025", 1981, 1998}, {"411522", 1998, 0}};
constexpr CodePeriod kDancheng[] = {{"412726", 1981, 2000}, {"411625", 2000, 0}};
constexpr CodePeriod kWeining[] = {{"522427", 1981, 2011}, {"520526", 2011, 0}};
constexpr CodePeriod kZhijin[] = {{"522425", 1981, 2011}, {"520524", 2011, 0}};
constexpr CodePeriod kQuxian[] = {{"513030", 1981, 1999}, {"511725", 1999, 0}};
constexpr CodePeriod kYunyang[] = {
    {"512225", 1981, 1992}, {"511224", 1992, 1997}, {"500235", 1997, 0}};
constexpr CodePeriod kYudu[] = {{"362132", 1981, 1998}, {"360731", 1998, 0}};
constexpr CodePeriod kXinfeng[] = {{"362123", 1981, 1998}, {"360722", 1998, 0}};
constexpr CodePeriod kXiushui[] = {{"362624", 1981, 1983}, {"360424", 1983, 0}};
constexpr CodePeriod kDaoxian[] = {{"432923", 1981, 1995}, {"431124", 1995, 0}};
constexpr CodePeriod kYiliang[] = {{"532129", 1981, 2001}, {"530628", 2001, 0}};
constexpr CodePeriod kXinchang[] = {{"332323", 1981, 1983}, {"330624", 1983, 0}};
constexpr CodePeriod kChangshan[] = {{"332427", 1981, 1985}, {"330822", 1985, 0}};
constexpr CodePeriod kYuecheng[] = {{"330602", 1983, 0}};
constexpr CodePeriod kZhuji[] = {
    {"332324", 1981, 1983}, {"330625", 1983, 1989}, {"339011", 1989, 1990}, {"330681", 1990, 0}};

constexpr Weighted kNoMinorities[] = {{"15", 0.002}, {"08", 0.002}};
constexpr Weighted kWeiningMinorities[] = {{"07", 0.25}, {"03", 0.10}, {"06", 0.08}};
constexpr Weighted kZhijinMinorities[] = {{"06", 0.20}, {"09", 0.10}, {"07", 0.05}};
constexpr Weighted kYiliangMinorities[] = {{"07", 0.10}, {"06", 0.05}, {"03", 0.03}};
constexpr Weighted kDaoxianMinorities[] = {{"13", 0.12}};
constexpr Weighted kYunyangMinorities[] = {{"15", 0.03}};

constexpr Origin kOrigins[] = {
    {"浙江绍兴", 6, kYuecheng, kNoMinorities},
    {"浙江诸暨", 3, kZhuji, kNoMinorities},
    {"浙江新昌", 2, kXinchang, kNoMinorities},
    {"浙江常山", 1.5, kChangshan, kNoMinorities},
    {"安徽临泉", 6, kLinquan, kNoMinorities},
    {"安徽太和", 4, kTaihe, kNoMinorities},
    {"安徽利辛", 3, kLixin, kNoMinorities},
    {"河南新县", 3, kXinxian, kNoMinorities},
    {"河南光山", 3, kGuangshan, kNoMinorities},
    {"河南郸城", 2, kDancheng, kNoMinorities},
    {"贵州威宁", 4, kWeining, kWeiningMinorities},
    {"贵州织金", 2, kZhijin, kZhijinMinorities},
    {"四川渠县", 4, kQuxian, kNoMinorities},
    {"重庆云阳", 2, kYunyang, kYunyangMinorities},
    {"江西于都", 3, kYudu, kNoMinorities},
    {"江西信丰", 2, kXinfeng, kNoMinorities},
    {"江西修水", 2, kXiushui, kNoMinorities},
    {"湖南道县", 1.5, kDaoxian, kDaoxianMinorities},
    {"云南彝良", 1.5, kYiliang, kYiliangMinorities},
};

constexpr std::pair<SV, SV> kEthnicities[] = {
    {"01", "汉族"}, {"02", "蒙古族"}, {"03", "回族"}, {"04", "藏族"},   {"05", "维吾尔族"},
    {"06", "苗族"}, {"07", "彝族"},   {"08", "壮族"}, {"09", "布依族"}, {"10", "朝鲜族"},
    {"11", "满族"}, {"12", "侗族"},   {"13", "瑶族"}, {"14", "白族"},   {"15", "土家族"},
};

// GB/T 4754-2017 classes. Keqiao is the country's textile printing-and-dyeing centre and hosts
// 中国轻纺城, the largest textile market: weaving, dyeing and fabric trading dominate.
constexpr Industry kIndustries[] = {
    {"1751", "化纤织造加工", "纺织", 12, false, false},
    {"1712", "棉织造加工", "织造", 5, false, false},
    {"1761", "针织或钩针编织物织造", "针纺", 5, false, false},
    {"1713", "棉印染精加工", "印染", 0.5, false, true},
    {"1752", "化纤织物染整精加工", "染整", 0.6, false, true},
    {"1762", "针织或钩针编织物印染精加工", "印染", 0.3, false, true},
    {"2822", "涤纶纤维制造", "化纤", 0.5, false, true},
    {"2661", "化学试剂和助剂制造", "化工", 0.3, false, true},
    {"1771", "床上用品制造", "家纺", 3, false, false},
    {"1773", "窗帘、布艺类产品制造", "布艺", 3, false, false},
    {"1810", "机织服装制造", "服装", 5, false, false},
    {"1830", "服饰制造", "服饰", 2, false, false},
    {"5131", "纺织品、针织品及原料批发", "纺织品", 16, false, false},
    {"5132", "服装批发", "服饰贸易", 3, false, false},
    {"5193", "互联网批发", "电子商务", 3, false, false},
    {"3551", "纺织专用设备制造", "纺织机械", 1.5, false, false},
    {"5431", "普通货物道路运输", "物流", 2, false, false},
    {"6513", "应用软件开发", "科技", 2, false, false},
    {"4790", "其他房屋建筑业", "建设", 1.5, false, false},
    {"7020", "物业管理", "物业管理", 1, false, false},
    {"6210", "正餐服务", "餐饮管理", 1, false, false},
    {"5231", "纺织品及针织品零售", "布行", 18, true, false},
    {"5232", "服装零售", "服装店", 5, true, false},
    {"1751", "化纤织造加工", "织造厂", 5, true, false},
    {"6210", "正餐服务", "饭店", 3, true, false},
    {"6220", "快餐服务", "面馆", 3, true, false},
    {"5213", "便利店零售", "便利店", 3, true, false},
    {"8040", "理发及美容服务", "美发店", 1.5, true, false},
};

constexpr SV kTradeChars[] = {
    "华", "恒", "永", "盛", "鑫", "达", "兴", "隆", "宏", "远", "锦", "绣", "彩", "虹", "丝", "韵",
    "新", "天", "美", "佳", "嘉", "瑞", "祥", "富", "金", "银", "宝", "泰", "和", "安", "康", "顺",
    "利", "源", "丰", "裕", "益", "亿", "凯", "帝", "豪", "汇", "通", "越", "鉴", "湖", "兰", "亭",
    "柯", "舜", "禹", "海", "江", "东", "南", "中", "立", "诚", "信", "德", "福", "荣", "昌", "旺",
    "欣", "悦", "尚", "雅", "艺", "博", "伟", "明", "光", "辉", "龙", "凤", "飞", "腾", "跃", "星",
    "晨", "阳", "春", "秋", "蓝", "绿", "红", "紫", "青", "云", "雨", "雪", "梅", "竹", "松", "柏",
    "辰", "宇", "航", "易", "思", "维", "创", "睿", "智", "精", "品", "优", "卓", "乐", "惠", "邦",
    "众", "合", "力", "联", "成", "广", "大", "万", "千", "友", "正", "方", "圆", "迪", "朗", "锐",
    "奥", "特", "贝", "尔", "卡", "莱", "菲", "宸", "骏", "驰", "弘", "毅", "坤", "乾", "润", "泽",
};

// 同音字 in names (same pinyin, tone ignored), the substitutions clerks actually make.
constexpr std::pair<SV, SV> kHomophones[] = {
    {"伟", "玮"}, {"丽", "莉"}, {"莉", "丽"}, {"明", "铭"}, {"华", "桦"}, {"静", "婧"},
    {"军", "君"}, {"芳", "方"}, {"娜", "纳"}, {"磊", "垒"}, {"涛", "滔"}, {"勇", "永"},
    {"平", "萍"}, {"萍", "平"}, {"辉", "晖"}, {"鹏", "朋"}, {"飞", "菲"}, {"斌", "彬"},
    {"宇", "雨"}, {"雨", "宇"}, {"浩", "昊"}, {"凯", "楷"}, {"健", "建"}, {"建", "健"},
    {"俊", "峻"}, {"旭", "绪"}, {"龙", "隆"}, {"林", "琳"}, {"琳", "林"}, {"洋", "阳"},
    {"艳", "燕"}, {"燕", "艳"}, {"娟", "鹃"}, {"玲", "铃"}, {"婷", "亭"}, {"颖", "莹"},
    {"慧", "惠"}, {"红", "虹"}, {"梅", "玫"}, {"兰", "岚"}, {"倩", "茜"}, {"晶", "菁"},
    {"英", "瑛"}, {"志", "智"}, {"文", "雯"}, {"晓", "小"}, {"家", "嘉"}, {"嘉", "佳"},
    {"佳", "嘉"}, {"子", "梓"}, {"梓", "子"}, {"涵", "晗"}, {"轩", "萱"}, {"振", "震"},
    {"欣", "鑫"}, {"怡", "宜"}, {"思", "斯"}, {"诗", "师"}, {"杰", "洁"}, {"峰", "锋"},
    {"秀", "琇"}, {"珍", "贞"}, {"凤", "风"}, {"琴", "芹"}, {"国", "帼"}, {"庆", "青"},
    {"荣", "蓉"}, {"张", "章"}, {"王", "汪"}, {"李", "黎"}, {"刘", "柳"}, {"徐", "许"},
    {"付", "傅"}, {"肖", "萧"}, {"程", "成"},
};

constexpr std::pair<SV, SV> kTraditional[] = {
    {"陈", "陳"}, {"张", "張"}, {"刘", "劉"}, {"华", "華"}, {"国", "國"}, {"杨", "楊"},
    {"黄", "黃"}, {"赵", "趙"}, {"吴", "吳"}, {"孙", "孫"}, {"马", "馬"}, {"罗", "羅"},
    {"郑", "鄭"}, {"谢", "謝"}, {"韩", "韓"}, {"冯", "馮"}, {"邓", "鄧"}, {"许", "許"},
    {"伟", "偉"}, {"丽", "麗"}, {"军", "軍"}, {"红", "紅"}, {"兰", "蘭"}, {"凤", "鳳"},
    {"龙", "龍"}, {"东", "東"}, {"涛", "濤"}, {"杰", "傑"}, {"辉", "輝"}, {"刚", "剛"},
    {"飞", "飛"}, {"鹏", "鵬"}, {"贵", "貴"}, {"宁", "寧"}, {"庆", "慶"}, {"艳", "艷"},
    {"兴", "興"}, {"荣", "榮"}, {"宝", "寶"}, {"阳", "陽"}, {"强", "強"}, {"学", "學"},
    {"叶", "葉"}, {"汤", "湯"}, {"苏", "蘇"}, {"卢", "盧"}, {"钱", "錢"}, {"陆", "陸"},
    {"蒋", "蔣"}, {"钟", "鍾"}, {"轩", "軒"}, {"诗", "詩"}, {"梦", "夢"}, {"晓", "曉"},
    {"丝", "絲"}, {"锦", "錦"}, {"颖", "穎"}, {"凯", "凱"}, {"语", "語"}, {"桥", "橋"},
    {"龚", "龔"}, {"顾", "顧"}, {"贺", "賀"}, {"邹", "鄒"}, {"闫", "閆"},
};

}  // namespace

std::span<const Township> Townships() {
  return kTownships;
}
std::span<const Weighted> Surnames() {
  return kSurnames;
}

std::span<const Weighted> GivenNames(bool male, int era) {
  if (era <= 0) return male ? std::span<const Weighted>(kMaleOld) : kFemaleOld;
  if (era == 1) return male ? std::span<const Weighted>(kMaleMid) : kFemaleMid;
  return male ? std::span<const Weighted>(kMaleNew) : kFemaleNew;
}

std::span<const std::string_view> GivenNameChars(bool male) {
  return male ? std::span<const SV>(kMaleChars) : kFemaleChars;
}

std::span<const Origin> MigrantOrigins() {
  return kOrigins;
}

std::string_view OriginCodeAt(const Origin& origin, int year) {
  for (const CodePeriod& p : origin.codes) {
    if (year < p.from) return p.code;  // before the first code: the earliest stands in
    if (p.to == 0 || year < p.to) return p.code;
  }
  return origin.codes.back().code;
}

std::string_view EthnicityName(std::string_view code) {
  for (const auto& [c, name] : kEthnicities) {
    if (c == code) return name;
  }
  return "汉族";
}

std::span<const Industry> Industries() {
  return kIndustries;
}
std::span<const std::string_view> TradeNameChars() {
  return kTradeChars;
}
std::span<const std::pair<std::string_view, std::string_view>> Homophones() {
  return kHomophones;
}
std::span<const std::pair<std::string_view, std::string_view>> TraditionalVariants() {
  return kTraditional;
}

}  // namespace yishu::demo
