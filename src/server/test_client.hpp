// A small synchronous HTTP client for tests (Beast), speaking to the real server over TCP.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace yishu::server::testing {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json json() const {
    try {
      return nlohmann::json::parse(body);
    } catch (...) {
      return nullptr;
    }
  }
};

class Client {
 public:
  explicit Client(int port) : port_(port) {}
  ClientResponse Send(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& token = "",
                      std::map<std::string, std::string> headers = {}) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(
        {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    for (auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& h : res) out.headers[std::string(h.name_string())] = std::string(h.value());
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    return out;
  }
  ClientResponse Get(const std::string& target, const std::string& token = "") {
    return Send("GET", target, "", token);
  }
  ClientResponse Post(const std::string& target, const nlohmann::json& body,
                      const std::string& token = "") {
    return Send("POST", target, body.dump(), token);
  }

 private:
  int port_;
};

}  // namespace yishu::server::testing
