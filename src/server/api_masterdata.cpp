// Base-library routes (人口库、法人库, masterdata/golden.hpp): resolution runs, golden records by
// id or identifier, verification (核验), explanations of a link, and the clerical review queue.
//
// Who: platform admins run resolution and decide review items; government roles look up and
// verify; platform admins and security auditors read runs. Every look-up, verification,
// explanation, run and decision is audited (the identifier itself never goes into the audit
// trail or a URL: look-ups and verifications take it in the body). Sealed values of a golden
// record are shown masked (sharing/masking.hpp, partial) — verification never shows any.
#include <fmt/format.h>

#include "common/json_reader.hpp"
#include "masterdata/golden.hpp"
#include "server/api.hpp"
#include "sharing/masking.hpp"

namespace yishu::server {

using identity::Role;

namespace {

const std::set<Role> kLookup = {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser};
const std::set<Role> kAdmin = {Role::kPlatformAdmin};
const std::set<Role> kRunReaders = {Role::kPlatformAdmin, Role::kSecurityAuditor};

masterdata::BaseLibrary Library(platform::Platform& p) {
  return masterdata::BaseLibrary(p.store(), p.catalogue(), p.standards(), p.keys());
}

std::string Subject(const Call& call) {
  const std::string& s = call.request.Param("subject");
  ThrowIfError(masterdata::CheckSubject(s));
  return s;
}

// The audit "resource" of a base library: its golden records' key name.
std::string LibraryName(const std::string& subject) {
  return subject == "person" ? "MD_PERSON" : "MD_LEGAL_ENTITY";
}

nlohmann::json ObjectBody(const Call& call) {
  if (call.request.body.empty()) return nlohmann::json::object();
  auto body = api::BodyJson(call);
  if (!body.is_object()) throw Error(Status::InvalidArgument("the body must be a JSON object"));
  return body;
}

// Element of a golden attribute, for masking.
std::string ElementOf(const std::string& attr) {
  if (attr == "id_card" || attr == "uscc" || attr == "address") return attr;
  if (attr == "name" || attr == "legal_rep") return "person_name";
  if (attr == "phone") return "mobile";
  if (attr == "birth_date") return "date";
  return "";
}

nlohmann::json MaskedGolden(platform::Platform& p, int64_t id) {
  return ValueOrThrow(Library(p).Get(id, [](const std::string& attr, const std::string& v) {
    return sharing::MaskValue(sharing::Masking::kPartial, ElementOf(attr), v, "");
  }));
}

void Audit(platform::Platform& p, const audit::AuditEvent& ev) {
  ThrowIfError(p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
}

// Runs `body`, auditing it on success (with `ev` as `fill` leaves it) and on failure (with
// the error) — a refused look-up is on record too.
template <typename F>
Response Audited(platform::Platform& p, audit::AuditEvent ev, F&& body) {
  try {
    return body(ev);
  } catch (const Error& e) {
    ev.result = "error";
    ev.detail["error"] = std::string(ErrorCodeName(e.status().code()));
    (void)p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); });
    throw;
  }
}

masterdata::Decision DecisionFrom(JsonReader& r) {
  const std::string d = r.String("decision", true);
  ThrowIfError(r.status());
  auto decision = masterdata::ParseDecision(d);
  if (!decision) throw Error(Status::InvalidArgument("decision must be match or non_match"));
  return *decision;
}

}  // namespace

void RegisterMasterdataRoutes(Router& router, platform::Platform& p) {
  router.Add({"POST",
              "/api/v1/masterdata/{subject}/runs",
              false,
              kAdmin,
              {"Resolve the subject's records (person | legal_entity) into golden records; the "
               "previous golden records stay until the run commits",
               "masterdata",
               {},
               true,
               "optional {\"incremental\": bool (only new or changed records are compared), "
               "\"match_probability\": number (default 0.5), \"review_probability\": number "
               "(default 0.05; pairs between the two are queued for review)}"},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                auto body = ObjectBody(call);
                masterdata::RunOptions o;
                // This run's thresholds, when given (the run checks 0 < review <= match < 1).
                auto probability = [&body](const char* key) -> std::optional<double> {
                  if (!body.contains(key)) return std::nullopt;
                  if (!body[key].is_number())
                    throw Error(Status::InvalidArgument(std::string(key) + " must be a number"));
                  const double v = body[key].get<double>();
                  body.erase(key);
                  return v;
                };
                o.match_probability = probability("match_probability");
                o.review_probability = probability("review_probability");
                JsonReader r(body, "");
                o.subject = subject;
                o.incremental = r.Bool("incremental", false);
                ThrowIfError(r.Finish());
                o.actor = call.principal->username;
                return Audited(p, api::EventFor(call, "masterdata.run", LibraryName(subject)),
                               [&](audit::AuditEvent& ev) {
                                 auto summary = ValueOrThrow(Library(p).Run(o));
                                 ev.record_count = summary["records"].get<int64_t>();
                                 ev.detail = {{"run_id", summary["run_id"]},
                                              {"mode", summary["mode"]},
                                              {"golden", summary["golden"]}};
                                 Audit(p, ev);
                                 return Response::Json(summary, 201);
                               });
              }});

  router.Add({"GET",
              "/api/v1/masterdata/{subject}/runs",
              false,
              kRunReaders,
              {"Resolution runs of the subject, newest first", "masterdata"},
              [&p](Call& call) {
                return Response::Json(ValueOrThrow(Library(p).ListRuns(Subject(call))));
              }});

  router.Add({"POST",
              "/api/v1/masterdata/{subject}/lookup",
              false,
              kLookup,
              {"The golden record holding an identifier (ID number or credit code, in the "
               "body so it never appears in a URL); sealed values masked",
               "masterdata",
               {},
               true,
               "{\"identifier\": \"...\"}"},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                auto body = ObjectBody(call);
                JsonReader r(body, "");
                const std::string identifier = r.String("identifier", true);
                ThrowIfError(r.Finish());
                auto ev = api::EventFor(call, "read", LibraryName(subject));
                ev.detail = {{"view", "golden lookup"}};
                return Audited(p, ev, [&](audit::AuditEvent& e) {
                  const int64_t id = ValueOrThrow(Library(p).FindByIdentifier(subject, identifier));
                  auto g = MaskedGolden(p, id);
                  e.record_count = 1;
                  e.detail["golden_id"] = id;
                  Audit(p, e);
                  return Response::Json(g);
                });
              }});

  router.Add({"GET",
              "/api/v1/masterdata/{subject}/golden",
              false,
              kLookup,
              {"Golden records of the subject, newest first, paged; q: a golden id, the "
               "identifier (matched on its blind index), RESOURCE:record_id, or text in an "
               "unsealed attribute; sealed values masked",
               "masterdata",
               {{"q", "optional; see above (answer field match says how it was read)"},
                {"page", "1-based"},
                {"page_size", "1-50, default 20"}}},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                int64_t page, page_size;
                api::PageParams(call, &page, &page_size);
                if (page_size > 50)
                  throw Error(Status::InvalidArgument("page_size must be from 1 to 50"));
                auto* q = call.request.Query("q");
                // The query itself stays out of the audit trail: it may be an identifier.
                auto ev = api::EventFor(call, "read", LibraryName(subject));
                ev.detail = {{"view", "golden search"}, {"page", page}};
                return Audited(p, ev, [&](audit::AuditEvent& e) {
                  auto out = ValueOrThrow(
                      Library(p).Search(subject, q ? *q : "", page, page_size,
                                        [](const std::string& attr, const std::string& v) {
                                          return sharing::MaskValue(sharing::Masking::kPartial,
                                                                    ElementOf(attr), v, "");
                                        }));
                  e.record_count = static_cast<int64_t>(out["items"].size());
                  e.detail["match"] = out["match"];
                  e.detail["total"] = out["total"];
                  Audit(p, e);
                  return Response::Json(out);
                });
              }});

  router.Add({"GET",
              "/api/v1/masterdata/golden/{id}",
              false,
              kLookup,
              {"A golden record: status (merged records name their successor), members, each "
               "attribute's rule and provenance; sealed values masked",
               "masterdata"},
              [&p](Call& call) {
                const int64_t id = api::PathId(call, "id");
                auto g = MaskedGolden(p, id);
                auto ev = api::EventFor(call, "read", LibraryName(g["subject"].get<std::string>()));
                ev.record_count = 1;
                ev.detail = {{"view", "golden record"}, {"golden_id", id}};
                Audit(p, ev);
                return Response::Json(g);
              }});

  router.Add({"GET",
              "/api/v1/masterdata/golden/{id}/history",
              false,
              kLookup,
              {"Creations, merges, splits and retirements involving a golden id", "masterdata"},
              [&p](Call& call) {
                const int64_t id = api::PathId(call, "id");
                (void)ValueOrThrow(Library(p).Get(id, nullptr));  // 404 when unknown
                return Response::Json(ValueOrThrow(Library(p).History(id)));
              }});

  router.Add({"POST",
              "/api/v1/masterdata/{subject}/verify",
              false,
              kLookup,
              {"Verification (核验): do the claimed attributes match the golden record holding "
               "the identifier? Answers match / no_match per field, never a stored value",
               "masterdata",
               {},
               true,
               "{\"id_card\": \"...\", \"name\": \"...\", \"address\": \"...\", ...} (persons: "
               "id_card, name, birth_date, gender, phone, address; legal entities: uscc, "
               "org_name, legal_rep, address, phone)"},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                auto body = ObjectBody(call);
                std::map<std::string, std::string> claims;
                for (const auto& [k, v] : body.items()) {
                  if (!v.is_string())
                    throw Error(Status::InvalidArgument("'" + k + "' must be a string"));
                  claims[k] = v.get<std::string>();
                }
                auto ev = api::EventFor(call, "masterdata.verify", LibraryName(subject));
                std::vector<std::string> fields;
                for (const auto& [k, v] : claims) fields.push_back(k);
                ev.fields = fields;
                return Audited(p, ev, [&](audit::AuditEvent& e) {
                  auto answer = ValueOrThrow(Library(p).Verify(subject, claims));
                  e.record_count = answer["found"].get<bool>() ? 1 : 0;
                  e.detail = {{"result", answer["result"]}, {"fields", answer["fields"]}};
                  Audit(p, e);
                  return Response::Json(answer);
                });
              }});

  router.Add({"POST",
              "/api/v1/masterdata/{subject}/explain",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward},
              {"Why two records are (not) linked: comparison level and weight of each attribute, "
               "prior, total and probability under the last run's model; no values",
               "masterdata",
               {},
               true,
               "{\"a\": \"RESOURCE:record_id\", \"b\": \"RESOURCE:record_id\"}"},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                auto body = ObjectBody(call);
                JsonReader r(body, "");
                const std::string a = r.String("a", true), b = r.String("b", true);
                ThrowIfError(r.Finish());
                auto ra = ValueOrThrow(masterdata::RecordRef::Parse(a));
                auto rb = ValueOrThrow(masterdata::RecordRef::Parse(b));
                auto ev = api::EventFor(call, "masterdata.explain", LibraryName(subject));
                ev.detail = {{"a", a}, {"b", b}};
                return Audited(p, ev, [&](audit::AuditEvent& e) {
                  auto j = ValueOrThrow(Library(p).Explain(subject, ra, rb));
                  e.record_count = 2;
                  Audit(p, e);
                  return Response::Json(j);
                });
              }});

  router.Add({"GET",
              "/api/v1/masterdata/{subject}/review",
              false,
              kAdmin,
              {"The clerical review queue: pairs scored between the two thresholds",
               "masterdata",
               {{"status", "pending (default), match, non_match or all"},
                {"page", "1-based"},
                {"page_size", "1-200, default 20"}}},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                int64_t page, page_size;
                api::PageParams(call, &page, &page_size);
                auto* status = call.request.Query("status");
                return Response::Json(ValueOrThrow(
                    Library(p).ListReview(subject, status ? *status : "", page, page_size)));
              }});

  router.Add({"POST",
              "/api/v1/masterdata/review/{id}/decision",
              false,
              kAdmin,
              {"Decide a queued pair: match or non_match; every later run obeys it",
               "masterdata",
               {},
               true,
               "{\"decision\": \"match\" | \"non_match\", \"note\": \"...\"}"},
              [&p](Call& call) {
                const int64_t id = api::PathId(call, "id");
                auto item = ValueOrThrow(Library(p).GetReview(id));
                auto body = ObjectBody(call);
                JsonReader r(body, "");
                const auto decision = DecisionFrom(r);
                const std::string note = r.String("note", false);
                ThrowIfError(r.Finish());
                auto ev = api::EventFor(call, "masterdata.review",
                                        LibraryName(item["subject"].get<std::string>()));
                ev.detail = {{"review_id", id},
                             {"a", item["a"]},
                             {"b", item["b"]},
                             {"from", item["status"]},
                             {"decision", body["decision"]}};
                nlohmann::json out;
                auto lib = Library(p);
                ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& tx) -> Status {
                  YISHU_ASSIGN_OR_RETURN(
                      out, lib.Decide(tx, id, decision, call.principal->username, note));
                  return Status::Ok();
                }));
                return Response::Json(out);
              }});

  router.Add({"POST",
              "/api/v1/masterdata/{subject}/decisions",
              false,
              kAdmin,
              {"Decide any pair of records (match or non_match), queued or not; every later run "
               "obeys it (a non-match splits a golden record)",
               "masterdata",
               {},
               true,
               "{\"a\": \"RESOURCE:record_id\", \"b\": \"RESOURCE:record_id\", \"decision\": "
               "\"match\" | \"non_match\", \"note\": \"...\"}"},
              [&p](Call& call) {
                const std::string subject = Subject(call);
                auto body = ObjectBody(call);
                JsonReader r(body, "");
                const std::string a = r.String("a", true), b = r.String("b", true);
                const auto decision = DecisionFrom(r);
                const std::string note = r.String("note", false);
                ThrowIfError(r.Finish());
                auto ra = ValueOrThrow(masterdata::RecordRef::Parse(a));
                auto rb = ValueOrThrow(masterdata::RecordRef::Parse(b));
                auto ev = api::EventFor(call, "masterdata.review", LibraryName(subject));
                ev.detail = {{"a", a}, {"b", b}, {"decision", body["decision"]}};
                nlohmann::json out;
                auto lib = Library(p);
                ThrowIfError(p.AuditedTransact(ev, [&](store::Connection& tx) -> Status {
                  YISHU_ASSIGN_OR_RETURN(out, lib.DecidePair(tx, subject, ra, rb, decision,
                                                             call.principal->username, note));
                  return Status::Ok();
                }));
                return Response::Json(out, 201);
              }});
}

}  // namespace yishu::server
