// The HTTP layer's request and response, independent of the transport library, so handlers
// and tests never touch Beast types.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace yishu::server {

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/api/v1/resources/GA_HOUSEHOLD" (decoded)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // Set instead of `body` for requests whose body was spooled to a temporary file (large
  // uploads, HttpServerOptions::spool_body); the transport removes it after the response.
  std::string body_file;
  std::string client;                         // "127.0.0.1"
  std::map<std::string, std::string> params;  // path parameters, set by the router

  const std::string* Header(const std::string& lower_name) const;
  const std::string* Query(const std::string& name) const;
  const std::string& Param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, fills in the answer on the connection's own thread just before it is sent
  // (replacing it with an error if need be). For answers completed on a shared writer thread
  // whose remaining work (unsealing, masking) should not queue behind that thread.
  std::function<void(Response&)> render;

  static Response Json(const nlohmann::json& j, int status = 200);
  static Response Text(std::string text, std::string content_type, int status = 200);
  // The one error shape of the whole API: {"error": {"code", "message", "details"}}.
  static Response Error(const Status& s);
};

// Completes a request that is answered later (e.g. once its audit record has committed).
// Called exactly once, from any thread.
using Responder = std::function<void(Response)>;

// Percent-decoding for paths and query strings ('+' is a space in queries only).
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
std::map<std::string, std::string> ParseQuery(std::string_view q);

}  // namespace yishu::server
