#include "source/origin_table.h"

namespace tse {

OriginTable::OriginTable(OriginLimits limits, MakeReader make_reader)
    : limits_(limits), make_reader_(std::move(make_reader)) {
  if (limits_.max_origins == 0) limits_.max_origins = 1;
}

OriginTable::~OriginTable() { close_all(); }

OriginTable::Origin* OriginTable::open(std::string_view key, std::string_view label,
                                       Clock::time_point now) {
  auto it = origins_.find(key);
  if (it == origins_.end()) {
    if (!admit_label(label)) return nullptr;
    // Full: the origin silent the longest makes room (its open record is closed and counted).
    while (origins_.size() >= limits_.max_origins && !by_age_.empty()) {
      ++origins_evicted_;
      close(origins_.find(*by_age_.front()->key));
    }
    it = origins_.emplace(std::string(key), Origin{}).first;
    Origin& origin = it->second;
    origin.key = &it->first;
    origin.age = by_age_.insert(by_age_.end(), &origin);
    origin.reader = make_reader_(std::string(label), [this, &origin](std::string_view named) {
      origin.refused = !admit_label(named);
      return !origin.refused;
    });
    origin.reader->begin_segment(SegmentBegin{.path = label});
  } else {
    by_age_.splice(by_age_.end(), by_age_, it->second.age);
  }
  it->second.last = now;
  it->second.quiet = false;
  return &it->second;
}

bool OriginTable::admit_label(std::string_view label) {
  if (labels_.contains(label)) return true;
  if (labels_.size() >= limits_.max_labels) {
    ++labels_refused_;
    last_refused_.assign(label);
    return false;
  }
  labels_.emplace(label);
  return true;
}

void OriginTable::close(Map::iterator it) {
  // Finished while still in the table: its admission hook, called from finish() when a header
  // ends there, refers to the origin.
  if (it->second.reader) it->second.reader->finish();
  by_age_.erase(it->second.age);
  origins_.erase(it);
}

void OriginTable::close_connection(std::string_view key) {
  auto it = origins_.lower_bound(key);
  while (it != origins_.end() && std::string_view(it->first).starts_with(key)) {
    const std::string_view rest = std::string_view(it->first).substr(key.size());
    if (rest.empty() || rest.front() == '\n') {
      const auto next = std::next(it);
      close(it);
      it = next;
    } else {
      ++it;
    }
  }
}

void OriginTable::close_all() {
  while (!origins_.empty()) close(origins_.begin());
}

void OriginTable::sweep(Clock::time_point now, Clock::duration idle_after,
                        std::optional<Clock::duration> forget_after) {
  if (forget_after) {
    while (!by_age_.empty() && now - by_age_.front()->last >= *forget_after) {
      close(origins_.find(*by_age_.front()->key));
    }
  }
  for (Origin* origin : by_age_) {
    if (!origin->quiet && now - origin->last >= idle_after) {
      origin->reader->idle();
      origin->quiet = true;
    }
  }
}

std::vector<OriginTable::Heard> OriginTable::recent(std::size_t max) const {
  std::vector<Heard> out;
  for (auto it = by_age_.rbegin(); it != by_age_.rend() && out.size() < max; ++it) {
    out.push_back({*(*it)->key, (*it)->last, (*it)->refused});
  }
  return out;
}

}  // namespace tse
