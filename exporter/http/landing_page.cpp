#include "http/landing_page.h"

#include <algorithm>

#include "logging/utc_time.h"

namespace tse {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 character at the start of `s`, 0 when it is not one (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t utf8_length(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

std::string format_time(std::chrono::system_clock::time_point at) {
  return utc_date_time(at, ' ') + " UTC";
}

// 1234567 as "1,234,567": counts and byte sizes read at a glance.
std::string grouped(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return grouped(n) + " " + std::string(n == 1 ? one : many);
}

constexpr std::string_view kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}"
    "table{border-collapse:collapse;margin:.4em 0 1em}"
    "th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.n{text-align:right}.note{color:#555}.zero{color:#777}";

class Page {
 public:
  explicit Page(const LandingLimits& limits) : limits_(limits) {}

  Page& raw(std::string_view s) {
    out_ += s;
    return *this;
  }
  // A value from a log, a sender or the configuration.
  Page& text(std::string_view s) {
    out_ += html_escape(s, limits_.value_bytes);
    return *this;
  }
  Page& number(std::uint64_t n) {
    out_ += grouped(n);
    return *this;
  }
  // "<tr><td colspan=N class=note>and 3 more T-Servers</td></tr>"
  void more_row(int columns, std::uint64_t n, std::string_view one, std::string_view many,
                std::string_view tail = {}) {
    raw("<tr><td colspan=\"").raw(std::to_string(columns)).raw("\" class=\"note\">and ");
    raw(plural(n, one, many)).raw(tail).raw("</td></tr>\n");
  }
  // Past the page's byte budget: the lists stop at their next row.
  [[nodiscard]] bool full() const { return out_.size() >= limits_.page_bytes; }
  std::string take() { return std::move(out_); }

 private:
  const LandingLimits& limits_;
  std::string out_;
};

void render_tservers(Page& page, const LandingView& view, const LandingLimits& limits) {
  page.raw("<h2>T-Servers</h2>\n");
  if (view.tservers.empty()) {
    page.raw("<p class=\"zero\">No T-Server seen yet.</p>\n");
    return;
  }
  page.raw(
      "<p class=\"note\">Last EventError: when this exporter counted it, by its own clock (UTC), "
      "not the time written in the log; none since the exporter started shows as &ndash;.</p>\n");
  const std::size_t listable = std::min(view.tservers.size(), limits.tservers);
  std::size_t shown = 0;
  for (; shown < listable && !page.full(); ++shown) {
    const LandingView::TServer& ts = view.tservers[shown];
    std::uint64_t total = 0;
    for (const auto& code : ts.codes) total += code.count;
    page.raw("<h3>").text(ts.name).raw("</h3>\n<p>");
    page.raw(plural(total, "EventError", "EventErrors")).raw("; last EventError: ");
    page.raw(ts.last_error ? format_time(*ts.last_error) : "&ndash;").raw("</p>\n");
    if (ts.codes.empty()) continue;
    std::vector<const LandingView::Code*> codes;
    for (const auto& code : ts.codes) codes.push_back(&code);
    std::stable_sort(codes.begin(), codes.end(),
                     [](const auto* a, const auto* b) { return a->count > b->count; });
    page.raw(
        "<table><tr><th>Code</th><th>Name</th><th>Description</th><th>EventErrors</th></tr>\n");
    const std::size_t listable_codes = std::min(codes.size(), limits.codes_per_tserver);
    std::uint64_t rest = total;
    std::size_t listed = 0;
    for (; listed < listable_codes && !page.full(); ++listed) {
      const auto& code = *codes[listed];
      page.raw("<tr><td>").text(code.code).raw("</td><td>").text(code.name);
      page.raw("</td><td>").text(code.description).raw("</td><td class=\"n\">");
      page.number(code.count).raw("</td></tr>\n");
      rest -= code.count;
    }
    if (listed < codes.size()) {
      page.more_row(4, codes.size() - listed, "code", "codes",
                    " (" + plural(rest, "EventError", "EventErrors") + ")");
    }
    page.raw("</table>\n");
  }
  if (shown < view.tservers.size()) {
    page.raw("<p class=\"note\">and ")
        .raw(plural(view.tservers.size() - shown, "more T-Server", "more T-Servers"))
        .raw(" (see ")
        .text(view.telemetry_path)
        .raw(")</p>\n");
  }
}

void render_files(Page& page, const LandingView& view, const LandingLimits& limits) {
  page.raw("<h2>Files followed</h2>\n");
  if (view.files.empty()) {
    page.raw("<p class=\"zero\">No file followed.</p>\n");
    return;
  }
  std::uint64_t backlog = 0;
  for (const auto& file : view.files) backlog += file.backlog;
  page.raw("<p>").raw(plural(view.files.size(), "file", "files")).raw(", ");
  page.raw(plural(backlog, "byte", "bytes")).raw(" not read yet.</p>\n");
  page.raw("<table><tr><th>File</th><th>Bytes read</th><th>Backlog (bytes not read)</th></tr>\n");
  const std::size_t listable = std::min(view.files.size(), limits.files);
  std::uint64_t rest = backlog;
  std::size_t shown = 0;
  for (; shown < listable && !page.full(); ++shown) {
    const auto& file = view.files[shown];
    page.raw("<tr><td>").text(file.path).raw("</td><td class=\"n\">").number(file.offset);
    page.raw("</td><td class=\"n\">").number(file.backlog).raw("</td></tr>\n");
    rest -= file.backlog;
  }
  if (shown < view.files.size()) {
    page.more_row(3, view.files.size() - shown, "file", "files",
                  " (" + plural(rest, "byte", "bytes") + " not read)");
  }
  page.raw("</table>\n");
}

void render_listeners(Page& page, const LandingView& view, const LandingLimits& limits) {
  page.raw("<h2>Network sources</h2>\n");
  if (view.listeners.empty()) {
    page.raw("<p class=\"zero\">No network source.</p>\n");
    return;
  }
  for (const auto& listener : view.listeners) {
    page.raw("<h3>").text(listener.spec).raw("</h3>\n<p>");
    page.raw(plural(listener.origins, "origin", "origins")).raw(" now.</p>\n");
    if (listener.recent.empty()) continue;
    page.raw("<table><tr><th>Origin</th><th>Last heard</th></tr>\n");
    const std::size_t listable = std::min(listener.recent.size(), limits.origins_per_listener);
    std::size_t shown = 0;
    for (; shown < listable && !page.full(); ++shown) {
      const auto& origin = listener.recent[shown];
      page.raw("<tr><td>").text(origin.name);
      if (origin.refused)
        page.raw(" <span class=\"note\">(over the T-Server cap: not counted)</span>");
      page.raw("</td><td class=\"n\">").number(static_cast<std::uint64_t>(origin.silent.count()));
      page.raw(" s ago</td></tr>\n");
    }
    const std::size_t held = std::max(listener.origins, listener.recent.size());
    if (shown < held)
      page.more_row(2, held - shown, "origin", "origins", " heard from less recently");
    page.raw("</table>\n");
  }
}

}  // namespace

std::string html_escape(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = utf8_length(text.substr(i));
    if (i + std::max<std::size_t>(n, 1) > max_bytes) {
      out += "\xE2\x80\xA6";  // …
      break;
    }
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (n == 2 && u == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      out += kReplacement;  // C1 controls (U+0080..U+009F)
    } else if (n > 1) {
      out.append(text, i, n);
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&#39;";
    } else if ((u < 0x20 && c != '\t') || u == 0x7F) {
      out += kReplacement;
    } else {
      out += c;
    }
    i += n;
  }
  return out;
}

std::string render_landing_page(const LandingView& view, const LandingLimits& limits) {
  Page page(limits);
  page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
      .text(view.title)
      .raw("</title>\n<style>")
      .raw(kStyle)
      .raw("</style></head><body>\n<h1>")
      .text(view.title)
      .raw(
          "</h1>\n<p>EventErrors of Genesys T-Servers, counted from their logs. Metrics: <a "
          "href=\"")
      .text(view.telemetry_path)
      .raw("\">")
      .text(view.telemetry_path)
      .raw(
          "</a> &middot; <a href=\"/-/healthy\">/-/healthy</a> &middot; "
          "<a href=\"/-/ready\">/-/ready</a></p>\n<p class=\"note\">As of ")
      .raw(format_time(view.rendered_at))
      .raw(", the counts of the last rendering of the metrics.</p>\n");
  render_tservers(page, view, limits);
  render_files(page, view, limits);
  render_listeners(page, view, limits);
  page.raw("</body></html>\n");
  return page.take();
}

}  // namespace tse
