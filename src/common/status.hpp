// Status and Result<T>: expected failures travel as values, not exceptions.
//
// A Status is cheap when OK (no allocation). Every error carries a stable ErrorCode (the same
// names appear in the HTTP API's error shape) and a human message naming the problem.
// Exceptions are reserved for what ends a request or process; asserts for programmer bugs.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace yishu {

// One registry of stable error codes. Never renumber or rename: scripts match on the names.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // bad input: malformed, wrong type, failed validation
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a duplicate code or key
  kConflict,            // a rule of the platform refuses it (e.g. a second authoritative source)
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // authenticated, but not allowed
  kFailedPrecondition,  // the state does not allow it now
  kResourceExhausted,   // quota or rate limit
  kPayloadTooLarge,     // body or file over the configured limit
  kUnsupported,         // a format or feature that is not handled
  kCorruption,          // stored data failed an integrity check
  kIoError,             // files, network, database I/O
  kUnavailable,         // a dependency is down
  kInternal,            // a bug
};

std::string_view ErrorCodeName(ErrorCode code);
// HTTP status for an error code (the one mapping used by the whole API).
int HttpStatusFor(ErrorCode code);

class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, nlohmann::json details = nullptr);

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg, nlohmann::json details = nullptr) {
    return Status(ErrorCode::kInvalidArgument, std::move(msg), std::move(details));
  }
  static Status NotFound(std::string msg) { return Status(ErrorCode::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(ErrorCode::kAlreadyExists, std::move(msg));
  }
  static Status Conflict(std::string msg, nlohmann::json details = nullptr) {
    return Status(ErrorCode::kConflict, std::move(msg), std::move(details));
  }
  static Status Unauthenticated(std::string msg) {
    return Status(ErrorCode::kUnauthenticated, std::move(msg));
  }
  static Status PermissionDenied(std::string msg) {
    return Status(ErrorCode::kPermissionDenied, std::move(msg));
  }
  static Status FailedPrecondition(std::string msg) {
    return Status(ErrorCode::kFailedPrecondition, std::move(msg));
  }
  static Status ResourceExhausted(std::string msg) {
    return Status(ErrorCode::kResourceExhausted, std::move(msg));
  }
  static Status PayloadTooLarge(std::string msg) {
    return Status(ErrorCode::kPayloadTooLarge, std::move(msg));
  }
  static Status Unsupported(std::string msg) {
    return Status(ErrorCode::kUnsupported, std::move(msg));
  }
  static Status Corruption(std::string msg) {
    return Status(ErrorCode::kCorruption, std::move(msg));
  }
  static Status IoError(std::string msg) { return Status(ErrorCode::kIoError, std::move(msg)); }
  static Status Unavailable(std::string msg) {
    return Status(ErrorCode::kUnavailable, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(ErrorCode::kInternal, std::move(msg)); }

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
  const std::string& message() const;
  const nlohmann::json& details() const;
  bool Is(ErrorCode c) const { return code() == c; }
  // "INVALID_ARGUMENT: message"
  std::string ToString() const;
  // {"code": "...", "message": "...", "details": ...}
  nlohmann::json ToJson() const;
  // Prefix the message with context ("importing resource R001: ...").
  Status WithContext(std::string_view context) const;

 private:
  struct State {
    ErrorCode code;
    std::string message;
    nlohmann::json details;
  };
  std::shared_ptr<const State> state_;
};

// Result<T>: a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

// Thrown only to end a request or a command; the top level turns it into the error shape.
class Error : public std::exception {
 public:
  explicit Error(Status s) : status_(std::move(s)), what_(status_.ToString()) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

// Unwrap a Result or throw its Status as Error.
template <typename T>
T ValueOrThrow(Result<T>&& r) {
  if (!r.ok()) throw Error(r.status());
  return std::move(r).value();
}
inline void ThrowIfError(const Status& s) {
  if (!s.ok()) throw Error(s);
}

}  // namespace yishu

#define YISHU_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::yishu::Status _yishu_status = (expr);        \
    if (!_yishu_status.ok()) return _yishu_status; \
  } while (0)

#define YISHU_CONCAT_INNER(a, b) a##b
#define YISHU_CONCAT(a, b) YISHU_CONCAT_INNER(a, b)
#define YISHU_ASSIGN_OR_RETURN(lhs, expr)                   \
  auto YISHU_CONCAT(_yishu_result_, __LINE__) = (expr);     \
  if (!YISHU_CONCAT(_yishu_result_, __LINE__).ok())         \
    return YISHU_CONCAT(_yishu_result_, __LINE__).status(); \
  lhs = std::move(YISHU_CONCAT(_yishu_result_, __LINE__)).value()
