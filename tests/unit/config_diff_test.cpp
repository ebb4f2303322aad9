#include "config/config_diff.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

using Kind = SourceConfig::Kind;

Config base() {
  Config config;
  config.sources = {{Kind::kFile, "/var/log/genesys/TServer_A.*.log", "TServer_A"},
                    {Kind::kSyslog, "udp://0.0.0.0:5514", ""},
                    {Kind::kTcp, "127.0.0.1:5515", ""}};
  return config;
}

TEST(ConfigDiff, TheSameConfigurationChangesNothing) {
  const ConfigDiff d = diff(base(), base());
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.sources_kept, base().sources);
}

TEST(ConfigDiff, SourcesAreAddedRemovedAndKeptWhole) {
  Config next = base();
  next.sources.erase(next.sources.begin() + 1);  // the UDP listener goes
  next.sources.push_back({Kind::kFile, "/var/log/genesys/TServer_B.*.log", ""});  // a new glob
  next.sources[0].tserver = "Renamed";  // a new name: removed and added
  const ConfigDiff d = diff(base(), next);
  EXPECT_FALSE(d.empty());
  EXPECT_EQ(d.sources_added,
            (std::vector<SourceConfig>{{Kind::kFile, "/var/log/genesys/TServer_A.*.log", "Renamed"},
                                       {Kind::kFile, "/var/log/genesys/TServer_B.*.log", ""}}));
  EXPECT_EQ(d.sources_removed, (std::vector<SourceConfig>{
                                   {Kind::kFile, "/var/log/genesys/TServer_A.*.log", "TServer_A"},
                                   {Kind::kSyslog, "udp://0.0.0.0:5514", ""}}));
  EXPECT_EQ(d.sources_kept, (std::vector<SourceConfig>{{Kind::kTcp, "127.0.0.1:5515", ""}}));
  EXPECT_TRUE(d.needs_restart.empty());
  EXPECT_FALSE(d.catalog_changed || d.limits_changed || d.storage_changed || d.web_changed ||
               d.log_changed);
}

TEST(ConfigDiff, CatalogTServerLimitAndLogAreAppliedLive) {
  Config next = base();
  next.catalog.codes.push_back({9001, "SITE", ""});
  next.limits.metrics_max_tservers = 10;
  next.log.level = "debug";
  const ConfigDiff d = diff(base(), next);
  EXPECT_TRUE(d.catalog_changed);
  EXPECT_TRUE(d.limits_changed);
  EXPECT_TRUE(d.log_changed);
  EXPECT_TRUE(d.needs_restart.empty());
}

TEST(ConfigDiff, WhatARunningDaemonCannotApplyIsNamed) {
  Config next = base();
  next.storage.path = "/var/lib/other";
  next.storage.write_interval = std::chrono::milliseconds(1000);
  next.web.listen_addresses = {":10058"};
  next.web.telemetry_path = "/m";
  next.web.config_file = "/etc/web.yml";
  next.limits.max_streams = 10;
  next.limits.source_max_origins = 10;
  next.from_beginning = true;
  next.poll_interval = std::chrono::milliseconds(100);
  next.sources.push_back({Kind::kStdin, "", ""});
  const ConfigDiff d = diff(base(), next);
  EXPECT_TRUE(d.storage_changed);
  EXPECT_TRUE(d.web_changed);
  EXPECT_EQ(d.needs_restart,
            (std::vector<std::string>{
                "sources: stdin is read from the start to its end; it cannot be added, removed "
                "or renamed while running",
                "from_beginning: decides only how the files present at the first start are read",
                "poll_interval: needs a restart",
                "limits.source_max_origins: needs a restart for the listeners running",
                "limits.max_streams: needs a restart", "storage.path: needs a restart",
                "storage.write_interval: needs a restart", "web.listen_addresses: needs a restart",
                "web.telemetry_path: needs a restart",
                "web.config_file: another file needs a restart (the file in force is re-read at "
                "every reload)"}));
}

}  // namespace
}  // namespace tse
