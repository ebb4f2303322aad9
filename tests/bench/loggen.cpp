#include "loggen.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace tse::bench {
namespace {

constexpr std::int64_t kMsPerSecond = 1000;
constexpr std::int64_t kMsPerHour = 3600 * kMsPerSecond;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;
// 2025-12-17T08:00:00.000 UTC: the logs say local time and print no zone (contract section 2).
constexpr std::int64_t kStartMs = 1765958400LL * kMsPerSecond;
constexpr std::string_view kVersion = "8.5.001.23";

void put_uint(std::string& out, std::uint64_t v) {
  char buf[20];
  std::size_t n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out.push_back(buf[--n]);
}

void put_pad(std::string& out, std::uint64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

void put_hex(std::string& out, std::uint64_t v, int width) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[16];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = kDigits[v & 0xf];
    v >>= 4;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

void put_clock(std::string& out, std::int64_t ms_of_day) {  // HH:MM:SS
  const auto s = static_cast<std::uint64_t>(ms_of_day / kMsPerSecond);
  put_pad(out, s / 3600, 2);
  out.push_back(':');
  put_pad(out, s / 60 % 60, 2);
  out.push_back(':');
  put_pad(out, s % 60, 2);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

struct Request {
  std::string_view request;
  std::string_view event;
  std::string_view function;  // of the event's `@` line
  bool call;                  // carries a ConnID
  bool other_dn;
  bool user_data;
  bool to_stat_server;
  std::uint32_t weight;
};

constexpr Request kRequests[] = {
    {"RequestMakeCall", "EventDialing", "distribute call/party event", true, true, false, true, 14},
    {"RequestAnswerCall", "EventEstablished", "distribute call/party event", true, false, false,
     true, 14},
    {"RequestReleaseCall", "EventReleased", "distribute call/party event", true, false, false, true,
     14},
    {"RequestHoldCall", "EventHeld", "distribute call/party event", true, false, false, true, 6},
    {"RequestRetrieveCall", "EventRetrieved", "distribute call/party event", true, false, false,
     true, 6},
    {"RequestInitiateTransfer", "EventDialing", "distribute call/party event", true, true, false,
     true, 4},
    {"RequestCompleteTransfer", "EventReleased", "distribute call/party event", true, false, false,
     true, 3},
    {"RequestAgentReady", "EventAgentReady", "distribute_event", false, false, false, true, 10},
    {"RequestAgentNotReady", "EventAgentNotReady", "distribute_event", false, false, false, true,
     8},
    {"RequestAgentLogin", "EventAgentLogin", "distribute_event", false, false, false, true, 2},
    {"RequestAgentLogout", "EventAgentLogout", "distribute_event", false, false, false, true, 2},
    {"RequestAttachUserData", "EventAttachedDataChanged", "distribute_event", true, false, true,
     true, 8},
    {"RequestUpdateUserData", "EventAttachedDataChanged", "distribute_event", true, false, true,
     true, 4},
    {"RequestQueryAddress", "EventAddressInfo", "send_to_client", false, false, false, false, 3},
};

constexpr std::string_view kCallEvents[] = {
    "EventRinging", "EventEstablished", "EventReleased", "EventPartyChanged",
    "EventDialing", "EventQueued",      "EventDiverted"};

struct Pair {
  std::string_view key;
  std::string_view value;
};
constexpr std::string_view kLatin1Name = "'M\xfcller'";
constexpr std::string_view kUtf8Name = "'M\xc3\xbcller'";
// Ordinary user data. One value holds a Latin-1 byte (0xfc), others are masked or empty.
constexpr Pair kUserData[] = {
    {"GSW_CALL_TYPE", "'inbound'"},
    {"CustomerSegment", "'Gold'"},
    {"IW_CaseUid", "'6f0c2b4e-8d5a-4c1e-9a07-3b2f1d9e4c11'"},
    {"RTargetRequested", "'Sales'"},
    {"Disposition", "'Order placed'"},
    {"OrderId", "'SO-2025-118734'"},
    {"Amount", "249"},
    {"CustomerName", kLatin1Name},
    {"Language", "'fr-CA'"},
    {"CallbackNumber", "'****'"},
    {"Notes", "''"},
    {"GSW_RECORD_HANDLE", "17"},
    {"ENT_Queue", "'sip:queue.sales@contoso.com'"},
};
// Nested pairs that look like errors: user data, never counted.
constexpr Pair kDecoys[] = {
    {"ErrorCode", "57"},           {"Note", "'message EventError'"},
    {"LastEvent", "'EventError'"}, {"AttributeErrorCode", "1707"},
    {"ErrorCode", "'236'"},
};

}  // namespace

LogGenerator::LogGenerator(std::uint64_t seed, std::string tserver,
                           std::uint32_t error_blocks_per_mille)
    : random_(seed ^ 0x5453455f4c4f4747ULL),
      tserver_(std::move(tserver)),
      error_blocks_(std::min<std::uint32_t>(error_blocks_per_mille, 1000)),
      stat_server_{640, "0000001c StatServer_01 10.1.5.30:39001", "", 1},
      urs_{812, "00000031 URS_01 10.1.5.20:40122", "", 1},
      icon_{655, "0000001d ICON_01 10.1.5.31:39440", "", 1},
      now_ms_(kStartMs + static_cast<std::int64_t>(random_.below(3600)) * kMsPerSecond),
      start_ms_(now_ms_ - 2 * kMsPerHour - 1234),
      last_check_point_hour_(floor_div(now_ms_, kMsPerHour)) {
  for (std::uint32_t i = 0; i < 40; ++i) {
    Client c;
    c.number = 700 + 7 * i;
    put_hex(c.tag, 0x2a + i, 8);
    c.tag += " WDE_";
    put_pad(c.tag, i + 1, 2);
    c.tag += " 10.1.2.";
    put_uint(c.tag, 3 + i);
    c.tag += ':';
    put_uint(c.tag, 50000 + random_.below(15000));
    c.dn = "'sip:agent";
    put_uint(c.dn, i + 1);
    c.dn += "@contoso.com'";
    c.next_reference = 1 + static_cast<std::uint32_t>(random_.below(1000));
    agents_.push_back(std::move(c));
  }
}

// ---- lines -------------------------------------------------------------------------------------

void LogGenerator::end_line(std::string& out) {
  out += "\r\n";
  ++tally_.lines;
}

void LogGenerator::put_iso_time(std::string& out, std::int64_t ms) {
  const std::int64_t day = floor_div(ms, kMsPerDay);
  if (day != cached_day_) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{days{day}}};
    std::string date;
    put_pad(date, static_cast<std::uint64_t>(static_cast<int>(ymd.year())), 4);
    date.push_back('-');
    put_pad(date, static_cast<unsigned>(ymd.month()), 2);
    date.push_back('-');
    put_pad(date, static_cast<unsigned>(ymd.day()), 2);
    date.copy(cached_date_, 10);
    cached_day_ = day;
  }
  out.append(cached_date_, 10);
  out.push_back('T');
  const std::int64_t of_day = ms - day * kMsPerDay;
  put_clock(out, of_day);
  out.push_back('.');
  put_pad(out, static_cast<std::uint64_t>(of_day % kMsPerSecond), 3);
}

void LogGenerator::put_record(std::string& out, std::string_view level, std::string_view id,
                              std::string_view text_a, std::string_view text_b,
                              const Client* client) {
  if (id == "04541") expire_requests(1);  // the exporter ages its pending requests here
  put_record_time(out);
  out.push_back(' ');
  out += level;
  out.push_back(' ');
  out += id;
  out.push_back(' ');
  out += text_a;
  out += text_b;
  if (client != nullptr) {
    out += " [";
    put_uint(out, client->number);
    out += "] (";
    out += client->tag;
    out.push_back(')');
  }
  end_line(out);
}

void LogGenerator::put_at_message(std::string& out, std::string_view function,
                                  std::string_view name) {
  out.push_back('@');
  const std::int64_t of_day = now_ms_ - floor_div(now_ms_, kMsPerDay) * kMsPerDay;
  put_clock(out, of_day);
  out.push_back('.');
  const std::uint64_t tenth_ms = random_.below(10);
  put_pad(out, static_cast<std::uint64_t>(of_day % kMsPerSecond) * 10 + tenth_ms, 4);
  last_at_micros_ = now_ms_ * 1000 + static_cast<std::int64_t>(tenth_ms) * 100;
  out += " [0] ";
  out += kVersion;
  out.push_back(' ');
  out += function;
  out += ": message ";
  out += name;
  end_line(out);
}

void LogGenerator::put_message_line(std::string& out, std::string_view name) {
  out += "message ";
  out += name;
  end_line(out);
}

void LogGenerator::put_attr(std::string& out, std::string_view name, std::string_view value) {
  out += "\tAttribute";
  out += name;
  out.push_back('\t');
  out += value;
  end_line(out);
}

void LogGenerator::put_attr_num(std::string& out, std::string_view name, std::uint64_t value) {
  out += "\tAttribute";
  out += name;
  out.push_back('\t');
  put_uint(out, value);
  end_line(out);
}

void LogGenerator::put_attr_hex(std::string& out, std::string_view name, std::uint64_t value) {
  out += "\tAttribute";
  out += name;
  out.push_back('\t');
  put_hex(out, value, 16);
  end_line(out);
}

void LogGenerator::put_event_prologue(std::string& out, std::uint64_t sequence) {
  put_attr_hex(out, "EventSequenceNumber", sequence);
  const auto ms_of_second = static_cast<std::uint64_t>(now_ms_ % kMsPerSecond);
  put_attr_num(out, "TimeinuSecs", ms_of_second * 1000 + random_.below(1000));
  out += "\tAttributeTimeinSecs\t";
  put_uint(out, static_cast<std::uint64_t>(now_ms_ / kMsPerSecond));
  out += " (";
  put_clock(out, now_ms_ - floor_div(now_ms_, kMsPerDay) * kMsPerDay);
  out.push_back(')');
  end_line(out);
}

void LogGenerator::put_conn_id(std::string& out, std::uint64_t call) {
  put_attr_hex(out, "ConnID", 0x007a02b6c1e40000ULL + call);
}

void LogGenerator::put_user_data(std::string& out, std::string_view attribute, bool decoys) {
  const std::size_t n = 1 + random_.below(6);
  std::size_t first = random_.below(std::size(kUserData));
  std::size_t decoy_count = decoys ? 1 + random_.below(3) : 0;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Pair& p = kUserData[(first + i) % std::size(kUserData)];
    bytes += p.key.size() + p.value.size() + 6;
  }
  out += "\tAttribute";
  out += attribute;
  out += "\t[";
  put_uint(out, bytes + decoy_count * 24);
  out += "] 00 ";
  put_pad(out, n + decoy_count, 2);
  out += " 00 00..";
  end_line(out);
  for (std::size_t i = 0; i < n; ++i) {
    if (decoy_count > 0 && random_.chance(400)) {
      const Pair& d = kDecoys[random_.below(std::size(kDecoys))];
      out += "\t\t'";
      out += d.key;
      out += "'\t";
      out += d.value;
      end_line(out);
      --decoy_count;
    }
    const Pair& p = kUserData[(first + i) % std::size(kUserData)];
    out += "\t\t'";
    out += p.key;
    out += "'\t";
    out += utf8_only_ && p.value == kLatin1Name ? kUtf8Name : p.value;
    end_line(out);
  }
  for (; decoy_count > 0; --decoy_count) {
    const Pair& d = kDecoys[random_.below(std::size(kDecoys))];
    out += "\t\t'";
    out += d.key;
    out += "'\t";
    out += d.value;
    end_line(out);
  }
}

// ---- blocks ------------------------------------------------------------------------------------

void LogGenerator::advance(std::int64_t min_ms, std::int64_t max_ms) {
  now_ms_ += min_ms + static_cast<std::int64_t>(
                          random_.below(static_cast<std::uint64_t>(max_ms - min_ms + 1)));
}

void LogGenerator::maybe_check_point(std::string& out) {
  const std::int64_t hour = floor_div(now_ms_, kMsPerHour);
  if (hour == last_check_point_hour_) return;
  last_check_point_hour_ = hour;
  // Printed at the whole second it names: the exporter's clock reads the named time, which must
  // not step back from the lines before it (an answer may have come tens of seconds after the
  // hour), and it ages the pending requests with it.
  now_ms_ = floor_div(now_ms_ + kMsPerSecond - 1, kMsPerSecond) * kMsPerSecond;
  expire_requests(kMsPerSecond);
  last_check_point_ms_ = now_ms_;
  put_record_time(out);
  out += " Std 04120 Check point ";
  std::string stamp;
  put_iso_time(stamp, now_ms_);
  out.append(stamp, 0, 19);
  end_line(out);
}

void LogGenerator::put_record_time(std::string& out) {
  if (time_format_ == TimeFormat::kIso) {
    put_iso_time(out, now_ms_);
    return;
  }
  const std::int64_t of_day = now_ms_ - floor_div(now_ms_, kMsPerDay) * kMsPerDay;
  put_clock(out, of_day);
  out.push_back('.');
  put_pad(out, static_cast<std::uint64_t>(of_day % kMsPerSecond), 3);
}

// ---- pending requests and their answers --------------------------------------------------------

void LogGenerator::track_request(const Client& client, std::string_view name,
                                 std::uint32_t reference) {
  const std::uint64_t key = pending_key(client, reference);
  const std::uint64_t serial = ++pending_serial_;
  pending_[key] = Pending{name, reference, now_ms_, serial};  // a reused key replaces
  pending_order_.emplace_back(key, serial);
}

void LogGenerator::expire_requests(std::int64_t step_ms) {
  while (!pending_order_.empty()) {
    const auto [key, serial] = pending_order_.front();
    const auto it = pending_.find(key);
    if (it == pending_.end() || it->second.serial != serial) {  // answered or replaced
      pending_order_.pop_front();
      continue;
    }
    const std::int64_t waited = now_ms_ - it->second.received_ms;
    if (waited == kRequestTimeoutMs) {
      // On the edge: the exporter's clock may stand up to 0.9 ms later (an `@` line's fourth
      // digit). Step past it so that the expectation is exact.
      now_ms_ += step_ms;
      continue;
    }
    if (waited < kRequestTimeoutMs) return;
    auto u = tally_.unanswered.find(it->second.name);
    if (u == tally_.unanswered.end()) u = tally_.unanswered.emplace(it->second.name, 0).first;
    ++u->second;
    ++tally_.unanswered_total;
    pending_.erase(it);
    pending_order_.pop_front();
  }
}

void LogGenerator::answer(const Client* client, std::uint32_t reference, std::int64_t at_micros) {
  auto it = pending_.end();
  if (client != nullptr) {
    it = pending_.find(pending_key(*client, reference));
  } else {  // the ReferenceID alone, when exactly one pending request has it
    int matches = 0;
    for (auto c = pending_.begin(); c != pending_.end(); ++c) {
      if (c->second.reference == reference && ++matches == 1) it = c;
    }
    if (matches != 1) it = pending_.end();
  }
  if (it == pending_.end()) return;
  const std::int64_t micros = at_micros - it->second.received_ms * 1000;
  auto h = tally_.durations.find(it->second.name);
  if (h == tally_.durations.end())
    h = tally_.durations.emplace(it->second.name, DurationHistogram{}).first;
  std::size_t i = 0;
  while (i < kDurationBoundsMicros.size() && micros > kDurationBoundsMicros[i]) ++i;
  if (i < kDurationBoundsMicros.size() && micros == kDurationBoundsMicros[i]) ++tally_.on_a_bound;
  ++h->second.in_bucket[i];
  ++h->second.count;
  h->second.sum_micros += micros;
  ++tally_.answered;
  const std::int64_t received = it->second.received_ms;
  if (floor_div(received, kMsPerDay) != floor_div(at_micros / 1000, kMsPerDay)) {
    ++tally_.across_midnight;
  }
  if (received < last_check_point_ms_) ++tally_.across_check_point;
  pending_.erase(it);
}

void LogGenerator::settle_fallback() {
  if (!fallback_) return;
  answer(nullptr, fallback_->first, fallback_->second);
  fallback_.reset();
}

void LogGenerator::finish() { settle_fallback(); }

void LogGenerator::set_start_time_of_day(std::int64_t ms_of_day) {
  now_ms_ = floor_div(kStartMs, kMsPerDay) * kMsPerDay + ms_of_day;
  start_ms_ = now_ms_ - 2 * kMsPerHour - 1234;
  last_check_point_hour_ = floor_div(now_ms_, kMsPerHour);
}

std::int64_t LogGenerator::draw_delay(std::int64_t usual_max_ms) {
  // Mostly as fast as a healthy T-Server, then slower and slower answers up to past the last
  // bucket bound (60 s), and some exactly on a bound (a shape-B answer keeps it exact).
  auto between = [this](std::int64_t min_ms, std::int64_t max_ms) {
    return min_ms + static_cast<std::int64_t>(
                        random_.below(static_cast<std::uint64_t>(max_ms - min_ms + 1)));
  };
  const std::uint64_t r = random_.below(1000);
  if (r < 10) return kDurationBoundsMicros[random_.below(kDurationBoundsMicros.size())] / 1000;
  if (r < 880) return between(1, usual_max_ms);
  if (r < 950) return between(usual_max_ms, std::max<std::int64_t>(usual_max_ms, 2500) + 1000);
  if (r < 990) return between(2500, 30000);
  return between(30000, 90000);
}

void LogGenerator::request_dump(std::string& out, Client& client, std::string_view request,
                                std::uint32_t reference, std::uint64_t call, bool user_data) {
  put_record(out, "Trc", "04541", request, " received from", &client);
  put_message_line(out, request);
  put_attr(out, "ThisDN", client.dn);
  if (call != 0) put_conn_id(out, call);
  if (request == "RequestMakeCall" || request == "RequestInitiateTransfer") {
    put_attr(out, "OtherDN", random_.chance(500) ? "'+15551234567'" : "'+14255550199'");
  }
  if (request.starts_with("RequestAgent")) put_attr_num(out, "AgentWorkMode", random_.below(4));
  if (user_data) put_user_data(out, "UserData", random_.chance(150));
  put_attr_num(out, "ReferenceID", reference);
  ++tally_.messages;
  track_request(client, request, reference);
}

void LogGenerator::backup_copy(std::string& out, std::string_view name, const Client& client,
                               std::uint32_t reference, std::uint64_t call) {
  now_ms_ += 1;
  out.push_back('@');
  put_clock(out, now_ms_ - floor_div(now_ms_, kMsPerDay) * kMsPerDay);
  out.push_back('.');
  put_pad(out, static_cast<std::uint64_t>(now_ms_ % kMsPerSecond) * 10, 4);
  out += " [BSYNC] Trace: Send to backup (";
  out += tserver_;
  out += "_B) [";
  put_uint(out, ++backup_number_);
  out += "]:";
  end_line(out);
  put_message_line(out, name);
  put_attr(out, "ThisDN", client.dn);
  if (call != 0) put_conn_id(out, call);
  if (name == "EventError") {  // a copy of an EventError: its code must not count again
    put_attr_num(out, "ErrorCode", 57);
    put_attr(out, "ErrorMessage", "'Switch or T-Server did not respond in time'");
  }
  put_attr_num(out, "ClientID", client.number);
  put_attr_num(out, "ReferenceID", reference);
  ++tally_.backup_copies;
}

void LogGenerator::connector_line(std::string& out) {
  out.push_back('@');
  put_clock(out, now_ms_ - floor_div(now_ms_, kMsPerDay) * kMsPerDay);
  out.push_back('.');
  put_pad(out, static_cast<std::uint64_t>(now_ms_ % kMsPerSecond) * 10 + 6, 4);
  out += " [0] ";
  out += kVersion;
  out += " sfb_connector: request ";
  put_uint(out, random_.below(100000));
  out += " queued for connector, timeout 4000 ms";
  end_line(out);
}

void LogGenerator::request_with_event(std::string& out) {
  std::uint32_t total = 0;
  for (const auto& r : kRequests) total += r.weight;
  auto pick = static_cast<std::uint32_t>(random_.below(total));
  std::size_t request = 0;
  for (std::size_t i = 0; i < std::size(kRequests); ++i) {
    if (pick < kRequests[i].weight) {
      request = i;
      break;
    }
    pick -= kRequests[i].weight;
  }
  const Request* req = &kRequests[request];
  const std::size_t agent = random_.below(agents_.size());
  Client& client = agents_[agent];
  const std::uint32_t reference = client.next_reference++;
  const std::uint64_t call = req->call ? 1 + random_.below(5000) : 0;
  request_dump(out, client, req->request, reference, call, req->user_data);
  if (random_.chance(100)) connector_line(out);
  if (random_.chance(150)) backup_copy(out, req->request, client, reference, call);
  const std::optional<std::int64_t> forced = std::exchange(forced_delay_ms_, std::nullopt);
  if (!forced && random_.chance(3)) return;  // never answered: unanswered after the timeout
  const std::int64_t delay = forced ? *forced : draw_delay(80);
  if (forced || delay > 1000 || random_.chance(250)) {
    // Answered in a later block, with other requests, answers and check points in between (as
    // a slow answer always is).
    deferred_.emplace(now_ms_ + delay, DeferredAnswer{request, agent, reference, call});
    return;
  }
  now_ms_ += delay;
  write_answer(out, request, client, reference, call);
}

void LogGenerator::write_answer(std::string& out, std::size_t request, Client& client,
                                std::uint32_t reference, std::uint64_t call) {
  const Request* req = &kRequests[request];
  const std::uint64_t sequence = ++sequence_;
  const bool shape_b = random_.chance(120);
  if (shape_b) {
    put_record(out, "Trc", "04542", req->event, " sent to", &client);
    answer(&client, reference, now_ms_ * 1000);  // timed by its record
    put_message_line(out, req->event);
  } else {
    put_at_message(out, req->function, req->event);
    answer(&client, reference, last_at_micros_);  // its 04542 record below names the client
  }
  put_event_prologue(out, sequence);
  if (req->call) {
    put_attr_num(out, "CallType", 2);
    put_conn_id(out, call);
    out += "\tAttributeCallUUID\t'S0A3V2JQ9H1MV9P1SMH0A4UI";
    put_pad(out, call, 8);
    out += '\'';
    end_line(out);
  }
  if (req->user_data || (req->call && random_.chance(300))) {
    put_user_data(out, "UserData", random_.chance(60));
  }
  put_attr(out, "ThisDN", client.dn);
  if (req->call) put_attr_num(out, "ThisDNRole", 1);
  if (req->other_dn) {
    put_attr(out, "OtherDN", "'+15551234567'");
    put_attr_num(out, "OtherDNRole", 2);
  }
  if (!req->call && !req->user_data) {
    out += "\tAttributeAgentID\t'7";
    put_pad(out, client.number, 4);
    out += '\'';
    end_line(out);
  }
  put_attr_num(out, "ReferenceID", reference);
  ++tally_.messages;
  if (!shape_b) put_record(out, "Trc", "04542", req->event, " sent to", &client);
  if (req->to_stat_server) put_record(out, "Trc", "04542", req->event, " sent to", &stat_server_);
  if (random_.chance(50)) put_record(out, "Trc", "04542", req->event, " sent to", &icon_);
}

void LogGenerator::call_event(std::string& out) {
  const std::string_view event = kCallEvents[random_.below(std::size(kCallEvents))];
  Client& client = agents_[random_.below(agents_.size())];
  const std::uint64_t call = 1 + random_.below(5000);
  put_at_message(out, "distribute call/party event", event);
  put_event_prologue(out, ++sequence_);
  put_attr_num(out, "CallType", 2);
  put_conn_id(out, call);
  out += "\tAttributeCallUUID\t'S0A3V2JQ9H1MV9P1SMH0A4UI";
  put_pad(out, call, 8);
  out += '\'';
  end_line(out);
  if (random_.chance(550)) put_user_data(out, "UserData", random_.chance(80));
  put_attr(out, "ThisDN", client.dn);
  put_attr_num(out, "ThisDNRole", 2);
  put_attr(out, "OtherDN", "'+15557654321'");
  put_attr_num(out, "OtherDNRole", 1);
  if (random_.chance(200)) put_attr(out, "ThisQueue", "'sip:queue.sales@contoso.com'");
  ++tally_.messages;
  put_record(out, "Trc", "04542", event, " sent to", &client);
  put_record(out, "Trc", "04542", event, " sent to", &stat_server_);
  if (random_.chance(300)) put_record(out, "Trc", "04542", event, " sent to", &urs_);
}

void LogGenerator::shape_b_event(std::string& out) {
  // A registration: the request, then the event in shape B (04542 record, column-0 dump).
  Client& client = agents_[random_.below(agents_.size())];
  const std::uint32_t reference = client.next_reference++;
  request_dump(out, client, "RequestRegisterAddress", reference, 0, false);
  now_ms_ += draw_delay(20);
  put_record(out, "Trc", "04542", "EventRegistered", " sent to", &client);
  answer(&client, reference, now_ms_ * 1000);
  put_message_line(out, "EventRegistered");
  put_event_prologue(out, ++sequence_);
  put_attr(out, "ThisDN", client.dn);
  put_attr_num(out, "AddressType", 1);
  put_attr_num(out, "AgentWorkMode", 0);
  put_attr_num(out, "ReferenceID", reference);
  ++tally_.messages;
}

void LogGenerator::trace_pair(std::string& out) {
  // Logged at trace verbosity: the records without their dumps.
  Client& client = agents_[random_.below(agents_.size())];
  const auto& req = kRequests[random_.below(std::size(kRequests))];
  put_record(out, "Trc", "04541", req.request, " received from", &client);
  advance(1, 40);
  put_record(out, "Trc", "04542", req.event, " sent to", &client);
  if (req.to_stat_server) put_record(out, "Trc", "04542", req.event, " sent to", &stat_server_);
  tally_.messages += 2;
}

void LogGenerator::error_like_event(std::string& out) {
  // Events that carry AttributeErrorCode but are not EventErrors.
  const std::uint64_t which = random_.below(3);
  if (which == 0) {
    put_at_message(out, "distribute_event", "ISCCEventError");
    put_event_prologue(out, ++sequence_);
    put_attr_num(out, "ErrorCode", 51);
    put_attr(out, "ErrorMessage", "'Operation is not supported'");
    put_attr(out, "Location", "'SiteB'");
    put_attr_num(out, "ReferenceID", 1 + random_.below(500));
    put_record(out, "Trc", "04542", "ISCCEventError", " sent to", &urs_);
  } else if (which == 1) {
    Client& client = agents_[random_.below(agents_.size())];
    put_record(out, "Trc", "04542", "EventHardwareError", " sent to", &client);
    put_message_line(out, "EventHardwareError");
    put_event_prologue(out, ++sequence_);
    put_attr_num(out, "ErrorCode", 58);
    put_attr(out, "ErrorMessage", "'Device is out of service'");
    put_attr(out, "ThisDN", client.dn);
  } else {
    put_at_message(out, "distribute_event", "EventLinkDisconnected");
    put_event_prologue(out, ++sequence_);
    put_attr_num(out, "ErrorCode", 52);
    put_attr(out, "ErrorMessage", "'Internal error'");
    put_attr(out, "ThisDN", "'sfbconn01'");
    for (int i = 0; i < 3; ++i) {
      put_record(out, "Trc", "04542", "EventLinkDisconnected", " sent to",
                 &agents_[random_.below(agents_.size())]);
    }
    put_record(out, "Trc", "04542", "EventLinkDisconnected", " sent to", &stat_server_);
  }
  ++tally_.messages;
}

const LogGenerator::Code& LogGenerator::pick_code() {
  // The codes an SfB T-Server sends most, then the rest of the table, then unlisted codes.
  static constexpr Code kCodes[] = {
      {57, "Switch or T-Server did not respond in time", 300},
      {236, "Timeout performing operation", 250},
      {56, "Invalid connID", 80},
      {71, "Invalid called DN", 60},
      {1707, "Agent has not logged in", 60},
      {237, "Call has disconnected", 50},
      {291, "Other telephony operation in progress", 40},
      {41, "Client has not registered for the DN", 15},
      {43, "Object is already in requested state", 15},
      {52, "Internal error", 10},
      {53, "Attribute in request operation is invalid", 10},
      {59, "DN is not configured in the Configuration Database", 10},
      {61, "DN in request is invalid", 10},
      {111, "Too many outstanding requests", 10},
      {470, "Party in request is not involved in a call", 10},
      {481, "The destination agent is not signed in", 10},
      {563, "No call", 10},
      {1706, "Agent has already logged in", 10},
      {9999, "Unknown error", 5},   // outside the table
      {12345, "Unknown error", 3},  // outside the table
      {0, "No error", 2},           // outside the table
  };
  std::uint32_t total = 0;
  for (const auto& c : kCodes) total += c.weight;
  auto pick = static_cast<std::uint32_t>(random_.below(total));
  for (const auto& c : kCodes) {
    if (pick < c.weight) return c;
    pick -= c.weight;
  }
  return kCodes[0];
}

void LogGenerator::count(const Code* code) {
  ++tally_.event_errors;
  ++tally_.by_code[code == nullptr ? std::string("unknown") : std::to_string(code->code)];
}

void LogGenerator::error_dump_body(std::string& out, std::uint64_t sequence, const Code* code,
                                   std::uint32_t reference, const Client& client,
                                   std::uint64_t call, bool text_line, bool nested_decoys) {
  if (text_line && code != nullptr) {
    out += "\t(";
    out += code->message;
    out.push_back(')');
    end_line(out);
  }
  put_event_prologue(out, sequence);
  if (nested_decoys) put_user_data(out, "UserData", true);
  if (code != nullptr) {
    const bool code_first = random_.chance(200);
    if (code_first) put_attr_num(out, "ErrorCode", static_cast<std::uint64_t>(code->code));
    out += "\tAttributeErrorMessage\t'";
    out += code->message;
    out += '\'';
    end_line(out);
    if (!code_first) put_attr_num(out, "ErrorCode", static_cast<std::uint64_t>(code->code));
  } else {
    out += "\t(Switch or T-Server did not respond in time)";
    end_line(out);
  }
  if (nested_decoys && random_.chance(500)) put_user_data(out, "Extensions", true);
  put_attr_num(out, "ReferenceID", reference);
  put_attr(out, "ThisDN", client.dn);
  if (call != 0) put_conn_id(out, call);
}

void LogGenerator::event_error(std::string& out) {
  Client& client = agents_[random_.below(agents_.size())];
  const auto& req = kRequests[random_.below(std::size(kRequests))];
  const std::uint32_t reference = client.next_reference++;
  const std::uint64_t call = req.call ? 1 + random_.below(5000) : 0;
  const std::uint64_t variant = random_.below(1000);

  if (variant < 100) {  // trace verbosity: the two records and no dump; code unknown
    put_record(out, "Trc", "04541", req.request, " received from", &client);
    advance(1, 4000);
    put_record(out, "Trc", "04542", "EventError", " sent to", &client);
    tally_.messages += 2;
    ++tally_.trace_only;
    count(nullptr);
    return;
  }

  request_dump(out, client, req.request, reference, call, req.user_data);
  if (random_.chance(150)) connector_line(out);
  if (random_.chance(100)) backup_copy(out, req.request, client, reference, call);
  now_ms_ += draw_delay(4000);
  const Code& code = pick_code();
  const std::uint64_t sequence = ++sequence_;
  const bool decoys = random_.chance(80);
  ++tally_.messages;

  if (variant < 430) {  // shape B: the record, then the dump at column 0
    put_record(out, "Trc", "04542", "EventError", " sent to", &client);
    answer(&client, reference, now_ms_ * 1000);
    put_message_line(out, "EventError");
    error_dump_body(out, sequence, &code, reference, client, call, false, decoys);
    ++tally_.shape_b;
    count(&code);
    return;
  }
  if (variant < 450) {  // a dump whose only codes are nested: counted as unknown
    put_at_message(out, "send_to_client", "EventError");
    answer(&client, reference, last_at_micros_);
    out += "\t(Timeout performing operation)";
    end_line(out);
    put_event_prologue(out, sequence);
    put_user_data(out, "UserData", true);
    put_attr(out, "ErrorMessage", "'Timeout performing operation'");
    put_attr_num(out, "ReferenceID", reference);
    put_attr(out, "ThisDN", client.dn);
    put_record(out, "Trc", "04542", "EventError", " sent to", &client);
    ++tally_.shape_a;
    ++tally_.malformed;
    count(nullptr);
    return;
  }
  if (variant < 480) {  // printed twice (send_to_client, distribute_event), one trailer
    put_at_message(out, "send_to_client", "EventError");
    answer(&client, reference, last_at_micros_);  // the first print is the answer
    error_dump_body(out, sequence, &code, reference, client, call, false, decoys);
    put_at_message(out, "distribute_event", "EventError");
    error_dump_body(out, sequence, &code, reference, client, call, false, decoys);
    put_record(out, "Trc", "04542", "EventError", " sent to", &client);
    ++tally_.printed_twice;
    ++tally_.duplicates;
    count(&code);
    return;
  }
  if (variant < 500) {  // printed twice, each with its trailer
    for (int i = 0; i < 2; ++i) {
      put_at_message(out, i == 0 ? "send_to_client" : "distribute_event", "EventError");
      if (i == 0) answer(&client, reference, last_at_micros_);
      error_dump_body(out, sequence, &code, reference, client, call, false, decoys);
      put_record(out, "Trc", "04542", "EventError", " sent to", &client);
    }
    ++tally_.printed_twice;
    ++tally_.duplicates;
    count(&code);
    return;
  }
  if (variant < 520) {  // a dump and no 04542 record at all: paired when its event ends
    put_at_message(out, "send_to_client", "EventError");
    fallback_.emplace(reference, last_at_micros_);
    error_dump_body(out, sequence, &code, reference, client, call, false, decoys);
    ++tally_.no_trailer;
    count(&code);
    return;
  }
  // Shape A: the dump, then its 04542 trailer. Sometimes a `(text)` line and the interaction
  // trace between them, sometimes the copy sent to the backup after them.
  const bool interaction = variant < 570;
  put_at_message(out, "send_to_client", "EventError");
  answer(&client, reference, last_at_micros_);
  error_dump_body(out, sequence, &code, reference, client, call, interaction, decoys);
  if (interaction) {
    put_record_time(out);
    out += " Int 04545 Interaction message \"EventError\" sent to ";
    put_uint(out, client.number);
    out += " (\"";
    out += client.tag.substr(9, client.tag.find(' ', 9) - 9);
    out += "\")";
    end_line(out);
  }
  put_record(out, "Trc", "04542", "EventError", " sent to", &client);
  if (variant >= 980) {
    backup_copy(out, "EventError", client, reference, call);
  }
  ++tally_.shape_a;
  count(&code);
}

void LogGenerator::write_block(std::string& out) {
  const std::int64_t before = now_ms_;
  advance(5, 600);
  const std::int64_t target = now_ms_;
  now_ms_ = before;
  // The answers due by then, in the order of their times (never before a time already written).
  while (!deferred_.empty() && deferred_.begin()->first <= target) {
    const auto [due, answer] = *deferred_.begin();
    deferred_.erase(deferred_.begin());
    now_ms_ = std::max(now_ms_, due);
    maybe_check_point(out);
    settle_fallback();  // its event ends at the answer's first line
    write_answer(out, answer.request, agents_[answer.client], answer.reference, answer.call);
  }
  now_ms_ = std::max(now_ms_, target);
  maybe_check_point(out);  // ages the pending requests before the last event ends (as the exporter)
  settle_fallback();
  // Once an hour, a slow request shortly before the hour: answered after the check point (and
  // after midnight once a day), where the log's clock re-anchors its date.
  const std::int64_t hour = floor_div(now_ms_, kMsPerHour);
  if (hour != spanned_hour_ && (hour + 1) * kMsPerHour - now_ms_ < 20'000) {
    spanned_hour_ = hour;
    forced_delay_ms_ =
        (hour + 1) * kMsPerHour - now_ms_ + 1000 + static_cast<std::int64_t>(random_.below(20'000));
    request_with_event(out);
    return;
  }
  if (random_.below(1000) < error_blocks_) {
    event_error(out);
    return;
  }
  const std::uint64_t kind = random_.below(1000);
  if (kind < 5) {
    error_like_event(out);
  } else if (kind < 75) {
    trace_pair(out);
  } else if (kind < 125) {
    shape_b_event(out);
  } else if (kind < 390) {
    call_event(out);
  } else {
    request_with_event(out);
  }
}

void LogGenerator::write_header(std::string& out, std::string_view file_name,
                                unsigned file_number) {
  auto line = [&](std::string_view key, std::string_view value) {
    out += key;
    out.push_back('\t');
    out += value;
    end_line(out);
  };
  std::string local;
  put_iso_time(local, now_ms_);
  std::string started;
  put_iso_time(started, start_ms_);
  std::string file = "(";
  put_uint(file, file_number);
  file += ") D:\\GCTI\\logs\\";
  file += tserver_;
  file += '\\';
  file += file_name;
  line("Application name:", tserver_);
  line("Application type:", "TServer");
  line("Application version:", kVersion);
  line("Host name:", "SFBTS01");
  line("Host type:", "windows");
  line("Local time:", local);
  line("Start time (UTC):", started);
  line("Time zone:", "GMT Standard Time (UTC+00:00)");
  line("Running in:", "primary mode");
  line("File:", file);
  end_line(out);  // the empty line that ends the header
}

std::string LogGenerator::next_segment_name() {
  const std::int64_t ms = std::max(now_ms_, last_segment_ms_ + 1);
  last_segment_ms_ = ms;
  std::string stamp;
  put_iso_time(stamp, ms);  // YYYY-MM-DDTHH:MM:SS.mmm
  std::string name = tserver_;
  name.push_back('.');
  for (char c : stamp.substr(0, 10))
    if (c != '-') name.push_back(c);
  name.push_back('_');
  for (char c : stamp.substr(11, 8))
    if (c != ':') name.push_back(c);
  name.push_back('_');
  name += stamp.substr(20, 3);
  name += ".log";
  return name;
}

std::vector<std::string> LogGenerator::expected_rows() const {
  std::vector<std::pair<std::string, std::uint64_t>> rows(tally_.by_code.begin(),
                                                          tally_.by_code.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    const bool a_unknown = a.first == "unknown";
    const bool b_unknown = b.first == "unknown";
    if (a_unknown != b_unknown) return b_unknown;
    return std::stoll(a.first) < std::stoll(b.first);
  });
  std::vector<std::string> out;
  for (const auto& [code, n] : rows) {
    if (n == 0) continue;
    out.push_back(tserver_ + "\t" + code + "\t" + std::to_string(n));
  }
  return out;
}

std::vector<std::string> LogGenerator::expected_duration_rows() const {
  std::vector<std::string> out;
  for (const auto& [request, h] : tally_.durations) {
    const std::string prefix = "#d\t" + tserver_ + "\t" + request + "\t";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.in_bucket.size(); ++i) {
      cumulative += h.in_bucket[i];
      out.push_back(prefix + "bucket\t" + std::string(kDurationBoundLabels[i]) + "\t" +
                    std::to_string(cumulative));
    }
    out.push_back(prefix + "count\t\t" + std::to_string(h.count));
    std::string sum = std::to_string(h.sum_micros / 1'000'000) + ".";
    put_pad(sum, static_cast<std::uint64_t>(h.sum_micros % 1'000'000), 6);
    out.push_back(prefix + "sum\t\t" + sum);
  }
  for (const auto& [request, n] : tally_.unanswered) {
    out.push_back("#u\t" + tserver_ + "\t" + request + "\t" + std::to_string(n));
  }
  return out;
}

std::string generate_segment(std::uint64_t seed, std::size_t bytes, std::string tserver,
                             Tally* tally) {
  LogGenerator generator(seed, std::move(tserver));
  std::string out;
  out.reserve(bytes + 8192);
  const std::string name = generator.next_segment_name();
  generator.write_header(out, name, 1);
  while (out.size() < bytes) generator.write_block(out);
  generator.finish();
  if (tally != nullptr) *tally = generator.tally();
  return out;
}

}  // namespace tse::bench
