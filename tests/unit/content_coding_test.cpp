#include "http/content_coding.h"

#include <zlib.h>

#include <gtest/gtest.h>

namespace tse {
namespace {

// zlib's own inflate, in gzip mode: what Prometheus's Go client does with the body.
std::string gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(AcceptsGzip, WhatClientsSend) {
  EXPECT_TRUE(accepts_gzip("gzip"));                           // Prometheus
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));              // browsers, curl --compressed
  EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip(" identity ; q=1 , gzip ; q = 0.001"));
  EXPECT_FALSE(accepts_gzip(""));                              // wrk, plain curl
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("deflate, br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000, *"));               // gzip refused by name
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzipped"));
}

TEST(GzipCompress, RoundTripsAndShrinksAnExposition) {
  std::string text;
  for (int code = 0; code < 1000; ++code) {
    text += "tserver_event_errors_total{tserver=\"SfB_01\",error_code=\"" + std::to_string(code) +
            "\",error_name=\"TERR_UNKNOWN_ERROR\"} " + std::to_string(code % 7) + "\n";
  }
  const std::string gz = gzip_compress(text);
  EXPECT_EQ(gz.substr(0, 2), "\x1f\x8b");  // the gzip magic number
  EXPECT_EQ(gunzip(gz), text);
  EXPECT_LT(gz.size() * 5, text.size()) << gz.size() << " of " << text.size();
  EXPECT_EQ(gunzip(gzip_compress("")), "");
}

}  // namespace
}  // namespace tse
