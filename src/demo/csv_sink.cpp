#include "demo/csv_sink.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace yishu::demo {
namespace {

// Converts all of `in` with an open iconv handle, appending to `out`. On an unconvertible
// sequence returns the byte offset of it; -1 on success.
int64_t Convert(iconv_t cd, std::string_view in, std::string& out) {
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  const size_t start = out.size();
  out.resize(start + in.size() * 2 + 16);
  char* dst = out.data() + start;
  size_t dst_left = out.size() - start;
  while (src_left > 0) {
    if (iconv(cd, &src, &src_left, &dst, &dst_left) == static_cast<size_t>(-1)) {
      if (errno == E2BIG) {
        const size_t used = dst - out.data();
        out.resize(out.size() * 2);
        dst = out.data() + used;
        dst_left = out.size() - used;
        continue;
      }
      out.resize(dst - out.data());
      return src - in.data();
    }
  }
  out.resize(dst - out.data());
  return -1;
}

Result<std::string> ConvertAll(const char* to, const char* from, std::string_view in) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Status::Unsupported(fmt::format("iconv cannot convert {} to {}", from, to));
  }
  std::string out;
  const int64_t bad = Convert(cd, in, out);
  iconv_close(cd);
  if (bad >= 0) {
    return Status::InvalidArgument(fmt::format("cannot convert {} to {} at byte {}: \"{}\"", from,
                                               to, bad, in.substr(bad, 12)));
  }
  return out;
}

}  // namespace

Result<std::string> Utf8ToGbk(std::string_view utf8) {
  return ConvertAll("GBK", "UTF-8", utf8);
}
Result<std::unique_ptr<CsvSink>> CsvSink::Open(const std::filesystem::path& path, Encoding encoding,
                                               bool bom, bool crlf) {
  std::unique_ptr<CsvSink> sink(new CsvSink());
  sink->path_ = path;
  sink->encoding_ = encoding;
  sink->eol_ = crlf ? "\r\n" : "\n";
  if (encoding == Encoding::kGbk) {
    iconv_t cd = iconv_open("GBK", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) {
      return Status::Unsupported("iconv has no UTF-8 to GBK conversion");
    }
    sink->iconv_ = cd;
  }
  sink->file_ = std::fopen(path.c_str(), "wb");
  if (!sink->file_) {
    return Status::IoError(
        fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  }
  sink->buffer_.reserve(kFlushAt + (64 << 10));
  if (bom && encoding == Encoding::kUtf8) sink->buffer_ = "\xEF\xBB\xBF";
  return sink;
}

CsvSink::~CsvSink() {
  if (file_) std::fclose(file_);
  if (iconv_) iconv_close(static_cast<iconv_t>(iconv_));
}

void CsvSink::AppendCell(std::string& out, std::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void CsvSink::WriteRow(const std::vector<std::string>& cells) {
  row_.clear();
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) row_ += ',';
    AppendCell(row_, cells[i]);
  }
  RepeatLastRow();
}

void CsvSink::RepeatLastRow() {
  buffer_ += row_;
  buffer_ += eol_;
  ++lines_;
  FlushIfFull();
}

void CsvSink::Flush() {
  if (buffer_.empty() || !status_.ok()) {
    buffer_.clear();
    return;
  }
  std::string_view out = buffer_;
  if (encoding_ == Encoding::kGbk) {
    converted_.clear();
    const int64_t bad = Convert(static_cast<iconv_t>(iconv_), buffer_, converted_);
    if (bad >= 0) {
      status_ = Status::Internal(fmt::format("{}: text not representable in GBK: \"{}\"",
                                             path_.string(), buffer_.substr(bad, 12)));
      buffer_.clear();
      return;
    }
    out = converted_;
  }
  if (std::fwrite(out.data(), 1, out.size(), file_) != out.size()) {
    status_ = Status::IoError(fmt::format("writing {}: {}", path_.string(), std::strerror(errno)));
  }
  buffer_.clear();
}

Status CsvSink::Close() {
  Flush();
  if (file_ && std::fclose(file_) != 0 && status_.ok()) {
    status_ = Status::IoError(fmt::format("closing {}: {}", path_.string(), std::strerror(errno)));
  }
  file_ = nullptr;
  return status_;
}

}  // namespace yishu::demo
