#include <algorithm>
#include <iostream>
#include <thread>

#include "cli/cli.hpp"
#include "ingest/inbox.hpp"
#include "server/api.hpp"
#include "server/http_server.hpp"

namespace yishu::cli {

Status Serve(platform::Platform& p, const std::string& listen, const GlobalOptions& g,
             int inbox_poll_ms) {
  server::HttpServerOptions so;
  YISHU_RETURN_IF_ERROR(platform::ParseListen(listen, &so.host, &so.port));
  so.threads = p.config().server_io_threads > 0
                   ? p.config().server_io_threads
                   : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  so.max_body_bytes = static_cast<size_t>(p.config().max_body_bytes);
  server::Router router;
  server::RegisterAllRoutes(router, p);
  // Uploads of delivered files stream to disk, never whole into memory.
  server::ConfigureUploads(so, router, std::filesystem::path(g.data_dir) / "tmp" / "uploads",
                           uint64_t{4} << 30);
  server::Dispatcher dispatcher(router, p, p.config().server_threads);
  server::HttpServer http(
      so, server::HttpServer::AsyncHandlerFn([&](server::Request& r, server::Responder done) {
        dispatcher.HandleAsync(r, std::move(done));
      }));
  YISHU_RETURN_IF_ERROR(http.Listen());
  std::unique_ptr<ingest::InboxWatcher> inbox;
  if (inbox_poll_ms > 0) {
    ingest::InboxOptions io;
    io.root = std::filesystem::path(g.data_dir) / "inbox";
    io.poll = std::chrono::milliseconds(inbox_poll_ms);
    io.settle = std::chrono::milliseconds(std::max(inbox_poll_ms, 1000));
    inbox = std::make_unique<ingest::InboxWatcher>(
        io, p.catalogue(), [&p](const std::filesystem::path& f, ingest::IngestOptions o) {
          return IngestAudited(p, f, std::move(o));
        });
    YISHU_RETURN_IF_ERROR(inbox->Prepare());
    inbox->Start();
  }
  std::string url = "http://" +
                    (so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host) + ":" +
                    std::to_string(http.port()) + "/";
  audit::AuditEvent ev;
  ev.actor = "system";
  ev.action = "config";
  ev.resource = "server";
  ev.detail = {{"event", "start"}, {"listen", listen}, {"store", p.store().description()}};
  (void)p.audit().Append(ev);
  if (g.json) {
    std::cout << nlohmann::json({{"listening", url}, {"port", http.port()}}).dump() << std::endl;
  } else {
    std::cout << "一数 Yishu is serving " << p.store().description() << "\n"
              << "  console:  " << url << "\n"
              << "  API:      " << url << "api/v1/openapi.json\n"
              << (inbox ? "  inbox:    " + (std::filesystem::path(g.data_dir) / "inbox").string() +
                              "/<DEPT>/<RESOURCE>/\n"
                        : std::string())
              << "  sign in as 'admin' (see `yishu init` output for the password)" << std::endl;
  }
  http.Run(/*handle_signals=*/true);
  if (inbox) inbox->Stop();
  ev.detail = {{"event", "stop"}};
  (void)p.audit().Append(ev);
  if (!g.json) std::cout << "stopped" << std::endl;
  return Status::Ok();
}

void AddInitAndServe(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* init = app.add_subcommand("init", "Create a new data directory and store");
  init->callback([&g, exit_code] {
    Run(g, exit_code, [&] {
      std::vector<std::string> messages;
      auto p = ValueOrThrow(platform::Platform::Init(g.data_dir, &messages));
      nlohmann::json j = {
          {"data_dir", g.data_dir}, {"store", p->store().description()}, {"messages", messages}};
      std::string human = "initialised " + g.data_dir + " (" + p->store().description() + ")\n";
      for (const auto& m : messages) human += "  " + m + "\n";
      Emit(g, j, human);
    });
  });

  auto* serve = app.add_subcommand("serve", "Serve the API and the web console");
  auto listen = std::make_shared<std::string>();
  serve->add_option("--listen", *listen, "HOST:PORT (default from config, 127.0.0.1:8080)");
  auto inbox_ms = std::make_shared<int>(2000);
  serve
      ->add_option("--inbox-poll-ms", *inbox_ms,
                   "How often DATA/inbox/<DEPT>/<RESOURCE>/ is scanned for delivered files "
                   "(0: not watched)")
      ->check(CLI::Range(0, 3600000));
  serve->callback([&g, exit_code, listen, inbox_ms] {
    Run(g, exit_code, [&] {
      auto p = OpenPlatform(g);
      ThrowIfError(Serve(*p, listen->empty() ? p->config().listen : *listen, g, *inbox_ms));
    });
  });
}

}  // namespace yishu::cli
