#include "net/host_port.h"
#include "net/ip_address.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

TEST(SplitHostPort, Forms) {
  HostPort hp = split_host_port("127.0.0.1:10057", "x");
  EXPECT_EQ(hp.host, "127.0.0.1");
  EXPECT_EQ(hp.port_text, "10057");
  EXPECT_EQ(hp.port, 10057);
  EXPECT_EQ(split_host_port(":5514", "x").host, "");
  EXPECT_EQ(split_host_port("[::1]:9", "x").host, "::1");
  EXPECT_EQ(split_host_port("[::1:9", "x").host, "[::1");  // unbalanced: left for the caller
  EXPECT_EQ(split_host_port("host:65535", "x").port, 65535);
}

TEST(SplitHostPort, OneLineErrorsNamingTheValue) {
  auto error = [](std::string_view value) {
    try {
      split_host_port(value, "listen address \"" + std::string(value) + "\"");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("10057"), "listen address \"10057\" has no port; use HOST:PORT or :PORT");
  EXPECT_EQ(error(":99999"), "listen address \":99999\" has a bad port \"99999\"");
  EXPECT_EQ(error(":http"), "listen address \":http\" has a bad port \"http\"");
  EXPECT_EQ(error(":80x"), "listen address \":80x\" has a bad port \"80x\"");
  EXPECT_EQ(error("host:"), "listen address \"host:\" has a bad port \"\"");
}

// The same answer on every system: Windows' own parser takes "1.2.3" and leading zeros.
TEST(ParseIpAddress, StrictDottedQuadsAndIpv6) {
  for (const char* good : {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.1.20.199", "::", "::1",
                           "fe80::1", "::ffff:10.0.0.1", "2001:db8::42"}) {
    const auto address = net::parse_ip_address(good);
    ASSERT_TRUE(address.has_value()) << good;
    EXPECT_EQ(address->to_string(), good);
  }
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "1.2.3.04", "01.2.3.4", "256.1.1.1", "1.2.3.1000", "1..2.3",
        "1.2.3.", ".1.2.3", "0x7f.0.0.1", "127.1", "localhost", "1.2.3.4 ", " 1.2.3.4",
        "1:2:3:4:5:6:7:8:9", "[::1]", "::1 ", "fe80::g"}) {
    EXPECT_FALSE(net::parse_ip_address(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace tse
