#include "metrics/process_collector.h"

#include <chrono>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "os/file_system.h"
#include "platform.h"

namespace tse {
namespace {

// The exact HELP and TYPE lines of client_golang's (and client_python's) process collector.
TEST(ProcessCollector, NamesTypesAndHelpAsTheClientLibraries) {
  const std::string text = prometheus::TextSerializer().Serialize(ProcessCollector().Collect());
  for (const char* want : {
           "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
           "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
           "# HELP process_max_fds Maximum number of open file descriptors.\n"
           "# TYPE process_max_fds gauge\nprocess_max_fds ",
           "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
           "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
           "# HELP process_start_time_seconds Start time of the process since unix epoch in "
           "seconds.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
           "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
           "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes ",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\nin\n" << text;
  }
  if (tse::testing::running_under_wine()) GTEST_SKIP() << tse::testing::kWineCountsNoHandles;
  EXPECT_NE(text.find("# HELP process_open_fds Number of open file descriptors.\n"
                      "# TYPE process_open_fds gauge\nprocess_open_fds "),
            std::string::npos)
      << text;
}

// Values read at each Collect(): a descriptor (a handle on Windows) opened between two scrapes
// shows in the second.
TEST(ProcessCollector, ReadsTheValuesAtEachScrape) {
  const auto value = [](const std::string& name) {
    for (const auto& family : ProcessCollector().Collect()) {
      if (family.name == name) return family.metric.at(0).gauge.value;
    }
    return -1.0;
  };
  const double start = value("process_start_time_seconds");
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(start, now - 24 * 3600.0);  // this test binary started less than a day ago
  EXPECT_LE(start, now + 1.0);
  if (tse::testing::running_under_wine()) GTEST_SKIP() << tse::testing::kWineCountsNoHandles;
  const double before = value("process_open_fds");
  {
    const os::OpenResult opened = os::open_regular(TSE_TEST_DATA "/sfb-error-codes.tsv");
    ASSERT_EQ(opened.error, os::FileError::kNone);
    EXPECT_EQ(value("process_open_fds"), before + 1);
  }
  EXPECT_EQ(value("process_open_fds"), before);
}

}  // namespace
}  // namespace tse
