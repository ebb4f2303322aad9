#include "http/exposition_cache.h"

#include <stdexcept>
#include <utility>

namespace tse {

ExpositionCache::ExpositionCache(Ages ages, std::function<void()> request_render)
    : ages_(ages), request_render_(std::move(request_render)) {
  if (!(ages.fresh <= ages.stale && ages.stale <= ages.max_stale)) {
    throw std::invalid_argument("ExpositionCache: ages must be fresh <= stale <= max_stale");
  }
}

void ExpositionCache::get(Clock::time_point now, Done done) {
  Text serve;
  bool ask = false;
  {
    std::lock_guard lock(mutex_);
    const auto age = now - rendered_at_;
    const bool under_way = render_requested_;
    if (text_ && (age < ages_.stale || (under_way && age < ages_.max_stale))) serve = text_;
    else waiting_.push_back(std::move(done));
    if ((!text_ || age >= ages_.fresh) && !under_way) {
      render_requested_ = true;
      ++renders_requested_;
      ask = true;
    }
  }
  if (ask) {
    try {
      request_render_();
    } catch (...) {
      std::lock_guard lock(mutex_);
      render_requested_ = false;
      throw;
    }
  }
  if (serve) done(std::move(serve));
}

void ExpositionCache::publish(Text text, Clock::time_point rendered_at) {
  std::vector<Done> waiting;
  {
    std::lock_guard lock(mutex_);
    text_ = text;
    rendered_at_ = rendered_at;
    render_requested_ = false;
    waiting.swap(waiting_);
  }
  for (auto& done : waiting) done(text);
}

void ExpositionCache::render_failed() {
  std::vector<Done> waiting;
  Text text;
  {
    std::lock_guard lock(mutex_);
    render_requested_ = false;
    waiting.swap(waiting_);
    text = text_;
  }
  for (auto& done : waiting) done(text);
}

std::uint64_t ExpositionCache::renders_requested() const {
  std::lock_guard lock(mutex_);
  return renders_requested_;
}

}  // namespace tse
