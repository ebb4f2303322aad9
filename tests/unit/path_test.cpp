#include "os/path.h"

#include <gtest/gtest.h>

namespace tse::os {
namespace {

TEST(Path, FileNameAndDirectory) {
  EXPECT_EQ(file_name("/var/log/ts/TServer_SfB_01.log"), "TServer_SfB_01.log");
  EXPECT_EQ(directory("/var/log/ts/TServer_SfB_01.log"), "/var/log/ts");
  EXPECT_EQ(file_name("x.log"), "x.log");
  EXPECT_EQ(directory("x.log"), ".");
#ifdef _WIN32
  EXPECT_EQ(file_name(R"(C:\GCTI\logs\TServer_SfB_01.log)"), "TServer_SfB_01.log");
  EXPECT_EQ(directory(R"(C:\GCTI\logs/x.log)"), R"(C:\GCTI\logs)");
#else
  EXPECT_EQ(file_name(R"(a\b.log)"), R"(a\b.log)");      // '\' is a character of a name
#endif
}

TEST(Path, NormalDirectoryIsOneSpellingOfAFolder) {
  EXPECT_EQ(normal_directory("/var/log/ts"), "/var/log/ts");
  EXPECT_EQ(normal_directory("/var//log/./ts/"), "/var/log/ts");
  EXPECT_EQ(normal_directory("logs"), "logs");
  EXPECT_EQ(normal_directory("./logs/."), "logs");
  EXPECT_EQ(normal_directory("."), ".");
  EXPECT_EQ(normal_directory(""), ".");
  EXPECT_EQ(normal_directory("/"), "/");
  EXPECT_EQ(normal_directory("a/../b"), "a/../b");  // ".." may cross a link: kept
#ifdef _WIN32
  EXPECT_EQ(normal_directory(R"(C:\GCTI\Logs)"), "c:/gcti/logs");
  EXPECT_EQ(normal_directory("c:/gcti//LOGS/"), "c:/gcti/logs");
  EXPECT_EQ(normal_directory(R"(\\SFB-TS01\Logs\)"), "//sfb-ts01/logs");
  EXPECT_EQ(normal_directory(R"(\GCTI)"), "/gcti");
#else
  EXPECT_EQ(normal_directory("//var/log"), "/var/log");  // on Windows a UNC name: kept
  EXPECT_EQ(normal_directory("/var/Log"), "/var/Log");   // case matters on POSIX
  EXPECT_EQ(normal_directory(R"(/var/a\b)"), R"(/var/a\b)");
#endif
}

}  // namespace
}  // namespace tse::os
