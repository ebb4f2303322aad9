// Fuzzes the YAML configuration parsers: the main configuration file (config/config_file.h)
// and the web configuration file (web/web_config.h), both through yaml-cpp, on the same bytes.
// Deep nesting, aliases, tags and broken UTF-8 must give errors, never a crash or a throw of
// anything else.
//
// Invariants: parse_config_text() never throws, and each error it returns is one line naming
// the file; parse_web_config() throws WebConfigError only, its message one line naming the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "config/config_file.h"
#include "fuzz_support.h"
#include "web/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto one_line_naming = [](const std::string& line, const std::string& file) {
    return line.rfind(file, 0) == 0 && line.find('\n') == std::string::npos;
  };

  tse::Config config;
  std::vector<std::string> errors;
  try {
    errors = tse::parse_config_text(text, "c.yml", "/etc/tse", config);
  } catch (...) {
    TSE_FUZZ_CHECK(!"parse_config_text threw");
  }
  for (const auto& line : errors) TSE_FUZZ_CHECK(one_line_naming(line, "c.yml"));

  try {
    (void)tse::parse_web_config(text, "w.yml");
  } catch (const tse::WebConfigError& e) {
    TSE_FUZZ_CHECK(one_line_naming(e.what(), "w.yml"));
  } catch (...) {
    TSE_FUZZ_CHECK(!"parse_web_config threw something other than WebConfigError");
  }
  return 0;
}
