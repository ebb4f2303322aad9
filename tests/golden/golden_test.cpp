// Golden tests: every log case under data/logs/ (a file, or a folder of segments), and the
// README's sample in data/sample/, is read in one-shot mode, and the exposition lines that
// depend on the parsing must equal the ones in data/golden/<case>.prom, byte for byte.
// Independently, EXPECTED.tsv beside the logs lists each case's non-zero EventError counts as
// counted by hand from the contract; both must agree. EXPECTED_requests.tsv and
// EXPECTED_durations.tsv do the same for the failed requests and the answer times (issue 14).
//
// After a deliberate change of behaviour: TSE_UPDATE_GOLDEN=1 ./golden_tests rewrites the .prom
// files; review the diff against EXPECTED.tsv before committing it.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/exporter.h"

namespace tse {
namespace {

namespace fs = std::filesystem;
const fs::path kLogs = fs::path(TSE_TEST_DATA) / "logs";
const fs::path kGolden = fs::path(TSE_TEST_DATA) / "golden";
const fs::path kSample = fs::path(TSE_TEST_DATA) / "sample";

fs::path input_of(const std::string& name) { return name == "sample" ? kSample : kLogs / name; }
fs::path table_of(const std::string& name) {
  return (name == "sample" ? kSample : kLogs) / "EXPECTED.tsv";
}

std::vector<std::string> cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kLogs)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() || name.ends_with(".log")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  names.emplace_back("sample");
  return names;
}

// The metrics whose values follow from the log alone (not from timing or the machine).
bool is_golden_line(const std::string& line) {
  for (const char* prefix :
       {"tserver_event_errors_total{", "tserver_request_errors_total{", "tserver_requests_total{",
        "tserver_link_disconnected_total{", "tserver_iscc_errors_total{",
        "tserver_exporter_lines_read_total ", "tserver_exporter_bytes_read_total ",
        "tserver_exporter_records_parsed_total ", "tserver_exporter_lines_skipped_total{",
        "tserver_exporter_records_skipped_total{", "tserver_exporter_lines_ignored_total{",
        "tserver_exporter_malformed_records_total ",
        // Issue 14: answer times and unanswered requests, by the log's own time stamps.
        "tserver_request_duration_seconds_bucket{", "tserver_request_duration_seconds_sum{",
        "tserver_request_duration_seconds_count{", "tserver_requests_unanswered_total{",
        "tserver_exporter_request_durations_skipped_total ",
        "tserver_exporter_log_time_steps_back_total "}) {
    if (line.starts_with(prefix)) return true;
  }
  return false;
}

std::string run_once(const std::string& name) {
  const fs::path input = input_of(name);
  Config config;
  config.sources = {
      {.target = fs::is_directory(input) ? (input / "*.log").string() : input.string()}};
  std::ostringstream exposition;
  EXPECT_EQ(tse::run_once(config, exposition), 0);
  std::istringstream lines(exposition.str());
  std::vector<std::string> kept;
  for (std::string line; std::getline(lines, line);)
    if (is_golden_line(line)) kept.push_back(line);
  std::sort(kept.begin(), kept.end());  // prometheus-cpp orders series by hash
  std::string golden;
  for (const auto& line : kept) golden += line + "\n";
  return golden;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ExpositionEqualsTheGoldenFile) {
  const std::string actual = run_once(GetParam());
  const fs::path golden = kGolden / (GetParam() + ".prom");
  if (std::getenv("TSE_UPDATE_GOLDEN") != nullptr) {
    fs::create_directories(kGolden);
    std::ofstream(golden, std::ios::binary) << actual;
  }
  ASSERT_TRUE(fs::exists(golden)) << "no golden file " << golden;
  EXPECT_EQ(actual, read_file(golden));
}

// EXPECTED.tsv: case, tserver, error_code, count; one row per non-zero count.
TEST_P(GoldenTest, NonZeroCountsEqualTheHandCountedTable) {
  std::map<std::string, std::string> expected;  // "tserver|code" -> count
  std::ifstream tsv(table_of(GetParam()));
  ASSERT_TRUE(tsv);
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string name, tserver, code, count;
    std::getline(fields, name, '\t');
    std::getline(fields, tserver, '\t');
    std::getline(fields, code, '\t');
    std::getline(fields, count, '\t');
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (name == GetParam()) expected[tserver + "|" + code] = count;
  }
  std::map<std::string, std::string> actual;
  std::istringstream lines(run_once(GetParam()));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("tserver_event_errors_total{") || line.ends_with(" 0")) continue;
    const auto label = [&](const std::string& key) {
      const std::size_t at = line.find(key + "=\"") + key.size() + 2;
      return line.substr(at, line.find('"', at) - at);
    };
    actual[label("tserver") + "|" + label("error_code")] = line.substr(line.rfind(' ') + 1);
  }
  EXPECT_EQ(actual, expected);
}

// The cases the tables list (their first column), in order of first appearance.
std::vector<std::string> cases_in(std::initializer_list<fs::path> tables) {
  std::vector<std::string> names;
  for (const auto& table : tables) {
    std::ifstream tsv(table);
    for (std::string line; std::getline(tsv, line);) {
      const std::string name = line.substr(0, line.find('\t'));
      if (!line.empty() && line.front() != '#' &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  return names;
}

class RequestGoldenTest : public ::testing::TestWithParam<std::string> {};

// EXPECTED_requests.tsv: case, tserver, error_code, request, count (section 3.5), for the cases
// it lists; their tserver_request_errors_total must be exactly that.
TEST_P(RequestGoldenTest, RequestAttributionEqualsTheHandCountedTable) {
  std::map<std::string, std::string> expected;  // "tserver|code|request" -> count
  std::ifstream tsv(table_of(GetParam()).replace_filename("EXPECTED_requests.tsv"));
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string name, tserver, code, request, count;
    std::getline(fields, name, '\t');
    std::getline(fields, tserver, '\t');
    std::getline(fields, code, '\t');
    std::getline(fields, request, '\t');
    std::getline(fields, count, '\t');
    if (name == GetParam()) expected[tserver + "|" + code + "|" + request] = count;
  }
  ASSERT_FALSE(expected.empty());
  std::map<std::string, std::string> actual;
  std::istringstream lines(run_once(GetParam()));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("tserver_request_errors_total{") || line.ends_with(" 0")) continue;
    const auto label = [&](const std::string& key) {
      const std::size_t at = line.find(key + "=\"") + key.size() + 2;
      return line.substr(at, line.find('"', at) - at);
    };
    actual[label("tserver") + "|" + label("error_code") + "|" + label("request")] =
        line.substr(line.rfind(' ') + 1);
  }
  EXPECT_EQ(actual, expected);
}

// At every golden case, the request breakdown adds up to the per-code counters.
TEST_P(GoldenTest, RequestErrorsSumToEventErrors) {
  std::map<std::string, long> by_code, by_request;
  std::istringstream lines(run_once(GetParam()));
  for (std::string line; std::getline(lines, line);) {
    const bool event = line.starts_with("tserver_event_errors_total{");
    if (!event && !line.starts_with("tserver_request_errors_total{")) continue;
    const auto label = [&](const std::string& key) {
      const std::size_t at = line.find(key + "=\"") + key.size() + 2;
      return line.substr(at, line.find('"', at) - at);
    };
    (event ? by_code : by_request)[label("tserver") + "|" + label("error_code")] +=
        std::stol(line.substr(line.rfind(' ') + 1));
  }
  std::erase_if(by_code, [](const auto& entry) { return entry.second == 0; });
  EXPECT_EQ(by_request, by_code);
}

class DurationGoldenTest : public ::testing::TestWithParam<std::string> {};

// EXPECTED_durations.tsv: case, tserver, request, what, value (issue 14): every non-zero bucket
// (cumulative), sum, count and unanswered count of the case, and its skipped durations and steps
// back, as counted by hand from the records' times.
TEST_P(DurationGoldenTest, DurationsEqualTheHandCountedTable) {
  // "tserver|request|what" (request "-": the self-metrics, whose tserver is not a label).
  const auto key = [](const std::string& tserver, const std::string& request,
                      const std::string& what) {
    return request == "-" ? "-|" + what : tserver + "|" + request + "|" + what;
  };
  std::map<std::string, double> expected;
  std::ifstream tsv(kLogs / "EXPECTED_durations.tsv");
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string name, tserver, request, what, value;
    std::getline(fields, name, '\t');
    std::getline(fields, tserver, '\t');
    std::getline(fields, request, '\t');
    std::getline(fields, what, '\t');
    std::getline(fields, value, '\t');
    if (name == GetParam()) expected[key(tserver, request, what)] = std::stod(value);
  }
  ASSERT_FALSE(expected.empty());
  std::map<std::string, double> actual;
  std::istringstream lines(run_once(GetParam()));
  for (std::string line; std::getline(lines, line);) {
    const double value = std::stod(line.substr(line.rfind(' ') + 1));
    if (value == 0) continue;
    const auto label = [&](const std::string& name) {
      const std::size_t at = line.find(name + "=\"") + name.size() + 2;
      return line.substr(at, line.find('"', at) - at);
    };
    std::string what;
    if (line.starts_with("tserver_request_duration_seconds_bucket{")) {
      what = label("le");
    } else if (line.starts_with("tserver_request_duration_seconds_sum{")) {
      what = "sum";
    } else if (line.starts_with("tserver_request_duration_seconds_count{")) {
      what = "count";
    } else if (line.starts_with("tserver_requests_unanswered_total{")) {
      what = "unanswered";
    } else if (line.starts_with("tserver_exporter_request_durations_skipped_total ")) {
      actual[key({}, "-", "durations_skipped")] = value;
      continue;
    } else if (line.starts_with("tserver_exporter_log_time_steps_back_total ")) {
      actual[key({}, "-", "steps_back")] = value;
      continue;
    } else {
      continue;
    }
    actual[key(label("tserver"), label("request"), what)] = value;
  }
  // Sums are printed from doubles (4.524999999999999): compared to a billionth.
  const auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, b); };
  for (const auto& [k, value] : expected) {
    const double got = actual.contains(k) ? actual.at(k) : 0.0;
    EXPECT_TRUE(near(got, value)) << k << ": exporter " << got << ", table " << value;
  }
  for (const auto& [k, value] : actual) {
    EXPECT_TRUE(expected.contains(k)) << k << " = " << value << " is not in the table";
  }
}

// A case's name as a test name: `durations.log` -> `durations_log`.
std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Logs, DurationGoldenTest,
                         ::testing::ValuesIn(cases_in({kLogs / "EXPECTED_durations.tsv"})),
                         test_name);

INSTANTIATE_TEST_SUITE_P(Logs, RequestGoldenTest,
                         ::testing::ValuesIn(cases_in({kLogs / "EXPECTED_requests.tsv",
                                                       kSample / "EXPECTED_requests.tsv"})),
                         test_name);

INSTANTIATE_TEST_SUITE_P(Logs, GoldenTest, ::testing::ValuesIn(cases()), test_name);

}  // namespace
}  // namespace tse
