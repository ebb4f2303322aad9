#include "tserver/segment_name.h"

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

TEST(SegmentName, TheBaseNameIsWhatStandsBeforeTheStamp) {
  EXPECT_EQ(segment_base_name("TServer_SfB_01.20251217_101500_123.log"), "TServer_SfB_01");
  // A configured log name with dashes and dots (contract section 6: `SIP_P-001`).
  EXPECT_EQ(segment_base_name("SIP_P-001.20260202_135459_850.log"), "SIP_P-001");
  EXPECT_EQ(segment_base_name("ts.site-a.20260202_135459_850.log"), "ts.site-a");
  EXPECT_EQ(segment_base_name("app.log"), "app");
  EXPECT_EQ(segment_base_name("SIP_P-001.2026020_135459_850.log"), "SIP_P-001.2026020_135459_850");
  EXPECT_EQ(segment_base_name(".20260202_135459_850.log"), ".20260202_135459_850");
  EXPECT_EQ(segment_base_name("notes"), "notes");
}

TEST(SegmentName, DuplicateOutputsAreNeverRead) {
  EXPECT_TRUE(is_duplicate_output("SIP_P-001.20260202_135459_850.snapshot.log"));
  EXPECT_TRUE(is_duplicate_output("SIP_P-001.memory.log"));
  EXPECT_TRUE(is_duplicate_output("SIP_P-001.qsp"));
  EXPECT_FALSE(is_duplicate_output("SIP_P-001.20260202_135459_850.log"));
}

}  // namespace
}  // namespace tse::tserver
