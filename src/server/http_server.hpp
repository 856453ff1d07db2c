// The HTTP transport: Boost.Beast over Asio, asynchronous I/O on a few event loops (one thread
// each; a connection stays on the loop that accepted it), keep-alive, no thread per connection.
// It parses requests (bounded: header and body limits), hands each to one handler function and
// writes the answer. It knows nothing of routes.
//
// Thread-safety: the handler is called concurrently from the loops' threads. It must not block
// (every other connection of its loop would wait): work that may wait is handed elsewhere and
// answered through the Responder (see server::Dispatcher).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.hpp"
#include "server/http.hpp"

namespace yishu::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  int threads = 2;  // event loops
  size_t max_body_bytes = 10 * 1024 * 1024;
  int idle_timeout_seconds = 60;
  // Large uploads: once a request's header is read (method, path, query, headers; no body),
  // this decides whether its body goes to a temporary file in spool_dir instead of memory
  // (true), stays in memory under max_body_bytes (false), or the request is refused at once
  // without reading the body (an error, e.g. no credentials). A spooled body may be up to
  // max_spooled_body_bytes and is never held in memory whole.
  std::function<Result<bool>(const Request& head)> spool_body;
  std::string spool_dir;
  uint64_t max_spooled_body_bytes = uint64_t{4} << 30;
};

class HttpServer {
 public:
  using HandlerFn = std::function<Response(Request&)>;
  // Answers through the Responder, possibly later and from another thread; the connection
  // waits for it (requests on one connection are answered in order).
  using AsyncHandlerFn = std::function<void(Request&, Responder)>;
  HttpServer(HttpServerOptions options, HandlerFn handler);
  HttpServer(HttpServerOptions options, AsyncHandlerFn handler);
  ~HttpServer();

  // Binds and listens; IoError naming the address when it cannot.
  Status Listen();
  int port() const;
  // Serves until Stop() or SIGTERM/SIGINT (when handle_signals), then returns.
  void Run(bool handle_signals);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishu::server
