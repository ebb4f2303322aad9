#include "catalog/catalog_table.h"

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/config_values.h"
#include "os/small_file.h"

namespace tse {
namespace {

constexpr std::size_t kMaxName = 128;  // a label value: sanitize_label_value()'s limit
constexpr std::size_t kMaxDescription = 512;

// One error line, positions 1-based as editors show them (yaml-cpp's are 0-based).
std::string at(const std::string& path, const YAML::Mark& mark, const std::string& what) {
  std::ostringstream out;
  out << path;
  if (mark.line >= 0) out << ':' << mark.line + 1 << ':' << mark.column + 1;
  out << ": " << what;
  return printable_line(out.str());
}

bool has_control_byte(const std::string& text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// A text field: a non-null scalar, within `max` bytes, without control bytes.
bool text_field(const std::string& path, const YAML::Node& key_node, const YAML::Node& node,
                const char* key, std::size_t max, bool may_be_empty, std::string& out,
                std::vector<std::string>& errors) {
  if (!node.IsScalar()) {  // a list, a map, or null (`name:` or `name: ~`: marked at the key)
    errors.push_back(at(path, node.IsNull() ? key_node.Mark() : node.Mark(),
                        std::string(key) + ": expected a string"));
    return false;
  }
  out = node.Scalar();
  if (out.empty() && !may_be_empty) {
    errors.push_back(at(path, node.Mark(), std::string(key) + ": expected a non-empty string"));
    return false;
  }
  if (out.size() > max) {
    errors.push_back(at(path, node.Mark(),
                        std::string(key) + ": longer than " + std::to_string(max) + " bytes"));
    return false;
  }
  if (has_control_byte(out)) {
    errors.push_back(
        at(path, node.Mark(), std::string(key) + ": control characters are not allowed"));
    return false;
  }
  return true;
}

}  // namespace

std::vector<CatalogEntryConfig> load_catalog_table(const std::string& path,
                                                   std::vector<std::string>& errors) {
  const std::size_t errors_before = errors.size();
  std::string content;
  if (const std::string why = os::read_small_file(path, content); !why.empty()) {
    errors.push_back(path + ": cannot read the catalog table: " + why);
    return {};
  }
  YAML::Node root;
  try {
    root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    errors.push_back(at(path, e.mark, e.msg));
    return {};
  }
  if (!root.IsSequence()) {
    errors.push_back(
        at(path, root.Mark(), "expected a list of error codes, each {code, name, description}"));
    return {};
  }
  std::vector<CatalogEntryConfig> out;
  std::map<std::int64_t, int> first_line;  // code -> its line, for the duplicate's message
  for (const auto& item : root) {
    if (!item.IsMap()) {
      errors.push_back(at(path, item.Mark(), "expected a map {code, name, description}"));
      continue;
    }
    CatalogEntryConfig entry;
    std::set<std::string> keys;
    bool ok = true;
    for (const auto& field : item) {
      const YAML::Node& key_node = field.first;
      const YAML::Node& value = field.second;
      const std::string key = key_node.IsScalar() ? key_node.Scalar() : std::string("?");
      if (!keys.insert(key).second) {
        errors.push_back(at(path, key_node.Mark(), "duplicate key \"" + key + "\""));
        ok = false;
        continue;
      }
      if (key == "code") {
        const std::string text = value.IsScalar() ? value.Scalar() : std::string();
        const char* end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, entry.code);
        // A quoted "57" is a string in YAML (its tag is "!"): not a code.
        if (text.empty() || ec != std::errc() || stop != end || value.Tag() == "!") {
          errors.push_back(at(path, value.Mark(), "code: expected a decimal integer"));
          ok = false;
        }
      } else if (key == "name") {
        ok = text_field(path, key_node, value, "name", kMaxName, false, entry.name, errors) && ok;
      } else if (key == "description") {
        ok = text_field(path, key_node, value, "description", kMaxDescription, true,
                        entry.description, errors) &&
             ok;
      } else {
        errors.push_back(at(path, key_node.Mark(),
                            "unknown key \"" + key + "\" (expected code, name, description)"));
        ok = false;
      }
    }
    for (const char* required : {"code", "name"}) {
      if (!keys.contains(required)) {
        errors.push_back(at(path, item.Mark(), std::string("missing key \"") + required + "\""));
        ok = false;
      }
    }
    if (!ok) continue;
    const int line = item.Mark().line + 1;
    if (const auto [it, fresh] = first_line.emplace(entry.code, line); !fresh) {
      errors.push_back(at(path, item.Mark(),
                          "duplicate code " + std::to_string(entry.code) + " (first at line " +
                              std::to_string(it->second) + ")"));
      continue;
    }
    out.push_back(std::move(entry));
  }
  if (errors.size() != errors_before) return {};
  return out;
}

std::shared_ptr<const ErrorCatalog> build_catalog(const CatalogConfig& config,
                                                  std::vector<std::string>& errors) {
  const std::size_t errors_before = errors.size();
  std::vector<std::vector<CatalogEntryConfig>> tables;
  tables.reserve(config.tables.size());
  for (const auto& path : config.tables) tables.push_back(load_catalog_table(path, errors));
  if (errors.size() != errors_before) return nullptr;
  return std::make_shared<const ErrorCatalog>(tables, config.codes);
}

}  // namespace tse
