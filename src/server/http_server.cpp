#include "server/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "common/strings.hpp"
#include "common/thread.hpp"

namespace yishu::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Requests handed to the handler whose answer has not been destroyed yet. An answer may be
// produced on another thread (a writer thread's completion callback) and holds the connection;
// the server must not destroy its io_context (and with it the sockets' services) while one is
// still alive, so Stop() and the destructor drain these first.
class InFlight {
 public:
  std::shared_ptr<void> Enter() {
    {
      std::lock_guard lock(mu_);
      ++count_;
    }
    return std::shared_ptr<void>(nullptr, [this](void*) {
      std::lock_guard lock(mu_);
      if (--count_ == 0) idle_.notify_all();
    });
  }
  bool Idle() {
    std::lock_guard lock(mu_);
    return count_ == 0;
  }
  // True when idle before the deadline.
  bool WaitIdle(std::chrono::steady_clock::duration timeout) {
    std::unique_lock lock(mu_);
    return idle_.wait_for(lock, timeout, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int64_t count_ = 0;
};

constexpr auto kDrainTimeout = std::chrono::seconds(30);

// Each I/O thread runs an event loop (io_context) of its own, and a connection stays on the loop
// that accepted it, so its handlers never run concurrently and need no strand. With one loop
// shared by all threads, every operation went through a strand whose handle is reference
// counted across threads, plus Beast's type-erased executor: together about 40% of the I/O
// threads' time under the sharing benchmark. The loops only parse and write: handlers that may
// block run elsewhere (the Dispatcher's handler threads), so a loop never waits on one.
using Executor = asio::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using Stream = beast::basic_stream<tcp, Executor>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, const HttpServerOptions& options,
          const HttpServer::AsyncHandlerFn& handler, InFlight& in_flight)
      : stream_(std::move(socket)), options_(options), handler_(handler), in_flight_(in_flight) {}

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

  ~Session() {
    if (!spool_path_.empty()) ::unlink(spool_path_.c_str());
  }

 private:
  // The header first; then the body into memory (bounded by max_body_bytes) or, for large
  // uploads (options_.spool_body), into a temporary file chunk by chunk.
  void Read() {
    head_.emplace();
    head_->header_limit(64 * 1024);
    head_->body_limit(std::max<uint64_t>(
        options_.max_body_bytes, options_.spool_body ? options_.max_spooled_body_bytes : 0));
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *head_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // True when `ec` ended the request (the connection is closed or an error is sent).
  bool ReadFailed(beast::error_code ec, uint64_t limit) {
    if (!ec) return false;
    DropSpool();
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      Close();
    } else if (ec == bhttp::error::body_limit) {
      SendError(Status::PayloadTooLarge("request body is larger than the limit of " +
                                        std::to_string(limit) + " bytes"),
                false);
    } else {
      SendError(Status::InvalidArgument("malformed HTTP request: " + ec.message()), false);
    }
    return true;
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ReadFailed(ec, options_.max_body_bytes)) return;
    auto& msg = head_->get();
    Request req;
    req.method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    size_t qpos = target.find('?');
    auto path = PercentDecode(target.substr(0, qpos), false);
    if (!path || path->empty() || (*path)[0] != '/' || path->find("..") != std::string::npos) {
      return SendError(Status::InvalidArgument("malformed request path"), false);
    }
    req.path = std::move(*path);
    if (qpos != std::string_view::npos) req.query = ParseQuery(target.substr(qpos + 1));
    for (const auto& h : msg)
      req.headers[ToLowerAscii(std::string_view(h.name_string().data(), h.name_string().size()))] =
          std::string(h.value());
    if (!client_known_) {  // once per connection: a system call each time is not free
      beast::error_code ep_ec;
      auto ep = stream_.socket().remote_endpoint(ep_ec);
      client_ = ep_ec ? "" : ep.address().to_string();
      client_known_ = true;
    }
    req.client = client_;
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_only_ = msg.method() == bhttp::verb::head;
    bool spool = false;
    if (options_.spool_body) {
      auto decision = options_.spool_body(req);
      // Refused before its body is read: the connection closes rather than drain it.
      if (!decision.ok()) return SendError(decision.status(), false);
      spool = *decision;
    }
    pending_ = std::move(req);
    if (!spool) {
      if (auto len = head_->content_length(); len && *len > options_.max_body_bytes) {
        ReadFailed(bhttp::error::body_limit, options_.max_body_bytes);
        return;
      }
      body_.emplace(std::move(*head_));
      head_.reset();
      body_->body_limit(options_.max_body_bytes);
      return bhttp::async_read(stream_, buffer_, *body_,
                               beast::bind_front_handler(&Session::OnBody, shared_from_this()));
    }
    std::string path_template = options_.spool_dir + "/upload-XXXXXX";
    int fd = ::mkstemp(path_template.data());
    if (fd < 0)
      return SendError(
          Status::IoError(std::string("cannot spool the upload: ") + std::strerror(errno)), false);
    ::close(fd);
    spool_path_ = path_template;
    bool expect_continue = beast::iequals(msg[bhttp::field::expect], "100-continue");
    file_.emplace(std::move(*head_));
    head_.reset();
    file_->body_limit(options_.max_spooled_body_bytes);
    beast::error_code fec;
    file_->get().body().open(spool_path_.c_str(), beast::file_mode::write, fec);
    if (fec) {
      DropSpool();
      return SendError(Status::IoError("cannot spool the upload: " + fec.message()), false);
    }
    pending_.body_file = spool_path_;
    if (!expect_continue) return ReadSpoolChunk();
    // A client waiting for the go-ahead before a large body (curl does) gets it at once.
    auto go =
        std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
    bhttp::async_write(stream_, *go, [self = shared_from_this(), go](beast::error_code ec, size_t) {
      if (self->ReadFailed(ec, 0)) return;
      self->ReadSpoolChunk();
    });
  }

  // Chunk by chunk, so the idle timeout applies between chunks, not to the whole upload.
  void ReadSpoolChunk() {
    if (file_->is_done()) return OnSpoolChunk({}, 0);  // no body, or all of it came with the header
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    bhttp::async_read_some(stream_, buffer_, *file_,
                           beast::bind_front_handler(&Session::OnSpoolChunk, shared_from_this()));
  }

  void OnSpoolChunk(beast::error_code ec, size_t) {
    if (ReadFailed(ec, options_.max_spooled_body_bytes)) return;
    if (!file_->is_done()) return ReadSpoolChunk();
    file_->get().body().close();
    file_.reset();
    Dispatch();
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ReadFailed(ec, options_.max_body_bytes)) return;
    pending_.body = std::move(body_->get().body());
    body_.reset();
    Dispatch();
  }

  void Dispatch() {
    Request req = std::move(pending_);
    pending_ = Request{};
    auto self = shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    const bool keep_alive = keep_alive_;
    const int version = version_;
    const bool head_only = head_only_;
    Responder respond = [self, keep_alive, version, head_only, answered,
                         token = in_flight_.Enter()](Response res) {
      if (answered->exchange(true)) return;
      // Back onto the connection's loop (the answer may come from another thread); the
      // spooled upload, if any, is no longer needed once the answer exists.
      asio::dispatch(self->stream_.get_executor(),
                     [self, res = std::move(res), keep_alive, version, head_only]() mutable {
                       self->DropSpool();
                       if (res.render) std::exchange(res.render, nullptr)(res);
                       self->Send(std::move(res), keep_alive, version, head_only);
                     });
    };
    try {
      handler_(req, respond);
    } catch (const std::exception& e) {
      respond(Response::Error(Status::Internal(e.what())));
    }
  }

  void DropSpool() {
    if (file_) {
      file_->get().body().close();
      file_.reset();
    }
    if (!spool_path_.empty()) ::unlink(spool_path_.c_str());
    spool_path_.clear();
  }

  void SendError(const Status& s, bool keep_alive) { Send(Response::Error(s), keep_alive, 11); }

  // The answer is written out here as one header block and the body, rather than through
  // Beast's response serializer: its generic buffer sequences and field list cost about 10% of
  // the I/O threads' time on small answers. Header values are ours, but may carry text from a
  // request (a file name): CR, LF and NUL in them become spaces, so no answer can split.
  void Send(Response res, bool keep_alive, int version, bool head_only = false) {
    out_head_.clear();
    auto field = [this](std::string_view name, std::string_view value) {
      out_head_.append(name).append(": ");
      for (char c : value) out_head_ += c == '\r' || c == '\n' || c == '\0' ? ' ' : c;
      out_head_ += "\r\n";
    };
    const auto status = static_cast<bhttp::status>(res.status);
    out_head_ += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out_head_ += std::to_string(res.status);
    out_head_ += ' ';
    const auto reason = bhttp::obsolete_reason(status);
    out_head_.append(reason.data(), reason.size());
    out_head_ += "\r\n";
    field("Server", "yishu");
    field("Content-Type", res.content_type);
    field("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : res.headers)
      if (IsToken(name)) field(name, value);
    if (version >= 11 && !keep_alive) field("Connection", "close");
    if (version < 11 && keep_alive) field("Connection", "keep-alive");
    const int code = res.status;
    const bool bodiless = code / 100 == 1 || code == 204 || code == 304;
    if (!bodiless) field("Content-Length", std::to_string(res.body.size()));
    out_head_ += "\r\n";
    out_body_ = bodiless || head_only ? std::string() : std::move(res.body);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_),
                                                    asio::buffer(out_body_)};
    asio::async_write(stream_, buffers,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->out_body_.clear();
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  // RFC 9110 token: the characters a header name may hold.
  static bool IsToken(std::string_view name) {
    if (name.empty()) return false;
    for (unsigned char c : name)
      if (c == 0 || !(std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr))
        return false;
    return true;
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  const HttpServerOptions& options_;
  const HttpServer::AsyncHandlerFn& handler_;
  InFlight& in_flight_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_;
  Request pending_;
  std::string spool_path_;
  bool keep_alive_ = false;
  int version_ = 11;
  std::string client_;  // the peer's address
  bool client_known_ = false;
  bool head_only_ = false;  // a HEAD request: the answer's header only
  std::string out_head_;    // the answer being written
  std::string out_body_;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(int loops) : contexts(MakeLoops(loops)) {}
  static std::vector<std::unique_ptr<asio::io_context>> MakeLoops(int n) {
    std::vector<std::unique_ptr<asio::io_context>> loops;
    for (int i = 0; i < std::max(n, 1); ++i)
      loops.push_back(std::make_unique<asio::io_context>(1));  // 1: run by one thread
    return loops;
  }
  HttpServerOptions options;
  AsyncHandlerFn handler;
  // Before the members below, so built before and destroyed after them: they and every
  // connection belong to one of these loops.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  asio::io_context& ioc = *contexts.front();  // the acceptor's, signals' and drain timer's loop
  size_t next_context = 0;
  tcp::acceptor acceptor{ioc};
  std::optional<asio::signal_set> signals;
  InFlight in_flight;
  std::optional<asio::steady_timer> drain_timer;

  // Stops the loop once every handed-out request is answered (or the drain times out), so
  // answers produced on other threads still reach their connections.
  void StopWhenDrained(std::chrono::steady_clock::time_point deadline) {
    if (in_flight.Idle() || std::chrono::steady_clock::now() >= deadline) {
      for (auto& c : contexts) c->stop();
      return;
    }
    drain_timer.emplace(ioc, std::chrono::milliseconds(5));
    drain_timer->async_wait([this, deadline](beast::error_code ec) {
      if (ec != asio::error::operation_aborted) StopWhenDrained(deadline);  // else a newer Stop()
    });
  }

  void Accept() {
    auto& loop = *contexts[next_context++ % contexts.size()];
    acceptor.async_accept(loop.get_executor(), [this](beast::error_code ec, Socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), options, handler, in_flight)->Start();
      }
      if (acceptor.is_open()) Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HandlerFn handler)
    : HttpServer(std::move(options),
                 AsyncHandlerFn([handler = std::move(handler)](Request& r, Responder done) {
                   done(handler(r));
                 })) {}

HttpServer::HttpServer(HttpServerOptions options, AsyncHandlerFn handler)
    : impl_(std::make_unique<Impl>(options.threads)) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  Stop();
  // The loop may not be running (never started, or already returned): answers still held by
  // other threads must let go of their connections before the io_context goes.
  impl_->in_flight.WaitIdle(kDrainTimeout);
}

Status HttpServer::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec)
    return Status::InvalidArgument("listen address '" + impl_->options.host + "': " + ec.message());
  tcp::endpoint ep(address, static_cast<unsigned short>(impl_->options.port));
  std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on " + where + ": " + ec.message());
  impl_->Accept();
  return Status::Ok();
}

int HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::Run(bool handle_signals) {
  if (handle_signals) {
    impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
    impl_->signals->async_wait([this](beast::error_code, int) { Stop(); });
  }
  // The other loops may have no connection yet: held open until Stop().
  std::vector<asio::executor_work_guard<Executor>> keep_open;
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->contexts.size(); ++i) {
    keep_open.push_back(asio::make_work_guard(*impl_->contexts[i]));
    threads.emplace_back([loop = impl_->contexts[i].get()] {
      NameThisThread("yishu-http");
      loop->run();
    });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::Stop() {
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    if (impl_->signals) impl_->signals->cancel(ec);
    impl_->StopWhenDrained(std::chrono::steady_clock::now() + kDrainTimeout);
  });
}

}  // namespace yishu::server
