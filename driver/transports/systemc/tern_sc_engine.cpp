// SPDX-License-Identifier: Apache-2.0
// The timing core of the SystemC tern device (tern_sc_engine.h).
#include "tern_sc_engine.h"

#include <algorithm>
#include <cmath>

#include "tern_devmodel.h"

namespace tern_sc {

namespace {

uint32_t bit_length(uint64_t v) {
  uint32_t n = 0;
  for (; v; v >>= 1) n++;
  return n;
}

uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Cycle of beat i of a burst whose first beat is at `first`, `interval` cycles apart.
uint64_t beat_at(const Transfer &x, uint32_t i) { return x.first + (uint64_t)std::ceil(i * x.interval - 1e-9); }

// Cut [addr, addr + 8*words) into bursts of at most max_burst words that never cross 4 KB, as
// tern_rd_master does; calls f(addr, words) for each.
template <class F>
void for_each_burst(uint64_t addr, uint64_t words, uint32_t max_burst, F f) {
  while (words) {
    const uint64_t to4k = (4096 - addr % 4096) / 8;
    const uint32_t n = (uint32_t)std::min<uint64_t>({words, max_burst, to4k});
    f(addr, n);
    addr += 8ull * n;
    words -= n;
  }
}

}  // namespace

Engine::Engine(tern_geom g, const Calib &c) : g_(g), c_(c) {}

Timeline Engine::schedule(const Job &j, uint64_t doorbell, Port &port) {
  Timeline tl;
  tl.doorbell = doorbell;
  const unsigned slot = (unsigned)(job_count_++ & 1);
  const uint64_t plan_start = std::max(doorbell, planner_free_);
  tl.plan_start = plan_start;
  if (!j.ok) {
    // The planner refuses it after its checks; it ends in order, without memory traffic.
    const uint64_t take = std::max(plan_start, slot_free_[slot]);
    planner_free_ = take + 1;
    tl.irq = std::max(take + c_.plan_refused, last_irq_ + 1);
    tl.fetch_start = tl.act_done = tl.exec_start = tl.last_write = tl.irq;
    last_irq_ = tl.irq;
    exec_free_ = std::max(exec_free_, tl.irq + c_.end_to_next);
    slot_free_[slot] = tl.irq + c_.slot_free;
    return tl;
  }
  const uint32_t T = j.tokens;
  const uint64_t B = tern_beats_per_group(g_, j.k), G = tern_groups(g_, j.n);
  const uint64_t bb = tern_beat_bytes(g_, j.fmt);
  const uint64_t beats = G * B, W = cdiv(beats * bb, 8), wpr = cdiv(j.k, 8), A = (uint64_t)T * wpr;

  // Plan: the shift-add unit's steps take the bit lengths of B, the beat bytes and TOKENS.
  const uint64_t planned = plan_start + c_.plan0 - c_.take_to_ar + bit_length(B) + bit_length(bb) + bit_length(T);
  const uint64_t take = std::max(planned, slot_free_[slot]);  // a slot holds it from here
  planner_free_ = take + c_.plan_next;

  // Fetch, activations: bursts into the gearbox through a 2-word skid buffer; the gearbox takes a
  // word a cycle and one cycle more after a row's last word (it empties the row first).
  uint64_t t = std::max(take + c_.take_to_ar, fetch_free_);
  tl.fetch_start = t;
  take_.assign(A, 0);
  // Beats left in the gearbox when a row's last word goes in (words taken back to back): it
  // takes the next row's first word only after emitting them, one a cycle.
  uint64_t tail_beats = 0;
  {
    uint64_t held = 0;
    for (uint64_t w = 0; w < wpr; w++) {
      if (held >= g_.lanes) held -= g_.lanes;
      held += w + 1 < wpr ? 8 : j.k - 8 * w;
    }
    tail_beats = cdiv(held, g_.lanes);
  }
  auto note_burst = [&](uint64_t last_beat) {
    in_flight_.push_back(last_beat);
    if (in_flight_.size() > c_.max_reads) in_flight_.pop_front();
  };
  // A read burst goes out once fewer than max_reads are in flight; returns its transfer.
  auto issue = [&](uint64_t at, uint64_t addr, uint32_t n) {
    for (;;) {
      unsigned live = 0;
      uint64_t oldest = UINT64_MAX;
      for (uint64_t e : in_flight_)
        if (e >= at) live++, oldest = std::min(oldest, e);
      if (live < c_.max_reads) break;
      at = oldest + 1;
    }
    const Transfer x = port.read(at, addr, n);
    last_ar_ = x.accept;
    tl.read_bursts++;
    return x;
  };
  uint64_t wi = 0, last_act_ar = t;
  bool first_burst = true;
  for_each_burst(j.a_addr, A, c_.max_burst, [&](uint64_t addr, uint32_t n) {
    if (!first_burst) t = std::max(t, last_ar_ + c_.ar_gap);
    first_burst = false;
    const Transfer x = issue(t, addr, n);
    last_act_ar = x.accept;
    for (uint32_t i = 0; i < n; i++, wi++) {
      uint64_t r = std::max(beat_at(x, i), r_free_);
      if (wi >= 2) r = std::max(r, take_[wi - 2] + 1);
      r_free_ = r + 1;
      take_[wi] = wi == 0 ? r + 1 : std::max(r + 1, take_[wi - 1] + 1 + ((wi - 1) % wpr == wpr - 1 ? tail_beats : 0));
    }
    note_burst(r_free_ - 1);
  });
  tl.act_bytes = 8 * A;
  tl.act_done = take_[A - 1] + tail_beats;
  const uint64_t xs = std::max(tl.act_done + c_.act_to_x, exec_free_);
  tl.exec_start = xs;

  // Fetch, weights, and execution, advanced together: a weight burst needs FIFO credit, which
  // comes back as the array pops words; the array takes a beat when its words have passed the
  // FIFO (one word a cycle) and TOKENS cycles after the previous beat; each finished row group
  // writes TOKENS result beats, which the memory may hold back (the array then stalls).
  r_.assign(W, 0);
  std::vector<uint64_t> pop(W, 0), cbeat(beats, 0);
  uint64_t arrived = 0, popped = 0, done_beats = 0;
  uint64_t next_min = xs + c_.x_to_beat;  // the next beat's earliest cycle (array pace, stalls)
  const uint64_t res_stride = tern_devmodel_res_stride(j.n);
  std::deque<uint64_t> wr_accepts;  // accept cycles of the last result_fifo writes
  uint64_t last_aw = 0, last_b = 0;
  auto advance = [&]() {
    while (popped < arrived) {
      const uint64_t w = popped;
      uint64_t p = std::max({r_[w] + 1, xs + c_.x_to_pop, w ? pop[w - 1] + 1 : 0});
      const uint64_t b = w * 8 / bb;  // the beat that starts in this word
      if (b >= c_.buffer_beats) {
        if (b - c_.buffer_beats >= done_beats) break;  // its room is not known yet
        p = std::max(p, cbeat[b - c_.buffer_beats]);
      }
      pop[w] = p;
      pops_.push_back(p);
      popped++;
      // beats whose last word has now left the FIFO
      while (done_beats < beats && ((done_beats + 1) * bb - 1) / 8 < popped) {
        const uint64_t jb = done_beats;
        const uint64_t c = std::max(pop[((jb + 1) * bb - 1) / 8] + c_.pop_to_beat, next_min);
        cbeat[jb] = c;
        next_min = c + T;
        done_beats++;
        if ((jb + 1) % B == 0) {  // row group g done: its TOKENS result beats
          const uint64_t grp = jb / B;
          const uint32_t rows = (uint32_t)std::min<uint64_t>(g_.rows, j.n - grp * g_.rows);
          uint64_t held = 0;  // cycles the result path has held the array in this group
          for (uint32_t tok = 0; tok < T; tok++) {
            uint64_t prod = c + tok + c_.beat_to_result + held;
            if (wr_accepts.size() >= c_.result_fifo) {
              const uint64_t room = wr_accepts[wr_accepts.size() - c_.result_fifo] + 1;
              if (prod < room) {  // the write master's FIFO is full: the array waits
                held += room - prod;
                prod = room;
              }
            }
            const uint64_t addr = j.o_addr + tok * res_stride + 4ull * grp * g_.rows;
            const uint64_t words = cdiv(addr % 8 + 4ull * rows, 8);
            for (uint64_t wd = 0; wd < words; wd++) {
              const uint64_t aw = std::max(prod, last_aw + 1);
              const uint64_t a8 = addr / 8 * 8 + 8 * wd;
              const uint64_t lo = std::max<uint64_t>(a8, addr), hi = std::min<uint64_t>(a8 + 8, addr + 4ull * rows);
              const Transfer y = port.write(aw, a8, (uint32_t)(hi - lo));
              last_aw = y.accept;
              last_b = std::max(last_b, y.first);
              prod = last_aw + 1;
              tl.result_bytes += hi - lo;
              tl.writes++;
            }
            wr_accepts.push_back(last_aw);
            if (wr_accepts.size() > c_.result_fifo) wr_accepts.pop_front();
          }
          if (held) next_min += held + c_.stall_restart;
        }
      }
    }
  };

  uint64_t widx = 0;
  t = last_act_ar + c_.w_after_act;
  first_burst = true;
  for_each_burst(j.w_addr, W, c_.max_burst, [&](uint64_t addr, uint32_t n) {
    if (!first_burst) t = std::max(t, last_ar_ + c_.ar_gap);
    first_burst = false;
    // credit: the word credit_words before this burst's last must have left the FIFO
    if (words_issued_ + n > c_.credit_words) {
      const uint64_t need = words_issued_ + n - c_.credit_words - 1;  // global word index
      while (need >= pops_base_ + pops_.size()) {
        const uint64_t before = popped;
        advance();
        if (popped == before) break;  // cannot happen: earlier words have all arrived
      }
      if (need >= pops_base_ && need < pops_base_ + pops_.size()) t = std::max(t, pops_[need - pops_base_] + 1);
    }
    const Transfer x = issue(t, addr, n);
    for (uint32_t i = 0; i < n; i++, widx++) {
      const uint64_t r = std::max(beat_at(x, i), r_free_);
      r_free_ = r + 1;
      r_[widx] = r;
    }
    note_burst(r_free_ - 1);
    words_issued_ += n;
    arrived = widx;
    // keep the credit window short: pops older than credit_words are no longer needed
    while (pops_.size() > c_.credit_words + c_.max_burst) {
      pops_.pop_front();
      pops_base_++;
    }
  });
  tl.weight_bytes = 8 * W;
  fetch_free_ = last_ar_ + c_.fetch_next;
  while (done_beats < beats) {
    const uint64_t before = done_beats;
    advance();
    if (done_beats == before) break;
  }
  // pops_ must describe the global stream: it got every word of this job
  while (pops_.size() > c_.credit_words + c_.max_burst) {
    pops_.pop_front();
    pops_base_++;
  }
  tl.last_write = last_aw;
  tl.irq = std::max(last_b + c_.b_to_irq, last_irq_ + 1);
  // the skew stretches the time this job adds (from its plan, or from the previous job's end)
  if (skew_ > 0) tl.irq += (uint64_t)std::llround((double)(tl.irq - std::max(plan_start, last_irq_)) * skew_);
  last_irq_ = tl.irq;
  exec_free_ = tl.irq + c_.end_to_next;
  slot_free_[slot] = tl.irq + c_.slot_free;
  return tl;
}

}  // namespace tern_sc
