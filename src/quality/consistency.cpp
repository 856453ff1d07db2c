// Cross-source consistency (一数一源). For each data element about a subject, the catalogue names
// one authoritative field and lists the copies other resources hold. A copy is compared with
// the authoritative value for the same subject: the two tables are joined on the subject's
// identity number (the blind index of id_card for persons, of uscc for legal entities, which
// is the same in every resource), and the values — opened in memory when sealed — are compared
// after folding full-width characters and spaces. The report counts and names records by id,
// never by value; each disagreeing copy becomes a ticket for the copy's department naming the
// authoritative source it should follow.
#include <set>

#include <fmt/format.h>

#include "common/strings.hpp"
#include "common/time.hpp"
#include "quality/internal.hpp"

namespace yishu::quality {

namespace {

constexpr size_t kExamples = 20;
constexpr int64_t kSuspectMinimum = 20;

std::string SubjectKeyElement(std::string_view subject) {
  if (subject == "person") return "id_card";
  if (subject == "legal_entity") return "uscc";
  return "";
}

// Index of the one field bound to `element`, -1 when none or several (ambiguous subject).
int OnlyFieldWith(const catalogue::Resource& r, const std::string& element) {
  int found = -1;
  for (size_t i = 0; i < r.fields.size(); ++i)
    if (r.fields[i].element == element) {
      if (found >= 0) return -1;
      found = static_cast<int>(i);
    }
  return found;
}

std::string Comparable(std::string_view element, std::string_view v) {
  std::string folded = FoldFullWidth(Trim(v));
  std::string out;
  for (char c : folded) {
    if (c == ' ' || c == '\t') continue;
    if (element == "date" && !(c >= '0' && c <= '9')) continue;
    out += c;
  }
  return out;
}

}  // namespace

Result<nlohmann::json> Quality::CheckConsistency(const std::string& resource,
                                                 const std::string& actor) {
  YISHU_ASSIGN_OR_RETURN(auto sources, catalogue_.Sources());
  nlohmann::json pairs = nlohmann::json::array(), skipped = nlohmann::json::array();
  const int64_t run_ms = NowMillis();
  for (const auto& src : sources) {
    if (src.resource.empty() || src.copies.empty()) continue;
    const std::string key_element = SubjectKeyElement(src.subject);
    if (key_element.empty() || src.element == key_element) continue;
    for (const auto& copy : src.copies) {
      if (!resource.empty() && resource != src.resource && resource != copy.resource) continue;
      if (copy.resource == src.resource) continue;
      YISHU_ASSIGN_OR_RETURN(auto auth_res, catalogue_.GetResource(src.resource));
      YISHU_ASSIGN_OR_RETURN(auto copy_res, catalogue_.GetResource(copy.resource));
      auto why_not = [&](const std::string& reason) {
        skipped.push_back({{"element", src.element},
                           {"authoritative", src.resource + "." + src.field},
                           {"copy", copy.resource + "." + copy.field},
                           {"reason", reason}});
      };
      // A type-like element (date, integer …) says what a value looks like, not what it is: a
      // start date is no copy of a birth date. Such fields are compared only under one name.
      static const std::set<std::string, std::less<>> kGeneric = {"date", "datetime", "integer",
                                                                  "decimal", "geo_point"};
      if (kGeneric.count(src.element) && copy.field != src.field) {
        why_not("'" + src.element +
                "' is a type-like element and the fields are named "
                "differently: not the same datum");
        continue;
      }
      const int ak = OnlyFieldWith(auth_res, key_element);
      const int ck = OnlyFieldWith(copy_res, key_element);
      if (ak < 0 || ck < 0) {
        why_not("no single " + key_element + " field names the subject in both resources");
        continue;
      }
      const auto aplan = ingest::PlanColumns(auth_res, registry_);
      const auto cplan = ingest::PlanColumns(copy_res, registry_);
      int av = -1, cv = -1;
      for (size_t i = 0; i < aplan.size(); ++i)
        if (aplan[i].name == src.field) av = static_cast<int>(i);
      for (size_t i = 0; i < cplan.size(); ++i)
        if (cplan[i].name == copy.field) cv = static_cast<int>(i);
      if (av < 0 || cv < 0) continue;
      if (aplan[ak].bidx != cplan[ck].bidx) {
        why_not("the identity number is sealed in one resource and plain in the other");
        continue;
      }
      const std::string at = ingest::Ingester::TableName(auth_res.code);
      const std::string ct = ingest::Ingester::TableName(copy_res.code);
      // Tables exist once a batch has been delivered.
      if (!store_.Query("SELECT 1 FROM " + at + " WHERE 1 = 0").ok() ||
          !store_.Query("SELECT 1 FROM " + ct + " WHERE 1 = 0").ok()) {
        why_not("not delivered yet");
        continue;
      }
      const std::string akc = aplan[ak].bidx ? aplan[ak].name + "__bidx" : aplan[ak].name;
      const std::string ckc = cplan[ck].bidx ? cplan[ck].name + "__bidx" : cplan[ck].name;
      std::unique_ptr<security::FieldProtector> ap, cp;
      if (aplan[av].sealed) {
        YISHU_ASSIGN_OR_RETURN(ap, keys_.ForResource(auth_res.code));
      }
      if (cplan[cv].sealed) {
        YISHU_ASSIGN_OR_RETURN(cp, keys_.ForResource(copy_res.code));
      }
      const std::string acol = ingest::StoredColumn(aplan[av]);
      const std::string ccol = ingest::StoredColumn(cplan[cv]);
      const std::string sql = "SELECT a._id, a." + acol + ", c._id, c." + ccol + " FROM " + at +
                              " a JOIN " + ct + " c ON a." + akc + " = c." + ckc + " WHERE a." +
                              acol + " IS NOT NULL AND c." + ccol + " IS NOT NULL";
      int64_t compared = 0, disagreeing = 0, unreadable = 0;
      nlohmann::json examples = nlohmann::json::array();
      std::string aval, cval;
      security::SealedRecord arec, crec;
      // The value of a sealed field from its record; false when the record lacks it.
      auto open = [](security::FieldProtector& p, int64_t id, const std::string& sealed,
                     const std::string& field, security::SealedRecord* rec, std::string* out,
                     bool* unreadable) {
        if (!p.OpenRecord(id, sealed, rec).ok()) {
          *unreadable = true;  // the key ring has already audited the integrity failure
          return false;
        }
        auto v = rec->Find(field);
        if (!v) return false;
        out->assign(*v);
        return true;
      };
      {
        auto conn = store_.Acquire();
        YISHU_RETURN_IF_ERROR(conn->QueryEach(sql, {}, [&](const store::Row& r) {
          aval = ap ? std::string() : r[1].AsText();
          cval = cp ? std::string() : r[3].AsText();
          bool bad = false;
          if ((ap && !open(*ap, r.Int(0), r[1].AsBytes(), src.field, &arec, &aval, &bad)) ||
              (cp && !open(*cp, r.Int(2), r[3].AsBytes(), copy.field, &crec, &cval, &bad))) {
            unreadable += bad;
            return true;
          }
          ++compared;
          if (Comparable(src.element, aval) != Comparable(src.element, cval)) {
            ++disagreeing;
            if (examples.size() < kExamples)
              examples.push_back({{"authoritative_record", r.Int(0)}, {"copy_record", r.Int(2)}});
          }
          return true;
        }));
      }
      std::fill(aval.begin(), aval.end(), '\0');
      std::fill(cval.begin(), cval.end(), '\0');
      nlohmann::json pair = {
          {"element", src.element},
          {"subject", src.subject},
          {"authoritative",
           {{"resource", auth_res.code},
            {"field", src.field},
            {"department", auth_res.department}}},
          {"copy",
           {{"resource", copy_res.code},
            {"field", copy.field},
            {"department", copy_res.department}}},
          {"compared", compared},
          {"disagreeing", disagreeing},
          {"unreadable", unreadable},
          {"agreement", compared ? 1.0 - static_cast<double>(disagreeing) / compared : 1.0},
          {"examples", examples}};
      // When most subjects disagree the fields are unlikely to hold the same datum (a current
      // address bound to the same element as the registered one): a catalogue question for the
      // platform, not thousands of data errors for the department.
      const bool suspect_binding = compared >= kSuspectMinimum && disagreeing * 2 > compared;
      if (suspect_binding)
        pair["suspect_binding"] =
            "more than half disagree: check that both fields hold the same datum (labels '" +
            auth_res.FindField(src.field)->label + "' and '" +
            copy_res.FindField(copy.field)->label + "')";
      const std::string rule = "disagrees_with:" + auth_res.code + "." + src.field;
      YISHU_RETURN_IF_ERROR(store_.Transact([&](store::Connection& tx) -> Status {
        if (suspect_binding) return Status::Ok();  // neither scored nor ticketed
        YISHU_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO quality_consistency (run_ms, element, subject, auth_resource, "
                    "auth_field, copy_resource, copy_field, compared, disagreeing) VALUES (?, ?, "
                    "?, ?, ?, ?, ?, ?, ?)",
                    {run_ms, src.element, src.subject, auth_res.code, src.field, copy_res.code,
                     copy.field, compared, disagreeing})
                .status());
        YISHU_ASSIGN_OR_RETURN(auto last, tx.Query("SELECT MAX(id) FROM ingest_batches WHERE "
                                                   "resource = ? AND status = 'completed'",
                                                   {copy_res.code}));
        const int64_t batch = last.empty() ? 0 : last[0].Int(0);
        if (disagreeing > 0) {
          std::string title = fmt::format(
              "{}.{}: {} of {} subjects disagree with the authoritative source {}.{} ({})",
              copy_res.code, copy.field, disagreeing, compared, auth_res.code, src.field,
              auth_res.department);
          return RaiseTicket(tx, copy_res.department, copy_res.code, "consistency", rule,
                             copy.field, title, disagreeing, batch,
                             {{"authoritative", pair["authoritative"]},
                              {"compared", compared},
                              {"examples", examples},
                              {"dimension", "consistency"}});
        }
        // No disagreement left: a ticket marked fixed is verified.
        YISHU_ASSIGN_OR_RETURN(auto fixed, tx.Query("SELECT id FROM quality_tickets WHERE "
                                                    "resource = ? AND kind = 'consistency' AND "
                                                    "rule = ? AND field = ? AND status = 'fixed'",
                                                    {copy_res.code, rule, copy.field}));
        for (const auto& t : fixed) {
          YISHU_RETURN_IF_ERROR(tx.Exec("UPDATE quality_tickets SET status = 'verified', "
                                        "verified_batch = ?, occurrences = 0, updated_ms = ? "
                                        "WHERE id = ?",
                                        {batch, NowMillis(), t.Int(0)})
                                    .status());
          YISHU_RETURN_IF_ERROR(
              RecordTransition(tx, t.Int(0), "fixed", "verified", actor,
                               fmt::format("{} subjects compared, none disagrees", compared),
                               copy_res.department, copy_res.code, true));
        }
        return Status::Ok();
      }));
      pairs.push_back(std::move(pair));
    }
  }
  return nlohmann::json{
      {"checked_at", FormatRfc3339(run_ms)}, {"pairs", pairs}, {"skipped", skipped}};
}

}  // namespace yishu::quality
