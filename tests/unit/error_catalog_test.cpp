#include "catalog/error_catalog.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace tse {
namespace {

// The catalog must equal the table it was made from, field for field.
TEST(ErrorCatalog, EqualsTheSfbErrorTable) {
  std::ifstream tsv(TSE_TEST_DATA "/sfb-error-codes.tsv");
  ASSERT_TRUE(tsv) << "missing " TSE_TEST_DATA "/sfb-error-codes.tsv";
  std::string line;
  std::getline(tsv, line);
  ASSERT_EQ(line, "code\tsymbolic_name\tdescription");
  std::size_t i = 0;
  const auto entries = ErrorCatalog::builtin().entries();
  while (std::getline(tsv, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string code;
    std::string name;
    std::string description;
    std::getline(fields, code, '\t');
    std::getline(fields, name, '\t');
    std::getline(fields, description);
    ASSERT_LT(i, entries.size());
    EXPECT_EQ(std::to_string(entries[i].code), code);
    EXPECT_EQ(entries[i].name, name);
    EXPECT_EQ(entries[i].description, description);
    ++i;
  }
  EXPECT_EQ(i, 34u);
  EXPECT_EQ(entries.size(), 34u);
}

TEST(ErrorCatalog, FindsKnownCodesOnly) {
  ASSERT_NE(ErrorCatalog::builtin().find(57), nullptr);
  EXPECT_EQ(ErrorCatalog::builtin().find(57)->name, "TERR_TIMEOUT");
  ASSERT_NE(ErrorCatalog::builtin().find(236), nullptr);
  EXPECT_EQ(ErrorCatalog::builtin().find(236)->name, "Timeout performing operation");
  EXPECT_EQ(ErrorCatalog::builtin().find(40)->name, "TERR_NOMORE_LICENSE");
  EXPECT_EQ(ErrorCatalog::builtin().find(1707)->name, "TERR_SOFT_AGENT_NOT_LOGGED_IN");
  EXPECT_EQ(ErrorCatalog::builtin().find(54), nullptr);
  EXPECT_EQ(ErrorCatalog::builtin().find(0), nullptr);
  EXPECT_EQ(ErrorCatalog::builtin().find(-57), nullptr);
  EXPECT_EQ(ErrorCatalog::builtin().find(9999), nullptr);
}

}  // namespace
}  // namespace tse
