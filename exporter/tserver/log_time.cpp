#include "tserver/log_time.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace tse::tserver {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `n_min` to `n_max` digits at `s[i]`; advances `i`.
std::optional<int> digits(std::string_view s, std::size_t& i, std::size_t n_min,
                          std::size_t n_max) {
  std::size_t n = 0;
  int v = 0;
  while (i < s.size() && n < n_max && is_digit(s[i])) {
    v = v * 10 + (s[i] - '0');
    ++i;
    ++n;
  }
  if (n < n_min) return std::nullopt;
  return v;
}

// `H:MM:SS` or `HH:MM:SS`, then an optional `.` or `,` fraction of any length: the whole token.
std::optional<std::int64_t> parse_clock(std::string_view s) {
  std::size_t i = 0;
  const auto h = digits(s, i, 1, 2);
  if (!h || i >= s.size() || s[i++] != ':') return std::nullopt;
  const auto m = digits(s, i, 2, 2);
  if (!m || i >= s.size() || s[i++] != ':') return std::nullopt;
  const auto sec = digits(s, i, 2, 2);
  if (!sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;  // 60: a leap second
  std::int64_t micros = ((*h * 60 + *m) * 60 + *sec) * kMicrosPerSecond;
  if (i == s.size()) return micros;
  if (s[i] != '.' && s[i] != ',') return std::nullopt;
  ++i;
  std::int64_t scale = kMicrosPerSecond / 10;
  std::size_t n = 0;
  for (; i < s.size(); ++i, ++n) {
    if (!is_digit(s[i]) || n >= 9) return std::nullopt;
    micros += (s[i] - '0') * scale;  // digits past the microsecond add 0
    scale /= 10;
  }
  if (n == 0) return std::nullopt;
  return micros;
}

// A date with the year first (`2025-12-17`, `2025/12/17`, `2025.12.17`): its day number. Dates
// with the year last give none (their field order depends on the locale); `known` tells a
// date from something that is no date at all.
std::optional<std::int32_t> parse_date(std::string_view s, bool& known) {
  known = false;
  std::size_t i = 0;
  const auto a = digits(s, i, 1, 4);
  if (!a || i >= s.size()) return std::nullopt;
  const char sep = s[i];
  if (sep != '-' && sep != '/' && sep != '.') return std::nullopt;
  const std::size_t a_len = i;
  ++i;
  const auto b = digits(s, i, 1, 2);
  if (!b || i >= s.size() || s[i++] != sep) return std::nullopt;
  const auto c = digits(s, i, 1, 4);
  if (!c || i != s.size()) return std::nullopt;
  if (a_len == 4) {  // year first: a day, or no date at all
    const auto day = days_from_civil(*a, *b, *c);
    known = day.has_value();
    return day;
  }
  known = *a >= 1 && *b >= 1 && *a <= 31 && *b <= 31;
  return std::nullopt;  // MM/DD/YYYY or DD.MM.YYYY: a date, but not which day for sure
}

std::string_view next_token(std::string_view s, std::string_view& rest) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  std::size_t j = i;
  while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
  rest = s.substr(j);
  return s.substr(i, j - i);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::optional<std::int32_t> days_from_civil(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || year < 1 || year > 9999) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  // Counted in 400-year eras of 146,097 days, with years starting in March (so that the leap
  // day is the last day of a year).
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

namespace {

// `HH:MM:SS.mmm` at `s[at]` exactly (the T-Server's default and ISO forms): the time of day, with
// fixed-position digits; nullopt for anything else, which the general parser then reads.
std::optional<std::int64_t> fixed_clock(std::string_view s, std::size_t at) {
  if (s.size() < at + 12) return std::nullopt;
  const char* p = s.data() + at;
  if (p[2] != ':' || p[5] != ':' || p[8] != '.') return std::nullopt;
  for (const int i : {0, 1, 3, 4, 6, 7, 9, 10, 11}) {
    if (!is_digit(p[i])) return std::nullopt;
  }
  if (s.size() > at + 12 && s[at + 12] != ' ' && s[at + 12] != '\t') return std::nullopt;
  const int h = (p[0] - '0') * 10 + (p[1] - '0');
  const int m = (p[3] - '0') * 10 + (p[4] - '0');
  const int sec = (p[6] - '0') * 10 + (p[7] - '0');
  if (h > 23 || m > 59 || sec > 60) return std::nullopt;
  const int ms = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  return ((static_cast<std::int64_t>(h) * 60 + m) * 60 + sec) * kMicrosPerSecond + ms * 1000;
}

}  // namespace

std::optional<LogTime> parse_record_time(std::string_view line, DateCache& cache) {
  if (line.size() > 11 && line[4] == '-' && line[7] == '-' && line[10] == 'T' && cache.valid &&
      std::memcmp(line.data(), cache.text, sizeof cache.text) == 0) {
    if (const auto clock = fixed_clock(line, 11)) return LogTime{*clock, cache.day};
  }
  const auto time = parse_record_time(line);
  if (time && time->day && line.size() > 11 && line[10] == 'T') {
    std::memcpy(cache.text, line.data(), sizeof cache.text);
    cache.day = *time->day;
    cache.valid = true;
  }
  return time;
}

std::optional<LogTime> parse_record_time(std::string_view line) {
  // The fast paths: every 04541 record is read for its time.
  if (const auto clock = fixed_clock(line, 0)) return LogTime{*clock, std::nullopt};
  if (line.size() > 11 && line[4] == '-' && line[7] == '-' && line[10] == 'T') {
    if (const auto clock = fixed_clock(line, 11)) {
      bool known = false;
      const auto day = parse_date(line.substr(0, 10), known);
      if (known) return LogTime{*clock, day};
    }
  }
  std::string_view rest;
  const std::string_view first = next_token(line, rest);
  if (first.empty() || !is_digit(first.front())) return std::nullopt;
  if (const auto clock = parse_clock(first)) return LogTime{*clock, std::nullopt};
  if (const std::size_t t = first.find('T'); t != std::string_view::npos) {  // ISO 8601
    bool known = false;
    const auto day = parse_date(first.substr(0, t), known);
    const auto clock = parse_clock(first.substr(t + 1));
    if (!known || !clock) return std::nullopt;
    return LogTime{*clock, day};
  }
  bool known = false;
  const auto day = parse_date(first, known);
  if (!known) return std::nullopt;
  std::string_view after;
  auto clock = parse_clock(next_token(rest, after));
  if (!clock) return std::nullopt;
  std::string_view after_ampm;
  const std::string_view ampm = next_token(after, after_ampm);
  if (ampm == "AM" || ampm == "PM") {  // a 12-hour clock: 12:05 AM is 00:05
    const std::int64_t hour = *clock / (3600 * kMicrosPerSecond);
    if (hour < 1 || hour > 12) return std::nullopt;
    if (hour == 12) *clock -= 12 * 3600 * kMicrosPerSecond;
    if (ampm == "PM") *clock += 12 * 3600 * kMicrosPerSecond;
  }
  return LogTime{*clock, day};
}

std::optional<std::int64_t> parse_at_time(std::string_view line) {
  if (line.size() < 2 || line.front() != '@') return std::nullopt;
  // The fast path: `@HH:MM:SS.ffff ` with four fraction digits, as T-Servers print it.
  if (line.size() >= 14 && (line.size() == 14 || line[14] == ' ')) {
    if (const auto clock = fixed_clock(line.substr(0, 13), 1)) {  // to the millisecond
      if (line[13] >= '0' && line[13] <= '9') return *clock + (line[13] - '0') * 100;
    }
  }
  std::string_view rest;
  return parse_clock(next_token(line.substr(1), rest));
}

std::optional<LogTime> parse_check_point(std::string_view text) {
  std::string_view rest;
  if (next_token(text, rest) != "Check") return std::nullopt;
  std::string_view after;
  if (next_token(rest, after) != "point") return std::nullopt;
  const auto time = parse_record_time(after);
  if (!time || !time->day) return std::nullopt;
  return time;
}

LogClock::Instant LogClock::observe(const LogTime& time) {
  // The running day a time of day falls on, by the wrap rule alone.
  std::int64_t candidate =
      (started_ ? floor_div(last_, kMicrosPerDay) : 0) * kMicrosPerDay + time.micros_of_day;
  if (started_ && candidate < last_ - kMicrosPerDay / 2) candidate += kMicrosPerDay;  // midnight
  if (started_ && candidate > last_ + kMicrosPerDay / 2) candidate -= kMicrosPerDay;  // a late line
  if (time.day) {
    // The first date names the running day it falls on (the time before it had no date: a
    // time-only log before its first check point), so nothing waiting seems to age by years.
    // Later dates re-anchor: a quiet day longer than half a day is found again.
    if (!anchored_) {
      day_offset_ = *time.day - floor_div(candidate, kMicrosPerDay);
      anchored_ = true;
    }
    candidate =
        (static_cast<std::int64_t>(*time.day) - day_offset_) * kMicrosPerDay + time.micros_of_day;
  }
  if (!started_) {
    started_ = true;
    last_ = candidate;
    epoch_start_ = candidate;
  } else if (candidate < last_ - kJitter) {  // a clock change, a restart: durations start over
    ++steps_back_;
    ++epoch_;
    last_ = candidate;
    epoch_start_ = candidate;
  } else {
    last_ = std::max(last_, candidate);
  }
  return {candidate, epoch_};
}

std::optional<std::int64_t> LogClock::elapsed(const Instant& from, const Instant& to) {
  if (from.epoch != to.epoch) return std::nullopt;
  const std::int64_t d = to.micros - from.micros;
  if (d >= 0) return d;
  if (d >= -kJitter) return 0;  // printed by another thread a moment apart
  return std::nullopt;
}

void LogClock::restore(const Instant& now, std::uint64_t steps_back,
                       std::optional<std::int64_t> epoch_start) {
  started_ = true;
  anchored_ = false;  // the next date maps itself onto the running day it falls on
  last_ = now.micros;
  epoch_ = now.epoch;
  epoch_start_ = epoch_start.value_or(now.micros);
  steps_back_ = steps_back;
}

}  // namespace tse::tserver
