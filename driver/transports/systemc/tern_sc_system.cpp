// SPDX-License-Identifier: Apache-2.0
// The SystemC model of a tern system (tern_sc_system.h).
#include "tern_sc_system.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "tern_params.h"

namespace tern_sc {

using sc_core::SC_PS;
using sc_core::SC_SEC;
using sc_core::sc_time;
using tlm::tlm_generic_payload;

const char *const kMemoryPresets = "sram, ddr4, hbm";

// Round figures for one device port's memory; the energies are those of the energy study
// (docs/energy.md, driver/src/energy.c: the same tables), the latencies typical loaded values
// (docs/systemc.md). Every field can be overridden with an option.
bool memory_preset(const std::string &name, MemoryParams *p) {
  const uint64_t size = p->size;
  if (name == "sram") {  // on-chip SRAM; a 64-bit read of a 1 MB array: 100 pJ (Horowitz, 45 nm)
    *p = MemoryParams{"sram", 25.6, 10.0, 12.5, 4, size};
  } else if (name == "ddr4") {  // DDR4-3200, one 64-bit channel; DRAM 1.3 nJ per 64 bits (Horowitz)
    *p = MemoryParams{"ddr4", 25.6, 60.0, 162.5, 16, size};
  } else if (name == "hbm") {  // one HBM2 stack, 1024 bits at 2 Gb/s a pin; 6.0 pJ/bit (vendor figure)
    *p = MemoryParams{"hbm", 256.0, 100.0, 48.0, 32, size};
  } else {
    return false;
  }
  return true;
}

namespace {

sc_time max_time(const sc_time &a, const sc_time &b) { return a > b ? a : b; }

// Time of `bytes` bytes at `gbs` GB/s (1 GB = 1e9 bytes).
sc_time bytes_time(double bytes, double gbs) { return sc_time(bytes / (gbs * 1e9), SC_SEC); }

}  // namespace

// ---- memory -------------------------------------------------------------------------------------

Memory::Memory(sc_core::sc_module_name name, const MemoryParams &p, sc_time period)
    : sc_module(name), socket("socket"), p_(p), period_(period) {
  socket.register_b_transport(this, &Memory::b_transport);
  socket.register_get_direct_mem_ptr(this, &Memory::get_dmi);
  // The latency in whole device cycles (at least one, as the RTL's memory model has it).
  const double cycles = std::ceil(p.latency_ns * 1e-9 / period.to_seconds() - 1e-9);
  latency_ = period * std::max(1.0, cycles);
  data_ = static_cast<uint8_t *>(std::calloc(1, p.size));  // untouched pages cost nothing
}

Memory::~Memory() { std::free(data_); }

bool Memory::get_dmi(tlm_generic_payload &, tlm::tlm_dmi &dmi) {
  if (!data_) return false;
  dmi.set_dmi_ptr(data_);
  dmi.set_start_address(0);
  dmi.set_end_address(p_.size - 1);
  dmi.allow_read_write();
  dmi.set_read_latency(latency_);
  dmi.set_write_latency(latency_);
  return true;
}

void Memory::b_transport(tlm_generic_payload &p, sc_time &delay) {
  const uint64_t addr = p.get_address();
  const uint64_t len = p.get_data_length();
  if (!data_ || addr > p_.size || len > p_.size - addr) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (p.get_byte_enable_ptr()) {
    p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  BurstTiming *bt = nullptr;
  p.get_extension(bt);
  const bool rd = p.is_read();
  if (!bt || !bt->timing_only) {
    if (rd)
      std::memcpy(p.get_data_ptr(), data_ + addr, len);
    else
      std::memcpy(data_ + addr, p.get_data_ptr(), len);
  }
  (rd ? st_.read_bytes : st_.write_bytes) += len;
  if (bt && bt->from_device) (rd ? st_.device_read_bytes : st_.device_write_bytes) += len;
  (rd ? st_.reads : st_.writes)++;
  st_.energy_pj += (double)len * p_.pj_per_byte;
  if (bt) {  // timed: when the memory takes it, when the data are there
    const sc_time t = sc_core::sc_time_stamp() + delay;
    const sc_time xfer = bytes_time((double)len, p_.bw_gbs);
    st_.busy_ns += xfer.to_seconds() * 1e9;
    const uint64_t beats = (len + 7) / 8;
    const sc_time interval = max_time(bt->interval, bytes_time(8.0, p_.bw_gbs));
    std::deque<sc_time> &out = rd ? reads_out_ : writes_out_;
    // At most `outstanding` requests of a direction in flight: a new one waits for the
    // cycle after the oldest ends.
    sc_time accept = t;
    for (;;) {
      unsigned live = 0;
      sc_time oldest = sc_core::sc_max_time();
      for (const sc_time &e : out)
        if (e >= accept) live++, oldest = std::min(oldest, e);
      if (live < std::max(1u, p_.outstanding)) break;
      accept = oldest + period_;
    }
    // Each direction serves its requests in order, at the slower of the memory's and the
    // requester's pace. (Requests may be booked ahead of simulated time, in order within a
    // direction, so each direction keeps its own watermark; reads and writes do not share the
    // bandwidth: results are a few percent of a job's bytes.)
    if (rd) {
      const sc_time first =
          max_time(accept + latency_, reads_out_.empty() ? sc_core::SC_ZERO_TIME : last_read_ + interval);
      last_read_ = first + interval * (double)(beats - 1);
      out.push_back(last_read_);
      bt->first = first;
      delay = last_read_ + interval - sc_core::sc_time_stamp();
    } else {
      const sc_time start = max_time(accept, last_write_);
      last_write_ = start + interval * (double)beats;
      const sc_time resp = start + interval * (double)(beats - 1) + latency_;
      out.push_back(resp);
      bt->first = resp;
      delay = resp - sc_core::sc_time_stamp();
    }
    bt->accept = accept;
    bt->interval = interval;
    while (out.size() > 256) out.pop_front();
  }
  p.set_dmi_allowed(true);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---- interconnect -------------------------------------------------------------------------------

Interconnect::Interconnect(sc_core::sc_module_name name, const BusParams &p, sc_time period)
    : sc_module(name),
      host_t("host_t"),
      device_t("device_t"),
      mem_i("mem_i"),
      csr_i("csr_i"),
      p_(p),
      period_(period),
      latency_(period * (double)p.latency_cycles),
      beat_time_(period * (8.0 / p.bytes_per_cycle)) {
  host_t.register_b_transport(this, &Interconnect::host_transport);
  device_t.register_b_transport(this, &Interconnect::device_transport);
  host_t.register_get_direct_mem_ptr(this, &Interconnect::get_dmi);
  device_t.register_get_direct_mem_ptr(this, &Interconnect::get_dmi);
}

bool Interconnect::get_dmi(tlm_generic_payload &p, tlm::tlm_dmi &dmi) {
  if (p.get_address() >= kCsrBase) return false;
  return mem_i->get_direct_mem_ptr(p, dmi);
}

void Interconnect::host_transport(tlm_generic_payload &p, sc_time &delay) {
  const uint64_t addr = p.get_address();
  if (addr >= kCsrBase) {  // the device's registers: AXI4-Lite straight to its CSR block
    p.set_address(addr - kCsrBase);
    csr_i->b_transport(p, delay);
    p.set_address(addr);
    return;
  }
  mem_transport(p, delay);
}

void Interconnect::device_transport(tlm_generic_payload &p, sc_time &delay) { mem_transport(p, delay); }

void Interconnect::mem_transport(tlm_generic_payload &p, sc_time &delay) {
  const uint64_t len = p.get_data_length();
  st_.bytes += len;
  st_.energy_pj += (double)len * p_.pj_per_byte;
  BurstTiming *bt = nullptr;
  p.get_extension(bt);
  if (!bt) {
    mem_i->b_transport(p, delay);
    return;
  }
  const sc_time t = sc_core::sc_time_stamp() + delay;
  bt->interval = max_time(bt->interval, beat_time_);  // the bus's width sets the pace too
  delay += latency_;
  mem_i->b_transport(p, delay);
  const uint64_t beats = (len + 7) / 8;
  sc_time &chan = p.is_read() ? r_free_ : w_free_;
  bt->accept = max_time(t, bt->accept - latency_);
  if (p.is_read()) {
    bt->first = max_time(bt->first + latency_, chan);  // one channel each way, shared by initiators
    chan = bt->first + bt->interval * (double)beats;
  } else {
    chan = max_time(bt->accept, chan) + bt->interval * (double)beats;
    bt->first = bt->first + latency_;
  }
  delay += latency_;
}

// ---- device -------------------------------------------------------------------------------------

Device::Device(sc_core::sc_module_name name, const SystemParams &p, sc_time period)
    : sc_module(name), csr_t("csr_t"), mem_i("mem_i"), p_(p), period_(period), engine_(p.geom, p.calib) {
  engine_.set_skew(p.skew);
  csr_t.register_b_transport(this, &Device::csr_transport);
  tx_.set_extension(new BurstTiming);  // the payload owns it
  SC_HAS_PROCESS(Device);
  SC_THREAD(scheduler);
  SC_THREAD(completer);
}

Device::~Device() { tern_devmodel_free(dm_); }

void Device::start_of_simulation() {
  // The C device model works on the memory's bytes, which the memory grants by DMI.
  tlm_generic_payload q;
  q.set_address(0);
  q.set_command(tlm::TLM_READ_COMMAND);
  tlm::tlm_dmi dmi;
  if (!mem_i->get_direct_mem_ptr(q, dmi) || dmi.get_start_address() != 0 || !dmi.is_read_write_allowed()) {
    error_ = "the memory refused direct access (DMI) to the device model";
    return;
  }
  mem_ = dmi.get_dmi_ptr();
  mem_size_ = dmi.get_end_address() + 1;
  dm_ = tern_devmodel_new(p_.geom, mem_, mem_size_);
  if (!dm_) error_ = "out of memory for the device model";
}

uint64_t Device::to_cycles(const sc_time &t) const {
  const uint64_t v = t.value(), per = period_.value();
  return (v + per - 1) / per;
}

Job Device::describe() {
  uint32_t k = 0, n = 0, cfg = 0, w = 0, a = 0, o = 0;
  tern_devmodel_read(dm_, TERN_REG_JOB_K_OFFSET, &k);
  tern_devmodel_read(dm_, TERN_REG_JOB_N_OFFSET, &n);
  tern_devmodel_read(dm_, TERN_REG_JOB_CFG_OFFSET, &cfg);
  tern_devmodel_read(dm_, TERN_REG_JOB_W_ADDR_OFFSET, &w);
  tern_devmodel_read(dm_, TERN_REG_JOB_A_ADDR_OFFSET, &a);
  tern_devmodel_read(dm_, TERN_REG_JOB_O_ADDR_OFFSET, &o);
  Job j;
  j.k = k, j.n = n, j.w_addr = w, j.a_addr = a, j.o_addr = o;
  const uint32_t fmt = (cfg & TERN_REG_JOB_CFG_FMT_MASK) >> TERN_REG_JOB_CFG_FMT_LSB;
  j.tokens = (cfg & TERN_REG_JOB_CFG_TOKENS_MASK) >> TERN_REG_JOB_CFG_TOKENS_LSB;
  j.fmt = (tern_format)fmt;
  // The device model's checks (cmodel/src/devmodel.c), for the timing only: a job they refuse
  // moves no data; its result and error code come from the device model itself.
  j.ok = k >= 1 && k <= TERN_K_MAX && n >= 1 && n <= TERN_N_MAX && (TERN_FORMATS_MASK >> fmt & 1u) && j.tokens >= 1 &&
         j.tokens <= TERN_T_MAX && (w | a | o) % TERN_ADDR_ALIGN == 0 &&
         (uint64_t)j.tokens * tern_beats_per_group(p_.geom, k) <= TERN_ACT_BUF_BEATS;
  if (j.ok) {
    const uint64_t wb = tern_stream_bytes(p_.geom, j.fmt, k, n);
    const uint64_t ab = tern_devmodel_act_stride(k) * j.tokens;
    const uint64_t ob = tern_devmodel_res_stride(n) * (j.tokens - 1) + 4ull * n;
    j.ok = w + wb <= mem_size_ && a + ab <= mem_size_ && o + ob <= mem_size_;
  }
  return j;
}

void Device::csr_transport(tlm_generic_payload &p, sc_time &delay) {
  const uint32_t off = (uint32_t)p.get_address();
  if (!dm_ || p.get_data_length() != 4 || p.get_byte_enable_ptr()) {
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  uint32_t v = 0;
  int r;
  if (p.is_write()) {
    std::memcpy(&v, p.get_data_ptr(), 4);
    delay += period_ * (double)kCsrWriteCycles;
    uint32_t q0 = 0, q1 = 0;
    tern_devmodel_read(dm_, TERN_REG_QUEUE_OFFSET, &q0);
    r = tern_devmodel_write(dm_, off, v);
    tern_devmodel_read(dm_, TERN_REG_QUEUE_OFFSET, &q1);
    if (r == 0 && off == TERN_REG_DOORBELL_OFFSET && q1 != q0) {  // a descriptor was queued
      pending_.push_back({describe(), to_cycles(sc_core::sc_time_stamp() + delay)});
      doorbell_ev_.notify(delay);
    }
  } else {
    r = tern_devmodel_read(dm_, off, &v);
    std::memcpy(p.get_data_ptr(), &v, 4);
    delay += period_ * (double)kCsrReadCycles;
  }
  p.set_response_status(r == 0 ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
}

// Every queued descriptor is timed as it arrives: the engine books its bursts and writes on
// the memory system ahead of simulated time (temporal decoupling).
void Device::scheduler() {
  for (;;) {
    sc_core::wait(doorbell_ev_);
    while (!pending_.empty()) {
      const Pending e = pending_.front();
      pending_.pop_front();
      const Timeline tl = engine_.schedule(e.job, e.doorbell, *this);
      st_.jobs++;
      st_.busy_cycles += tl.irq - std::max(tl.doorbell, std::min(st_.last_irq, tl.irq));
      st_.last_irq = tl.irq;
      st_.act_bytes += tl.act_bytes, st_.weight_bytes += tl.weight_bytes, st_.result_bytes += tl.result_bytes;
      st_.read_bursts += tl.read_bursts, st_.writes += tl.writes;
      inflight_.push_back(tl);
      if (p_.trace)
        std::fprintf(p_.trace,
                     "job %" PRIu64 " K=%u N=%u T=%u %s%s doorbell=%" PRIu64 " plan=%" PRIu64 " fetch=%" PRIu64
                     " act_loaded=%" PRIu64 " exec=%" PRIu64 " last_write=%" PRIu64 " irq=%" PRIu64 "\n",
                     st_.jobs - 1, e.job.k, e.job.n, e.job.tokens,
                     tern_format_name(e.job.fmt) ? tern_format_name(e.job.fmt) : "?", e.job.ok ? "" : " refused",
                     tl.doorbell, tl.plan_start, tl.fetch_start, tl.act_done, tl.exec_start, tl.last_write, tl.irq);
    }
    scheduled_ev_.notify(sc_core::SC_ZERO_TIME);
  }
}

// Jobs end in order, each at its interrupt cycle: then the device model runs it (results into
// memory, JOBS_DONE, IRQ_STATUS), so the host sees the registers change when the RTL would.
void Device::completer() {
  for (;;) {
    while (inflight_.empty()) sc_core::wait(scheduled_ev_);
    const sc_time at = period_ * (double)inflight_.front().irq;
    if (at > sc_core::sc_time_stamp()) sc_core::wait(at - sc_core::sc_time_stamp());
    inflight_.pop_front();
    tern_devmodel_run(dm_, 1);
    if (irq()) irq_ev_.notify();
  }
}

Transfer Device::transfer(tlm::tlm_command cmd, uint64_t t, uint64_t addr, uint32_t bytes) {
  BurstTiming *bt = nullptr;
  tx_.get_extension(bt);
  *bt = BurstTiming();
  bt->interval = period_;  // the 64-bit port: one 8-byte beat a cycle
  bt->timing_only = true;
  bt->from_device = true;
  tx_.set_command(cmd);
  tx_.set_address(addr);
  tx_.set_data_length(bytes);
  tx_.set_streaming_width(bytes);
  tx_.set_data_ptr(nullptr);
  tx_.set_byte_enable_ptr(nullptr);
  tx_.set_dmi_allowed(false);
  tx_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const sc_time at = period_ * (double)t, now = sc_core::sc_time_stamp();
  sc_time delay = at > now ? at - now : sc_core::SC_ZERO_TIME;
  mem_i->b_transport(tx_, delay);
  Transfer x;
  x.accept = std::max(t, to_cycles(bt->accept));
  x.first = std::max(x.accept + 1, to_cycles(bt->first));
  x.interval = std::max(1.0, bt->interval / period_);
  return x;
}

Transfer Device::read(uint64_t t, uint64_t addr, uint32_t words) {
  return transfer(tlm::TLM_READ_COMMAND, t, addr, 8 * words);
}
Transfer Device::write(uint64_t t, uint64_t addr, uint32_t bytes) {
  return transfer(tlm::TLM_WRITE_COMMAND, t, addr, bytes);
}

// ---- host ---------------------------------------------------------------------------------------

Host::Host(sc_core::sc_module_name name, const SystemParams &p, sc_time period, const Device &dev)
    : sc_module(name), socket("socket"), p_(p), period_(period), dev_(dev) {
  SC_HAS_PROCESS(Host);
  SC_THREAD(run);
}

// Between requests the host pauses the simulation: System::call() resumes it with the next.
void Host::run() {
  for (;;) {
    while (!req_) {
      sc_core::sc_pause();
      sc_core::wait(sc_core::SC_ZERO_TIME);
    }
    Request &r = *req_;
    execute(r);
    r.done = true;
    req_ = nullptr;
  }
}

void Host::execute(Request &r) {
  tlm_generic_payload p;
  sc_time delay = sc_core::SC_ZERO_TIME;
  switch (r.kind) {
    case Request::kRegRead:
    case Request::kRegWrite: {
      uint32_t v = r.value;
      p.set_command(r.kind == Request::kRegRead ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
      p.set_address(Interconnect::kCsrBase + r.offset);
      p.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
      p.set_data_length(4);
      p.set_streaming_width(4);
      socket->b_transport(p, delay);
      sc_core::wait(delay);
      if (r.kind == Request::kRegRead) r.value = v;
      r.ok = p.is_response_ok();
      if (!r.ok) {
        char b[96];
        std::snprintf(b, sizeof b, "register %s at 0x%03x answered SLVERR",
                      r.kind == Request::kRegRead ? "read" : "write", r.offset);
        r.error = b;
      }
      break;
    }
    case Request::kMemRead:
    case Request::kMemWrite: {
      // Host copies into device memory, in pieces a payload can carry; untimed unless host_timed
      // (the rtl device's host writes its memory directly too), counted either way.
      uint8_t *b = static_cast<uint8_t *>(r.buf);
      size_t left = r.len;
      uint64_t addr = r.addr;
      r.ok = true;
      while (left && r.ok) {
        const unsigned n = (unsigned)std::min<size_t>(left, 1u << 30);
        tlm_generic_payload q;
        BurstTiming *bt = nullptr;
        if (p_.host_timed) {
          bt = new BurstTiming;
          q.set_extension(bt);  // q owns it
        }
        q.set_command(r.kind == Request::kMemRead ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
        q.set_address(addr);
        q.set_data_ptr(b);
        q.set_data_length(n);
        q.set_streaming_width(n);
        sc_time d = sc_core::SC_ZERO_TIME;
        socket->b_transport(q, d);
        if (bt) sc_core::wait(d);
        r.ok = q.is_response_ok();
        b += n, addr += n, left -= n;
      }
      if (!r.ok) r.error = "device memory access failed";
      break;
    }
    case Request::kWaitIrq:
      if (!dev_.irq()) sc_core::wait(period_ * (double)r.budget_cycles, dev_.irq_event());
      r.ok = dev_.irq();
      break;
  }
}

// ---- the system ---------------------------------------------------------------------------------

System::System(const SystemParams &p)
    : p_(p),
      period_(sc_time(1e6 / p.clock_mhz, SC_PS)),
      mem_("memory", p.mem, period_),
      bus_("interconnect", p.bus, period_),
      dev_("tern", p, period_),
      host_("host", p, period_, dev_) {
  host_.socket.bind(bus_.host_t);
  dev_.mem_i.bind(bus_.device_t);
  bus_.mem_i.bind(mem_.socket);
  bus_.csr_i.bind(dev_.csr_t);
}

System::~System() = default;

bool System::call(Request &r) {
  r.done = false;
  host_.post(&r);
  try {
    sc_core::sc_start();
  } catch (const std::exception &e) {
    r.error = std::string("SystemC: ") + e.what();
    return false;
  }
  if (!r.done) {
    r.error = "the simulation stopped before the host's request was done";
    return false;
  }
  if (!dev_.error().empty() && !r.ok) r.error = dev_.error();
  return true;
}

uint64_t System::cycles() const { return sc_core::sc_time_stamp().value() / period_.value(); }

void System::write_stats(std::FILE *f) const {
  const Memory::Stats &m = mem_.stats();
  const Device::Stats &d = dev_.stats();
  const uint64_t cyc = cycles();
  std::fprintf(f, "# tern systemc statistics (docs/systemc.md): name value\n");
  std::fprintf(f, "clock_mhz %g\n", p_.clock_mhz);
  std::fprintf(f, "cycles %" PRIu64 "\n", cyc);
  std::fprintf(f, "seconds %.9g\n", (double)cyc / (p_.clock_mhz * 1e6));
  std::fprintf(f, "device.jobs %" PRIu64 "\n", d.jobs);
  std::fprintf(f, "device.busy_cycles %" PRIu64 "\n", d.busy_cycles);
  std::fprintf(f, "device.act_read_bytes %" PRIu64 "\n", d.act_bytes);
  std::fprintf(f, "device.weight_read_bytes %" PRIu64 "\n", d.weight_bytes);
  std::fprintf(f, "device.result_write_bytes %" PRIu64 "\n", d.result_bytes);
  std::fprintf(f, "device.read_bursts %" PRIu64 "\n", d.read_bursts);
  std::fprintf(f, "device.writes %" PRIu64 "\n", d.writes);
  const MemoryParams &mp = mem_.params();
  std::fprintf(f, "memory.kind %s\n", mp.kind.c_str());
  std::fprintf(f, "memory.bw_gbs %g\n", mp.bw_gbs);
  std::fprintf(f, "memory.latency_ns %g\n", mp.latency_ns);
  std::fprintf(f, "memory.pj_per_byte %g\n", mp.pj_per_byte);
  std::fprintf(f, "memory.read_bytes %" PRIu64 "\n", m.read_bytes);
  std::fprintf(f, "memory.write_bytes %" PRIu64 "\n", m.write_bytes);
  std::fprintf(f, "memory.device_read_bytes %" PRIu64 "\n", m.device_read_bytes);
  std::fprintf(f, "memory.device_write_bytes %" PRIu64 "\n", m.device_write_bytes);
  std::fprintf(f, "memory.host_read_bytes %" PRIu64 "\n", m.read_bytes - m.device_read_bytes);
  std::fprintf(f, "memory.host_write_bytes %" PRIu64 "\n", m.write_bytes - m.device_write_bytes);
  std::fprintf(f, "memory.busy_ns %.3f\n", m.busy_ns);
  std::fprintf(f, "memory.energy_pj %.1f\n", m.energy_pj);
  std::fprintf(f, "bus.bytes %" PRIu64 "\n", bus_.stats().bytes);
  std::fprintf(f, "bus.energy_pj %.1f\n", bus_.stats().energy_pj);
}

}  // namespace tern_sc
