#include "config/config_file.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/config_values.h"
#include "config/validate.h"
#include "os/fs_path.h"
#include "os/small_file.h"

namespace tse {
namespace {

// Walks the YAML tree into a Config, collecting every error with the place it was written.
// yaml-cpp keeps every entry of a map, a key given twice included: duplicates are found here.
class Loader {
 public:
  Loader(std::string file, std::filesystem::path base, Config& config, ConfigLocations* locations)
      : file_(std::move(file)), base_(std::move(base)), config_(config), locations_(locations) {}

  std::vector<std::string> errors;

  void error(const YAML::Mark& mark, const std::string& what) {
    errors.push_back(printable_line(where(mark) + ": " + what));
  }

  std::string where(const YAML::Mark& mark) const {
    if (mark.is_null()) return file_;
    return file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  void root(const YAML::Node& node) {
    if (node.IsNull()) return;  // an empty file: every default
    fields(node, "", YAML::Mark(),
           {{"sources", [this](const Value& v) { sources(v); }},
            {"source", [this](const Value& v) { source(v); }},
            {"catalog", [this](const Value& v) { catalog(v); }},
            {"limits", [this](const Value& v) { limits(v); }},
            {"storage", [this](const Value& v) { storage(v); }},
            {"web", [this](const Value& v) { web(v); }},
            {"log", [this](const Value& v) { log(v); }}});
  }

 private:
  // A value and the place to blame for it: its own mark, or its key's when it has none (an
  // empty value).
  struct Value {
    YAML::Node node;
    std::string key;  // the key path: limits.max_streams, sources[2].file
    YAML::Mark mark;
  };
  using Field = std::pair<std::string_view, std::function<void(const Value&)>>;

  static YAML::Mark mark_of(const YAML::Node& node, const YAML::Mark& fallback) {
    const YAML::Mark mark = node.Mark();
    return mark.is_null() || node.IsNull() ? fallback : mark;
  }

  void remember(const std::string& key, const YAML::Mark& mark) {
    if (locations_ != nullptr) locations_->at[key] = where(mark);
  }

  static std::string kind_of(const YAML::Node& node) {
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "empty";
    return "\"" + node.Scalar() + "\"";
  }

  static std::string join(const std::vector<Field>& known) {
    std::string names;
    for (const auto& [name, apply] : known) {
      if (!names.empty()) names += ", ";
      names += name;
    }
    return names;
  }

  // Calls each known key's handler in the order written; unknown and repeated keys are errors.
  void fields(const YAML::Node& node, const std::string& prefix, const YAML::Mark& at,
              std::vector<Field> known) {
    const std::string what = prefix.empty() ? "the configuration" : prefix;
    if (!node.IsMap()) {
      error(mark_of(node, at),
            what + " is " + kind_of(node) + "; expected a map of " + join(known));
      return;
    }
    std::map<std::string, YAML::Mark> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        error(key.Mark(),
              "a key of " + what + " is " + kind_of(key) + "; expected one of " + join(known));
        continue;
      }
      const std::string name = key.Scalar();
      const auto [first, fresh] = seen.try_emplace(name, key.Mark());
      if (!fresh) {
        error(key.Mark(), "duplicate key \"" + name + "\" in " + what + " (first at line " +
                              std::to_string(first->second.line + 1) + "); give each key once");
        continue;
      }
      const Field* field = nullptr;
      for (const auto& candidate : known)
        if (candidate.first == name) field = &candidate;
      if (field == nullptr) {
        error(key.Mark(),
              "unknown key \"" + name + "\" in " + what + "; expected one of " + join(known));
        continue;
      }
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      const YAML::Mark mark = mark_of(it->second, key.Mark());
      remember(path, mark);
      field->second(Value{it->second, path, mark});
    }
  }

  std::optional<std::string> scalar(const Value& v, const std::string& expected) {
    if (v.node.IsScalar()) return v.node.Scalar();
    error(v.mark, v.key + " is " + kind_of(v.node) + "; expected " + expected);
    return std::nullopt;
  }

  void text(const Value& v, std::string& out, const std::string& expected, bool may_be_empty) {
    auto value = scalar(v, expected);
    if (!value) return;
    if (value->empty() && !may_be_empty) {
      error(v.mark, v.key + " is empty; expected " + expected);
      return;
    }
    out = std::move(*value);
  }

  void boolean(const Value& v, bool& out) {
    auto value = scalar(v, "true or false");
    if (!value) return;
    if (*value == "true") {
      out = true;
    } else if (*value == "false") {
      out = false;
    } else {
      error(v.mark, v.key + " is \"" + *value + "\"; expected true or false");
    }
  }

  void duration(const Value& v, std::chrono::milliseconds& out, bool positive) {
    auto value = scalar(v, "a duration such as 250ms, 5s or 1m");
    if (!value) return;
    try {
      const auto parsed = parse_duration(v.key, *value);
      if (positive && parsed.count() <= 0) {
        error(v.mark, v.key + " must be > 0 (got \"" + *value + "\")");
        return;
      }
      out = parsed;
    } catch (const UsageError& e) {
      error(v.mark, e.what());
    }
  }

  void count(const Value& v, std::size_t& out, CountRange range) {
    auto value = scalar(
        v, "a number from " + std::to_string(range.min) + " to " + std::to_string(range.max));
    if (!value) return;
    try {
      out = parse_count(v.key, *value, range.min, range.max);
    } catch (const UsageError& e) {
      error(v.mark, e.what());
    }
  }

  // A string value checked by one of validate.h's checks.
  void checked(const Value& v, std::string& out, const std::string& expected,
               const std::function<std::string(const std::string&, const std::string&)>& check) {
    auto value = scalar(v, expected);
    if (!value) return;
    if (const std::string wrong = check(*value, v.key); !wrong.empty()) {
      error(v.mark, wrong);
      return;
    }
    out = std::move(*value);
  }

  // A file name, relative to the configuration file's directory; `optional`: may be '' (none).
  void path(const Value& v, std::string& out, const std::string& expected, bool optional = false) {
    std::string value;
    text(v, value, expected, optional);
    if (value.empty()) {
      if (optional && v.node.IsScalar()) out.clear();
      return;
    }
    const std::filesystem::path p = os::fs_path(value);
    out = p.is_absolute() ? value : os::utf8_of((base_ / p).lexically_normal());
  }

  template <class Each>
  void list(const Value& v, const std::string& expected, Each each) {
    if (!v.node.IsSequence()) {
      error(v.mark, v.key + " is " + kind_of(v.node) + "; expected a list of " + expected);
      return;
    }
    std::size_t i = 0;
    for (const auto& item : v.node) {
      const std::string key = v.key + "[" + std::to_string(i++) + "]";
      const YAML::Mark mark = mark_of(item, v.mark);
      remember(key, mark);
      each(Value{item, key, mark});
    }
  }

  void sources(const Value& v) {
    config_.sources.clear();
    list(v, "sources (file:, stdin:, syslog: or tcp:)", [this](const Value& item) {
      SourceConfig source;
      std::vector<std::string> kinds;
      bool good = true;
      bool stdin_value = true;
      const auto kind = [&](SourceConfig::Kind k, std::string_view name) {
        return [&, k, name](const Value& field) {
          kinds.emplace_back(name);
          source.kind = k;
          if (k == SourceConfig::Kind::kStdin) {
            boolean(field, stdin_value);
            return;
          }
          const std::size_t before = errors.size();
          text(field, source.target,
               k == SourceConfig::Kind::kFile     ? "a file name or glob"
               : k == SourceConfig::Kind::kSyslog ? "udp://HOST:PORT or tcp://HOST:PORT"
                                                  : "[NAME@]HOST:PORT",
               false);
          if (errors.size() != before) {
            good = false;
            return;
          }
          if (std::string wrong = check_source(source, field.key); !wrong.empty()) {
            error(field.mark, wrong);
            good = false;
          }
        };
      };
      const std::size_t before = errors.size();
      fields(item.node, item.key, item.mark,
             {{"file", kind(SourceConfig::Kind::kFile, "file")},
              {"stdin", kind(SourceConfig::Kind::kStdin, "stdin")},
              {"syslog", kind(SourceConfig::Kind::kSyslog, "syslog")},
              {"tcp", kind(SourceConfig::Kind::kTcp, "tcp")},
              {"tserver", [&](const Value& field) {
                 text(field, source.tserver, "the T-Server's name", false);
               }}});
      if (!item.node.IsMap()) return;
      if (kinds.empty()) {
        error(item.mark, item.key + " has no source; expected one of file:, stdin:, syslog:, tcp:");
        return;
      }
      if (kinds.size() > 1) {
        error(item.mark, item.key + " has both " + kinds[0] + ": and " + kinds[1] +
                             ":; expected one source an entry");
        return;
      }
      if (!stdin_value) {
        error(item.mark, item.key + ".stdin is false; expected true (or leave the entry out)");
        return;
      }
      if (good && errors.size() == before) config_.sources.push_back(std::move(source));
    });
  }

  void source(const Value& v) {
    fields(v.node, v.key, v.mark,
           {{"from_beginning", [this](const Value& f) { boolean(f, config_.from_beginning); }},
            {"poll_interval", [this](const Value& f) { duration(f, config_.poll_interval, true); }},
            {"idle_flush", [this](const Value& f) { duration(f, config_.idle_flush, false); }},
            {"request_timeout",
             [this](const Value& f) { duration(f, config_.request_timeout, true); }}});
  }

  void catalog(const Value& v) {
    fields(v.node, v.key, v.mark,
           {{"tables",
             [this](const Value& f) {
               config_.catalog.tables.clear();
               list(f, "files of error codes", [this](const Value& item) {
                 std::string table;
                 path(item, table, "a file of error codes");
                 if (!table.empty()) config_.catalog.tables.push_back(std::move(table));
               });
             }},
            {"codes", [this](const Value& f) {
               config_.catalog.codes.clear();
               list(f, "codes ({code: N, name: NAME, description: TEXT})",
                    [this](const Value& item) { code(item); });
             }}});
  }

  void code(const Value& item) {
    CatalogEntryConfig entry;
    bool has_code = false;
    bool has_name = false;
    const std::size_t before = errors.size();
    fields(item.node, item.key, item.mark,
           {{"code",
             [&](const Value& f) {
               auto value = scalar(f, "a whole number");
               if (!value) return;
               const char* end = value->data() + value->size();
               const auto [ptr, ec] = std::from_chars(value->data(), end, entry.code);
               if (ec != std::errc() || ptr != end || value->empty()) {
                 error(f.mark, f.key + " is \"" + *value + "\"; expected a whole number");
                 return;
               }
               has_code = true;
             }},
            {"name",
             [&](const Value& f) {
               text(f, entry.name, "the code's symbolic name", false);
               has_name = !entry.name.empty();
             }},
            {"description",
             [&](const Value& f) { text(f, entry.description, "a description", true); }}});
    if (!item.node.IsMap() || errors.size() != before) return;
    if (!has_code || !has_name) {
      error(item.mark, item.key + " has no " + (has_code ? "name" : "code") +
                           "; expected code: N and name: NAME");
      return;
    }
    config_.catalog.codes.push_back(std::move(entry));
  }

  void limits(const Value& v) {
    namespace r = count_ranges;
    LimitsConfig& l = config_.limits;
    fields(
        v.node, v.key, v.mark,
        {{"metrics_max_tservers",
          [&](const Value& f) { count(f, l.metrics_max_tservers, r::kMetricsMaxTservers); }},
         {"source_max_tservers",
          [&](const Value& f) { count(f, l.source_max_tservers, r::kSourceMaxTservers); }},
         {"source_max_origins",
          [&](const Value& f) { count(f, l.source_max_origins, r::kSourceMaxOrigins); }},
         {"udp_receive_buffer",
          [&](const Value& f) {
            auto value = scalar(f, "a size in bytes, or with KiB or MiB");
            if (!value) return;
            try {
              l.udp_receive_buffer = parse_bytes(f.key, *value);
            } catch (const UsageError& e) {
              error(f.mark, e.what());
            }
          }},
         {"max_streams", [&](const Value& f) { count(f, l.max_streams, r::kMaxStreams); }},
         {"max_open_files", [&](const Value& f) { count(f, l.max_open_files, r::kMaxOpenFiles); }},
         {"web_max_connections",
          [&](const Value& f) { count(f, l.web_max_connections, r::kWebMaxConnections); }}});
  }

  void storage(const Value& v) {
    fields(
        v.node, v.key, v.mark,
        {{"path", [this](const Value& f) { text(f, config_.storage.path, "a directory", false); }},
         {"write_interval",
          [this](const Value& f) { duration(f, config_.storage.write_interval, true); }}});
  }

  void web(const Value& v) {
    WebConfig& w = config_.web;
    fields(v.node, v.key, v.mark,
           {{"listen_addresses",
             [&](const Value& f) {
               std::vector<std::string> addresses;
               list(f, "addresses (HOST:PORT or :PORT)", [&](const Value& item) {
                 std::string address;
                 checked(item, address, "HOST:PORT or :PORT", check_listen_address);
                 if (!address.empty()) addresses.push_back(std::move(address));
               });
               if (f.node.IsSequence() && addresses.size() == f.node.size())
                 w.listen_addresses = addresses;
             }},
            {"telemetry_path",
             [&](const Value& f) {
               checked(f, w.telemetry_path, "a path such as /metrics", check_telemetry_path);
             }},
            {"config_file",
             [&](const Value& f) { path(f, w.config_file, "a web configuration file", true); }}});
  }

  void log(const Value& v) {
    fields(v.node, v.key, v.mark,
           {{"level",
             [this](const Value& f) {
               checked(f, config_.log.level, "debug, info, warn or error", check_log_level);
             }},
            {"format", [this](const Value& f) {
               checked(f, config_.log.format, "logfmt or json", check_log_format);
             }}});
  }

  std::string file_;
  std::filesystem::path base_;
  Config& config_;
  ConfigLocations* locations_;
};

}  // namespace

std::string ConfigLocations::describe(const std::string& key, const std::string& what) const {
  for (std::string k = key; !k.empty();) {
    if (const auto it = at.find(k); it != at.end()) return it->second + ": " + what;
    const std::size_t cut = k.find_last_of(".[");
    if (cut == std::string::npos) break;
    k.resize(cut);
  }
  return what;
}

std::vector<std::string> parse_config_text(const std::string& text, const std::string& file_name,
                                           const std::string& base_directory, Config& config,
                                           ConfigLocations* locations) {
  Loader loader(file_name, os::fs_path(base_directory), config, locations);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    loader.error(e.mark, "not valid YAML: " + e.msg);
    return loader.errors;
  }
  try {
    loader.root(root);
  } catch (const YAML::Exception& e) {  // not expected: every access is checked
    loader.error(e.mark, e.msg);
  }
  return loader.errors;
}

std::vector<std::string> load_config_file(const std::string& path, Config& config,
                                          ConfigLocations* locations) {
  // A directory, a FIFO or /dev/zero given by mistake: a one-line error, never an empty
  // configuration, a hang or memory without end.
  std::string text;
  if (const std::string why = os::read_small_file(path, text); !why.empty()) {
    return {path + ": cannot read the configuration file: " + why +
            "; expected a readable YAML file"};
  }
  const std::filesystem::path parent = os::fs_path(path).parent_path();
  return parse_config_text(text, path, os::utf8_of(parent), config, locations);
}

}  // namespace tse
