#include "os/process_stats.h"

#include <time.h>

#ifndef _WIN32
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "os/file_system.h"
#include "platform.h"

namespace tse::os {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(ProcessStats, OpenDescriptorsChangeByExactlyOneForAFileOpened) {
  if (tse::testing::running_under_wine()) GTEST_SKIP() << tse::testing::kWineCountsNoHandles;
  const double before = process_stats().open_fds.value();
  {
    const OpenResult opened = open_regular(TSE_TEST_DATA "/sfb-error-codes.tsv");
    ASSERT_EQ(opened.error, FileError::kNone);
    EXPECT_EQ(process_stats().open_fds.value(), before + 1);
  }
  EXPECT_EQ(process_stats().open_fds.value(), before);
}

// POSIX only: Windows has no descriptor limit (its handles are limited by memory: max_fds is a
// constant there), and no fork.
#ifndef _WIN32
TEST(ProcessStats, MaxDescriptorsIsTheSoftLimit) {
  struct rlimit limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(process_stats().max_fds.value(), static_cast<double>(limit.rlim_cur));
}

// A child started now: its start time is now (to the second: the boot time is in whole
// seconds), its CPU time small, its memory what a live process has.
TEST(ProcessStats, AChildStartedNowStartedNow) {
  const double before = now_seconds();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const double after = now_seconds();
  const ProcessStats stats = process_stats(child);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(stats.start_time_seconds.has_value());
  EXPECT_GE(*stats.start_time_seconds, std::floor(before) - 1.0);
  EXPECT_LE(*stats.start_time_seconds, after + 1.0);
  EXPECT_LT(stats.cpu_seconds.value(), 1.0);
  EXPECT_GT(stats.resident_bytes.value(), 0.0);
  EXPECT_GE(stats.virtual_bytes.value(), stats.resident_bytes.value());
  EXPECT_GT(stats.open_fds.value(), 0.0);
  // A process that has ended tells nothing any more: every value is absent, none is 0.
  const ProcessStats gone = process_stats(child);
  EXPECT_FALSE(gone.start_time_seconds.has_value());
  EXPECT_FALSE(gone.open_fds.has_value());
}
#endif

double cpu_clock() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// This process's CPU time grows by the CPU it burns, to the clock tick (10 ms) and a little:
// measured in CPU time, not wall time, so that a loaded machine does not change it.
TEST(ProcessStats, CpuSecondsGrowByTheCpuBurned) {
  const double before = process_stats().cpu_seconds.value();
  const double clock_before = cpu_clock();
  volatile std::uint64_t spin = 0;
  while (cpu_clock() - clock_before < 0.3) spin = spin + 1;
  const double burned = process_stats().cpu_seconds.value() - before;
  EXPECT_GE(burned, 0.27);
  EXPECT_LE(burned, cpu_clock() - clock_before + 0.03);
}

TEST(ProcessStats, ResidentMemoryGrowsWithPagesTouched) {
  const double before = process_stats().resident_bytes.value();
  std::vector<char> block(64u << 20);
  for (std::size_t i = 0; i < block.size(); i += 4096) block[i] = 1;
  const double after = process_stats().resident_bytes.value();
  EXPECT_GE(after - before, 60.0 * (1u << 20));
  EXPECT_EQ(block[4096], 1);
}

}  // namespace
}  // namespace tse::os
