#include "formats/reader.hpp"

#include <fcntl.h>
#include <iconv.h>
#include <immintrin.h>
#include <uchardet.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/bounded_queue.hpp"
#include "common/strings.hpp"
#include "common/thread.hpp"
#include "crypto/sm3.hpp"
#include "formats/xlsx_reader.hpp"

namespace yishu::formats {

namespace {

class FileSource : public ByteSource {
 public:
  FileSource(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  Result<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno == EINTR) continue;
      return Status::IoError(fmt::format("reading the file: {}", std::strerror(errno)));
    }
  }
  int64_t size() const override { return size_; }

 private:
  int fd_;
  int64_t size_;
};

class MemSource : public ByteSource {
 public:
  explicit MemSource(std::string_view b) : b_(b) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, b_.size() - pos_);
    std::memcpy(buf, b_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  int64_t size() const override { return static_cast<int64_t>(b_.size()); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

// Length of a trailing, possibly incomplete UTF-8 sequence at the end of `s` (0..3), so a
// sample cut mid-character is not judged invalid.
size_t IncompleteTail(std::string_view s) {
  for (size_t k = 1; k <= 3 && k <= s.size(); ++k) {
    unsigned char c = s[s.size() - k];
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

// The raw byte stream turned into UTF-8: detection on the first block, then pass-through (UTF-8)
// or iconv. Hashes every raw byte with SM3 on the way.
// SM3 of every raw byte, computed beside the reading thread once the input is large: on a big
// file the hash is a third of that thread's time otherwise (libgcrypt's SM3 runs at about
// 400 MB/s here, the parser at about twice that). The reader reuses its buffers, so each piece
// is copied into a queue of a few MB (a copy costs a tenth of hashing it). Small inputs (tests,
// uploads of a few rows) are hashed in line, without a thread.
class FileDigest {
 public:
  FileDigest() = default;
  FileDigest(const FileDigest&) = delete;
  FileDigest& operator=(const FileDigest&) = delete;
  ~FileDigest() { StopWorker(); }

  void Update(std::string_view bytes) {
    if (!worker_.joinable()) {
      if (inline_bytes_ + bytes.size() <= kInlineBytes) {
        hasher_.Update(bytes);
        inline_bytes_ += bytes.size();
        return;
      }
      worker_ = std::thread([this] {
        NameThisThread("yishu-ingsm3");
        std::string piece;
        while (queue_.Pop(&piece)) hasher_.Update(piece);
      });
    }
    queue_.Push(std::string(bytes));
  }

  // Once every byte has been given.
  std::string Final() {
    StopWorker();
    return hasher_.Final();
  }

 private:
  void StopWorker() {
    if (!worker_.joinable()) return;
    queue_.Close();
    worker_.join();
  }

  static constexpr size_t kInlineBytes = size_t{4} << 20;
  crypto::Sm3Hasher hasher_;  // the worker's alone while it runs
  BoundedQueue<std::string> queue_{8};
  size_t inline_bytes_ = 0;
  std::thread worker_;
};

class Utf8Stream {
 public:
  Utf8Stream(std::unique_ptr<ByteSource> src) : src_(std::move(src)) {}
  ~Utf8Stream() {
    if (cd_ != reinterpret_cast<iconv_t>(-1)) iconv_close(cd_);
  }

  Status Init(const std::string& forced) {
    // Detection sample: up to 256 KiB.
    raw_.resize(256 << 10);
    size_t have = 0;
    while (have < raw_.size()) {
      YISHU_ASSIGN_OR_RETURN(size_t got, src_->Read(raw_.data() + have, raw_.size() - have));
      if (got == 0) {
        eof_ = true;
        break;
      }
      have += got;
    }
    raw_.resize(have);
    raw_pos_ = 0;
    bytes_read_ = have;
    hasher_.Update(raw_);
    std::string_view sample(raw_);
    std::string enc = forced;
    if (enc.empty() || enc == "auto") {
      if (sample.substr(0, 3) == "\xEF\xBB\xBF") {
        enc = "UTF-8";
        raw_pos_ = 3;
        bom_ = true;
      } else if (sample.substr(0, 2) == "\xFF\xFE") {
        enc = "UTF-16LE";
        raw_pos_ = 2;
      } else if (sample.substr(0, 2) == "\xFE\xFF") {
        enc = "UTF-16BE";
        raw_pos_ = 2;
      } else {
        // Binary junk (images, archives, executables) has NULs; text never does in bulk.
        if (sample.substr(0, 4) == std::string_view("PK\x03\x04", 4))
          return Status::InvalidArgument(
              "the file is a ZIP archive, not text: an XLSX workbook must be named .xlsx or "
              "read with format xlsx");
        size_t nuls = std::count(sample.begin(), sample.end(), '\0');
        if (nuls > 8 && nuls * 1000 > sample.size())
          return Status::InvalidArgument(
              fmt::format("the file is binary, not text ({} NUL bytes in the first {} bytes)", nuls,
                          sample.size()));
        // A character cut at the end of the sample is not held against UTF-8 — nor one cut at
        // the end of the file (a truncated delivery): its record fails the UTF-8 check instead
        // of the whole file being read as GB18030 mojibake.
        std::string_view check = sample.substr(0, sample.size() - IncompleteTail(sample));
        if (Utf8Ok(check)) {
          enc = "UTF-8";
        } else {
          uchardet_t ud = uchardet_new();
          uchardet_handle_data(ud, sample.data(), sample.size());
          uchardet_data_end(ud);
          std::string guess = ToUpperAscii(uchardet_get_charset(ud));
          uchardet_delete(ud);
          // A Chinese government platform: GB18030 (a superset of GB2312 and GBK) unless the
          // detector is sure of another CJK or Unicode encoding. Short GBK samples are often
          // guessed as a Latin code page, which would be mojibake here.
          if (guess == "BIG5" || guess == "EUC-TW" || guess == "SHIFT_JIS" || guess == "EUC-JP" ||
              guess == "EUC-KR" || StartsWith(guess, "UTF-16") || StartsWith(guess, "UTF-32"))
            enc = guess;
          else
            enc = "GB18030";
        }
      }
    } else {
      enc = ToUpperAscii(enc);
      if ((enc == "UTF-8" || enc == "UTF8") && sample.substr(0, 3) == "\xEF\xBB\xBF") {
        raw_pos_ = 3;
        bom_ = true;
      }
      if (enc == "UTF8") enc = "UTF-8";
    }
    encoding_ = enc;
    if (enc != "UTF-8") {
      cd_ = iconv_open("UTF-8", enc.c_str());
      if (cd_ == reinterpret_cast<iconv_t>(-1))
        return Status::InvalidArgument("unknown encoding '" + enc + "'");
    }
    return Status::Ok();
  }

  // Fills `out` with up to `cap` UTF-8 bytes (any cap >= 1); 0 at the end.
  Result<size_t> Read(char* out, size_t cap) {
    if (cd_ == reinterpret_cast<iconv_t>(-1)) return Convert(out, cap);
    // iconv cannot write a character into less room than it needs (E2BIG without progress):
    // convert into a staging buffer always big enough, and hand out as much as the caller
    // has room for. Without it, a reader whose buffer had 1-3 bytes free hung on a
    // three-byte character (found by the fuzz target).
    if (conv_pos_ == conv_.size()) {
      conv_.resize(64 << 10);
      YISHU_ASSIGN_OR_RETURN(size_t got, Convert(conv_.data(), conv_.size()));
      conv_.resize(got);
      conv_pos_ = 0;
      if (got == 0) return size_t{0};
    }
    size_t k = std::min(cap, conv_.size() - conv_pos_);
    std::memcpy(out, conv_.data() + conv_pos_, k);
    conv_pos_ += k;
    return k;
  }

 private:
  Result<size_t> Convert(char* out, size_t cap) {
    for (;;) {
      if (raw_pos_ == raw_.size() && !eof_ && cd_ != reinterpret_cast<iconv_t>(-1))
        YISHU_RETURN_IF_ERROR(FillRaw());
      size_t avail = raw_.size() - raw_pos_;
      if (avail == 0 && eof_) {
        if (cd_ == reinterpret_cast<iconv_t>(-1) || pending_tail_ == 0) return size_t{0};
        // An incomplete multibyte sequence at the very end: a truncated file.
        pending_tail_ = 0;
        out[0] = '\xFF';
        return size_t{1};
      }
      if (cd_ == reinterpret_cast<iconv_t>(-1)) {
        if (avail == 0) {
          // Past the detection sample: straight into the caller's buffer, hashed there (a copy
          // through raw_ cost a pass over every byte).
          YISHU_ASSIGN_OR_RETURN(size_t got, src_->Read(out, cap));
          if (got == 0) {
            eof_ = true;
            continue;
          }
          bytes_read_ += got;
          hasher_.Update(std::string_view(out, got));
          return got;
        }
        size_t k = std::min(cap, avail);
        std::memcpy(out, raw_.data() + raw_pos_, k);
        raw_pos_ += k;
        return k;
      }
      char* in = raw_.data() + raw_pos_;
      size_t inleft = avail;
      char* o = out;
      size_t outleft = cap;
      size_t r = iconv(cd_, &in, &inleft, &o, &outleft);
      raw_pos_ = raw_.size() - inleft;
      size_t produced = cap - outleft;
      pending_tail_ = 0;
      if (r == static_cast<size_t>(-1)) {
        if (errno == EILSEQ) {
          // Mark the unconvertible byte so its record fails the UTF-8 check; never guess.
          if (outleft > 0) {
            *o = '\xFF';
            ++produced;
            ++raw_pos_;
          }
        } else if (errno == EINVAL) {
          // Incomplete sequence at the end of what we have: read more (or, at EOF, mark it).
          if (eof_) {
            raw_pos_ = raw_.size();
            pending_tail_ = 1;
          } else if (produced == 0) {
            std::string rest = raw_.substr(raw_pos_);
            YISHU_RETURN_IF_ERROR(FillRaw(rest));
            continue;
          }
        }
      }
      if (produced > 0) return produced;
      if (pending_tail_) continue;
    }
  }

 public:
  const std::string& encoding() const { return encoding_; }
  int64_t bytes_read() const { return bytes_read_; }
  int64_t total() const { return src_->size(); }
  std::string Sm3() {
    if (sm3_.empty()) sm3_ = hasher_.Final();
    return sm3_;
  }

 private:
  Status FillRaw(const std::string& keep = {}) {
    raw_.assign(keep);
    size_t base = raw_.size();
    raw_.resize(base + (1 << 20));
    YISHU_ASSIGN_OR_RETURN(size_t got, src_->Read(raw_.data() + base, 1 << 20));
    raw_.resize(base + got);
    raw_pos_ = 0;
    if (got == 0) eof_ = true;
    bytes_read_ += got;
    hasher_.Update(std::string_view(raw_).substr(base));
    return Status::Ok();
  }

  std::unique_ptr<ByteSource> src_;
  std::string raw_;
  size_t raw_pos_ = 0;
  bool eof_ = false;
  bool bom_ = false;
  int pending_tail_ = 0;
  iconv_t cd_ = reinterpret_cast<iconv_t>(-1);
  std::string conv_;  // converted text not yet handed out (iconv only)
  size_t conv_pos_ = 0;
  std::string encoding_;
  int64_t bytes_read_ = 0;
  FileDigest hasher_;
  std::string sm3_;
};

// A buffer of decoded text the parsers scan; refilled and grown on demand.
class TextBuffer {
 public:
  TextBuffer(Utf8Stream* in, size_t initial, size_t max) : in_(in), max_(max) {
    buf_.resize(initial);
  }
  const char* begin() const { return buf_.data() + pos_; }
  const char* end() const { return buf_.data() + len_; }
  bool eof() const { return eof_; }
  void Consume(const char* p) { pos_ = p - buf_.data(); }
  // Text known to be valid UTF-8 without NUL bytes ends at checked_end(); a span found not to be
  // ends at suspect_end() (its records are checked one by one). Both end on a record boundary
  // or a character boundary, and follow the text when it moves.
  const char* checked_end() const { return buf_.data() + checked_; }
  const char* suspect_end() const { return buf_.data() + suspect_; }
  void SetChecked(const char* p) { checked_ = p - buf_.data(); }
  void SetSuspect(const char* p) { suspect_ = p - buf_.data(); }
  // Reads more text after the unconsumed part; grows the buffer when the unconsumed part
  // fills it. `line` names the record for the size-limit error.
  Status More(int64_t line) {
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
      len_ -= pos_;
      checked_ = checked_ > pos_ ? checked_ - pos_ : 0;
      suspect_ = suspect_ > pos_ ? suspect_ - pos_ : 0;
      pos_ = 0;
    }
    if (len_ == buf_.size()) {
      if (buf_.size() >= max_)
        return Status::InvalidArgument(fmt::format(
            "the record at line {} is longer than the limit of {} bytes (an unterminated quote?)",
            line, max_));
      buf_.resize(std::min(max_, buf_.size() * 2));
    }
    YISHU_ASSIGN_OR_RETURN(size_t got, in_->Read(buf_.data() + len_, buf_.size() - len_));
    if (got == 0) eof_ = true;
    len_ += got;
    return Status::Ok();
  }

 private:
  Utf8Stream* in_;
  size_t max_;
  std::string buf_;
  size_t pos_ = 0, len_ = 0;
  size_t checked_ = 0, suspect_ = 0;
  bool eof_ = false;
};

void CheckText(Record* r) {
  if (std::memchr(r->raw.data(), 0, r->raw.size()))
    r->problems.push_back({"nul_byte", "the record contains a NUL byte"});
  if (!Utf8Ok(r->raw))
    r->problems.push_back(
        {"invalid_utf8", "the record has bytes that are not valid text in the file's encoding"});
}

class CsvReader : public RecordReader {
 public:
  CsvReader(std::unique_ptr<Utf8Stream> in, const ReaderOptions& o)
      : in_(std::move(in)),
        text_(in_.get(), o.buffer_bytes, o.max_record_bytes),
        delim_(o.delimiter) {}

  Status Init() {
    // Enough text to see the header line.
    while (!text_.eof() && std::memchr(text_.begin(), '\n', text_.end() - text_.begin()) == nullptr)
      YISHU_RETURN_IF_ERROR(text_.More(1));
    if (!text_.eof() && text_.begin() == text_.end()) YISHU_RETURN_IF_ERROR(text_.More(1));
    if (delim_ == 0) delim_ = DetectDelimiter();
    for (int i = 0; i < 256; ++i) stop_[i] = 0;
    stop_[static_cast<unsigned char>(delim_)] = 1;
    stop_['\n'] = stop_['\r'] = stop_['"'] = 1;
    Record h;
    YISHU_ASSIGN_OR_RETURN(bool got, Next(&h));
    if (!got) return Status::InvalidArgument("the file is empty: no header line");
    for (const auto& p : h.problems)
      if (p.rule != "ragged_row")
        return Status::InvalidArgument(
            fmt::format("the header (line {}) is malformed: {}", h.line, p.message));
    for (auto f : h.fields) header_.emplace_back(Trim(f));
    width_ = header_.size();
    return Status::Ok();
  }

  const std::vector<std::string>& header() const override { return header_; }
  std::string encoding() const override { return in_->encoding(); }
  std::string format() const override { return "csv"; }
  char delimiter() const override { return delim_; }
  int64_t blank_lines() const override { return blank_; }
  int64_t bytes_read() const override { return in_->bytes_read(); }
  int64_t bytes_total() const override { return in_->total(); }
  std::string sm3() override { return in_->Sm3(); }

  Result<bool> Next(Record* r) override {
    for (;;) {
      const char* p = text_.begin();
      const char* e = text_.end();
      // Blank lines are not records.
      while (p < e && (*p == '\n' || *p == '\r')) {
        if (*p == '\r' && p + 1 == e && !text_.eof()) break;
        if (*p == '\r' && p + 1 < e && p[1] == '\n') ++p;
        ++p;
        ++line_;
        ++blank_;
      }
      text_.Consume(p);
      if (p == e) {
        if (text_.eof()) return false;
        YISHU_RETURN_IF_ERROR(text_.More(line_));
        continue;
      }
      int64_t lines = 0;
      const char* stop = Parse(p, e, text_.eof(), r, &lines);
      if (stop == nullptr) {
        YISHU_RETURN_IF_ERROR(text_.More(line_));
        continue;
      }
      r->line = line_;
      line_ += lines;
      CheckTextAhead(r, e);
      text_.Consume(stop);
      if (width_ && r->fields.size() != width_)
        r->problems.push_back({"ragged_row", fmt::format("{} fields where the header has {}",
                                                         r->fields.size(), width_)});
      return true;
    }
  }

 private:
  char DetectDelimiter() {
    std::string_view s(text_.begin(), text_.end() - text_.begin());
    size_t nl = s.find_first_of("\r\n");
    if (nl != std::string_view::npos) s = s.substr(0, nl);
    const char cands[] = {',', ';', '\t', '|'};
    char best = ',';
    size_t best_n = 0;
    for (char c : cands) {
      size_t n = 0;
      bool q = false;
      for (char x : s) {
        if (x == '"')
          q = !q;
        else if (x == c && !q)
          ++n;
      }
      if (n > best_n) best = c, best_n = n;
    }
    return best;
  }

  // Parses one record from [p, e). Returns where the next record starts, or nullptr when the
  // buffer ends before the record does (and more text may come). The terminator is not part
  // of raw. Quoted fields with "" escapes are unescaped into scratch_.
  const char* Parse(const char* p, const char* e, bool eof, Record* r, int64_t* lines) {
    r->fields.clear();
    r->problems.clear();
    const char* start = p;
    size_t need = 2 * static_cast<size_t>(e - p) + 16;
    if (scratch_.capacity() < need) scratch_.reserve(need);
    scratch_.clear();
    // Offsets into scratch for unescaped fields, fixed up to views at the end (scratch never
    // reallocates within a record: reserved to the whole remaining text).
    bool bare_quote = false, after_quote = false;
    int64_t nlines = 1;
    for (;;) {
      if (p == e) {
        if (!eof) return nullptr;
        r->fields.emplace_back();
        break;
      }
      if (*p == '"') {
        const char* seg = p + 1;
        const char* q = seg;
        bool escaped = false;
        size_t sbeg = scratch_.size();
        for (;;) {
          const char* hit = static_cast<const char*>(std::memchr(q, '"', e - q));
          if (!hit) {
            if (!eof) return nullptr;
            // Never closed: the rest of the file is this record; report it, do not guess.
            nlines += CountLines(q, e);
            r->problems.push_back({"unterminated_quote",
                                   "a quoted field is never closed (the rest of the file "
                                   "was read into it)"});
            if (escaped) {
              scratch_.append(seg, e - seg);
              r->fields.emplace_back(scratch_.data() + sbeg, scratch_.size() - sbeg);
            } else {
              r->fields.emplace_back(seg, e - seg);
            }
            p = e;
            goto done;
          }
          nlines += CountLines(q, hit);
          if (hit + 1 == e && !eof) return nullptr;
          if (hit + 1 < e && hit[1] == '"') {
            scratch_.append(seg, hit + 1 - seg);
            escaped = true;
            q = seg = hit + 2;
            continue;
          }
          if (escaped) {
            scratch_.append(seg, hit - seg);
            r->fields.emplace_back(scratch_.data() + sbeg, scratch_.size() - sbeg);
          } else {
            r->fields.emplace_back(seg, hit - seg);
          }
          p = hit + 1;
          break;
        }
        if (p < e && *p != delim_ && *p != '\n' && *p != '\r') {
          // Text after the closing quote: keep it (value = quoted part + rest), flag it.
          after_quote = true;
          const char* t = p;
          while (t < e && *t != delim_ && *t != '\n' && *t != '\r') ++t;
          if (t == e && !eof) return nullptr;
          std::string_view head = r->fields.back();
          size_t sb = scratch_.size();
          scratch_.append(head);
          scratch_.append(p, t - p);
          r->fields.back() = std::string_view(scratch_.data() + sb, scratch_.size() - sb);
          p = t;
        }
      } else {
        const char* f = p;
        for (;;) {
          while (p < e && !stop_[static_cast<unsigned char>(*p)]) ++p;
          if (p < e && *p == '"') {
            bare_quote = true;
            ++p;
            continue;
          }
          break;
        }
        if (p == e && !eof) return nullptr;
        r->fields.emplace_back(f, p - f);
      }
      if (p == e) break;
      if (*p == delim_) {
        ++p;
        if (p == e && eof) {
          r->fields.emplace_back();
          break;
        }
        continue;
      }
      // End of record.
      r->raw = std::string_view(start, p - start);
      if (*p == '\r') {
        if (p + 1 == e && !eof) return nullptr;
        ++p;
        if (p < e && *p == '\n') ++p;
      } else {
        ++p;
      }
      goto finish;
    }
  done:
    r->raw = std::string_view(start, p - start);
  finish:
    if (bare_quote)
      r->problems.push_back({"bare_quote", "a quote inside an unquoted field (RFC 4180)"});
    if (after_quote)
      r->problems.push_back({"text_after_quote", "text follows a closing quote (RFC 4180)"});
    *lines = nlines;
    return p;
  }

  // CheckText for a record, mostly answered by one check of the text ahead of it: checking
  // each record's bytes on its own cost as much as parsing them. A span that fails is left to
  // the per-record check, so a record's problems are the same either way.
  void CheckTextAhead(Record* r, const char* e) {
    const char* end = r->raw.data() + r->raw.size();
    if (end > text_.checked_end() && end > text_.suspect_end()) {
      // Up to the last line break within the next 64 KiB (a bad byte costs at most one span
      // checked twice), or all there is when no line break comes.
      constexpr size_t kSpan = 64 << 10;
      const char* from = r->raw.data();
      const char* to = e;
      if (static_cast<size_t>(e - from) > kSpan) {
        const void* nl = memrchr(from, '\n', kSpan);
        to = nl && static_cast<const char*>(nl) + 1 >= end ? static_cast<const char*>(nl) + 1 : e;
      }
      if (to == e) to -= IncompleteTail(std::string_view(from, e - from));
      if (std::memchr(from, 0, to - from) == nullptr && Utf8Ok(std::string_view(from, to - from)))
        text_.SetChecked(to);
      else
        text_.SetSuspect(to);
    }
    if (end > text_.checked_end()) CheckText(r);
  }

  // Line breaks in [a, b): LF, CRLF and bare CR each count once.
  static int64_t CountLines(const char* a, const char* b) {
    int64_t n = 0;
    for (const char* p = a; p < b; ++p) {
      if (*p == '\n')
        ++n;
      else if (*p == '\r' && (p + 1 == b || p[1] != '\n'))
        ++n;
    }
    return n;
  }

  std::unique_ptr<Utf8Stream> in_;
  TextBuffer text_;
  char delim_;
  std::array<unsigned char, 256> stop_{};
  std::vector<std::string> header_;
  size_t width_ = 0;
  int64_t line_ = 1;
  int64_t blank_ = 0;
  std::string scratch_;
};

class JsonlReader : public RecordReader {
 public:
  JsonlReader(std::unique_ptr<Utf8Stream> in, const ReaderOptions& o)
      : in_(std::move(in)), text_(in_.get(), o.buffer_bytes, o.max_record_bytes) {}

  Status Init() {
    Record r;
    YISHU_ASSIGN_OR_RETURN(bool got, NextLine(&r));
    if (!got) return Status::InvalidArgument("the file is empty: no JSON object");
    nlohmann::json j = nlohmann::json::parse(r.raw, nullptr, false);
    if (!j.is_object())
      return Status::InvalidArgument(fmt::format(
          "line {} is not a JSON object; JSON Lines needs one object per line", r.line));
    for (auto it = j.begin(); it != j.end(); ++it) header_.push_back(it.key());
    first_ = std::string(r.raw);
    first_line_ = r.line;
    return Status::Ok();
  }

  const std::vector<std::string>& header() const override { return header_; }
  std::string encoding() const override { return in_->encoding(); }
  std::string format() const override { return "jsonl"; }
  int64_t blank_lines() const override { return blank_; }
  int64_t bytes_read() const override { return in_->bytes_read(); }
  int64_t bytes_total() const override { return in_->total(); }
  std::string sm3() override { return in_->Sm3(); }

  Result<bool> Next(Record* r) override {
    if (first_line_) {
      held_ = std::move(first_);
      r->raw = held_;
      r->line = first_line_;
      first_line_ = 0;
    } else {
      YISHU_ASSIGN_OR_RETURN(bool got, NextLine(r));
      if (!got) return false;
    }
    r->problems.clear();
    r->fields.assign(header_.size(), std::string_view());
    values_.assign(header_.size(), std::string());
    CheckText(r);
    if (!r->problems.empty()) return true;
    nlohmann::json j = nlohmann::json::parse(r->raw, nullptr, false);
    if (!j.is_object()) {
      r->problems.push_back({"invalid_json", "the line is not a JSON object"});
      return true;
    }
    bool nul = false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto pos = std::find(header_.begin(), header_.end(), it.key());
      if (pos == header_.end()) {
        r->problems.push_back({"unknown_key", "key '" + it.key() + "' is not in the first object"});
        continue;
      }
      size_t i = pos - header_.begin();
      const auto& v = it.value();
      if (v.is_null()) continue;
      values_[i] = v.is_string() ? v.get<std::string>() : v.dump();
      // "\u0000" decodes to a NUL the raw line did not show.
      if (!nul && values_[i].find('\0') != std::string::npos) {
        nul = true;
        r->problems.push_back({"nul_byte", "value of '" + it.key() + "' holds a NUL"});
      }
    }
    for (size_t i = 0; i < values_.size(); ++i) r->fields[i] = values_[i];
    return true;
  }

 private:
  Result<bool> NextLine(Record* r) {
    for (;;) {
      const char* p = text_.begin();
      const char* e = text_.end();
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', e - p));
      if (!nl && !text_.eof()) {
        YISHU_RETURN_IF_ERROR(text_.More(line_));
        continue;
      }
      const char* end = nl ? nl : e;
      std::string_view line(p, end - p);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      text_.Consume(nl ? nl + 1 : e);
      int64_t at = line_++;
      if (Trim(line).empty()) {
        if (!nl) return false;
        ++blank_;
        continue;
      }
      held_.assign(line);
      r->raw = held_;
      r->line = at;
      return true;
    }
  }

  std::unique_ptr<Utf8Stream> in_;
  TextBuffer text_;
  std::vector<std::string> header_;
  std::vector<std::string> values_;
  std::string first_, held_;
  int64_t first_line_ = 0;
  int64_t line_ = 1;
  int64_t blank_ = 0;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::NotFound(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    ::close(fd);
    return Status::InvalidArgument(fmt::format("{} is not a regular file", path.string()));
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteSource>(new FileSource(fd, static_cast<int64_t>(size)));
}

std::unique_ptr<ByteSource> MemorySource(std::string_view bytes) {
  return std::make_unique<MemSource>(bytes);
}

namespace {

// UTF-8 validation 32 bytes at a time: Keiser and Lemire, "Validating UTF-8 in less than one
// instruction per byte" (Software: Practice and Experience, 2021), the algorithm of simdutf and
// simdjson. Text that is mostly Chinese has a multibyte character every few bytes, where the
// byte-wise check branched on every character. The tables classify each pair of adjacent bytes
// by the high nibble of the first, its low nibble and the high nibble of the second; a pair is
// bad when all three agree on one error bit. The lengths of three- and four-byte sequences are
// checked against the bytes two and three back.
[[gnu::target("avx2")]] bool Utf8OkAvx2(const unsigned char* p, size_t n) {
  constexpr char kTooShort = 1 << 0;      // a lead byte not followed by a continuation
  constexpr char kTooLong = 1 << 1;       // a continuation after an ASCII byte
  constexpr char kOverlong3 = 1 << 2;     // E0 80..9F
  constexpr char kTooLarge = 1 << 3;      // beyond U+10FFFF
  constexpr char kSurrogate = 1 << 4;     // ED A0..BF
  constexpr char kOverlong2 = 1 << 5;     // C0, C1
  constexpr char kTooLarge1000 = 1 << 6;  // F5.. 80..8F
  constexpr char kOverlong4 = 1 << 6;     // F0 80..8F
  constexpr char kTwoConts = static_cast<char>(1 << 7);  // a continuation after a continuation
  constexpr char kCarry = kTooShort | kTooLong | kTwoConts;
#define YISHU_TABLE16(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)
  const __m256i byte1_high = YISHU_TABLE16(
      kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTwoConts,
      kTwoConts, kTwoConts, kTwoConts, kTooShort | kOverlong2, kTooShort,
      kTooShort | kOverlong3 | kSurrogate, kTooShort | kTooLarge | kTooLarge1000 | kOverlong4);
  const __m256i byte1_low = YISHU_TABLE16(
      kCarry | kOverlong3 | kOverlong2 | kOverlong4, kCarry | kOverlong2, kCarry, kCarry,
      kCarry | kTooLarge, kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000 | kSurrogate, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000);
  const __m256i byte2_high = YISHU_TABLE16(
      kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
      kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,
      kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,
      kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
      kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge, kTooShort, kTooShort, kTooShort,
      kTooShort);
#undef YISHU_TABLE16
  // A block ending in the first bytes of a sequence that the next block must complete.
  const __m256i incomplete_max =
      _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                       -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, static_cast<char>(0xF0 - 1),
                       static_cast<char>(0xE0 - 1), static_cast<char>(0xC0 - 1));
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  __m256i error = _mm256_setzero_si256(), prev_input = _mm256_setzero_si256(),
          prev_incomplete = _mm256_setzero_si256();
  alignas(32) unsigned char tail[32];
  for (size_t i = 0; i < n; i += 32) {
    __m256i in;
    if (n - i >= 32) {
      in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    } else {
      // The tail padded with spaces (ASCII: an unfinished sequence before them is an error).
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, p + i, n - i);
      in = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
    }
    if (_mm256_movemask_epi8(in) == 0) {
      error = _mm256_or_si256(error, prev_incomplete);
      prev_incomplete = _mm256_setzero_si256();
    } else {
      const __m256i carried = _mm256_permute2x128_si256(prev_input, in, 0x21);
      const __m256i prev1 = _mm256_alignr_epi8(in, carried, 15);
      const __m256i prev2 = _mm256_alignr_epi8(in, carried, 14);
      const __m256i prev3 = _mm256_alignr_epi8(in, carried, 13);
      const __m256i special = _mm256_and_si256(
          _mm256_and_si256(_mm256_shuffle_epi8(
                               byte1_high, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble)),
                           _mm256_shuffle_epi8(byte1_low, _mm256_and_si256(prev1, nibble))),
          _mm256_shuffle_epi8(byte2_high, _mm256_and_si256(_mm256_srli_epi16(in, 4), nibble)));
      const __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8(0xE0 - 0x80));
      const __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8(0xF0 - 0x80));
      const __m256i must_continue = _mm256_and_si256(_mm256_or_si256(third, fourth),
                                                     _mm256_set1_epi8(static_cast<char>(0x80)));
      error = _mm256_or_si256(error, _mm256_xor_si256(must_continue, special));
      prev_incomplete = _mm256_subs_epu8(in, incomplete_max);
    }
    prev_input = in;
  }
  error = _mm256_or_si256(error, prev_incomplete);
  return _mm256_testz_si256(error, error);
}

bool Utf8OkScalar(const unsigned char* p, const unsigned char* e) {
  while (p < e) {
    // ASCII fast path, eight bytes at a time.
    while (e - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == e) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF)
      n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 4, cp = c & 0x07;
    else
      return false;
    if (static_cast<size_t>(e - p) < n) return false;
    for (size_t i = 1; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n;
  }
  return true;
}

const bool kHaveAvx2 = __builtin_cpu_supports("avx2");

}  // namespace

bool Utf8Ok(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  if (s.size() >= 32 && kHaveAvx2) return Utf8OkAvx2(p, s.size());
  return Utf8OkScalar(p, p + s.size());
}

Result<std::unique_ptr<RecordReader>> OpenReader(std::unique_ptr<ByteSource> source,
                                                 std::string_view name,
                                                 const ReaderOptions& options) {
  std::string format = ToLowerAscii(options.format);
  if (format.empty() || format == "auto") {
    std::string ext = ToLowerAscii(std::filesystem::path(std::string(name)).extension().string());
    if (ext == ".jsonl" || ext == ".ndjson")
      format = "jsonl";
    else if (ext == ".xlsx" || ext == ".xlsm")
      format = "xlsx";
    else if (ext == ".xls" || ext == ".et")
      return Status::InvalidArgument(
          "legacy binary workbooks (.xls, .et) are not read: save the sheet as .xlsx or CSV");
    else
      format = "csv";
  }
  if (format == "xlsx") return OpenXlsxReader(std::move(source), options);
  auto in = std::make_unique<Utf8Stream>(std::move(source));
  YISHU_RETURN_IF_ERROR(in->Init(options.encoding));
  if (format == "csv") {
    auto r = std::make_unique<CsvReader>(std::move(in), options);
    YISHU_RETURN_IF_ERROR(r->Init());
    return std::unique_ptr<RecordReader>(std::move(r));
  }
  if (format == "jsonl") {
    auto r = std::make_unique<JsonlReader>(std::move(in), options);
    YISHU_RETURN_IF_ERROR(r->Init());
    return std::unique_ptr<RecordReader>(std::move(r));
  }
  return Status::InvalidArgument("unknown format '" + format + "' (csv, jsonl, xlsx)");
}

Result<std::unique_ptr<RecordReader>> OpenFileReader(const std::filesystem::path& path,
                                                     const ReaderOptions& options) {
  YISHU_ASSIGN_OR_RETURN(auto source, OpenFileSource(path));  // its errors name the path
  auto reader = OpenReader(std::move(source), path.filename().string(), options);
  if (!reader.ok()) return reader.status().WithContext(path.string());
  return reader;
}

namespace {

Result<std::vector<TextRow>> RowsOf(RecordReader& reader, std::string_view name) {
  std::vector<TextRow> rows;
  rows.push_back({1, reader.header()});
  Record r;
  for (;;) {
    auto got = reader.Next(&r);
    if (!got.ok()) return got.status().WithContext(name);
    if (!*got) return rows;
    if (!r.problems.empty())
      return Status::InvalidArgument(fmt::format("{}:{}: {}", name, r.line, r.problems[0].message));
    rows.push_back({r.line, std::vector<std::string>(r.fields.begin(), r.fields.end())});
  }
}

}  // namespace

Result<std::vector<TextRow>> ReadRows(std::unique_ptr<ByteSource> source, std::string_view name,
                                      const ReaderOptions& options) {
  auto reader = OpenReader(std::move(source), name, options);
  if (!reader.ok()) return reader.status().WithContext(name);
  return RowsOf(**reader, name);
}

Result<std::vector<TextRow>> ReadRows(const std::filesystem::path& path,
                                      const ReaderOptions& options) {
  YISHU_ASSIGN_OR_RETURN(auto reader, OpenFileReader(path, options));
  return RowsOf(*reader, path.string());
}

}  // namespace yishu::formats
