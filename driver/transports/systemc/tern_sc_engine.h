/* SPDX-License-Identifier: Apache-2.0 */
// The timing core of the SystemC tern device: when each phase of a job happens, in device clock
// cycles, as rtl/tern_device.v does it. Plain C++ (no SystemC), so tests can run it alone.
//
// A job goes through the RTL's stages (docs/architecture.md): the planner (a shift-add unit whose
// cycles depend on the bit lengths of B, the beat bytes and TOKENS), the fetch (activation bursts
// into a bank, then weight bursts into the 128-word FIFO, each issued only with FIFO credit), and
// the execution (the array takes one weight beat per TOKENS cycles: tern_job_cycles_tokens when
// nothing starves it; the weight stream can starve it; results leave as single-beat writes that
// the memory may hold back). Two job slots let the next job plan and fetch while one executes.
// Each phase is a max-plus recurrence over bursts, words, beats and result writes, whose
// constants (Calib) were measured on the Verilated RTL; the memory answers through Port, which
// the SystemC device implements with TLM-2.0 transactions (the interconnect and the memory give
// the latency, bandwidth and outstanding-request limits) and tests with a model of
// driver/transports/rtl/vdevice/axi_mem.h.
#ifndef TERN_SC_ENGINE_H
#define TERN_SC_ENGINE_H

#include <cstdint>
#include <deque>
#include <vector>

#include "tern_geom.h"

namespace tern_sc {

// What the memory system says about one transfer on the device's AXI4 port, in device cycles.
struct Transfer {
  uint64_t accept = 0;    // AR (AW) handshake
  uint64_t first = 0;     // read: the first beat may be taken; write: the response (B) is offered
  double interval = 1.0;  // read: cycles between beats (>= 1: the port moves one 8-byte beat a cycle)
};

// The device's memory port. Calls come in the order the device issues them, with cycles that
// never precede the engine's current time (temporal decoupling: they may lie ahead of it).
class Port {
 public:
  virtual ~Port() = default;
  // A read burst of `words` 8-byte words at addr whose AR is presented at cycle t.
  virtual Transfer read(uint64_t t, uint64_t addr, uint32_t words) = 0;
  // A single-beat write of `bytes` bytes (strobed) at addr, AW and W presented at cycle t.
  virtual Transfer write(uint64_t t, uint64_t addr, uint32_t bytes) = 0;
};

// The constants of the recurrences, read off the RTL (rtl/tern_job_engine.v and its blocks) and
// fitted to the cycles of the Verilated device at the default geometry; tests/test_systemc.sh
// checks the result against it (docs/systemc.md).
struct Calib {
  uint32_t plan0 = 45;                         // doorbell -> first activation AR, less the planner's bit lengths
  uint32_t plan_refused = 6;                   // doorbell -> DONE of a job the planner refuses
  uint32_t ar_gap = 3;                         // least cycles between two AR issues of the read master
  uint32_t w_after_act = 4;                    // last activation AR -> first weight AR of the same job
  uint32_t act_to_x = 2;                       // a row's last beat out of the gearbox -> the array may start
  uint32_t x_to_pop = 1;                       // array start -> first weight word leaves the FIFO
  uint32_t pop_to_beat = 2;                    // a beat's last word leaves the FIFO -> the array takes the beat
  uint32_t x_to_beat = 3;                      // array start -> first beat taken, when nothing waits
  uint32_t buffer_beats = 5;                   // weight beats buffered between the FIFO and the array
  uint32_t beat_to_result = 9;                 // a group's last beat (token 0) -> its result beat written
  uint32_t b_to_irq = 3;                       // last write response offered -> the interrupt line
  uint32_t end_to_next = 2;                    // the interrupt -> the next job's array may start
  uint32_t fetch_next = 3;                     // last weight AR -> the next job's first activation AR
  uint32_t slot_free = 2;                      // the interrupt -> its slot takes a newly planned job
  uint32_t plan_next = 0;                      // a planned job taken into its slot -> the planner starts the next
  uint32_t take_to_ar = 4;                     // a planned job taken into its slot -> its first activation AR
  uint32_t credit_words = TERN_RD_FIFO_WORDS;  // weight words issued and not yet popped
  uint32_t max_burst = TERN_MAX_BURST;
  uint32_t max_reads = 8;      // read bursts the read master keeps in flight
  uint32_t result_fifo = 3;    // result beats the write master holds (FIFO 2 + the one in flight)
  uint32_t stall_restart = 2;  // extra cycles the array loses when the result path held it
};

// One job as the device's registers hold it. ok = 0: a descriptor the device refuses (bad K, N,
// format, tokens, alignment, activation overflow): it ends without memory traffic.
struct Job {
  uint32_t k = 0, n = 0, tokens = 0;
  tern_format fmt = TERN_T5;
  uint64_t w_addr = 0, a_addr = 0, o_addr = 0;
  bool ok = true;
};

// When the phases of a job happened (device cycles).
struct Timeline {
  uint64_t doorbell = 0, plan_start = 0, fetch_start = 0, act_done = 0, exec_start = 0, last_write = 0, irq = 0;
  uint64_t act_bytes = 0, weight_bytes = 0, result_bytes = 0, read_bursts = 0, writes = 0;
};

class Engine {
 public:
  explicit Engine(tern_geom g, const Calib &c = Calib());
  // Schedule a job whose DOORBELL write took effect at cycle doorbell (never earlier than the
  // previous job's): its memory traffic goes to port, and the returned timeline says when its
  // interrupt rises. Jobs end in order.
  Timeline schedule(const Job &job, uint64_t doorbell, Port &port);
  const Calib &calib() const { return c_; }
  // Test only: stretch the time every job adds (from its plan, or from the previous job's
  // interrupt, to its interrupt) by 1 + skew, to show that the calibration test would catch a
  // timing error of that size.
  void set_skew(double skew) { skew_ = skew; }

 private:
  tern_geom g_;
  Calib c_;
  double skew_ = 0.0;
  uint64_t job_count_ = 0;
  uint64_t planner_free_ = 0;  // cycle the planner may take the next descriptor
  uint64_t slot_free_[2] = {0, 0};
  uint64_t fetch_free_ = 0;         // cycle the next job's first activation AR may go out
  uint64_t r_free_ = 0;             // next cycle the R channel can carry a beat
  uint64_t last_ar_ = 0;            // last AR issue (the read master spaces them)
  std::deque<uint64_t> in_flight_;  // last-beat cycles of the latest read bursts
  uint64_t exec_free_ = 0;          // cycle the next job's array may start
  uint64_t last_irq_ = 0;
  // Weight-FIFO credit: pop cycles of the weight words issued so far (the last credit_words).
  uint64_t words_issued_ = 0;
  std::deque<uint64_t> pops_;   // pop cycle of word (words_issued_ - pops_.size() + i); 0 = not yet known
  uint64_t pops_base_ = 0;      // global index of pops_[0]
  std::vector<uint64_t> r_;     // scratch: per-word arrival (this job)
  std::vector<uint64_t> take_;  // scratch: activation words into the gearbox
};

}  // namespace tern_sc

#endif  // TERN_SC_ENGINE_H
