#include "catalog/catalog_table.h"
#include "temp_dir.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tse {

// Readable failures: the entry, not its bytes.
void PrintTo(const ErrorCatalog::Entry& entry, std::ostream* out) {
  *out << entry.code << " " << entry.name << " (" << entry.description << ")";
}

namespace {

namespace fs = std::filesystem;

const std::string kShippedTable = TSE_TEST_DATA "/../../config/tlib-error-codes.yml";

class CatalogTableTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = tse::testing::make_temp_dir("tse_catalog_").string(); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The errors of loading `text`, with the temp path replaced by "T".
  std::vector<std::string> errors_of(const std::string& text) {
    const std::string path = write("t.yml", text);
    std::vector<std::string> errors;
    const auto entries = load_catalog_table(path, errors);
    if (!errors.empty()) {
      EXPECT_TRUE(entries.empty());
    }
    for (auto& e : errors) {
      if (e.starts_with(path)) e = std::string("T").append(e, path.size());
    }
    return errors;
  }

  std::string dir_;
};

TEST_F(CatalogTableTest, LoadsAListOfCodes) {
  const std::string path = write("codes.yml",
                                 "# a comment\n"
                                 "- code: 54\n"
                                 "  name: TERR_NO_SWITCH\n"
                                 "  description: No connection to the switch\n"
                                 "- {code: 9001, name: SITE_SPECIFIC}\n");
  std::vector<std::string> errors;
  const auto entries = load_catalog_table(path, errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], (CatalogEntryConfig{54, "TERR_NO_SWITCH", "No connection to the switch"}));
  EXPECT_EQ(entries[1], (CatalogEntryConfig{9001, "SITE_SPECIFIC", ""}));
}

TEST_F(CatalogTableTest, EveryMistakeIsOneLineWithItsPosition) {
  EXPECT_EQ(errors_of("- code: 54\n  name: A\n  colour: red\n"),
            (std::vector<std::string>{
                "T:3:3: unknown key \"colour\" (expected code, name, description)"}));
  EXPECT_EQ(errors_of("- code: 54\n  name: A\n  name: B\n"),
            (std::vector<std::string>{"T:3:3: duplicate key \"name\""}));
  EXPECT_EQ(errors_of("- code: 54\n  name: A\n- code: 54\n  name: B\n"),
            (std::vector<std::string>{"T:3:3: duplicate code 54 (first at line 1)"}));
  EXPECT_EQ(errors_of("- code: 5x\n  name: A\n"),
            (std::vector<std::string>{"T:1:9: code: expected a decimal integer"}));
  EXPECT_EQ(errors_of("- code: \"54\"\n  name: A\n"),
            (std::vector<std::string>{"T:1:9: code: expected a decimal integer"}));
  EXPECT_EQ(errors_of("- code: [54]\n  name: A\n"),
            (std::vector<std::string>{"T:1:9: code: expected a decimal integer"}));
  EXPECT_EQ(errors_of("- code: 54\n  name: [A]\n"),
            (std::vector<std::string>{"T:2:9: name: expected a string"}));
  EXPECT_EQ(errors_of("- code: 54\n  name:\n"),
            (std::vector<std::string>{"T:2:3: name: expected a string"}));
  EXPECT_EQ(errors_of("- code: 54\n"), (std::vector<std::string>{"T:1:3: missing key \"name\""}));
  EXPECT_EQ(errors_of("- 54\n"),
            (std::vector<std::string>{"T:1:3: expected a map {code, name, description}"}));
  EXPECT_EQ(errors_of("code: 54\nname: A\n"),
            (std::vector<std::string>{
                "T:1:1: expected a list of error codes, each {code, name, description}"}));
  EXPECT_EQ(errors_of("- code: 54\n  name: \"A\\tB\"\n"),
            (std::vector<std::string>{"T:2:9: name: control characters are not allowed"}));
  EXPECT_EQ(errors_of("- {code: 54, name: A\n"),
            (std::vector<std::string>{"T:2:1: end of map flow not found"}));
  std::vector<std::string> errors;
  EXPECT_TRUE(load_catalog_table(dir_ + "/missing.yml", errors).empty());
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                dir_ + "/missing.yml: cannot read the catalog table: No such file or directory"}));
}

TEST_F(CatalogTableTest, BuildCatalogPutsTablesUnderTheSfbNamesAndCodesOverAll) {
  const std::string table = write("t.yml",
                                  "- {code: 57, name: TERR_TIMEOUT_TLIB, description: Timeout}\n"
                                  "- {code: 54, name: TERR_NO_SWITCH, description: No switch}\n"
                                  "- {code: 9001, name: FROM_TABLE}\n");
  CatalogConfig config{.tables = {table},
                       .codes = {{9001, "FROM_CONFIG", "ours"}, {40, "RENAMED", "by the site"}}};
  std::vector<std::string> errors;
  const auto catalog = build_catalog(config, errors);
  ASSERT_TRUE(catalog);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(catalog->entries().size(), 36u);           // 34 SfB codes, 54 and 9001
  EXPECT_EQ(catalog->find(57)->name, "TERR_TIMEOUT");  // SfB over the table
  EXPECT_EQ(catalog->find(57)->description, "Switch or T-Server did not respond in time.");
  EXPECT_EQ(catalog->find(54)->name, "TERR_NO_SWITCH");
  EXPECT_EQ(catalog->find(9001)->name, "FROM_CONFIG");  // the configuration over the table
  EXPECT_EQ(catalog->find(40)->name, "RENAMED");        // and over SfB
  EXPECT_EQ(catalog->find(41)->name, "TERR_NOT_REGISTERED");
  EXPECT_EQ(catalog->find(55)->name, "TERR_PROTO_VERS");

  config.tables.push_back(dir_ + "/missing.yml");
  EXPECT_FALSE(build_catalog(config, errors));
  EXPECT_EQ(errors.size(), 1u);
}

TEST_F(CatalogTableTest, TheShippedTlibTableLoadsAndKeepsTheSfbNames) {
  std::vector<std::string> errors;
  const auto entries = load_catalog_table(kShippedTable, errors);
  EXPECT_EQ(errors, std::vector<std::string>{});
  ASSERT_FALSE(entries.empty());
  // Every generic code, 40-43 and 50-59, is in it, named as tliberr.h names them.
  const auto name_in_table = [&](std::int64_t code) -> std::string {
    for (const auto& entry : entries)
      if (entry.code == code) return entry.name;
    return {};
  };
  for (std::int64_t code : {40, 41, 42, 43, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59}) {
    EXPECT_TRUE(name_in_table(code).starts_with("TERR_")) << code;
  }
  EXPECT_EQ(name_in_table(54), "TERR_NO_SWITCH");
  EXPECT_EQ(name_in_table(236), "TERR_TIMEOUT_PRF_OP");  // the SfB seed says otherwise

  std::vector<std::vector<CatalogEntryConfig>> tables{entries};
  const ErrorCatalog catalog(tables, {});
  EXPECT_EQ(entries.size(), 264u);
  EXPECT_EQ(catalog.entries().size(), 271u);  // 264 and the SfB codes TLib lacks
  EXPECT_EQ(catalog.find(236)->name, "Timeout performing operation");  // SfB's name kept
  EXPECT_EQ(catalog.find(237)->name, "Call has disconnected");
  EXPECT_EQ(catalog.find(57)->description, "Switch or T-Server did not respond in time.");
  EXPECT_EQ(catalog.find(54)->name, "TERR_NO_SWITCH");  // a TLib code SfB lacks
  for (const auto& sfb : ErrorCatalog::builtin().entries()) {
    EXPECT_EQ(*catalog.find(sfb.code), sfb) << sfb.code;
  }
}

}  // namespace
}  // namespace tse
