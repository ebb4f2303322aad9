#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// The times a T-Server log prints, and the log's own clock built from them (contract section 2;
// issue 14: durations are read from the log, never from the exporter's clock). Pure and
// allocation-free; not thread-safe (one LogClock per log stream).
namespace tse::tserver {

inline constexpr std::int64_t kMicrosPerSecond = 1'000'000;
inline constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

/// A time as a record prints it: the time of day, and the day when its time_format has an
/// unambiguous date (ISO 8601, `YYYY/MM/DD`, `YYYY-MM-DD`, `YYYY.MM.DD`). `MM/DD/YYYY` and
/// `DD.MM.YYYY` give no day: their field order depends on the locale.
struct LogTime {
  std::int64_t micros_of_day = 0;
  std::optional<std::int32_t> day;  // days since 1970-01-01
};

/// The time stamp a standard record starts with (`10:15:24.807`, `2025-12-17T10:15:24.807`,
/// `2025/12/17 10:15:24.807`, `12/17/2025 10:15:24.807 AM`); nullopt when the line has none.
std::optional<LogTime> parse_record_time(std::string_view line);

/// The last ISO 8601 date parsed: a log prints one date all day, so it is computed once.
struct DateCache {
  char text[10] = {};
  std::int32_t day = 0;
  bool valid = false;
};
/// parse_record_time(), with the date of an ISO 8601 time stamp looked up in `cache` first.
std::optional<LogTime> parse_record_time(std::string_view line, DateCache& cache);

/// The time of day of a dump header, `@10:15:24.8070 [0] ...` (4 fraction digits, no date).
std::optional<std::int64_t> parse_at_time(std::string_view line);

/// The date and time a `04120 Check point 2025-12-17T10:00:00` record's text names.
std::optional<LogTime> parse_check_point(std::string_view text);

/// Days since 1970-01-01 of a proleptic Gregorian date; nullopt for an invalid date.
std::optional<std::int32_t> days_from_civil(int year, int month, int day);

/// The log's clock: turns the times of day it prints into one running time, in microseconds.
///
/// A time of day more than half a day before the previous one is the next day (midnight: a
/// request at 23:59:59.9 answered at 00:00:00.1 took 0.2 s). A smaller step back beyond the
/// jitter of threads writing one log (a clock change, a T-Server restart) starts a new *epoch*:
/// a duration between two epochs is never measured, so no negative or huge duration comes
/// from it; such steps are counted. A date (a dated record, the hourly 04120 check point)
/// re-anchors the day.
class LogClock {
 public:
  /// How far back a time may step without being a step back: dump headers and records of one
  /// moment are printed by different threads, a few milliseconds apart.
  static constexpr std::int64_t kJitter = 2 * kMicrosPerSecond;

  struct Instant {
    std::int64_t micros = 0;  // running time: day * kMicrosPerDay + time of day
    std::uint32_t epoch = 0;  // durations are measured only within one epoch
    bool operator==(const Instant&) const = default;
  };

  /// A time the log printed; the instant it stands for.
  Instant observe(const LogTime& time);
  Instant observe(std::int64_t micros_of_day) { return observe(LogTime{micros_of_day, {}}); }

  /// True once a time was observed (or the clock restored).
  [[nodiscard]] bool started() const { return started_; }
  /// The latest instant observed (zero before the first).
  [[nodiscard]] Instant now() const { return {last_, epoch_}; }
  /// Where the current epoch began: the first time, or the time after the last step back.
  [[nodiscard]] std::int64_t epoch_start() const { return epoch_start_; }
  /// Steps back counted so far (each one started an epoch).
  [[nodiscard]] std::uint64_t steps_back() const { return steps_back_; }

  /// Microseconds from `from` to `to`; nullopt across epochs or when `to` is before `from`
  /// beyond the jitter (counted by the caller as skipped).
  static std::optional<std::int64_t> elapsed(const Instant& from, const Instant& to);

  /// For the state file: the clock resumes where it stood (its epoch began at `epoch_start`).
  void restore(const Instant& now, std::uint64_t steps_back,
               std::optional<std::int64_t> epoch_start = {});

 private:
  bool started_ = false;
  bool anchored_ = false;        // a date was seen: day_offset_ maps dates to running days
  std::int64_t day_offset_ = 0;  // days since 1970 of running day 0
  std::int64_t last_ = 0;
  std::uint32_t epoch_ = 0;
  std::int64_t epoch_start_ = 0;
  std::uint64_t steps_back_ = 0;
};

}  // namespace tse::tserver
