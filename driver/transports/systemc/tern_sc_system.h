/* SPDX-License-Identifier: Apache-2.0 */
// The SystemC model of a tern system (docs/systemc.md): a host, an interconnect, a memory and
// the tern device, connected with TLM-2.0 sockets.
//
//   host ──► interconnect ──► memory (DDR4 / HBM / SRAM: bandwidth, latency, outstanding
//              ▲      │                requests, energy per byte)
//              │      └─► device CSR target (AXI4-Lite: 3 cycles a write, 2 a read)
//   device ────┘  (its AXI4 master: activation and weight bursts, result writes)
//
// The device's registers and arithmetic are the C device model (tern_devmodel.h) over the
// memory's bytes, reached by DMI; its timing is the engine (tern_sc_engine.h), whose bursts and
// writes are TLM transactions through the interconnect to the memory, which answer with their
// accept and data times (BurstTiming) and count the bytes. A job's results are computed, and
// JOBS_DONE and IRQ_STATUS change, at the cycle the engine says its interrupt rises.
//
// Time is the device clock: every event falls on a cycle. The host runs one request at a time
// (a HAL call): System::call() runs the simulation until the request is done, so no simulated
// time passes between calls (as with the rtl device).
#ifndef TERN_SC_SYSTEM_H
#define TERN_SC_SYSTEM_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "tern_devmodel.h"
#include "tern_geom.h"
#include "tern_sc_engine.h"
#include "tern_status.h"

namespace tern_sc {

struct MemoryParams {
  std::string kind = "sram";
  double bw_gbs = 25.6;       // sustained bandwidth, reads and writes together
  double latency_ns = 10.0;   // request accepted -> first data (reads), last data -> response (writes)
  double pj_per_byte = 12.5;  // energy of a byte read or written
  unsigned outstanding = 4;   // requests of each direction the memory holds at once
  uint64_t size = 64ull << 20;
};

struct BusParams {
  double bytes_per_cycle = 8.0;  // per device clock cycle, each direction (AXI R and W)
  unsigned latency_cycles = 0;   // each way, memory path
  double pj_per_byte = 0.0;
};

struct SystemParams {
  tern_geom geom{};
  double clock_mhz = 100.0;
  MemoryParams mem;
  BusParams bus;
  bool host_timed = false;     // host transfers to device memory take bus and memory time
  double skew = 0.0;           // test only: each job's modelled duration stretched by 1 + skew
  std::FILE *trace = nullptr;  // one line per job: the cycles of its phases (the caller's file)
  Calib calib;
};

// The memory presets of the mem= option (NULL for an unknown name); names lists them.
bool memory_preset(const std::string &name, MemoryParams *p);
extern const char *const kMemoryPresets;

// Timing of one transfer, carried by its payload between the requester, the interconnect and
// the memory. A payload without it is untimed (the host's backdoor access to device memory).
struct BurstTiming : tlm::tlm_extension<BurstTiming> {
  sc_core::sc_time accept, first;  // out: request accepted; first read beat / write response
  sc_core::sc_time interval;       // in: the requester's pace per 8 bytes; out: the pace it got
  bool timing_only = false;        // in: no bytes move (the device's data go by DMI)
  bool from_device = false;        // in: for the byte counts
  tlm::tlm_extension_base *clone() const override { return new BurstTiming(*this); }
  void copy_from(const tlm::tlm_extension_base &e) override { *this = static_cast<const BurstTiming &>(e); }
};

class Memory : public sc_core::sc_module {
 public:
  struct Stats {
    uint64_t read_bytes = 0, write_bytes = 0;  // all
    uint64_t device_read_bytes = 0, device_write_bytes = 0;
    uint64_t reads = 0, writes = 0;  // transactions
    double busy_ns = 0, energy_pj = 0;
  };
  tlm_utils::simple_target_socket<Memory> socket;
  Memory(sc_core::sc_module_name name, const MemoryParams &p, sc_core::sc_time period);
  ~Memory() override;
  uint8_t *bytes() { return data_; }
  uint64_t size() const { return p_.size; }
  const Stats &stats() const { return st_; }
  const MemoryParams &params() const { return p_; }
  bool ok() const { return data_ != nullptr; }

 private:
  void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  bool get_dmi(tlm::tlm_generic_payload &p, tlm::tlm_dmi &dmi);
  MemoryParams p_;
  sc_core::sc_time period_, latency_, byte_time_;
  uint8_t *data_ = nullptr;
  std::deque<sc_core::sc_time> reads_out_, writes_out_;  // last beat / response of recent requests
  sc_core::sc_time last_read_, last_write_;              // end of the last read burst, of the last write's data
  Stats st_;
};

class Interconnect : public sc_core::sc_module {
 public:
  static constexpr uint64_t kCsrBase = 1ull << 40;  // the device's CSR window in the host's map
  struct Stats {
    uint64_t bytes = 0;
    double energy_pj = 0;
  };
  tlm_utils::simple_target_socket<Interconnect> host_t, device_t;
  tlm_utils::simple_initiator_socket<Interconnect> mem_i, csr_i;
  Interconnect(sc_core::sc_module_name name, const BusParams &p, sc_core::sc_time period);
  const Stats &stats() const { return st_; }

 private:
  void host_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  void device_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  void mem_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  bool get_dmi(tlm::tlm_generic_payload &p, tlm::tlm_dmi &dmi);
  BusParams p_;
  sc_core::sc_time period_, latency_, beat_time_, r_free_, w_free_;
  Stats st_;
};

class Device : public sc_core::sc_module, private Port {
 public:
  struct Stats {
    uint64_t jobs = 0, busy_cycles = 0, act_bytes = 0, weight_bytes = 0, result_bytes = 0, read_bursts = 0, writes = 0,
             last_irq = 0;
  };
  tlm_utils::simple_target_socket<Device> csr_t;
  tlm_utils::simple_initiator_socket<Device> mem_i;
  Device(sc_core::sc_module_name name, const SystemParams &p, sc_core::sc_time period);
  ~Device() override;
  bool irq() const { return dm_ && tern_devmodel_irq(dm_); }
  const sc_core::sc_event &irq_event() const { return irq_ev_; }
  const Stats &stats() const { return st_; }
  const std::string &error() const { return error_; }
  // Cycles of a CSR write and read on the AXI4-Lite port (the RTL's handshakes).
  static constexpr unsigned kCsrWriteCycles = 3, kCsrReadCycles = 2;

 private:
  struct Pending {
    Job job;
    uint64_t doorbell;
  };
  void start_of_simulation() override;
  void csr_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay);
  void scheduler();
  void completer();
  Transfer read(uint64_t t, uint64_t addr, uint32_t words) override;
  Transfer write(uint64_t t, uint64_t addr, uint32_t bytes) override;
  Transfer transfer(tlm::tlm_command cmd, uint64_t t, uint64_t addr, uint32_t bytes);
  uint64_t to_cycles(const sc_core::sc_time &t) const;  // rounded up to a clock edge
  Job describe();  // the descriptor the JOB_* registers hold now, with the device's checks

  SystemParams p_;
  sc_core::sc_time period_;
  tern_devmodel *dm_ = nullptr;
  uint8_t *mem_ = nullptr;
  uint64_t mem_size_ = 0;
  Engine engine_;
  std::deque<Pending> pending_;
  std::deque<Timeline> inflight_;
  sc_core::sc_event doorbell_ev_, scheduled_ev_, irq_ev_;
  tlm::tlm_generic_payload tx_;
  BurstTiming tx_timing_;
  Stats st_;
  std::string error_;
};

// One HAL call, run by the host.
struct Request {
  enum Kind { kRegRead, kRegWrite, kMemRead, kMemWrite, kWaitIrq } kind = kRegRead;
  uint32_t offset = 0, value = 0;
  uint64_t addr = 0;
  void *buf = nullptr;
  size_t len = 0;
  uint64_t budget_cycles = 0;  // kWaitIrq
  bool done = false, ok = false;
  std::string error;
};

class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket;
  Host(sc_core::sc_module_name name, const SystemParams &p, sc_core::sc_time period, const Device &dev);
  void post(Request *r) { req_ = r; }

 private:
  void run();
  void execute(Request &r);
  SystemParams p_;
  sc_core::sc_time period_;
  const Device &dev_;
  Request *req_ = nullptr;
};

class System {
 public:
  // Builds the modules in the current simulation context (one System per context).
  explicit System(const SystemParams &p);
  ~System();
  bool ok() const { return mem_.ok(); }
  // Run one request to its end; false (with r.error) if the simulation could not finish it.
  bool call(Request &r);
  uint64_t cycles() const;
  void write_stats(std::FILE *f) const;

 private:
  SystemParams p_;
  sc_core::sc_time period_;
  Memory mem_;
  Interconnect bus_;
  Device dev_;
  Host host_;
};

}  // namespace tern_sc

#endif  // TERN_SC_SYSTEM_H
