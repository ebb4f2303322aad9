#pragma once

#include <memory>

#include <spdlog/formatter.h>

namespace tse {

/// The two line formats of the exporter's own log (`--log.format`), as Prometheus and its
/// exporters write theirs:
///  - logfmt: `ts=2026-12-02T03:55:00.123Z level=info msg="listening on :10057"`, a value
///    quoted only when it must be (a space, `=`, `"`, a control character, invalid UTF-8 or
///    nothing at all);
///  - json: `{"ts":"2026-12-02T03:55:00.123Z","level":"info","msg":"listening on :10057"}`.
/// Either way one line a message: a newline in a message is escaped (`\n`), never written, and
/// bytes that are not UTF-8 become U+FFFD, so every line parses. Levels are named as the
/// Prometheus tools name them: debug, info, warn, error.
///
/// An spdlog formatter: each sink owns a clone and calls it under the sink's own lock.
class LogFormatter : public spdlog::formatter {
 public:
  enum class Format { kLogfmt, kJson };
  explicit LogFormatter(Format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  Format format_;
};

}  // namespace tse
