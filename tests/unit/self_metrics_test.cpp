#include "metrics/self_metrics.h"

#include <chrono>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

namespace tse {
namespace {

double gauge_value(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name == name && family.metric.size() == 1) return family.metric[0].gauge.value;
  }
  return -1;
}

TEST(SelfMetrics, TheConfigurationCountsAsReloadedAtStartAndARefusedReloadSaysSo) {
  prometheus::Registry registry;
  const double before =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  SelfMetrics metrics(registry, "test", "test");
  const double started =
      gauge_value(registry, "tserver_exporter_config_last_reload_success_timestamp_seconds");
  EXPECT_EQ(gauge_value(registry, "tserver_exporter_config_last_reload_successful"), 1);
  EXPECT_GE(started, before);
  EXPECT_LT(started, before + 60);

  metrics.record_reload(false, std::chrono::system_clock::time_point(std::chrono::seconds(2000)));
  EXPECT_EQ(gauge_value(registry, "tserver_exporter_config_last_reload_successful"), 0);
  EXPECT_EQ(gauge_value(registry, "tserver_exporter_config_last_reload_success_timestamp_seconds"),
            started);  // the configuration in force is still the one loaded at start

  metrics.record_reload(true, std::chrono::system_clock::time_point(std::chrono::seconds(3000)));
  EXPECT_EQ(gauge_value(registry, "tserver_exporter_config_last_reload_successful"), 1);
  EXPECT_EQ(gauge_value(registry, "tserver_exporter_config_last_reload_success_timestamp_seconds"),
            3000);
}

}  // namespace
}  // namespace tse
