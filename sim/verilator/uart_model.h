/* SPDX-License-Identifier: Apache-2.0 */
// Bit-level UART models and an independent C++ implementation of the tern UART bridge's frame
// format (docs/uart.md), for sim/verilator/uart_bridge_tb.cpp. The C driver has its own
// (driver/src/uart_proto.c); the bench deliberately does not use it, so the two are checked
// against each other through the RTL.
#ifndef TERN_UART_MODEL_H
#define TERN_UART_MODEL_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "tern_uart.h"

namespace uartm {

using Bytes = std::vector<uint8_t>;

// The protocol's constants (spec/tern.toml [uart]): the generated tern_uart.h's short names
// (SYNC, IDENTIFY, ..., NAK_BUS). The model's code, not its constants, is what is independent
// of the driver's.
using namespace tern_uart;

// CRC-16/CCITT-FALSE, bit by bit from the definition (poly 0x1021, init 0xFFFF, MSB first):
// written out here on purpose, not taken from tern_uart.h, so the bench checks the spec's values too.
inline uint16_t crc16(const uint8_t *p, size_t n, uint16_t crc = 0xFFFF) {
  for (size_t i = 0; i < n; i++)
    for (int b = 7; b >= 0; b--) {
      bool fb = ((crc >> 15) & 1) ^ ((p[i] >> b) & 1);
      crc = (uint16_t)(crc << 1);
      if (fb) crc ^= 0x1021;
    }
  return crc;
}

inline void put32(Bytes &b, uint32_t v) {
  for (int i = 0; i < 4; i++) b.push_back((uint8_t)(v >> (8 * i)));
}
inline void put16(Bytes &b, uint32_t v) {
  b.push_back((uint8_t)v);
  b.push_back((uint8_t)(v >> 8));
}
inline uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// A whole frame; len_override replaces the LEN field (for malformed frames).
inline Bytes frame(uint8_t cmd, uint8_t seq, const Bytes &payload, int len_override = -1) {
  Bytes f = {SYNC, cmd, seq};
  put16(f, len_override >= 0 ? (uint32_t)len_override : (uint32_t)payload.size());
  f.insert(f.end(), payload.begin(), payload.end());
  uint16_t c = crc16(f.data() + 1, f.size() - 1);
  f.push_back((uint8_t)(c >> 8));
  f.push_back((uint8_t)c);
  return f;
}

// Drives a UART line: queued bytes (start, 8 data bits LSB first, stop) and idle gaps.
// clks_per_bit may be fractional (a host whose baud rate is off). Per-byte faults: a low stop
// bit (framing error) or a byte "lost" (the line stays idle for its duration).
class Tx {
 public:
  enum Fault { NONE = 0, FRAMING = 1, LOST = 2 };
  explicit Tx(double clks_per_bit) : cpb_(clks_per_bit) {}
  void set_clks_per_bit(double c) { cpb_ = c; }
  void push(uint8_t b, Fault f = NONE) { q_.push_back({false, b, f, 0}); }
  void push(const Bytes &bs) {
    for (uint8_t b : bs) push(b);
  }
  void gap(int clks) { q_.push_back({true, 0, NONE, clks}); }
  bool idle() const { return !cur_valid_ && q_.empty(); }
  size_t queued() const { return q_.size() + (cur_valid_ ? 1 : 0); }
  void clear() {
    q_.clear();
    cur_valid_ = false;
  }
  // The line level during this clock.
  int tick() {
    if (!cur_valid_) {
      if (q_.empty()) return 1;
      cur_ = q_.front();
      q_.pop_front();
      cur_valid_ = true;
      t_ = 0;
    }
    int level = 1;
    if (cur_.is_gap) {
      if (++t_ >= cur_.clks) cur_valid_ = false;
      return 1;
    }
    int bit = (int)(t_ / cpb_);
    if (cur_.fault == LOST)
      level = 1;
    else if (bit == 0)
      level = 0;
    else if (bit <= 8)
      level = (cur_.data >> (bit - 1)) & 1;
    else
      level = cur_.fault == FRAMING ? 0 : 1;
    t_ += 1.0;
    if (t_ >= 10.0 * cpb_) cur_valid_ = false;
    return level;
  }

 private:
  struct Item {
    bool is_gap;
    uint8_t data;
    Fault fault;
    int clks;
  };
  double cpb_;
  std::deque<Item> q_;
  Item cur_{};
  bool cur_valid_ = false;
  double t_ = 0;
};

// Samples a UART line in the middle of each bit; bytes() collects (byte, framing error).
class Rx {
 public:
  explicit Rx(int clks_per_bit) : cpb_(clks_per_bit) {}
  struct Byte {
    uint8_t data;
    bool ferr;
  };
  void tick(int level) {
    switch (st_) {
      case 0:
        if (!level) st_ = 1, t_ = 0;
        break;
      case 1:  // in the start bit: check its middle
        if (++t_ == cpb_ / 2) {
          if (level) {
            st_ = 0;
            glitches_++;
          } else {
            st_ = 2, t_ = 0, bit_ = 0, sh_ = 0;
          }
        }
        break;
      case 2:
        if (++t_ == cpb_) {
          t_ = 0;
          if (bit_ < 8) {
            sh_ |= (uint8_t)(level << bit_);
            bit_++;
          } else {
            out_.push_back({sh_, level == 0});
            st_ = level ? 0 : 3;
          }
        }
        break;
      default:  // after a framing error: wait for the line to go high
        if (level) st_ = 0;
        break;
    }
  }
  bool busy() const { return st_ != 0; }
  std::deque<Byte> &bytes() { return out_; }
  uint64_t glitches() const { return glitches_; }

 private:
  int cpb_;
  int st_ = 0, t_ = 0, bit_ = 0;
  uint8_t sh_ = 0;
  uint64_t glitches_ = 0;
  std::deque<Byte> out_;
};

// Frame decoder for answers: hunts SYNC, LEN up to max_len, CRC checked. No rescan after a
// bad frame (the host retries instead).
class Decoder {
 public:
  explicit Decoder(size_t max_len = 4100) : max_len_(max_len) {}
  struct Frame {
    uint8_t cmd = 0, seq = 0;
    Bytes payload;
  };
  enum Event { NONE, FRAME, BAD };
  Event push(uint8_t b, Frame *f) {
    if (buf_.empty()) {
      if (b == SYNC) buf_.push_back(b);
      return NONE;
    }
    buf_.push_back(b);
    if (buf_.size() == 5) {
      need_ = 7 + (size_t)(buf_[3] | buf_[4] << 8);
      if (need_ - 7 > max_len_) {
        buf_.clear();
        return BAD;
      }
    }
    if (buf_.size() < 5 || buf_.size() < need_) return NONE;
    bool ok = crc16(buf_.data() + 1, buf_.size() - 1) == 0;
    if (ok) {
      f->cmd = buf_[1];
      f->seq = buf_[2];
      f->payload.assign(buf_.begin() + 5, buf_.end() - 2);
    }
    buf_.clear();
    return ok ? FRAME : BAD;
  }
  void reset() { buf_.clear(); }
  bool partial() const { return !buf_.empty(); }

 private:
  size_t max_len_;
  size_t need_ = 0;
  Bytes buf_;
};

}  // namespace uartm

#endif  // TERN_UART_MODEL_H
