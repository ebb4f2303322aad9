#include "state/state_file.h"

#include "hashing/fnv1a.h"

#include <charconv>
#include <cstdio>

namespace tse {
namespace {

constexpr std::string_view kMagic = "tserver_exporter_state\t2";

void put_escaped(std::string& out, std::string_view field) {
  for (char c : field) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
}

std::optional<std::string> unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out += field[i];
      continue;
    }
    if (++i == field.size()) return std::nullopt;
    switch (field[i]) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

template <class T>
bool parse_number(std::string_view text, T& out, int base = 10) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string serialize_state(const SavedState& state) {
  std::string out;
  out += kMagic;
  out += '\n';
  for (const auto& c : state.counters) {
    out += "counter";
    for (const std::string* field : {&c.family, &c.tserver, &c.request, &c.error_code}) {
      out += '\t';
      put_escaped(out, *field);
    }
    out += '\t' + std::to_string(c.value) + '\n';
  }
  for (const auto& p : state.positions) {
    out += "position\t";
    put_escaped(out, p.stream);
    out += '\t';
    put_escaped(out, p.path);
    out += '\t' + std::to_string(p.device) + '\t' + std::to_string(p.inode) + '\t' +
           std::to_string(p.fingerprint_size) + '\t' + hex(p.fingerprint) + '\t' +
           std::to_string(p.offset) + '\t';
    put_escaped(out, p.context);
    out += '\n';
  }
  out += "checksum\t" + hex(fnv1a(out)) + '\n';
  return out;
}

std::optional<SavedState> parse_state(std::string_view text, std::string& error) {
  const std::size_t last = text.rfind("checksum\t");
  if (!text.starts_with(kMagic) || text.size() < kMagic.size() + 1 || text[kMagic.size()] != '\n') {
    error = "not a tserver_exporter state file (version 2)";
    return std::nullopt;
  }
  if (last == std::string_view::npos || !text.ends_with("\n") ||
      (last > 0 && text[last - 1] != '\n')) {
    error = "truncated (no checksum line)";
    return std::nullopt;
  }
  std::uint64_t checksum = 0;
  if (!parse_number(text.substr(last + 9, text.size() - last - 10), checksum, 16) ||
      checksum != fnv1a(text.substr(0, last))) {
    error = "corrupt (checksum mismatch)";
    return std::nullopt;
  }
  SavedState state;
  std::size_t pos = kMagic.size() + 1;
  std::size_t line_no = 1;
  while (pos < last) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    const auto fields = split_tabs(text.substr(pos, nl - pos));
    pos = nl + 1;
    const auto bad = [&](const char* what) {
      error = "line " + std::to_string(line_no) + ": " + what;
      return std::nullopt;
    };
    if (fields[0] == "counter" && fields.size() == 6) {
      SavedCounter c;
      auto family = unescape(fields[1]);
      auto tserver = unescape(fields[2]);
      auto request = unescape(fields[3]);
      auto code = unescape(fields[4]);
      if (!family || !tserver || !request || !code || !parse_number(fields[5], c.value)) {
        return bad("bad counter");
      }
      c.family = std::move(*family);
      c.tserver = std::move(*tserver);
      c.request = std::move(*request);
      c.error_code = std::move(*code);
      state.counters.push_back(std::move(c));
    } else if (fields[0] == "position" && fields.size() == 9) {
      StreamPosition p;
      auto stream = unescape(fields[1]);
      auto path = unescape(fields[2]);
      auto context = unescape(fields[8]);
      if (!stream || !path || !context || !parse_number(fields[3], p.device) ||
          !parse_number(fields[4], p.inode) || !parse_number(fields[5], p.fingerprint_size) ||
          !parse_number(fields[6], p.fingerprint, 16) || !parse_number(fields[7], p.offset)) {
        return bad("bad position");
      }
      p.stream = std::move(*stream);
      p.path = std::move(*path);
      p.context = std::move(*context);
      state.positions.push_back(std::move(p));
    } else {
      return bad("unknown line");
    }
  }
  return state;
}

}  // namespace tse
