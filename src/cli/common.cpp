#include <pwd.h>
#include <unistd.h>

#include <iostream>
#include <vector>

#include "cli/cli.hpp"

namespace yishu::cli {

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kOk:
      return 0;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kUnsupported:
      return 3;
    case ErrorCode::kNotFound:
      return 4;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
      return 5;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
      return 6;
    case ErrorCode::kCorruption:
      return 7;
    default:
      return 1;
  }
}

std::string CliActor() {
  const uid_t uid = ::geteuid();
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_name &&
      *found->pw_name)
    return std::string("cli:") + found->pw_name;
  return "cli:uid:" + std::to_string(uid);
}

std::unique_ptr<platform::Platform> OpenPlatform(const GlobalOptions& g) {
  return ValueOrThrow(platform::Platform::Open(g.data_dir));
}

void Emit(const GlobalOptions& g, const nlohmann::json& j, const std::string& human) {
  if (g.json)
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    std::cout << human << (human.empty() || human.back() == '\n' ? "" : "\n");
}

void Run(const GlobalOptions& g, int* exit_code, const std::function<void()>& body) {
  Status s;
  try {
    body();
  } catch (const Error& e) {
    s = e.status();
  } catch (const std::exception& e) {
    s = Status::Internal(e.what());
  }
  if (!s.ok()) {
    if (g.json) std::cout << nlohmann::json({{"error", s.ToJson()}}).dump(2) << "\n";
    std::cerr << "yishu: " << s.message() << "\n";
    *exit_code = ExitCodeFor(s);
  }
}

}  // namespace yishu::cli
