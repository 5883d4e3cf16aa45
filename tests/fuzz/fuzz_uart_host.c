/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the driver's side of the UART protocol (driver/transports/uart/hal_uart.c,
 * docs/uart.md): the input scripts what a board answers. A peer thread holds one end of a
 * socketpair and, each time a request arrives, sends the next answer the script makes; the
 * uart HAL is opened over the other end (tern_uart_hal_open_fd) with tiny timeouts and then
 * asked for IDENTIFY, a register read and write, a memory write and read split into frames,
 * and an interrupt wait. Properties besides "no crash, no sanitizer report, no hang": every
 * call returns, a failed call leaves a message, and a successful read returns exactly what was
 * asked for.
 *
 * Script: a sequence of ops, each one answer chunk, chosen by the low two bits of its first byte:
 *   0: raw bytes (the next (b >> 2) input bytes, as they are);
 *   1: a frame with a correct CRC: CMD, SEQ offset and LEN from the next bytes, payload from
 *      the input (SEQ = the request count + offset, so both right and stale SEQs occur);
 *   2: an IDENTIFY answer with the right magic and protocol, the rest from the input;
 *   3: an ACK for request kind (b >> 2) % 7 with the right SEQ, payload from the input. */
#define _DEFAULT_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hal_uart.h"
#include "uart_proto.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

enum { MAX_CHUNKS = 256, OUT_MAX = 1 << 16 };

typedef struct {
  int fd;
  uint8_t out[OUT_MAX]; /* the answers, back to back */
  size_t end[MAX_CHUNKS], chunks;
  atomic_int stop;
} peer;

static size_t put_frame(peer *p, size_t at, uint8_t cmd, uint8_t seq, const uint8_t *pl, size_t len) {
  size_t n = 0;
  if (at + TERN_UART_FRAME_MAX > OUT_MAX) return at;
  if (tern_uart_encode(cmd, seq, pl, len, p->out + at, OUT_MAX - at, &n) != TERN_OK) return at;
  return at + n;
}

/* Turn the script into answer chunks. */
static void build(peer *p, const uint8_t *d, size_t n) {
  size_t i = 0, at = 0;
  uint8_t pl[TERN_UART_LEN_MAX];
  for (uint8_t count = 1; i < n && p->chunks < MAX_CHUNKS && at + TERN_UART_FRAME_MAX <= OUT_MAX; count++) {
    const uint8_t b = d[i++];
    const size_t avail = n - i;
    switch (b & 3u) {
      case 0: {
        size_t k = (size_t)(b >> 2) < avail ? (size_t)(b >> 2) : avail;
        memcpy(p->out + at, d + i, k);
        at += k, i += k;
        break;
      }
      case 1: {
        if (avail < 3) {
          i = n;
          break;
        }
        uint8_t cmd = d[i], seq = (uint8_t)(count + d[i + 1]);
        size_t len = d[i + 2];
        i += 3;
        if (len > n - i) len = n - i;
        at = put_frame(p, at, cmd, seq, d + i, len);
        i += len;
        break;
      }
      case 2: {
        /* magic, protocol 1, then max_data, id, version, params, mem_bytes, clk from the input */
        memset(pl, 0, TERN_UART_IDENTIFY_BYTES);
        tern_uart_put32(pl, TERN_UART_MAGIC);
        pl[4] = TERN_UART_PROTO_VERSION;
        size_t k = avail < TERN_UART_IDENTIFY_BYTES - 6 ? avail : TERN_UART_IDENTIFY_BYTES - 6;
        memcpy(pl + 6, d + i, k);
        i += k;
        /* keep the memory small, so the transfers stay inside it now and then */
        pl[22] &= 0x0F, pl[23] = 0, pl[21] &= 0x7F;
        at = put_frame(p, at, TERN_UART_IDENTIFY | TERN_UART_ACK, count, pl, TERN_UART_IDENTIFY_BYTES);
        break;
      }
      default: {
        static const uint8_t kinds[7] = {TERN_UART_IDENTIFY,  TERN_UART_REG_READ, TERN_UART_REG_WRITE,
                                         TERN_UART_MEM_WRITE, TERN_UART_MEM_READ, TERN_UART_IRQ,
                                         TERN_UART_NAK};
        uint8_t kind = kinds[(b >> 2) % 7u];
        size_t len = avail ? d[i++] % 80u : 0;
        if (len > n - i) len = n - i;
        at = put_frame(p, at, kind == TERN_UART_NAK ? kind : (uint8_t)(kind | TERN_UART_ACK), count, d + i, len);
        i += len;
        break;
      }
    }
    p->end[p->chunks++] = at;
  }
}

/* Answer every burst of request bytes with the next chunk; stop at end of stream or when told. */
static void *serve(void *arg) {
  peer *p = arg;
  uint8_t in[4096];
  size_t next = 0, sent = 0;
  while (!atomic_load(&p->stop)) {
    struct pollfd pf = {p->fd, POLLIN, 0};
    if (poll(&pf, 1, 2) <= 0) continue;
    ssize_t r = read(p->fd, in, sizeof in);
    if (r <= 0) break;
    if (next < p->chunks) {
      size_t to = p->end[next++];
      while (sent < to) {
        ssize_t w = send(p->fd, p->out + sent, to - sent, MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += (size_t)w;
      }
      sent = to;
    }
  }
  return NULL;
}

/* A failed call must say why. */
static void check_call(const tern_hal *hal, tern_status st) {
  if (st != TERN_OK) CHECK(hal->last_error(hal->ctx)[0] != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  peer *p = calloc(1, sizeof *p);
  if (!p) return 0;
  build(p, data, size);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    free(p);
    return 0;
  }
  p->fd = sv[1];
  pthread_t th;
  if (pthread_create(&th, NULL, serve, p) != 0) {
    close(sv[0]);
    close(sv[1]);
    free(p);
    return 0;
  }
  tern_hal hal;
  char err[512];
  tern_status st =
      tern_uart_hal_open_fd(sv[0], "uart-tcp:fuzz?timeout_ms=2&retries=1&quiet_ms=1", &hal, err, sizeof err);
  if (st == TERN_OK) {
    uint32_t v = 0;
    uint8_t buf[48];
    check_call(&hal, hal.reg_read(hal.ctx, 0x014, &v));
    check_call(&hal, hal.reg_write(hal.ctx, 0x010, 1));
    check_call(&hal, hal.mem_write(hal.ctx, 8, data, size < 24 ? size : 24));
    check_call(&hal, hal.mem_read(hal.ctx, 16, buf, sizeof buf));
    check_call(&hal, hal.wait_irq(hal.ctx, 3));
    CHECK(hal.clock_hz != NULL);
    tern_uart_stats s;
    tern_uart_hal_stats(hal.ctx, &s);
    hal.close(hal.ctx);
  } else {
    CHECK(err[0] != 0);
  }
  atomic_store(&p->stop, 1);
  pthread_join(th, NULL);
  close(sv[1]);
  free(p);
  return 0;
}
