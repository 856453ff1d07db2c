// Collection routes: upload a file as a batch, list a resource's batches, read one batch and
// its quarantined rows. Uploads are for the providing department's steward (and platform
// admins); reading is for the government roles of the providing department (and platform
// admins and security auditors, who see every department).
#include <fmt/format.h>

#include "common/strings.hpp"
#include "ingest/ingest.hpp"
#include "server/api.hpp"

namespace yishu::server {

using identity::Role;

namespace {

// The resource's providing department, or NotFound.
std::string DepartmentOf(platform::Platform& p, const std::string& code) {
  return ValueOrThrow(p.catalogue().GetResource(code)).department;
}

}  // namespace

void RegisterIngestRoutes(Router& router, platform::Platform& p) {
  Route upload{
      "POST",
      "/api/v1/resources/{code}/batches",
      false,
      {Role::kPlatformAdmin, Role::kDeptSteward},
      {"Deliver a file (CSV, JSON Lines or XLSX; UTF-8 or GBK/GB18030) as a batch. The body is "
       "streamed to disk, not held in memory; follow a running batch with GET "
       "/api/v1/batches/{id}/progress",
       "ingest",
       {{"mode", "upsert (default, incremental), append, or replace (full load)"},
        {"file_name",
         "the delivered file's name (recorded in the batch; its extension picks "
         "the format)"},
        {"format", "auto (default), csv, jsonl, xlsx"},
        {"encoding", "auto (default) or an encoding name"},
        {"sheet", "XLSX: the sheet to read (default: the first)"}},
       true,
       "the file's bytes"},
      [&p](Call& call) {
        const std::string& code = call.request.Param("code");
        api::RequireDepartment(call, DepartmentOf(p, code));
        ingest::IngestOptions o;
        o.resource = code;
        if (auto* m = call.request.Query("mode")) {
          auto mode = ingest::ParseLoadMode(*m);
          if (!mode) throw Error(Status::InvalidArgument("mode must be upsert, append or replace"));
          o.mode = *mode;
        }
        auto* name = call.request.Query("file_name");
        o.file_name = name && !name->empty() ? *name : "upload";
        if (auto* f = call.request.Query("format")) o.reader.format = *f;
        if (auto* e = call.request.Query("encoding")) o.reader.encoding = *e;
        if (auto* sh = call.request.Query("sheet")) o.reader.sheet = *sh;
        o.actor = call.principal->username;
        ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
        ing.SetObserver(&p.quality());
        // A large upload arrives spooled to a file (ConfigureUploads); a small one in memory.
        std::unique_ptr<formats::ByteSource> source;
        if (!call.request.body_file.empty())
          source = ValueOrThrow(formats::OpenFileSource(call.request.body_file));
        else
          source = formats::MemorySource(call.request.body);
        auto result = ing.Ingest(std::move(source), o);
        auto ev = api::EventFor(call, "ingest.batch", code);
        if (!result.ok()) {
          ev.result = "error";
          ev.detail = {{"file", o.file_name}, {"error", result.status().message()}};
          (void)p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); });
          throw Error(result.status());
        }
        ev.record_count = result->accepted;
        ev.detail = {{"batch_id", result->batch_id},
                     {"file", result->file},
                     {"read", result->read},
                     {"quarantined", result->quarantined}};
        ThrowIfError(p.AuditedTransact(ev, [](store::Connection&) { return Status::Ok(); }));
        auto j = ingest::ToJson(*result);
        j["id"] = result->batch_id;
        Response res = Response::Json(j, 201);
        res.headers.emplace_back("Location", fmt::format("/api/v1/batches/{}", result->batch_id));
        return res;
      }};
  upload.spooled_body = true;
  router.Add(std::move(upload));

  router.Add(
      {"GET",
       "/api/v1/batches/{id}/progress",
       false,
       {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser, Role::kSecurityAuditor},
       {"A batch's progress: rows and bytes read, rate and ETA while it runs (live, from the "
        "server that runs it); the final figures once it has finished",
        "ingest"},
       [&p](Call& call) {
         int64_t id = api::PathId(call, "id");
         ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
         auto batch = ValueOrThrow(ing.GetBatch(id));
         api::RequireReader(call, DepartmentOf(p, batch["resource"].get<std::string>()));
         if (auto running = ingest::FindRunningBatch(id))
           return Response::Json(ingest::ProgressJson(id, "running", running->progress));
         // Finished, or running in another process (its counts are committed per transaction).
         ingest::Progress pr;
         pr.rows = batch["read"].get<int64_t>();
         pr.bytes = batch["bytes"].get<int64_t>();
         pr.seconds = batch["duration_ms"].get<int64_t>() / 1000.0;
         pr.batch_id = id;
         return Response::Json(ingest::ProgressJson(id, batch["status"].get<std::string>(), pr));
       }});

  router.Add({"GET",
              "/api/v1/resources/{code}/batches",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser, Role::kSecurityAuditor},
              {"List a resource's batches, newest first, a page at a time",
               "ingest",
               {{"page", "page number (from 1)"}, {"page_size", "batches per page (1-1000)"}}},
              [&p](Call& call) {
                const std::string& code = call.request.Param("code");
                api::RequireReader(call, DepartmentOf(p, code));
                ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
                int64_t page = 1, page_size = 100;
                api::PageParams(call, &page, &page_size);
                return Response::Json(ValueOrThrow(ing.ListBatches(code, page, page_size)));
              }});

  router.Add({"GET",
              "/api/v1/batches/{id}",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kDeptUser, Role::kSecurityAuditor},
              {"One batch: file, SM3, counts, reasons, timings", "ingest"},
              [&p](Call& call) {
                ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
                auto j = ValueOrThrow(ing.GetBatch(api::PathId(call, "id")));
                api::RequireReader(call, DepartmentOf(p, j["resource"].get<std::string>()));
                return Response::Json(j);
              }});

  router.Add({"GET",
              "/api/v1/batches/{id}/quarantine",
              false,
              {Role::kPlatformAdmin, Role::kDeptSteward, Role::kSecurityAuditor},
              {"A batch's quarantined rows with line numbers, raw lines and every reason",
               "ingest",
               {{"page", "page number (from 1)"}, {"page_size", "rows per page (1-1000)"}}},
              [&p](Call& call) {
                ingest::Ingester ing(p.store(), p.standards(), p.catalogue(), &p.keys());
                int64_t id = api::PathId(call, "id");
                auto batch = ValueOrThrow(ing.GetBatch(id));
                api::RequireReader(call, DepartmentOf(p, batch["resource"].get<std::string>()));
                int64_t page = 1, page_size = 100;
                api::PageParams(call, &page, &page_size);
                return Response::Json(ValueOrThrow(ing.Quarantine(id, page, page_size)));
              }});
}

}  // namespace yishu::server
