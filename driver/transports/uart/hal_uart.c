/* SPDX-License-Identifier: Apache-2.0 */
/* Transport "uart" / "uart-tcp": the HAL over a tern board's UART bridge (hal_uart.h,
 * docs/uart.md). One request at a time (stop and wait): send a frame, wait for the frame that
 * answers its SEQ, retry with the same SEQ on a NAK, a timeout or a damaged answer. */
#define _DEFAULT_SOURCE /* cfmakeraw, CRTSCTS, the high B* rates, getaddrinfo */

#include "hal_uart.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/serial.h>
#endif

#include "errmsg.h"
#include "tern_params.h"

enum { DEFAULT_BAUD = 115200, DEFAULT_RETRIES = 5, TCP_TIMEOUT_MS = 1000, TCP_QUIET_MS = 20, CONNECT_MS = 5000 };
/* uart-tcp's adaptive per-try timeout (hal_uart.h): timeout_ms + ADAPT_FACTOR x the frames' bytes
 * x the smoothed time per byte, at most ADAPT_CAP_MS; drop_input discards at most DROP_MAX bytes. */
enum { ADAPT_FACTOR = 4, ADAPT_CAP_MS = 60000, DROP_MAX = 1 << 16 };

typedef struct {
  int fd;
  int tcp;
  char name[256]; /* the spec without its options, for messages */
  unsigned baud, timeout_ms, retries, quiet_ms, poll_ms;
  int timeout_set, quiet_set, adapt;
  uint64_t ns_per_byte;          /* uart-tcp: smoothed answer time per byte of request + answer (0: none yet) */
  uint64_t try_bytes, try_stale; /* what the current try received: bytes, frames for another SEQ */
  unsigned try_stale_seq;
  unsigned want_rows, want_lanes; /* option array=RxL (0: take the board's) */
  uint8_t seq;
  tern_uart_identity ident;
  tern_uart_stats stats;
  size_t rx_pos, rx_len;
  uint8_t rx[4096];
  uint8_t tx[TERN_UART_FRAME_MAX];
  uint8_t answer[TERN_UART_LEN_MAX];
  tern_uart_decoder dec;
  char err[512];
  char last[256]; /* what went wrong with the last try */
} uart_ctx;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static tern_status fail(uart_ctx *c, tern_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tern_status fail(uart_ctx *c, tern_status st, const char *fmt, ...) {
  int n = snprintf(c->err, sizeof c->err, "%s: ", c->name);
  if (n < 0 || (size_t)n >= sizeof c->err) n = 0;
  va_list ap;
  va_start(ap, fmt);
  tern_verrf(c->err + n, sizeof c->err - (size_t)n, st, fmt, ap);
  va_end(ap);
  return st;
}

/* ---- the byte pipe ---------------------------------------------------------------------- */

static int write_all(uart_ctx *c, const uint8_t *p, size_t len, uint64_t deadline) {
  while (len) {
    ssize_t w = c->tcp ? send(c->fd, p, len, MSG_NOSIGNAL) : write(c->fd, p, len);
    if (w > 0) {
      p += w, len -= (size_t)w;
      c->stats.bytes_out += (uint64_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      snprintf(c->last, sizeof c->last, "write failed: %s", strerror(errno));
      return -1;
    }
    uint64_t t = now_ms();
    if (t >= deadline) {
      snprintf(c->last, sizeof c->last, "the port took no more bytes (%zu left to write)", len);
      return -1;
    }
    struct pollfd pf = {c->fd, POLLOUT, 0};
    poll(&pf, 1, (int)(deadline - t));
  }
  return 0;
}

/* Read what is there, waiting until deadline for the first byte: bytes read, 0 on timeout,
 * -1 on an error or end of stream (c->last says which). */
static int read_some(uart_ctx *c, uint64_t deadline) {
  for (;;) {
    ssize_t r = read(c->fd, c->rx, sizeof c->rx);
    if (r > 0) {
      c->rx_pos = 0;
      c->rx_len = (size_t)r;
      c->stats.bytes_in += (uint64_t)r;
      c->try_bytes += (uint64_t)r;
      return (int)r;
    }
    if (r == 0 && c->tcp) {
      snprintf(c->last, sizeof c->last, "the board closed the connection");
      return -1;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      snprintf(c->last, sizeof c->last, "read failed: %s", strerror(errno));
      return -1;
    }
    uint64_t t = now_ms();
    if (t >= deadline) return 0;
    struct pollfd pf = {c->fd, POLLIN, 0};
    int pr = poll(&pf, 1, (int)(deadline - t));
    if (pr < 0 && errno != EINTR) {
      snprintf(c->last, sizeof c->last, "poll failed: %s", strerror(errno));
      return -1;
    }
    if (pr > 0 && (pf.revents & (POLLERR | POLLNVAL))) {
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      if (c->tcp && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr)
        snprintf(c->last, sizeof c->last, "the board closed the connection (%s)", strerror(soerr));
      else
        snprintf(c->last, sizeof c->last, "the port reports an error");
      return -1;
    }
  }
}

/* Throw away whatever the port holds now and the decoder's partial frame. Bounded (DROP_MAX
 * bytes, and the deadline) so a peer that never stops talking cannot keep us here. */
static void drop_input(uart_ctx *c, uint64_t deadline) {
  if (!c->tcp) tcflush(c->fd, TCIFLUSH);
  c->rx_pos = c->rx_len = 0;
  for (size_t dropped = 0; dropped < DROP_MAX && now_ms() < deadline;) {
    int r = read_some(c, 0);
    if (r <= 0) break;
    dropped += (size_t)r;
    c->rx_pos = c->rx_len = 0;
  }
  tern_uart_decoder_reset(&c->dec);
}

/* Read and discard until the line has been quiet for quiet ms, but not past end. */
static void wait_quiet(uart_ctx *c, unsigned quiet, uint64_t end) {
  c->rx_pos = c->rx_len = 0;
  for (;;) {
    uint64_t t = now_ms();
    if (t >= end) break;
    uint64_t until = t + quiet < end ? t + quiet : end;
    int r = read_some(c, until);
    c->rx_pos = c->rx_len = 0;
    if (r <= 0) break;
  }
  tern_uart_decoder_reset(&c->dec);
}

/* ---- one request -------------------------------------------------------------------------- */

/* One try's timeout (hal_uart.h states the rules). */
static unsigned try_timeout(const uart_ctx *c, size_t req_len, size_t ans_len) {
  uint64_t bytes = (uint64_t)(tern_uart_frame_bytes(req_len) + tern_uart_frame_bytes(ans_len));
  if (c->tcp) {
    if (!c->adapt) return c->timeout_ms;
    uint64_t ms = c->timeout_ms + ADAPT_FACTOR * bytes * c->ns_per_byte / 1000000u;
    return (unsigned)(ms < ADAPT_CAP_MS ? ms : (c->timeout_ms > ADAPT_CAP_MS ? c->timeout_ms : ADAPT_CAP_MS));
  }
  if (c->timeout_set) return c->timeout_ms;
  return (unsigned)(50u + 2u * (10u * bytes * 1000u + c->baud - 1) / c->baud);
}

/* The pause inside an answer that ends it. On uart-tcp with adapt and no quiet_ms option, a
 * quarter of the try's timeout (and at least quiet_ms): a simulated board's process may stall for
 * a few hundred ms mid-frame on a loaded machine, while TCP itself loses nothing, so only the
 * bench's injected byte losses pay for the longer wait. */
static unsigned try_quiet(const uart_ctx *c, unsigned tmo) {
  if (!c->tcp || !c->adapt || c->quiet_set || tmo / 4u < c->quiet_ms) return c->quiet_ms;
  return tmo / 4u;
}

/* Fold one answered try into the per-byte estimate (a quarter of each new sample, as TCP's RTT
 * estimate does with an eighth: quick to follow a board that slows down). */
static void learn(uart_ctx *c, uint64_t elapsed_ns, size_t req_len, size_t ans_len) {
  uint64_t bytes = (uint64_t)(tern_uart_frame_bytes(req_len) + tern_uart_frame_bytes(ans_len));
  uint64_t sample = elapsed_ns / bytes;
  c->ns_per_byte = c->ns_per_byte ? (3u * c->ns_per_byte + sample) / 4u : sample;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What a try that timed out received, for its message. */
static void describe_timeout(uart_ctx *c, unsigned tmo) {
  if (c->try_stale)
    snprintf(c->last, sizeof c->last,
             "no answer within %u ms: %llu bytes received, %llu of them intact frames answering other SEQs (last SEQ "
             "%u)",
             tmo, (unsigned long long)c->try_bytes, (unsigned long long)c->try_stale, c->try_stale_seq);
  else if (c->try_bytes)
    snprintf(c->last, sizeof c->last, "no answer within %u ms: %llu bytes received, no frame among them", tmo,
             (unsigned long long)c->try_bytes);
  else
    snprintf(c->last, sizeof c->last, "no answer within %u ms", tmo);
}

/* Send cmd with payload and wait for its ACK, whose payload must be ans_len bytes (copied to
 * ans). what names the request in messages ("REG_READ 0x014"). */
static tern_status request(uart_ctx *c, uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *ans, size_t ans_len,
                           const char *what) {
  size_t flen = 0;
  uint8_t seq = ++c->seq;
  if (tern_uart_encode(cmd, seq, payload, len, c->tx, sizeof c->tx, &flen) != TERN_OK)
    return fail(c, TERN_ERR_ARG, "%s: %zu payload bytes do not fit a frame", what, len);
  unsigned tmo = 0, tmo_first = 0;
  unsigned tries = c->retries + 1, crc_bad = 0, naks = 0, silent = 0, timeouts = 0;
  c->last[0] = 0;
  for (unsigned attempt = 0; attempt < tries; attempt++) {
    if (attempt) c->stats.retries++;
    /* Every step of a try, the draining of old bytes included, ends by its deadline: the
     * budget of a request is tries x per-try timeout whatever the peer sends. */
    tmo = try_timeout(c, len, ans_len);
    if (!attempt) tmo_first = tmo;
    const unsigned quiet = try_quiet(c, tmo);
    const uint64_t start_ns = now_ns(), deadline = now_ms() + tmo;
    drop_input(c, deadline);
    c->try_bytes = c->try_stale = 0;
    if (write_all(c, c->tx, flen, deadline) != 0)
      return fail(c, TERN_ERR_DEVICE, "%s (SEQ %u): %s", what, seq, c->last);
    int retry = 0, abandoned = 0;
    while (!retry) {
      if (now_ms() >= deadline) { /* bytes keep coming, but not the answer */
        c->stats.timeouts++;
        timeouts++;
        if (!c->try_bytes) silent++;
        describe_timeout(c, tmo);
        /* a slower link than we thought: back off (the cap on the timeout bounds the result;
         * this bound only keeps the arithmetic in range) */
        if (c->ns_per_byte && c->ns_per_byte < 1000000000u) c->ns_per_byte *= 2u;
        break;
      }
      size_t used = 0;
      tern_uart_frame f;
      tern_uart_event ev = tern_uart_decode(&c->dec, c->rx + c->rx_pos, c->rx_len - c->rx_pos, &used, &f);
      c->rx_pos += used;
      if (ev == TERN_UART_NONE && abandoned) {
        /* a frame cut short and nothing behind it: the answer lost a byte; the line has been
         * quiet for a while, so ask again now */
        c->stats.crc_errors++;
        crc_bad++;
        snprintf(c->last, sizeof c->last, "an answer cut short (a lost byte)");
        drop_input(c, deadline);
        retry = 1;
        continue;
      }
      if (ev == TERN_UART_NONE) {
        /* more bytes; a pause of quiet ms inside a frame ends it (a lost byte, or a stray SYNC
         * in noise whose LEN would swallow the answer): its bytes are scanned again */
        int partial = tern_uart_decoder_busy(&c->dec);
        uint64_t now = now_ms(), until = partial && now + quiet < deadline ? now + quiet : deadline;
        int r = read_some(c, until);
        if (r < 0) return fail(c, TERN_ERR_DEVICE, "%s (SEQ %u): %s", what, seq, c->last);
        if (r == 0 && partial && until < deadline) {
          tern_uart_decoder_abandon(&c->dec);
          abandoned = 1;
          continue;
        }
        continue; /* bytes, or the deadline passed: the loop top decides */
      }
      if (ev != TERN_UART_FRAME) {
        /* a damaged answer (maybe ours): let the line calm down, then ask again */
        c->stats.crc_errors++;
        crc_bad++;
        snprintf(c->last, sizeof c->last, "%s", tern_uart_decoder_error(&c->dec));
        wait_quiet(c, quiet, deadline);
        retry = 1;
        continue;
      }
      if (f.seq != seq) {
        c->stats.stale++;
        c->try_stale++;
        c->try_stale_seq = f.seq;
        continue;
      }
      if (f.cmd == TERN_UART_NAK) {
        c->stats.naks++;
        naks++;
        uint8_t reason = f.len >= 1 ? f.payload[0] : 0;
        const char *rn = tern_uart_nak_name(reason);
        if (reason == TERN_UART_NAK_CRC || reason == TERN_UART_NAK_LEN) {
          snprintf(c->last, sizeof c->last, "NAK: %s", rn);
          retry = 1;
          continue;
        }
        if (rn) return fail(c, TERN_ERR_DEVICE, "the board refuses %s (SEQ %u): %s", what, seq, rn);
        return fail(c, TERN_ERR_DEVICE, "the board refuses %s (SEQ %u) for an unknown reason %u", what, seq, reason);
      }
      if (f.cmd != (uint8_t)(cmd | TERN_UART_ACK) || f.len != ans_len) {
        const char *an = tern_uart_cmd_name(f.cmd);
        return fail(
            c, TERN_ERR_DEVICE,
            "protocol error: %s (SEQ %u) answered by CMD 0x%02x (%s) with %u payload bytes, expected CMD 0x%02x "
            "with %zu",
            what, seq, f.cmd, an ? an : "unknown", f.len, (unsigned)(cmd | TERN_UART_ACK), ans_len);
      }
      if (ans_len) memcpy(ans, f.payload, ans_len);
      c->stats.requests++;
      if (c->tcp && c->adapt) learn(c, now_ns() - start_ns, len, ans_len);
      return TERN_OK;
    }
  }
  char span[48];
  if (tmo == tmo_first)
    snprintf(span, sizeof span, "%u ms", tmo);
  else
    snprintf(span, sizeof span, "%u .. %u ms", tmo_first, tmo);
  if (silent == tries)
    return fail(c, TERN_ERR_DEVICE,
                "no answer to %s (SEQ %u) after %u tries of %s (is the board powered, the port right%s?)", what, seq,
                tries, span, c->tcp ? "" : ", the baud rate the bitstream's");
  return fail(c, TERN_ERR_DEVICE,
              "%s (SEQ %u) failed after %u tries (%u damaged answers, %u NAKs, %u timeouts of %s); last: %s", what, seq,
              tries, crc_bad, naks, timeouts, span, c->last);
}

/* ---- the HAL ------------------------------------------------------------------------------ */

static tern_status u_reg_read(void *ctx, uint32_t off, uint32_t *value) {
  uart_ctx *c = ctx;
  c->err[0] = 0;
  uint8_t p[4], a[4];
  char what[48];
  tern_uart_put32(p, off);
  snprintf(what, sizeof what, "REG_READ 0x%03x", off);
  tern_status st = request(c, TERN_UART_REG_READ, p, 4, a, 4, what);
  if (st == TERN_OK) *value = tern_uart_get32(a);
  return st;
}

static tern_status u_reg_write(void *ctx, uint32_t off, uint32_t value) {
  uart_ctx *c = ctx;
  c->err[0] = 0;
  uint8_t p[8];
  char what[64];
  tern_uart_put32(p, off);
  tern_uart_put32(p + 4, value);
  snprintf(what, sizeof what, "REG_WRITE 0x%03x = 0x%08x", off, value);
  return request(c, TERN_UART_REG_WRITE, p, 8, NULL, 0, what);
}

static tern_status check_range(uart_ctx *c, const char *op, uint64_t addr, size_t len) {
  if (addr > c->ident.mem_bytes || len > c->ident.mem_bytes - addr)
    return fail(c, TERN_ERR_DEVICE, "%s of %zu bytes at 0x%llx is outside the board's %u bytes of memory", op, len,
                (unsigned long long)addr, c->ident.mem_bytes);
  return TERN_OK;
}

static tern_status u_mem_write(void *ctx, uint64_t addr, const void *src, size_t len) {
  uart_ctx *c = ctx;
  c->err[0] = 0;
  tern_status st = check_range(c, "MEM_WRITE", addr, len);
  const uint8_t *s = src;
  uint8_t *p = c->answer; /* the payload is built here: addr32 + data */
  while (st == TERN_OK && len) {
    size_t n = len < c->ident.max_data ? len : c->ident.max_data;
    char what[64];
    tern_uart_put32(p, (uint32_t)addr);
    memcpy(p + 4, s, n);
    snprintf(what, sizeof what, "MEM_WRITE 0x%llx+%zu", (unsigned long long)addr, n);
    st = request(c, TERN_UART_MEM_WRITE, p, n + 4, NULL, 0, what);
    addr += n, s += n, len -= n;
  }
  return st;
}

static tern_status u_mem_read(void *ctx, uint64_t addr, void *dst, size_t len) {
  uart_ctx *c = ctx;
  c->err[0] = 0;
  tern_status st = check_range(c, "MEM_READ", addr, len);
  uint8_t *d = dst;
  while (st == TERN_OK && len) {
    size_t n = len < c->ident.max_data ? len : c->ident.max_data;
    uint8_t p[6];
    char what[64];
    tern_uart_put32(p, (uint32_t)addr);
    tern_uart_put16(p + 4, (uint32_t)n);
    snprintf(what, sizeof what, "MEM_READ 0x%llx+%zu", (unsigned long long)addr, n);
    st = request(c, TERN_UART_MEM_READ, p, 6, d, n, what);
    addr += n, d += n, len -= n;
  }
  return st;
}

static tern_status u_wait_irq(void *ctx, uint32_t timeout_ms) {
  uart_ctx *c = ctx;
  c->err[0] = 0;
  uint64_t end = now_ms() + timeout_ms;
  for (uint64_t polls = 1;; polls++) {
    uint8_t line = 0;
    tern_status st = request(c, TERN_UART_IRQ, NULL, 0, &line, 1, "IRQ");
    if (st != TERN_OK) return st;
    if (line & 1u) return TERN_OK;
    if (now_ms() >= end)
      return fail(c, TERN_ERR_DEVICE, "no interrupt within %u ms (%llu polls of the line)", timeout_ms,
                  (unsigned long long)polls);
    if (c->poll_ms) sleep_ms(c->poll_ms);
  }
}

static void u_close(void *ctx) {
  uart_ctx *c = ctx;
  if (!c) return;
  if (c->fd >= 0) close(c->fd);
  free(c);
}

static const char *u_last_error(void *ctx) { return ((uart_ctx *)ctx)->err; }

static uint32_t u_clock_hz(void *ctx) { return ((uart_ctx *)ctx)->ident.clk_hz; }

void tern_uart_hal_stats(void *ctx, tern_uart_stats *stats) {
  if (ctx && stats) *stats = ((uart_ctx *)ctx)->stats;
}

const tern_uart_identity *tern_uart_hal_identity(void *ctx) { return ctx ? &((uart_ctx *)ctx)->ident : NULL; }

/* ---- opening ------------------------------------------------------------------------------ */

static const struct {
  unsigned baud;
  speed_t speed;
} kBauds[] = {
    {9600, B9600},       {19200, B19200}, {38400, B38400}, {57600, B57600}, {115200, B115200}, {230400, B230400},
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B500000
    {500000, B500000},
#endif
#ifdef B576000
    {576000, B576000},
#endif
#ifdef B921600
    {921600, B921600},
#endif
#ifdef B1000000
    {1000000, B1000000},
#endif
#ifdef B1152000
    {1152000, B1152000},
#endif
#ifdef B1500000
    {1500000, B1500000},
#endif
#ifdef B2000000
    {2000000, B2000000},
#endif
#ifdef B2500000
    {2500000, B2500000},
#endif
#ifdef B3000000
    {3000000, B3000000},
#endif
#ifdef B3500000
    {3500000, B3500000},
#endif
#ifdef B4000000
    {4000000, B4000000},
#endif
};

static tern_status open_serial(uart_ctx *c, const char *path) {
  size_t i = 0, n = sizeof kBauds / sizeof kBauds[0];
  while (i < n && kBauds[i].baud != c->baud) i++;
  if (i == n) {
    char list[256] = "";
    for (size_t k = 0; k < n; k++) {
      size_t l = strlen(list);
      snprintf(list + l, sizeof list - l, "%s%u", k ? ", " : "", kBauds[k].baud);
    }
    return fail(c, TERN_ERR_ARG, "baud=%u is not a rate this host can set (%s)", c->baud, list);
  }
  c->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (c->fd < 0) return fail(c, TERN_ERR_DEVICE, "cannot open %s: %s", path, strerror(errno));
  struct termios t;
  if (tcgetattr(c->fd, &t) != 0) return fail(c, TERN_ERR_DEVICE, "%s is not a serial port: %s", path, strerror(errno));
#ifdef TIOCEXCL
  ioctl(c->fd, TIOCEXCL); /* best effort: keep other programs off the port */
#endif
  cfmakeraw(&t);
  t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CSIZE | CRTSCTS);
  t.c_cflag |= CS8 | CLOCAL | CREAD;
  t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  if (cfsetispeed(&t, kBauds[i].speed) != 0 || cfsetospeed(&t, kBauds[i].speed) != 0 ||
      tcsetattr(c->fd, TCSANOW, &t) != 0)
    return fail(c, TERN_ERR_DEVICE, "cannot set %s to %u baud 8N1 raw: %s", path, c->baud, strerror(errno));
#if defined(__linux__) && defined(TIOCGSERIAL) && defined(ASYNC_LOW_LATENCY)
  {
    /* USB serial adapters hold received bytes up to 16 ms by default; ask for low latency
     * (best effort: not every driver or user may) */
    struct serial_struct ss;
    if (ioctl(c->fd, TIOCGSERIAL, &ss) == 0 && !(ss.flags & ASYNC_LOW_LATENCY)) {
      ss.flags |= ASYNC_LOW_LATENCY;
      ioctl(c->fd, TIOCSSERIAL, &ss);
    }
  }
#endif
  tcflush(c->fd, TCIOFLUSH);
  return TERN_OK;
}

static tern_status open_tcp(uart_ctx *c, const char *hostport) {
  char host[256];
  const char *port;
  if (hostport[0] == '[') {
    const char *close_br = strchr(hostport, ']');
    if (!close_br || close_br[1] != ':' || (size_t)(close_br - hostport - 1) >= sizeof host)
      return fail(c, TERN_ERR_ARG, "expected uart-tcp:HOST:PORT or uart-tcp:[V6ADDR]:PORT");
    memcpy(host, hostport + 1, (size_t)(close_br - hostport - 1));
    host[close_br - hostport - 1] = 0;
    port = close_br + 2;
  } else {
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof host)
      return fail(c, TERN_ERR_ARG, "expected uart-tcp:HOST:PORT");
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    port = colon + 1;
  }
  char *end = NULL;
  long pn = strtol(port, &end, 10);
  if (!*port || *end || pn < 1 || pn > 65535) return fail(c, TERN_ERR_ARG, "bad TCP port '%s'", port);
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int gai = getaddrinfo(host, port, &hints, &res);
  if (gai != 0) return fail(c, TERN_ERR_DEVICE, "cannot resolve '%s': %s", host, gai_strerror(gai));
  char why[160] = "no address";
  for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      struct pollfd pf = {fd, POLLOUT, 0};
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      if (poll(&pf, 1, CONNECT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0) {
        rc = soerr ? -1 : 0;
        errno = soerr;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c->fd = fd;
    } else {
      snprintf(why, sizeof why, "%s", strerror(errno));
      close(fd);
    }
  }
  freeaddrinfo(res);
  if (c->fd < 0) return fail(c, TERN_ERR_DEVICE, "cannot connect to %s port %s: %s", host, port, why);
  return TERN_OK;
}

static int parse_uint(const char *s, size_t len, unsigned lo, unsigned hi, unsigned *out) {
  if (!len || len > 10) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10u + (uint64_t)(s[i] - '0');
  }
  if (v < lo || v > hi) return -1;
  *out = (unsigned)v;
  return 0;
}

static tern_status parse_options(uart_ctx *c, const char *opts) {
  static const char *kNames = "baud, timeout_ms, retries, quiet_ms, poll_ms, adapt, array";
  while (opts && *opts) {
    size_t len = strcspn(opts, "&,");
    const char *eq = memchr(opts, '=', len);
    if (!eq)
      return fail(c, TERN_ERR_ARG, "option '%.*s' needs a value (name=value; options: %s)", (int)len, opts, kNames);
    size_t nlen = (size_t)(eq - opts), vlen = len - nlen - 1;
    const char *v = eq + 1;
    int bad = 0;
    if (nlen == 4 && !memcmp(opts, "baud", 4))
      bad = parse_uint(v, vlen, 1, 100000000u, &c->baud);
    else if (nlen == 10 && !memcmp(opts, "timeout_ms", 10))
      bad = parse_uint(v, vlen, 1, 3600000u, &c->timeout_ms), c->timeout_set = 1;
    else if (nlen == 7 && !memcmp(opts, "retries", 7))
      bad = parse_uint(v, vlen, 0, 1000u, &c->retries);
    else if (nlen == 8 && !memcmp(opts, "quiet_ms", 8))
      bad = parse_uint(v, vlen, 0, 60000u, &c->quiet_ms), c->quiet_set = 1;
    else if (nlen == 7 && !memcmp(opts, "poll_ms", 7))
      bad = parse_uint(v, vlen, 0, 60000u, &c->poll_ms);
    else if (nlen == 5 && !memcmp(opts, "adapt", 5)) {
      unsigned a = 0;
      bad = parse_uint(v, vlen, 0, 1u, &a);
      c->adapt = (int)a;
    } else if (nlen == 5 && !memcmp(opts, "array", 5)) {
      const char *x = memchr(v, 'x', vlen);
      bad = !x || parse_uint(v, (size_t)(x - v), 1, 255u, &c->want_rows) ||
            parse_uint(x + 1, vlen - (size_t)(x - v) - 1, 1, 255u, &c->want_lanes);
    } else
      return fail(c, TERN_ERR_ARG, "unknown option '%.*s' (options: %s)", (int)nlen, opts, kNames);
    if (bad) return fail(c, TERN_ERR_ARG, "bad value '%.*s' for option %.*s", (int)vlen, v, (int)nlen, opts);
    opts += len;
    if (*opts) opts++;
  }
  return TERN_OK;
}

int tern_uart_hal_handles(const char *spec) {
  return spec && (strncmp(spec, "uart:", 5) == 0 || strncmp(spec, "uart-tcp:", 9) == 0);
}

/* Open spec, or, with fd >= 0, adopt that connected stream socket as a uart-tcp: link (spec
 * then names it for messages and carries the options). */
static tern_status open_any(const char *spec, int fd, const tern_geom *expect, tern_geom *found, tern_hal *hal,
                            char *err, size_t err_size) {
  if (err && err_size) err[0] = 0;
  if (!spec || !hal) {
    if (fd >= 0) close(fd);
    return TERN_ERR_ARG;
  }
  uart_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    if (fd >= 0) close(fd);
    return TERN_ERR_NOMEM;
  }
  c->fd = -1;
  c->baud = DEFAULT_BAUD;
  c->retries = DEFAULT_RETRIES;
  c->adapt = -1;
  const char *q = strchr(spec, '?');
  size_t base = q ? (size_t)(q - spec) : strlen(spec);
  snprintf(c->name, sizeof c->name, "%.*s", (int)(base < 200 ? base : 200), spec);
  tern_status st = TERN_OK;
  int tcp = strncmp(spec, "uart-tcp:", 9) == 0;
  if (!tcp && strncmp(spec, "uart:", 5) != 0)
    st = fail(c, TERN_ERR_ARG, "not a uart spec (uart:/dev/ttyUSB1?baud=115200 or uart-tcp:HOST:PORT)");
  if (st == TERN_OK) st = parse_options(c, q ? q + 1 : NULL);
  if (fd >= 0 && st == TERN_OK && !tcp) st = fail(c, TERN_ERR_ARG, "an adopted socket needs a uart-tcp: spec");
  if (fd >= 0 && st == TERN_OK) {
    c->fd = fd;
    fd = -1;
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0)
      st = fail(c, TERN_ERR_DEVICE, "cannot make the socket non-blocking: %s", strerror(errno));
  }
  if (fd >= 0) close(fd);
  if (st == TERN_OK) {
    c->tcp = tcp;
    if (c->adapt < 0) c->adapt = tcp; /* serial: the baud rate gives the time on the line */
    if (!c->timeout_set) c->timeout_ms = TCP_TIMEOUT_MS;
    /* serial: above the 16 ms a USB adapter may hold bytes, plus 20 byte times */
    if (!c->quiet_set) c->quiet_ms = tcp ? TCP_QUIET_MS : 40u + (200000u + c->baud - 1) / c->baud;
    char where[256];
    const char *p = spec + (tcp ? 9 : 5);
    size_t plen = base - (size_t)(p - spec);
    if (c->fd >= 0) {
      /* adopted: connected already */
    } else if (plen == 0 || plen >= sizeof where) {
      st = fail(c, TERN_ERR_ARG, "%s", tcp ? "expected uart-tcp:HOST:PORT" : "expected uart:/dev/PORT");
    } else {
      memcpy(where, p, plen);
      where[plen] = 0;
      st = tcp ? open_tcp(c, where) : open_serial(c, where);
    }
  }
  if (st == TERN_OK) {
    tern_uart_decoder_init(&c->dec, TERN_UART_LEN_MAX);
    uint8_t a[TERN_UART_IDENTIFY_BYTES];
    char why[256];
    /* the first request also clears the bridge's memory of the last write (a new session) */
    st = request(c, TERN_UART_IDENTIFY, NULL, 0, a, sizeof a, "IDENTIFY");
    if (st == TERN_OK && tern_uart_parse_identity(a, sizeof a, &c->ident, why, sizeof why) != TERN_OK)
      st = fail(c, TERN_ERR_DEVICE, "%s", why);
  }
  uint32_t rows = (c->ident.params & TERN_REG_PARAMS_ROWS_MASK) >> TERN_REG_PARAMS_ROWS_LSB;
  uint32_t lanes = (c->ident.params & TERN_REG_PARAMS_LANES_MASK) >> TERN_REG_PARAMS_LANES_LSB;
  if (st == TERN_OK && c->want_rows && (rows != c->want_rows || lanes != c->want_lanes))
    st = fail(c, TERN_ERR_DEVICE,
              "board reports array %ux%u (PARAMS 0x%08x), but the spec asks for array=%ux%u: flash a bitstream built "
              "for %ux%u or drop the option",
              rows, lanes, c->ident.params, c->want_rows, c->want_lanes, c->want_rows, c->want_lanes);
  else if (st == TERN_OK && expect && (rows != expect->rows || lanes != expect->lanes))
    st = fail(c, TERN_ERR_DEVICE,
              "board reports array %ux%u (PARAMS 0x%08x), but the driver packs weights for %ux%u: flash a "
              "bitstream built for %ux%u or build the driver for %ux%u",
              rows, lanes, c->ident.params, expect->rows, expect->lanes, expect->rows, expect->lanes, rows, lanes);
  if (st != TERN_OK) {
    if (err && err_size) snprintf(err, err_size, "%s", c->err[0] ? c->err : tern_strerror(st));
    u_close(c);
    return st;
  }
  c->err[0] = 0;
  if (found) found->rows = rows, found->lanes = lanes;
  tern_hal h = {c,       c->ident.mem_bytes, u_reg_read, u_reg_write, u_mem_write, u_mem_read, u_wait_irq,
                u_close, u_last_error,       NULL,       NULL,        u_clock_hz};
  *hal = h;
  return TERN_OK;
}

tern_status tern_uart_hal_open_geom(const char *spec, const tern_geom *expect, tern_geom *found, tern_hal *hal,
                                    char *err, size_t err_size) {
  return open_any(spec, -1, expect, found, hal, err, err_size);
}

tern_status tern_uart_hal_open_fd(int fd, const char *spec, tern_hal *hal, char *err, size_t err_size) {
  return open_any(spec, fd, NULL, NULL, hal, err, err_size);
}

tern_status tern_uart_hal_open(const char *spec, tern_hal *hal, char *err, size_t err_size) {
  return tern_uart_hal_open_geom(spec, NULL, NULL, hal, err, err_size);
}
