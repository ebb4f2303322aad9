#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/error_catalog.h"
#include "config/config.h"

namespace tse {

/// Reads a catalog table (config/tlib-error-codes.yml): a YAML list of `{code, name,
/// description}` maps (`description` may be left out). Strict: an unknown or duplicate key, a
/// code that is not a decimal integer, an empty name, a control character, or a code given
/// twice is an error. Each error is appended to `errors` as one line, `FILE:LINE:COLUMN: what
/// is wrong and what is expected`; the entries are returned only when there is none (else an
/// empty vector). Start-up and reload only (reads a file); any thread.
std::vector<CatalogEntryConfig> load_catalog_table(const std::string& path,
                                                   std::vector<std::string>& errors);

/// The catalog a configuration asks for: its tables read with load_catalog_table(), merged as
/// ErrorCatalog says. nullptr, with `errors` filled, when a table is missing or bad.
std::shared_ptr<const ErrorCatalog> build_catalog(const CatalogConfig& config,
                                                  std::vector<std::string>& errors);

}  // namespace tse
