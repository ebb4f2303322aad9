#include "catalog/error_catalog.h"

#include <algorithm>
#include <map>

namespace tse {
namespace {

struct BuiltinEntry {
  std::int64_t code;
  std::string_view name;
  std::string_view description;
};

// The error table of T-Server for Microsoft Skype for Business, verbatim from
// shared/sfb-error-codes.tsv (code, symbolic name, description). Sorted by code.
constexpr BuiltinEntry kSfbErrors[] = {
    {40, "TERR_NOMORE_LICENSE", "No more licenses are available."},
    {41, "TERR_NOT_REGISTERED", "Client has not registered for the DN."},
    {42, "TERR_RESOURCE_SEIZED", "Resource is already seized"},
    {43, "TERR_IN_SAME_STATE", "Object is already in requested state."},
    {50, "TERR_UNKNOWN_ERROR", "Unknown error code. Request cannot be processed."},
    {51, "TERR_UNSUP_OPER", "Operation is not supported."},
    {52, "TERR_INTERNAL", "Internal error."},
    {53, "TERR_INVALID_ATTR", "Attribute in request operation is invalid."},
    {55, "TERR_PROTO_VERS", "Incorrect protocol version."},
    {56, "TERR_INV_CONNID", "Connection ID in request is invalid."},
    {57, "TERR_TIMEOUT", "Switch or T-Server did not respond in time."},
    {58, "TERR_OUT_OF_SERVICE", "Device is out of service."},
    {59, "TERR_NOT_CONFIGURED", "DN is not configured in the Configuration Database."},
    {61, "TERR_INV_CALL_DN", "DN in request is invalid."},
    {71, "TERR_INV_CALD_DN", "Invalid called DN."},
    {93, "TERR_DEST_INV_STATE", "Destination Invalid State."},
    {111, "TERR_TOO_MANY_REQ", "Too many outstanding requests."},
    {123, "TERR_DN_NOT_EXIST", "DN for association does not exist."},
    {177, "TERR_TARG_DN_INV", "Target DN Invalid."},
    {223, "TERR_BAD_PARAM", "Bad parameter is passed to function."},
    {226, "TERR_OUT_OF_MEM", "Out of memory (local)."},
    {236, "Timeout performing operation",
     "Request failed as no response from Connector (hence from SfB) for requested service received "
     "during timeout."},
    {237, "Call has disconnected", "Request failed due to the main call being disconnected."},
    {291, "Other telephony operation in progress",
     "Request failed because there is still pending request for the same call/device/etc in "
     "progress."},
    {415, "TERR_INV_DEST_DN", "The destination DN in the request is invalid."},
    {470, "TERR_PARTY_NOT_ON_CALL", "Party in request is not involved in a call."},
    {481, "TERR_NOT_SIGNED_AGENT", "The destination agent is not signed in."},
    {496, "TERR_INV_CALL_STATE", "Party in request is in the call state."},
    {563, "TERR_NO_CALL", "No call."},
    {565, "TERR_INVALID_STATE", "Invalid State."},
    {1140, "TERR_CSTA_OPER_REQ_INCOMPAT", "Request incompatible with object."},
    {1703, "TERR_SOFT_AGENT_WRONG_ID", "Agent has a wrong ID."},
    {1706, "TERR_SOFT_AGENT_ALREADY_LOGGED_IN", "Agent has already logged in."},
    {1707, "TERR_SOFT_AGENT_NOT_LOGGED_IN", "Agent has not logged in."},
};

static_assert(std::ranges::is_sorted(kSfbErrors, {}, &BuiltinEntry::code));

}  // namespace

const ErrorCatalog& ErrorCatalog::builtin() {
  static const ErrorCatalog catalog({}, {});
  return catalog;
}

ErrorCatalog::ErrorCatalog(std::span<const std::vector<CatalogEntryConfig>> tables,
                           std::span<const CatalogEntryConfig> codes) {
  std::map<std::int64_t, Entry> merged;
  const auto put = [&](std::int64_t code, std::string_view name, std::string_view description) {
    merged[code] = Entry{code, std::string(name), std::string(description)};
  };
  for (const auto& table : tables)
    for (const auto& entry : table) put(entry.code, entry.name, entry.description);
  for (const auto& entry : kSfbErrors) put(entry.code, entry.name, entry.description);
  for (const auto& entry : codes) put(entry.code, entry.name, entry.description);
  entries_.reserve(merged.size());
  codes_.reserve(merged.size());
  for (auto& [code, entry] : merged) {
    codes_.push_back(code);
    entries_.push_back(std::move(entry));
  }
}

const ErrorCatalog::Entry* ErrorCatalog::find(std::int64_t code) const {
  const auto it = std::lower_bound(codes_.begin(), codes_.end(), code);
  return it != codes_.end() && *it == code
             ? &entries_[static_cast<std::size_t>(it - codes_.begin())]
             : nullptr;
}

}  // namespace tse
