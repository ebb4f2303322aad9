#include "source/binary_content.h"

#include <string>

#include <gtest/gtest.h>

namespace tse {
namespace {

std::string log_text() {
  std::string text = "Application name:\tTS\nHost name:\tSFBTS01\n\n";
  while (text.size() < kBinaryProbeBytes) {
    text += "10:15:24.807 Trc 04542 EventError sent to [724]\r\n\tAttributeErrorCode\t57\n";
  }
  return text;
}

TEST(BinaryContent, TextWithAFewStrayNulsAndEscapesIsText) {
  std::string text = log_text();
  text[10] = '\0';  // a masked value
  text[200] = '\0';
  text[300] = '\x1b';  // ESC, as in a colored line
  text[301] = '\f';
  EXPECT_FALSE(looks_binary(text));
  EXPECT_FALSE(looks_binary(""));
  EXPECT_FALSE(looks_binary("BZ is a fine prefix for a line\n"));
  EXPECT_FALSE(looks_binary("MZ at the start of a text\n"));
}

TEST(BinaryContent, MagicNumbersAreBinary) {
  const std::string rest =
      "\x08"
      "text after the magic\n";
  for (const std::string& magic :
       {std::string("\x1f\x8b"),
        std::string("\xfd"
                    "7zXZ\0",
                    6),
        std::string("\x28\xb5\x2f\xfd"), std::string("\x04\x22\x4d\x18"), std::string("PK\x03\x04"),
        std::string("PK\x05\x06"), std::string("7z\xbc\xaf\x27\x1c"), std::string("Rar!\x1a\x07"),
        std::string("\x7f"
                    "ELF"),
        std::string("BZh9"), std::string("\x1f\x9d")}) {
    EXPECT_TRUE(looks_binary(magic + rest)) << "magic of " << magic.size() << " bytes";
  }
  EXPECT_TRUE(looks_binary(std::string("MZ\x90\0\x03\0\0\0", 8) + rest));
}

TEST(BinaryContent, AShareOfControlBytesOverThirtyPercentIsBinary) {
  std::string mostly_text(70, 'a');
  EXPECT_FALSE(looks_binary(mostly_text + std::string(30, '\0')));  // exactly 30 %
  EXPECT_TRUE(looks_binary(mostly_text + std::string(31, '\x01')));
  // Only the first kBinaryProbeBytes count.
  EXPECT_FALSE(looks_binary(log_text().substr(0, kBinaryProbeBytes) + std::string(100000, '\0')));
}

}  // namespace
}  // namespace tse
