#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

namespace tse {

/// The open connections of a server, and the cap on how many there may be.
///
/// As Asio's `connection_manager`: a connection is taken out of the set before it is closed, and
/// close_all() takes the whole set out before it closes each, so a closer that calls back into
/// the set (to remove itself) never invalidates a loop over it.
///
/// The HTTP server uses admit(): idle clients must never lock Prometheus out, so when the set is
/// full a new connection is let in by closing the connection that has waited longest for a
/// request (an idle keep-alive client, or one that trickles its request); failing that, the one
/// whose response has been stuck longest in a write that the client does not take (a client
/// that sends requests and never reads), once stuck for `stalled_write`. Only when every
/// connection is answering (a response being rendered, or written and moving) is the new one
/// turned away. The network log sources refuse connections over their cap instead (a log
/// sender is never idle by choice): they check size().
///
/// Knows nothing of sockets: a connection is an id and a function that closes it. Not
/// thread-safe: one server's event loop thread calls it.
class ConnectionSet {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;

  /// `on_size` (optional) is told the number of open connections whenever it changes.
  explicit ConnectionSet(std::size_t max_connections,
                         std::function<void(std::size_t)> on_size = nullptr,
                         std::chrono::milliseconds stalled_write = std::chrono::seconds(2))
      : max_(max_connections), on_size_(std::move(on_size)), stalled_write_(stalled_write) {}

  enum class Admission {
    kAdmitted,  // there was room
    kEvicted,   // there was room once the connection waiting longest was closed
    kRefused,   // full of connections being answered
  };
  /// Makes room for one more connection, closing one if it must. Call before add().
  Admission admit(Clock::time_point now = Clock::now());

  /// A new connection: `close` ends it at once (its pending operations are cancelled).
  Id add(std::function<void()> close);
  /// The connection waits for a request (between requests, or reading one), since `since`.
  void reading(Id id, Clock::time_point since);
  /// The connection is answering a request (its response is being rendered): not to be closed
  /// to make room.
  void busy(Id id);
  /// The connection writes its response, since `since`: closed to make room only once the write
  /// has taken `stalled_write`.
  void writing(Id id, Clock::time_point since);
  /// The connection ended (a no-op for one already closed by admit() or close_all()).
  void remove(Id id);
  /// Closes every connection (the server stops). Safe while the closers call remove().
  void close_all();

  [[nodiscard]] std::size_t size() const { return open_.size(); }
  [[nodiscard]] std::size_t max() const { return max_; }

 private:
  enum class State { kBusy, kReading, kWriting };
  struct Connection {
    std::function<void()> close;
    State state = State::kBusy;
    Clock::time_point since{};
  };
  void set(Id id, State state, Clock::time_point since);
  void changed() const {
    if (on_size_) on_size_(open_.size());
  }

  std::size_t max_;
  std::function<void(std::size_t)> on_size_;
  std::chrono::milliseconds stalled_write_;
  Id next_ = 0;
  std::map<Id, Connection> open_;
};

}  // namespace tse
