// SPDX-License-Identifier: Apache-2.0
// The simulated board: a whole board top (fpga/boards/<board>/<board>_top.v: the Verilog that
// goes into the bitstream, with a pass-through stand-in for the PLL from sim/models/) under
// Verilator, its UART pins driven and sampled bit by bit (uart_model.h) and its byte stream
// served on a TCP port, so the driver reaches it exactly as it reaches a board through a
// USB-serial adapter: `tern run --device uart-tcp:127.0.0.1:PORT`.
//
//   +tcp=PORT        listen on 127.0.0.1:PORT (0, the default: any free port). The bench prints
//                    "board_tb: listening on 127.0.0.1:PORT", serves one client until it
//                    disconnects, then prints a summary line and exits (0; 1 on an error).
//   +flip=P +drop=P  per-byte probability of a flipped bit / a lost byte, in both directions
//                    (the driver must recover through the protocol's CRC, NAK and retry).
//   +seed=S          seed of the fault injection (printed in the summary line).
//   +max_seconds=N   give up after N wall-clock seconds (default 900).
//   +vcd=FILE        waveform (a build with TRACE=1).
//
// The clock is the board's PLL output: one bench cycle per design cycle, and the UART runs at
// the board's CLK_HZ / BAUD clocks per bit (TB_CPB, passed by the build from the top's
// parameters), so UART time and device time keep their real ratio.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tb.h"
#include "tern_test.h"
#include "uart_model.h"

#ifndef TB_CPB
#error "TB_CPB (clocks per UART bit) must come from the build"
#endif

#define TB_STR2(x) #x
#define TB_STR(x) TB_STR2(x)
#include TB_STR(TB_HDR)

namespace {

// The top's ports by role (PIN_CLK, PIN_RX, PIN_TX, PIN_RESET_N: spec/tern.toml
// [boards.<board>].pins, through sim/Makefile).
#if !defined(PIN_CLK) || !defined(PIN_RX) || !defined(PIN_TX) || !defined(PIN_RESET_N)
#error "PIN_CLK, PIN_RX, PIN_TX and PIN_RESET_N must come from the build (sim/Makefile board)"
#endif

class Board {
 public:
  explicit Board(const Plusargs &pa) : ctx_(new VerilatedContext), tx_(TB_CPB), rx_(TB_CPB) {
    ctx_->randReset(2);
    dut_.reset(new TB_TOP(ctx_.get()));
    dut_->PIN_RESET_N = 1;  // button up (ULX3S: btn[0] is active low too)
    dut_->PIN_RX = 1;
    dut_->PIN_CLK = 0;
    dut_->eval();
#if VM_TRACE
    std::string vcd = pa.str("vcd", "");
    if (!vcd.empty()) {
      ctx_->traceEverOn(true);
      vcd_.reset(new VerilatedVcdC);
      dut_->trace(vcd_.get(), 99);
      vcd_->open(vcd.c_str());
    }
#else
    (void)pa;
#endif
  }
  ~Board() {
#if VM_TRACE
    if (vcd_) vcd_->close();
#endif
    dut_->final();
  }
  void step() {
    dut_->PIN_RX = (uint8_t)tx_.tick();
    dut_->PIN_CLK = 1;
    dut_->eval();
#if VM_TRACE
    if (vcd_) vcd_->dump(10 * cycle_ + 5);
#endif
    dut_->PIN_CLK = 0;
    dut_->eval();
#if VM_TRACE
    if (vcd_) vcd_->dump(10 * cycle_ + 10);
#endif
    rx_.tick(dut_->PIN_TX);
    cycle_++;
  }
  bool quiet() const { return tx_.idle() && !rx_.busy() && dut_->PIN_TX; }
  uint64_t cycle() const { return cycle_; }
  uartm::Tx &tx() { return tx_; }
  uartm::Rx &rx() { return rx_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<TB_TOP> dut_;
#if VM_TRACE
  std::unique_ptr<VerilatedVcdC> vcd_;
#endif
  uartm::Tx tx_;
  uartm::Rx rx_;
  uint64_t cycle_ = 0;
};

int listen_on(uint16_t port, uint16_t *bound) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (ls < 0) return -1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = {};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  socklen_t sl = sizeof sa;
  if (bind(ls, (sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1) != 0 || getsockname(ls, (sockaddr *)&sa, &sl) != 0) {
    close(ls);
    return -1;
  }
  *bound = ntohs(sa.sin_port);
  return ls;
}

bool send_all(int fd, const std::vector<uint8_t> &out) {
  size_t off = 0;
  while (off < out.size()) {
    ssize_t w = send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (w > 0) {
      off += (size_t)w;
    } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p = {fd, POLLOUT, 0};
      poll(&p, 1, 100);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  const uint64_t seed = pa.num("seed", 1);
  const double p_flip = pa.real("flip", 0.0), p_drop = pa.real("drop", 0.0);
  const uint64_t max_s = pa.num("max_seconds", 900);
  uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;

  uint16_t port = 0;
  int ls = listen_on((uint16_t)pa.num("tcp", 0), &port);
  if (ls < 0) {
    std::printf("board_tb: cannot listen on 127.0.0.1:%u (%s)\n", (unsigned)pa.num("tcp", 0), strerror(errno));
    return 1;
  }
  Board b(pa);
  for (int i = 0; i < 64; i++) b.step();  // power-on reset of the top
  std::printf("board_tb: %s, %d clocks per UART bit, listening on 127.0.0.1:%u\n", TB_STR(TB_TOP), TB_CPB,
              (unsigned)port);
  std::fflush(stdout);

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return (uint64_t)std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  };
  pollfd pf = {ls, POLLIN, 0};
  if (poll(&pf, 1, (int)(max_s * 1000)) != 1) {
    std::printf("board_tb: no client within %" PRIu64 " s\n", max_s);
    return 1;
  }
  int fd = accept(ls, nullptr, nullptr);
  close(ls);
  if (fd < 0) {
    std::printf("board_tb: accept failed (%s)\n", strerror(errno));
    return 1;
  }
  int one = 1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  uint64_t in_bytes = 0, out_bytes = 0, flips = 0, drops = 0, idle_since = 0;
  // After this many quiet cycles the bench stops simulating and blocks on the socket (the
  // board is waiting for the host; its state does not change while its inputs are idle, except
  // for a frame's inter-byte timeout, which is far shorter than this).
  const uint64_t kQuiet = 1u << 20;
  bool open = true;
  std::vector<uint8_t> out;
  while (open && elapsed() < max_s) {
    if (!b.quiet()) idle_since = b.cycle();
    const bool idle_long = b.cycle() - idle_since > kQuiet;
    if (idle_long || (b.cycle() & 255) == 0) {
      pollfd p = {fd, POLLIN, 0};
      int r = poll(&p, 1, idle_long ? 100 : 0);
      if (r > 0) {
        uint8_t buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
        for (ssize_t i = 0; i < n; i++) {
          in_bytes++;
          if (tb_uniform(&rng) < p_drop) {
            b.tx().push(buf[i], uartm::Tx::LOST);
            drops++;
          } else if (tb_uniform(&rng) < p_flip) {
            b.tx().push((uint8_t)(buf[i] ^ (1u << (tern_rand_next(&rng) % 8))));
            flips++;
          } else {
            b.tx().push(buf[i]);
          }
        }
        if (n > 0) idle_since = b.cycle();
      }
      if (idle_long) continue;
    }
    b.step();
    auto &q = b.rx().bytes();
    while (!q.empty()) {
      uint8_t by = q.front().data;
      q.pop_front();
      if (tb_uniform(&rng) < p_drop) {
        drops++;
        continue;
      }
      if (tb_uniform(&rng) < p_flip) by ^= (uint8_t)(1u << (tern_rand_next(&rng) % 8)), flips++;
      out.push_back(by);
    }
    // hand the host whole bursts: send when the board's transmitter has gone quiet
    if (!out.empty() && !b.rx().busy()) {
      if (!send_all(fd, out)) open = false;
      out_bytes += out.size();
      out.clear();
    }
  }
  close(fd);
  const bool timed_out = elapsed() >= max_s;
  std::printf("board_tb: %" PRIu64 " bytes in, %" PRIu64 " out, %" PRIu64 " flipped, %" PRIu64 " dropped, %" PRIu64
              " cycles, %" PRIu64 " s, seed %" PRIu64 "%s\n",
              in_bytes, out_bytes, flips, drops, b.cycle(), elapsed(), seed,
              timed_out ? " (gave up: +max_seconds)" : "");
  return timed_out ? 1 : 0;
}
