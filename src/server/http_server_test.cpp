// The transport on its own, spoken to over a raw socket: what goes on the wire for HEAD,
// bodiless statuses, keep-alive across HTTP versions, and header values that try to split the
// answer.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <thread>

#include "server/http_server.hpp"

namespace yishu::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, [](Request& r) {
      if (r.path == "/no-content") return Response::Text("", "text/plain", 204);
      Response res = Response::Text("hello", "text/plain");
      if (r.path == "/split")
        res.headers.emplace_back("X-Note", "a\r\nSet-Cookie: stolen=1\r\n\r\nforged body");
      if (r.path == "/bad-name") res.headers.emplace_back("X Bad\r\nName", "v");
      return res;
    });
    ASSERT_TRUE(server_->Listen().ok());
    thread_ = std::thread([this] { server_->Run(false); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }

  // Sends `raw` on a new connection and reads until `responses` answers have arrived (each
  // "HTTP/1." status line counts) and then until the server closes or 300 ms pass quietly.
  std::string Exchange(const std::string& raw) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())});
    asio::write(socket, asio::buffer(raw));
    std::string got;
    socket.non_blocking(true);
    auto quiet_since = std::chrono::steady_clock::now();
    for (;;) {
      char buf[4096];
      boost::system::error_code ec;
      size_t n = socket.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block) {
        if (std::chrono::steady_clock::now() - quiet_since > std::chrono::milliseconds(300)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) break;  // closed by the server
      got.append(buf, n);
      quiet_since = std::chrono::steady_clock::now();
    }
    return got;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, HeadAnswersWithTheLengthButNoBody) {
  // Pipelined: were a body sent after the HEAD answer, it would sit before the second answer.
  std::string got = Exchange(
      "HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  size_t second = got.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << got;
  std::string head_answer = got.substr(0, second);
  EXPECT_NE(head_answer.find("Content-Length: 5\r\n"), std::string::npos) << head_answer;
  EXPECT_TRUE(head_answer.ends_with("\r\n\r\n")) << head_answer;
  EXPECT_TRUE(got.ends_with("\r\n\r\nhello")) << got;
}

TEST_F(HttpServerTest, NoContentHasNeitherLengthNorBody) {
  std::string got = Exchange("GET /no-content HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 204 No Content\r\n")) << got;
  EXPECT_EQ(got.find("Content-Length"), std::string::npos) << got;
  EXPECT_TRUE(got.ends_with("\r\n\r\n")) << got;
}

TEST_F(HttpServerTest, KeepAliveFollowsTheVersion) {
  std::string close11 = Exchange("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_NE(close11.find("Connection: close\r\n"), std::string::npos) << close11;
  std::string keep10 = Exchange("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(keep10.starts_with("HTTP/1.0 200 OK\r\n")) << keep10;
  EXPECT_NE(keep10.find("Connection: keep-alive\r\n"), std::string::npos) << keep10;
  std::string plain10 = Exchange("GET /x HTTP/1.0\r\n\r\n");
  EXPECT_EQ(plain10.find("Connection:"), std::string::npos) << plain10;
  EXPECT_TRUE(plain10.ends_with("hello")) << plain10;
}

TEST_F(HttpServerTest, HeaderValuesCannotSplitTheAnswer) {
  std::string got = Exchange("GET /split HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(got.find("\r\nSet-Cookie"), std::string::npos) << got;
  EXPECT_NE(got.find("X-Note: a  Set-Cookie: stolen=1    forged body\r\n"), std::string::npos)
      << got;
  EXPECT_TRUE(got.ends_with("\r\n\r\nhello")) << got;
  std::string bad = Exchange("GET /bad-name HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(bad.find("Bad"), std::string::npos) << bad;
  EXPECT_TRUE(bad.ends_with("\r\n\r\nhello")) << bad;
}

}  // namespace
}  // namespace yishu::server
