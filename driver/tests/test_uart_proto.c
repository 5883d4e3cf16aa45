/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the UART bridge protocol (driver/src/uart_proto.c) and of the uart HAL
 * (driver/transports/uart/hal_uart.c, docs/uart.md).
 *
 *   - CRC-16/CCITT-FALSE test vector ("123456789" -> 0x29B1), encoder byte vectors, encoder
 *     errors; decoder round trips fed byte by byte and in random chunks; garbage before and
 *     between frames (with and without stray SYNC bytes: the bytes behind a false SYNC are
 *     scanned again); truncated frames; LEN above the limit; every single- and double-bit
 *     error of a frame detected; IDENTIFY parsing and its errors.
 *   - The HAL against an emulation of the bridge in this program (a thread serving a loopback
 *     TCP socket or a pseudo-terminal): every HAL function, transfers split into frames,
 *     wait_irq and its timeout, NAK reasons reported, faults injected both ways (flipped and
 *     lost bytes) with exact results and every DOORBELL write executed once, a board that never
 *     answers, one with another magic or array geometry, one that hangs up, bad specs.
 *   - With --rtl-bench PATH: the same HAL against the Verilated rtl/tern_uart_bridge.v
 *     (sim/verilator/uart_bridge_tb +tcp=0), with flipped and lost bytes on the link.
 *
 * Build (tests/test_uart_bridge.sh does this; driver/Makefile's `make tests` too):
 *   cc -std=c11 -O2 -Wall -Wextra -Werror -Icmodel/include -Idriver/include -Idriver/src \
 *      -Idriver/transports/uart -Itests/common driver/tests/test_uart_proto.c driver/src/uart_proto.c \
 *      driver/transports/uart/hal_uart.c cmodel/src/status.c \
 *      -o build/uart/test_uart_proto -lpthread
 * Run: build/uart/test_uart_proto [--seed N] [--rtl-bench build/uart/uart_bridge_tb]
 * Output: one PASS/FAIL/SKIP line per case (tests/common/tern_test.h). */
#define _GNU_SOURCE /* posix_openpt, ptsname, pthread, sockets */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hal_uart.h"
#include "tern_params.h"
#include "tern_test.h"
#include "uart_proto.h"

static uint64_t g_seed;

/* ---- helpers -------------------------------------------------------------------------------- */

static uint64_t ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Feed bytes to a decoder and collect up to max frames (copied) and the bad-frame events. */
typedef struct {
  uint8_t cmd, seq;
  uint16_t len;
  uint8_t payload[TERN_UART_LEN_MAX];
} frame_copy;

static size_t feed_all(tern_uart_decoder *d, const uint8_t *in, size_t n, size_t chunk, frame_copy *out, size_t max,
                       size_t *bad) {
  size_t got = 0;
  size_t pos = 0;
  while (pos < n || d->pend_len > d->pend_pos) {
    size_t take = n - pos < chunk ? n - pos : chunk;
    size_t used = 0;
    tern_uart_frame f;
    tern_uart_event ev = tern_uart_decode(d, in + pos, take, &used, &f);
    pos += used;
    if (ev == TERN_UART_FRAME) {
      if (got < max) {
        out[got].cmd = f.cmd, out[got].seq = f.seq, out[got].len = f.len;
        memcpy(out[got].payload, f.payload, f.len);
      }
      got++;
    } else if (ev != TERN_UART_NONE) {
      if (bad) (*bad)++;
    } else if (used == take && pos == n) {
      break;
    }
  }
  return got;
}

/* ---- protocol -------------------------------------------------------------------------------- */

static void test_crc(tern_test_ctx *t) {
  tern_test_begin(t, "uart/crc16");
  TERN_CHECK(t, tern_uart_crc16(0xFFFF, "123456789", 9) == 0x29B1);
  TERN_CHECK(t, tern_uart_crc16(0xFFFF, "", 0) == 0xFFFF);
  /* byte by byte = all at once */
  uint16_t c = 0xFFFF;
  for (int i = 0; i < 9; i++) c = tern_uart_crc16(c, &"123456789"[i], 1);
  TERN_CHECK(t, c == 0x29B1);
  /* appending the CRC MSB first gives 0 */
  uint8_t m[11] = "123456789";
  m[9] = 0x29, m[10] = 0xB1;
  TERN_CHECK(t, tern_uart_crc16(0xFFFF, m, 11) == 0);
  tern_test_end(t);
}

static void test_encode(tern_test_ctx *t) {
  tern_test_begin(t, "uart/encode");
  uint8_t out[64];
  size_t n = 0;
  static const uint8_t ident[] = {0xA5, 0x01, 0x00, 0x00, 0x00, 0xF2, 0x74};
  TERN_CHECK(t, tern_uart_encode(TERN_UART_IDENTIFY, 0, NULL, 0, out, sizeof out, &n) == TERN_OK);
  TERN_CHECK(t, n == sizeof ident && memcmp(out, ident, n) == 0);
  /* the ACK of a REG_READ of ID (0x5445524e) with SEQ 7 */
  static const uint8_t ack[] = {0xA5, 0x82, 0x07, 0x04, 0x00, 0x4E, 0x52, 0x45, 0x54, 0x48, 0xDC};
  uint8_t v[4];
  tern_uart_put32(v, 0x5445524Eu);
  TERN_CHECK(t, tern_uart_encode(0x82, 7, v, 4, out, sizeof out, &n) == TERN_OK);
  TERN_CHECK(t, n == sizeof ack && memcmp(out, ack, n) == 0);
  TERN_CHECK(t, tern_uart_frame_bytes(4) == 11);
  /* errors */
  TERN_CHECK(t, tern_uart_encode(1, 0, v, 4, out, 10, &n) == TERN_ERR_SIZE);
  TERN_CHECK(t, tern_uart_encode(1, 0, NULL, 4, out, sizeof out, &n) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_uart_encode(1, 0, v, 4, NULL, sizeof out, &n) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_uart_encode(1, 0, v, 4, out, sizeof out, NULL) == TERN_ERR_ARG);
  static uint8_t big[TERN_UART_FRAME_MAX + 8], big_out[TERN_UART_FRAME_MAX + 8];
  TERN_CHECK(t, tern_uart_encode(1, 0, big, TERN_UART_LEN_MAX + 1, big_out, sizeof big_out, &n) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_uart_encode(4, 9, big, TERN_UART_LEN_MAX, big_out, sizeof big_out, &n) == TERN_OK &&
                    n == TERN_UART_FRAME_MAX);
  /* little-endian helpers */
  uint8_t b[4];
  tern_uart_put32(b, 0x11223344u);
  TERN_CHECK(t, b[0] == 0x44 && b[3] == 0x11 && tern_uart_get32(b) == 0x11223344u && tern_uart_get16(b) == 0x3344);
  tern_test_end(t);
}

static tern_uart_decoder g_dec; /* large: keep off the stack */
static uint8_t g_stream[1 << 18];
static frame_copy g_frames[512];

static void test_decode_roundtrip(tern_test_ctx *t) {
  tern_test_begin(t, "uart/decode_roundtrip");
  uint64_t rng = g_seed ^ 0x1111;
  for (int round = 0; round < 200 && !t->failed; round++) {
    size_t nf = 1 + (size_t)tern_rand_range(&rng, 0, 15), pos = 0;
    uint8_t cmds[16], seqs[16];
    uint16_t lens[16];
    static uint8_t pays[16][TERN_UART_LEN_MAX];
    for (size_t i = 0; i < nf; i++) {
      cmds[i] = (uint8_t)tern_rand_next(&rng);
      seqs[i] = (uint8_t)tern_rand_next(&rng);
      lens[i] = (uint16_t)(tern_rand_next(&rng) % 4 ? tern_rand_range(&rng, 0, 40)
                                                    : tern_rand_range(&rng, 0, TERN_UART_LEN_MAX));
      for (size_t k = 0; k < lens[i]; k++) pays[i][k] = (uint8_t)tern_rand_next(&rng);
      size_t n = 0;
      TERN_CHECK(t, tern_uart_encode(cmds[i], seqs[i], pays[i], lens[i], g_stream + pos, sizeof g_stream - pos, &n) ==
                        TERN_OK);
      pos += n;
    }
    tern_uart_decoder_init(&g_dec, TERN_UART_LEN_MAX);
    size_t chunk = round % 3 == 0 ? 1 : (size_t)tern_rand_range(&rng, 1, 5000);
    size_t bad = 0, got = feed_all(&g_dec, g_stream, pos, chunk, g_frames, 512, &bad);
    if (got != nf || bad) {
      tern_test_fail(t, "round %d: %zu frames decoded of %zu, %zu bad (chunk %zu) [seed=%" PRIu64 "]", round, got, nf,
                     bad, chunk, g_seed);
      break;
    }
    for (size_t i = 0; i < nf; i++)
      if (g_frames[i].cmd != cmds[i] || g_frames[i].seq != seqs[i] || g_frames[i].len != lens[i] ||
          memcmp(g_frames[i].payload, pays[i], lens[i]) != 0)
        tern_test_fail(t, "round %d frame %zu differs [seed=%" PRIu64 "]", round, i, g_seed);
    TERN_CHECK(t, g_dec.frames == nf && g_dec.crc_errors == 0 && g_dec.skipped == 0);
  }
  tern_test_end(t);
}

static void test_decode_garbage(tern_test_ctx *t) {
  tern_test_begin(t, "uart/decode_resync");
  uint64_t rng = g_seed ^ 0x2222;
  /* garbage without SYNC: skipped and counted */
  uint8_t junk[] = {0x00, 0xFF, 0x5A, 0x13, 0x37};
  uint8_t fr[64];
  size_t n = 0, bad = 0;
  tern_uart_decoder_init(&g_dec, 1024);
  memcpy(g_stream, junk, sizeof junk);
  tern_uart_encode(TERN_UART_IRQ | TERN_UART_ACK, 3, "\x01", 1, g_stream + sizeof junk, 64, &n);
  TERN_CHECK(t, feed_all(&g_dec, g_stream, sizeof junk + n, 1, g_frames, 4, &bad) == 1 && bad == 0);
  TERN_CHECK(t, g_dec.skipped == sizeof junk && g_frames[0].seq == 3 && g_frames[0].payload[0] == 1);
  /* a false SYNC whose LEN swallows the real frame: one CRC error, then the rescan finds it */
  static const uint8_t false_hdr[] = {0xA5, 0x02, 0x09, 0x10, 0x00};
  tern_uart_decoder_init(&g_dec, 1024);
  memcpy(g_stream, false_hdr, sizeof false_hdr);
  tern_uart_encode(0x83, 42, NULL, 0, g_stream + sizeof false_hdr, 64, &n);
  size_t total = sizeof false_hdr + n;
  for (size_t i = 0; i < 20; i++) g_stream[total++] = (uint8_t)(0x10 + i); /* more bytes to fill the false LEN */
  bad = 0;
  size_t got = feed_all(&g_dec, g_stream, total, 1, g_frames, 4, &bad);
  TERN_CHECK(t, got == 1 && bad == 1 && g_frames[0].cmd == 0x83 && g_frames[0].seq == 42);
  TERN_CHECK(t, g_dec.err_cmd == 0x02 && g_dec.err_seq == 9 && strstr(tern_uart_decoder_error(&g_dec), "CRC error"));
  /* LEN above the limit: BAD_LEN at the header, then the frame behind it */
  tern_uart_decoder_init(&g_dec, 16);
  static const uint8_t long_hdr[] = {0xA5, 0x04, 0x01, 0x00, 0x01};
  memcpy(g_stream, long_hdr, sizeof long_hdr);
  tern_uart_encode(0x84, 5, NULL, 0, g_stream + sizeof long_hdr, 64, &n);
  size_t used = 0;
  tern_uart_frame f;
  tern_uart_event ev = tern_uart_decode(&g_dec, g_stream, sizeof long_hdr + n, &used, &f);
  TERN_CHECK(t,
             ev == TERN_UART_BAD_LEN && used == sizeof long_hdr && strstr(tern_uart_decoder_error(&g_dec), "LEN 256"));
  ev = tern_uart_decode(&g_dec, g_stream + used, sizeof long_hdr + n - used, &used, &f);
  TERN_CHECK(t, ev == TERN_UART_FRAME && f.cmd == 0x84 && f.seq == 5 && f.len == 0);
  /* a truncated frame: nothing; reset drops it; the next frame decodes */
  tern_uart_decoder_init(&g_dec, 1024);
  tern_uart_encode(0x82, 1, "abcd", 4, fr, sizeof fr, &n);
  ev = tern_uart_decode(&g_dec, fr, n - 1, &used, &f);
  TERN_CHECK(t, ev == TERN_UART_NONE && used == n - 1);
  tern_uart_decoder_reset(&g_dec);
  ev = tern_uart_decode(&g_dec, fr, n, &used, &f);
  TERN_CHECK(t, ev == TERN_UART_FRAME && f.len == 4 && memcmp(f.payload, "abcd", 4) == 0);
  /* NULL input with n = 0 */
  TERN_CHECK(t, tern_uart_decode(&g_dec, NULL, 0, &used, &f) == TERN_UART_NONE && used == 0);
  /* random garbage (SYNC bytes included) between frames: every frame is found */
  for (int round = 0; round < 300 && !t->failed; round++) {
    size_t pos = 0, nf = (size_t)tern_rand_range(&rng, 1, 12);
    for (size_t i = 0; i < nf; i++) {
      size_t g = (size_t)tern_rand_range(&rng, 0, 30);
      for (size_t k = 0; k < g; k++) {
        uint64_t r = tern_rand_next(&rng);
        g_stream[pos++] = r % 5 == 0 ? 0xA5 : (uint8_t)(r >> 8);
      }
      uint8_t p[64];
      size_t len = (size_t)tern_rand_range(&rng, 0, 64);
      for (size_t k = 0; k < len; k++) p[k] = (uint8_t)(i * 7 + k);
      tern_uart_encode((uint8_t)(0x80 + i), (uint8_t)i, p, len, g_stream + pos, 200, &n);
      pos += n;
    }
    /* a stray SYNC near the end waits for its LEN bytes: flush it like a pause would */
    for (size_t k = 0; k < TERN_UART_FRAME_MAX; k++) g_stream[pos++] = 0x11;
    tern_uart_decoder_init(&g_dec, (size_t)tern_rand_range(&rng, 64, 2000));
    bad = 0;
    got = feed_all(&g_dec, g_stream, pos, (size_t)tern_rand_range(&rng, 1, 300), g_frames, 512, &bad);
    /* the garbage may also hold a frame by chance (a SYNC, then a matching CRC): only the real
     * ones are counted, in order */
    size_t want = 0;
    for (size_t i = 0; i < got && want < nf; i++)
      if (g_frames[i].cmd == 0x80 + want && g_frames[i].seq == want) want++;
    if (want != nf)
      tern_test_fail(t, "round %d: found %zu of %zu frames in garbage [seed=%" PRIu64 "]", round, want, nf, g_seed);
  }
  tern_test_end(t);
}

static void test_bit_errors(tern_test_ctx *t) {
  tern_test_begin(t, "uart/decode_bit_errors");
  uint8_t p[8] = {1, 2, 3, 4, 5, 6, 7, 8}, fr[32], bent[32];
  size_t n = 0;
  tern_uart_encode(TERN_UART_REG_WRITE, 77, p, 8, fr, sizeof fr, &n);
  size_t bits = n * 8, accepted = 0;
  for (size_t a = 0; a < bits; a++)
    for (size_t b = a; b < bits; b++) {
      memcpy(bent, fr, n);
      bent[a / 8] ^= (uint8_t)(1u << (a % 8));
      if (b != a) bent[b / 8] ^= (uint8_t)(1u << (b % 8));
      tern_uart_decoder_init(&g_dec, 64);
      size_t bad = 0, got = feed_all(&g_dec, bent, n, 3, g_frames, 4, &bad);
      /* an altered frame must never come out as the request (a SYNC hit leaves no frame) */
      for (size_t i = 0; i < got && i < 4; i++)
        if (g_frames[i].cmd == TERN_UART_REG_WRITE && g_frames[i].seq == 77) accepted++;
      (void)bad;
    }
  if (accepted) tern_test_fail(t, "%zu of the single- and double-bit errors were accepted", accepted);
  tern_test_end(t);
}

static void test_identity(tern_test_ctx *t) {
  tern_test_begin(t, "uart/identity");
  uint8_t a[TERN_UART_IDENTIFY_BYTES];
  tern_uart_put32(a, TERN_UART_MAGIC);
  a[4] = TERN_UART_PROTO_VERSION, a[5] = 0;
  tern_uart_put16(a + 6, 1024);
  tern_uart_put32(a + 8, TERN_REG_ID_RESET);
  tern_uart_put32(a + 12, TERN_REG_VERSION_RESET);
  tern_uart_put32(a + 16, 0x08030a02u);
  tern_uart_put32(a + 20, 131072);
  tern_uart_put32(a + 24, 36000000);
  TERN_CHECK(t, memcmp(a, "TRNB", 4) == 0);
  tern_uart_identity id;
  char err[200];
  TERN_CHECK(t, tern_uart_parse_identity(a, sizeof a, &id, err, sizeof err) == TERN_OK);
  TERN_CHECK(t, id.max_data == 1024 && id.id == TERN_REG_ID_RESET && id.params == 0x08030a02u &&
                    id.mem_bytes == 131072 && id.clk_hz == 36000000 && id.version == TERN_REG_VERSION_RESET);
  TERN_CHECK(t, tern_uart_parse_identity(a, 27, &id, err, sizeof err) == TERN_ERR_DEVICE && strstr(err, "27 bytes"));
  a[0] ^= 1;
  TERN_CHECK(t, tern_uart_parse_identity(a, sizeof a, &id, err, sizeof err) == TERN_ERR_DEVICE && strstr(err, "magic"));
  a[0] ^= 1;
  a[4] = 2;
  TERN_CHECK(
      t, tern_uart_parse_identity(a, sizeof a, &id, err, sizeof err) == TERN_ERR_DEVICE && strstr(err, "protocol 2"));
  a[4] = 1;
  tern_uart_put16(a + 6, 0);
  TERN_CHECK(t, tern_uart_parse_identity(a, sizeof a, &id, err, sizeof err) == TERN_ERR_DEVICE);
  TERN_CHECK(t, tern_uart_parse_identity(NULL, sizeof a, &id, err, sizeof err) == TERN_ERR_ARG);
  TERN_CHECK(t, strcmp(tern_uart_cmd_name(0x82), "REG_READ") == 0 && strcmp(tern_uart_cmd_name(0xFF), "NAK") == 0 &&
                    tern_uart_cmd_name(0x42) == NULL);
  TERN_CHECK(t, strstr(tern_uart_nak_name(TERN_UART_NAK_BUS), "bus error") && tern_uart_nak_name(9) == NULL);
  tern_test_end(t);
}

/* ---- an emulation of the bridge ------------------------------------------------------------ */

enum { EMU_REGS = 1024, EMU_DBG_DOORBELLS = 0x800, EMU_DBG_WRITES = 0x804, EMU_SLVERR = 0xF00 };

typedef struct {
  int fd, listen_fd;
  pthread_t th;
  int running;
  uint64_t rng;
  double p_flip, p_drop; /* per byte, both directions */
  int mute;              /* never answer */
  int hang_up_after;     /* close the connection after this many answers (0: never) */
  uint32_t magic;
  uint8_t proto;
  uint16_t max_data;
  uint32_t mem_bytes, params, irq_delay_ms;
  uint32_t regs[EMU_REGS];
  uint8_t *mem;
  uint64_t doorbells, reg_writes, answers, faults;
  uint64_t irq_at;
  int irq;
  int last_valid;
  uint8_t last_seq, last_cmd, last_res;
  tern_uart_decoder dec;
} emu;

static double emu_uniform(emu *e) { return (double)(tern_rand_next(&e->rng) >> 11) * (1.0 / 9007199254740992.0); }

static void emu_init(emu *e, uint64_t seed) {
  memset(e, 0, sizeof *e);
  e->fd = e->listen_fd = -1;
  e->rng = seed;
  e->magic = TERN_UART_MAGIC;
  e->proto = TERN_UART_PROTO_VERSION;
  e->max_data = 256;
  e->mem_bytes = 65536;
  e->params = TERN_ROWS | TERN_LANES << 8 | (uint32_t)TERN_FORMATS_MASK << 16 | (uint32_t)TERN_T_MAX << 24;
  e->irq_delay_ms = 20;
  e->mem = calloc(e->mem_bytes, 1);
  e->regs[0] = TERN_REG_ID_RESET;
  e->regs[1] = TERN_REG_VERSION_RESET;
}

static void emu_send(emu *e, const uint8_t *p, size_t n) {
  uint8_t buf[TERN_UART_FRAME_MAX];
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (emu_uniform(e) < e->p_drop) {
      e->faults++;
      continue;
    }
    buf[m] = p[i];
    if (emu_uniform(e) < e->p_flip) buf[m] ^= (uint8_t)(1u << (tern_rand_next(&e->rng) % 8)), e->faults++;
    m++;
  }
  size_t off = 0;
  while (off < m) {
    ssize_t w = send(e->fd, buf + off, m - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == ENOTSOCK) w = write(e->fd, buf + off, m - off);
    if (w <= 0) return;
    off += (size_t)w;
  }
}

static void emu_answer(emu *e, uint8_t cmd, uint8_t seq, const uint8_t *p, size_t n) {
  uint8_t fr[TERN_UART_FRAME_MAX];
  size_t len = 0;
  tern_uart_encode(cmd, seq, p, n, fr, sizeof fr, &len);
  emu_send(e, fr, len);
  e->answers++;
}

static void emu_nak(emu *e, uint8_t cmd, uint8_t seq, uint8_t reason) {
  uint8_t p[2] = {reason, cmd};
  emu_answer(e, TERN_UART_NAK, seq, p, 2);
}

static void emu_request(emu *e, const tern_uart_frame *f) {
  uint8_t a[TERN_UART_LEN_MAX];
  uint32_t addr = f->len >= 4 ? tern_uart_get32(f->payload) : 0;
  uint8_t res = 0;
  size_t alen = 0;
  int known = f->cmd >= TERN_UART_IDENTIFY && f->cmd <= TERN_UART_IRQ;
  int write = f->cmd == TERN_UART_REG_WRITE || f->cmd == TERN_UART_MEM_WRITE;
  uint32_t n = f->cmd == TERN_UART_MEM_WRITE ? (uint32_t)f->len - 4 : f->len >= 6 ? tern_uart_get16(f->payload + 4) : 0;
  int len_ok = f->cmd == TERN_UART_IDENTIFY || f->cmd == TERN_UART_IRQ ? f->len == 0
               : f->cmd == TERN_UART_REG_READ                          ? f->len == 4
               : f->cmd == TERN_UART_REG_WRITE                         ? f->len == 8
               : f->cmd == TERN_UART_MEM_WRITE                         ? f->len >= 5 && f->len <= e->max_data + 4u
                                                                       : f->len == 6 && n >= 1 && n <= e->max_data;
  int csr = f->cmd == TERN_UART_REG_READ || f->cmd == TERN_UART_REG_WRITE;
  int mem = f->cmd == TERN_UART_MEM_READ || f->cmd == TERN_UART_MEM_WRITE;
  if (!known) {
    emu_nak(e, f->cmd, f->seq, TERN_UART_NAK_CMD);
    return;
  }
  if (!len_ok) {
    emu_nak(e, f->cmd, f->seq, TERN_UART_NAK_LEN);
    return;
  }
  if ((csr && (addr % 4 || addr >= 4 * EMU_REGS)) || (mem && ((uint64_t)addr + n > e->mem_bytes))) {
    emu_nak(e, f->cmd, f->seq, TERN_UART_NAK_ADDR);
    return;
  }
  if (write && e->last_valid && e->last_seq == f->seq && e->last_cmd == f->cmd) {
    if (e->last_res)
      emu_nak(e, f->cmd, f->seq, e->last_res);
    else
      emu_answer(e, f->cmd | TERN_UART_ACK, f->seq, NULL, 0);
    return;
  }
  e->last_valid = f->cmd != TERN_UART_IDENTIFY;
  e->last_seq = f->seq, e->last_cmd = f->cmd, e->last_res = 0;
  switch (f->cmd) {
    case TERN_UART_IDENTIFY:
      tern_uart_put32(a, e->magic);
      a[4] = e->proto, a[5] = 0;
      tern_uart_put16(a + 6, e->max_data);
      tern_uart_put32(a + 8, e->regs[0]);
      tern_uart_put32(a + 12, e->regs[1]);
      tern_uart_put32(a + 16, e->params);
      tern_uart_put32(a + 20, e->mem_bytes);
      tern_uart_put32(a + 24, 0);
      alen = 28;
      break;
    case TERN_UART_REG_READ:
      if (addr >= EMU_SLVERR) {
        res = TERN_UART_NAK_BUS;
        break;
      }
      tern_uart_put32(a, addr == 8                            ? e->params
                         : addr == TERN_REG_IRQ_STATUS_OFFSET ? (uint32_t)e->irq
                         : addr == EMU_DBG_DOORBELLS          ? (uint32_t)e->doorbells
                         : addr == EMU_DBG_WRITES             ? (uint32_t)e->reg_writes
                                                              : e->regs[addr / 4]);
      alen = 4;
      break;
    case TERN_UART_REG_WRITE: {
      uint32_t v = tern_uart_get32(f->payload + 4);
      e->reg_writes++;
      if (addr >= EMU_SLVERR) {
        res = TERN_UART_NAK_BUS;
      } else if (addr == TERN_REG_DOORBELL_OFFSET) {
        e->doorbells++;
        if (!e->irq_at && !e->irq) e->irq_at = ms_now() + e->irq_delay_ms;
      } else if (addr == TERN_REG_IRQ_STATUS_OFFSET) {
        if (v & 1) e->irq = 0;
      } else if (addr > 8) {
        e->regs[addr / 4] = v;
      }
      e->last_res = res;
      break;
    }
    case TERN_UART_MEM_WRITE: memcpy(e->mem + addr, f->payload + 4, n); break;
    case TERN_UART_MEM_READ:
      memcpy(a, e->mem + addr, n);
      alen = n;
      break;
    default: /* IRQ */
      a[0] = (uint8_t)e->irq;
      alen = 1;
      break;
  }
  if (res)
    emu_nak(e, f->cmd, f->seq, res);
  else
    emu_answer(e, f->cmd | TERN_UART_ACK, f->seq, a, alen);
}

static void *emu_main(void *arg) {
  emu *e = arg;
  if (e->listen_fd >= 0) {
    struct pollfd lp = {e->listen_fd, POLLIN, 0};
    if (poll(&lp, 1, 10000) != 1) return NULL;
    e->fd = accept(e->listen_fd, NULL, NULL);
    if (e->fd < 0) return NULL;
    int one = 1;
    setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  tern_uart_decoder_init(&e->dec, e->max_data + 4u);
  uint8_t buf[4096];
  while (e->running) {
    if (e->irq_at && ms_now() >= e->irq_at) e->irq = 1, e->irq_at = 0;
    struct pollfd p = {e->fd, POLLIN, 0};
    int r = poll(&p, 1, 10);
    if (r == 0) {
      tern_uart_decoder_reset(&e->dec); /* the idle timeout: a frame cut short is abandoned */
      continue;
    }
    if (r < 0) continue;
    ssize_t n = read(e->fd, buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      break;
    }
    size_t m = 0;
    for (ssize_t i = 0; i < n; i++) { /* faults on the way in */
      if (emu_uniform(e) < e->p_drop) {
        e->faults++;
        continue;
      }
      buf[m] = buf[i];
      if (emu_uniform(e) < e->p_flip) buf[m] ^= (uint8_t)(1u << (tern_rand_next(&e->rng) % 8)), e->faults++;
      m++;
    }
    size_t pos = 0;
    while (pos < m || e->dec.pend_len > e->dec.pend_pos) {
      size_t used = 0;
      tern_uart_frame f;
      tern_uart_event ev = tern_uart_decode(&e->dec, buf + pos, m - pos, &used, &f);
      pos += used;
      if (ev == TERN_UART_NONE) break;
      if (e->mute) continue;
      if (ev == TERN_UART_FRAME)
        emu_request(e, &f);
      else
        emu_nak(e, e->dec.err_cmd, e->dec.err_seq, ev == TERN_UART_BAD_CRC ? TERN_UART_NAK_CRC : TERN_UART_NAK_LEN);
      if (e->hang_up_after && e->answers >= (uint64_t)e->hang_up_after) {
        e->running = 0;
        break;
      }
    }
  }
  shutdown(e->fd, SHUT_RDWR);
  return NULL;
}

/* Serve on a loopback TCP port; writes "uart-tcp:127.0.0.1:PORT" to spec. */
static int emu_start_tcp(emu *e, char *spec, size_t spec_size, const char *opts) {
  e->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t sl = sizeof sa;
  if (e->listen_fd < 0 || bind(e->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(e->listen_fd, 1) != 0 ||
      getsockname(e->listen_fd, (struct sockaddr *)&sa, &sl) != 0)
    return -1;
  snprintf(spec, spec_size, "uart-tcp:127.0.0.1:%u%s%s", ntohs(sa.sin_port), opts ? "?" : "", opts ? opts : "");
  e->running = 1;
  return pthread_create(&e->th, NULL, emu_main, e);
}

/* Serve on a pseudo-terminal; writes "uart:/dev/pts/N?..." to spec. */
static int emu_start_pty(emu *e, char *spec, size_t spec_size, const char *opts) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) return -1;
  struct termios tio;
  if (tcgetattr(m, &tio) == 0) {
    cfmakeraw(&tio);
    tcsetattr(m, TCSANOW, &tio);
  }
  e->fd = m;
  snprintf(spec, spec_size, "uart:%s%s%s", ptsname(m), opts ? "?" : "", opts ? opts : "");
  e->running = 1;
  return pthread_create(&e->th, NULL, emu_main, e);
}

static void emu_stop(emu *e) {
  e->running = 0;
  pthread_join(e->th, NULL);
  if (e->fd >= 0) close(e->fd);
  if (e->listen_fd >= 0) close(e->listen_fd);
  free(e->mem);
}

/* ---- the HAL against the emulation --------------------------------------------------------- */

static emu g_emu;
static uint8_t g_buf[1 << 17], g_back[1 << 17];

/* Registers, memory (split into frames), interrupts and NAKs through an open HAL. doorbells:
 * how many DOORBELL writes this did (for the caller's exactly-once check). */
static void exercise(tern_test_ctx *t, tern_hal *h, uint64_t *rng, size_t mem_span, int rounds, uint64_t *doorbells) {
  for (int r = 0; r < rounds && !t->failed; r++) {
    uint32_t off = 0x100 + 4 * (uint32_t)tern_rand_range(rng, 0, 63), v = (uint32_t)tern_rand_next(rng), got = 0;
    tern_status st = h->reg_write(h->ctx, off, v);
    if (st == TERN_OK) st = h->reg_read(h->ctx, off, &got);
    if (st != TERN_OK || got != v) {
      tern_test_fail(t, "register 0x%x: %s (read 0x%x, wrote 0x%x): %s [seed=%" PRIu64 "]", off, tern_strerror(st), got,
                     v, h->last_error(h->ctx), g_seed);
      return;
    }
    size_t len = (size_t)tern_rand_range(rng, 1, (int64_t)mem_span / 4);
    uint64_t addr = (uint64_t)tern_rand_range(rng, 0, (int64_t)(mem_span - len));
    for (size_t i = 0; i < len; i++) g_buf[i] = (uint8_t)tern_rand_next(rng);
    memset(g_back, 0, len);
    st = h->mem_write(h->ctx, addr, g_buf, len);
    if (st == TERN_OK) st = h->mem_read(h->ctx, addr, g_back, len);
    if (st != TERN_OK || memcmp(g_buf, g_back, len) != 0) {
      tern_test_fail(t, "memory 0x%" PRIx64 "+%zu: %s: %s [seed=%" PRIu64 "]", addr, len, tern_strerror(st),
                     st ? h->last_error(h->ctx) : "data differs", g_seed);
      return;
    }
    if (r % 4 == 0) {
      st = h->reg_write(h->ctx, TERN_REG_DOORBELL_OFFSET, 1);
      if (st == TERN_OK) (*doorbells)++;
      if (st == TERN_OK) st = h->wait_irq(h->ctx, 10000);
      if (st == TERN_OK) st = h->reg_write(h->ctx, TERN_REG_IRQ_STATUS_OFFSET, 1);
      if (st != TERN_OK) {
        tern_test_fail(t, "doorbell and interrupt: %s: %s [seed=%" PRIu64 "]", tern_strerror(st), h->last_error(h->ctx),
                       g_seed);
        return;
      }
    }
  }
}

static void test_hal_tcp(tern_test_ctx *t) {
  tern_test_begin(t, "uart/hal_tcp");
  char spec[128], err[512];
  emu_init(&g_emu, g_seed ^ 1);
  g_emu.max_data = 1024;
  tern_hal h;
  uint64_t rng = g_seed ^ 0x3333, bells = 0;
  if (emu_start_tcp(&g_emu, spec, sizeof spec, "timeout_ms=2000") != 0) {
    tern_test_fail(t, "cannot start the emulation");
  } else if (tern_uart_hal_open(spec, &h, err, sizeof err) != TERN_OK) {
    tern_test_fail(t, "open %s: %s", spec, err);
  } else {
    TERN_CHECK(t, h.mem_size == 65536 && h.last_error && h.cycles == NULL);
    TERN_CHECK(t, strcmp(h.last_error(h.ctx), "") == 0);
    const tern_uart_identity *id = tern_uart_hal_identity(h.ctx);
    TERN_CHECK(t, id && id->max_data == 1024 && id->id == TERN_REG_ID_RESET);
    uint32_t v = 0;
    TERN_CHECK(t, h.reg_read(h.ctx, TERN_REG_ID_OFFSET, &v) == TERN_OK && v == TERN_REG_ID_RESET);
    /* a transfer of many frames, unaligned */
    for (size_t i = 0; i < 20000; i++) g_buf[i] = (uint8_t)(i * 13 + 1);
    TERN_CHECK(t, h.mem_write(h.ctx, 3, g_buf, 20000) == TERN_OK);
    TERN_CHECK(t, memcmp(g_emu.mem + 3, g_buf, 20000) == 0);
    memset(g_back, 0, 20000);
    TERN_CHECK(t, h.mem_read(h.ctx, 3, g_back, 20000) == TERN_OK && memcmp(g_back, g_buf, 20000) == 0);
    exercise(t, &h, &rng, 65536, 30, &bells);
    tern_uart_stats s;
    tern_uart_hal_stats(h.ctx, &s);
    TERN_CHECK(t, s.retries == 0 && s.requests > 100 && s.bytes_out > 20000 && s.bytes_in > 20000);
    /* errors: NAK reasons, out of range, no interrupt */
    TERN_CHECK(t, h.reg_read(h.ctx, 0xF00, &v) == TERN_ERR_DEVICE && strstr(h.last_error(h.ctx), "bus error") &&
                      strstr(h.last_error(h.ctx), "REG_READ 0xf00"));
    TERN_CHECK(t, h.reg_write(h.ctx, 0x1002, 1) == TERN_ERR_DEVICE && strstr(h.last_error(h.ctx), "misaligned"));
    TERN_CHECK(t, h.mem_write(h.ctx, 65535, g_buf, 2) == TERN_ERR_DEVICE && strstr(h.last_error(h.ctx), "outside"));
    TERN_CHECK(t, h.mem_read(h.ctx, 1ull << 40, g_buf, 1) == TERN_ERR_DEVICE);
    TERN_CHECK(t, h.reg_read(h.ctx, 0x104, &v) == TERN_OK && strcmp(h.last_error(h.ctx), "") == 0);
    uint64_t t0 = ms_now();
    TERN_CHECK(t, h.wait_irq(h.ctx, 50) == TERN_ERR_DEVICE && strstr(h.last_error(h.ctx), "no interrupt within 50 ms"));
    TERN_CHECK(t, ms_now() - t0 < 2000);
    TERN_CHECK(t, g_emu.doorbells == bells);
    h.close(h.ctx);
  }
  emu_stop(&g_emu);
  tern_test_end(t);
}

static void test_hal_faults(tern_test_ctx *t) {
  tern_test_begin(t, "uart/hal_faults");
  char spec[128], err[512];
  emu_init(&g_emu, g_seed ^ 2);
  g_emu.p_flip = 0.002;
  g_emu.p_drop = 0.0003;
  tern_hal h;
  uint64_t rng = g_seed ^ 0x4444, bells = 0;
  if (emu_start_tcp(&g_emu, spec, sizeof spec, "timeout_ms=60,retries=30,quiet_ms=5") != 0) {
    tern_test_fail(t, "cannot start the emulation");
  } else if (tern_uart_hal_open(spec, &h, err, sizeof err) != TERN_OK) {
    tern_test_fail(t, "open %s: %s", spec, err);
  } else {
    exercise(t, &h, &rng, 4096, 60, &bells);
    uint32_t v = 0;
    TERN_CHECK(t, h.reg_read(h.ctx, EMU_DBG_DOORBELLS, &v) == TERN_OK);
    if (!t->failed && (v != bells || g_emu.doorbells != bells))
      tern_test_fail(t, "%" PRIu64 " DOORBELL writes rang %u times [seed=%" PRIu64 "]", bells, v, g_seed);
    tern_uart_stats s;
    tern_uart_hal_stats(h.ctx, &s);
    printf("uart/hal_faults: %" PRIu64 " requests, %" PRIu64 " faults injected, %" PRIu64 " retries (%" PRIu64
           " timeouts, %" PRIu64 " damaged answers, %" PRIu64 " NAKs, %" PRIu64 " stale)\n",
           s.requests, g_emu.faults, s.retries, s.timeouts, s.crc_errors, s.naks, s.stale);
    TERN_CHECK(t, g_emu.faults == 0 || s.retries > 0);
    h.close(h.ctx);
  }
  emu_stop(&g_emu);
  tern_test_end(t);
}

static void test_hal_pty(tern_test_ctx *t) {
  tern_test_begin(t, "uart/hal_serial_pty");
  char spec[160], err[512];
  emu_init(&g_emu, g_seed ^ 3);
  tern_hal h;
  uint64_t rng = g_seed ^ 0x5555, bells = 0;
  if (emu_start_pty(&g_emu, spec, sizeof spec, "baud=921600&timeout_ms=2000") != 0) {
    tern_test_skip(t, "uart/hal_serial_pty", "no pseudo-terminals here");
    emu_stop(&g_emu);
    return;
  }
  if (tern_uart_hal_open(spec, &h, err, sizeof err) != TERN_OK) {
    tern_test_fail(t, "open %s: %s", spec, err);
  } else {
    exercise(t, &h, &rng, 8192, 10, &bells);
    TERN_CHECK(t, g_emu.doorbells == bells);
    h.close(h.ctx);
  }
  emu_stop(&g_emu);
  tern_test_end(t);
}

static void test_hal_refusals(tern_test_ctx *t) {
  tern_test_begin(t, "uart/hal_errors");
  char spec[128], err[512];
  tern_hal h;
  /* a board that never answers: a bounded wait and a message naming the request */
  emu_init(&g_emu, 4);
  g_emu.mute = 1;
  emu_start_tcp(&g_emu, spec, sizeof spec, "timeout_ms=40&retries=2");
  uint64_t t0 = ms_now();
  TERN_CHECK(t, tern_uart_hal_open(spec, &h, err, sizeof err) == TERN_ERR_DEVICE);
  TERN_CHECK(t, strstr(err, "no answer to IDENTIFY") && strstr(err, "after 3 tries of 40 ms") &&
                    strstr(err, "uart-tcp:127.0.0.1:"));
  TERN_CHECK(t, ms_now() - t0 < 3000);
  emu_stop(&g_emu);
  /* another magic, another protocol version */
  emu_init(&g_emu, 5);
  g_emu.magic = 0x12345678;
  emu_start_tcp(&g_emu, spec, sizeof spec, NULL);
  TERN_CHECK(t,
             tern_uart_hal_open(spec, &h, err, sizeof err) == TERN_ERR_DEVICE && strstr(err, "not a tern UART bridge"));
  emu_stop(&g_emu);
  emu_init(&g_emu, 6);
  g_emu.proto = 9;
  emu_start_tcp(&g_emu, spec, sizeof spec, NULL);
  TERN_CHECK(t, tern_uart_hal_open(spec, &h, err, sizeof err) == TERN_ERR_DEVICE && strstr(err, "protocol 9"));
  emu_stop(&g_emu);
  /* another array geometry */
  emu_init(&g_emu, 7);
  g_emu.params = 2 | 10 << 8 | 3 << 16 | 8u << 24;
  emu_start_tcp(&g_emu, spec, sizeof spec, NULL);
  tern_geom g = {2, 20};
  TERN_CHECK(t, tern_uart_hal_open_geom(spec, &g, NULL, &h, err, sizeof err) == TERN_ERR_DEVICE &&
                    strstr(err, "board reports array 2x10") && strstr(err, "2x20"));
  emu_stop(&g_emu);
  /* the same board: adopted without an expectation, refused by ?array=2x20 */
  emu_init(&g_emu, 7);
  g_emu.params = 2 | 10 << 8 | 3 << 16 | 8u << 24;
  emu_start_tcp(&g_emu, spec, sizeof spec, NULL);
  tern_geom found = {0, 0};
  if (tern_uart_hal_open_geom(spec, NULL, &found, &h, err, sizeof err) == TERN_OK) {
    TERN_CHECK(t, found.rows == 2 && found.lanes == 10);
    h.close(h.ctx);
  } else {
    tern_test_fail(t, "open adopting the board's geometry: %s", err);
  }
  emu_stop(&g_emu);
  emu_init(&g_emu, 7);
  g_emu.params = 2 | 10 << 8 | 3 << 16 | 8u << 24;
  emu_start_tcp(&g_emu, spec, sizeof spec, "array=2x20");
  TERN_CHECK(t, tern_uart_hal_open_geom(spec, NULL, NULL, &h, err, sizeof err) == TERN_ERR_DEVICE &&
                    strstr(err, "board reports array 2x10") && strstr(err, "array=2x20"));
  emu_stop(&g_emu);
  emu_init(&g_emu, 8);
  g_emu.params = 2 | 20 << 8;
  emu_start_tcp(&g_emu, spec, sizeof spec, NULL);
  if (tern_uart_hal_open_geom(spec, &g, NULL, &h, err, sizeof err) == TERN_OK)
    h.close(h.ctx);
  else
    tern_test_fail(t, "open with the right geometry: %s", err);
  emu_stop(&g_emu);
  /* a board that hangs up */
  emu_init(&g_emu, 9);
  g_emu.hang_up_after = 3;
  emu_start_tcp(&g_emu, spec, sizeof spec, "timeout_ms=500");
  if (tern_uart_hal_open(spec, &h, err, sizeof err) == TERN_OK) {
    uint32_t v;
    TERN_CHECK(t, h.reg_read(h.ctx, 0, &v) == TERN_OK);
    TERN_CHECK(t, h.reg_read(h.ctx, 0, &v) == TERN_OK);
    tern_status st = h.reg_read(h.ctx, 0, &v);
    TERN_CHECK(t, st == TERN_ERR_DEVICE && strstr(h.last_error(h.ctx), "closed the connection"));
    h.close(h.ctx);
  } else {
    tern_test_fail(t, "open: %s", err);
  }
  emu_stop(&g_emu);
  /* bad specs and options */
  static const struct {
    const char *spec;
    tern_status st;
    const char *msg;
  } bad[] = {
      {"uart-tcp:localhost", TERN_ERR_ARG, "HOST:PORT"},
      {"uart-tcp:127.0.0.1:0", TERN_ERR_ARG, "bad TCP port"},
      {"uart-tcp:127.0.0.1:99999", TERN_ERR_ARG, "bad TCP port"},
      {"uart-tcp:[::1:5", TERN_ERR_ARG, "V6ADDR"},
      {"uart-tcp:127.0.0.1:1?timeout_ms=0", TERN_ERR_ARG, "bad value '0' for option timeout_ms"},
      {"uart-tcp:127.0.0.1:1?retries=x", TERN_ERR_ARG, "bad value 'x' for option retries"},
      {"uart-tcp:127.0.0.1:1?speed=9600", TERN_ERR_ARG, "unknown option 'speed' (options: baud"},
      {"uart-tcp:127.0.0.1:1?baud", TERN_ERR_ARG, "needs a value"},
      {"uart:", TERN_ERR_ARG, "uart:/dev/PORT"},
      {"uart:/dev/ttyUSB0?baud=12345", TERN_ERR_ARG, "baud=12345 is not a rate this host can set (9600, "},
      {"uart:/nonexistent/ttyX?baud=115200", TERN_ERR_DEVICE, "cannot open /nonexistent/ttyX"},
      {"uart:/dev/null", TERN_ERR_DEVICE, "not a serial port"},
      {"serial:/dev/ttyUSB0", TERN_ERR_ARG, "not a uart spec"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tern_status st = tern_uart_hal_open(bad[i].spec, &h, err, sizeof err);
    if (st != bad[i].st || !strstr(err, bad[i].msg))
      tern_test_fail(t, "spec '%s': %s '%s', expected %s and '%s'", bad[i].spec, tern_strerror(st), err,
                     tern_strerror(bad[i].st), bad[i].msg);
  }
  /* nobody listening */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t sl = sizeof sa;
  bind(s, (struct sockaddr *)&sa, sizeof sa);
  getsockname(s, (struct sockaddr *)&sa, &sl);
  close(s); /* a port that was free a moment ago */
  snprintf(spec, sizeof spec, "uart-tcp:127.0.0.1:%u", ntohs(sa.sin_port));
  TERN_CHECK(t, tern_uart_hal_open(spec, &h, err, sizeof err) == TERN_ERR_DEVICE && strstr(err, "cannot connect"));
  TERN_CHECK(t, tern_uart_hal_handles("uart:/dev/x") && tern_uart_hal_handles("uart-tcp:h:1") &&
                    !tern_uart_hal_handles("rtl") && !tern_uart_hal_handles(NULL));
  TERN_CHECK(t, tern_uart_hal_open(NULL, &h, err, sizeof err) == TERN_ERR_ARG);
  tern_test_end(t);
}

/* ---- the HAL against the Verilated bridge ------------------------------------------------- */

static void test_hal_rtl(tern_test_ctx *t, const char *bench) {
  if (!bench) {
    tern_test_skip(t, "uart/hal_rtl_bridge", "no --rtl-bench (tests/test_uart_bridge.sh runs it)");
    return;
  }
  tern_test_begin(t, "uart/hal_rtl_bridge");
  int out[2];
  if (pipe(out) != 0) {
    tern_test_fail(t, "pipe: %s", strerror(errno));
    tern_test_end(t);
    return;
  }
  char seed_arg[64];
  snprintf(seed_arg, sizeof seed_arg, "+seed=%" PRIu64, g_seed);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(bench, bench, "+tcp=0", seed_arg, "+flip=0.001", "+drop=0.0005", "+irq_delay=2000", "+max_seconds=300",
          (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  FILE *f = fdopen(out[0], "r");
  char line[256], spec[128] = "";
  unsigned port = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "uart_bridge_tb: listening on 127.0.0.1:%u", &port) == 1) break;
  if (!port) {
    tern_test_fail(t, "%s did not start serving", bench);
  } else {
    snprintf(spec, sizeof spec, "uart-tcp:127.0.0.1:%u?timeout_ms=100&retries=30&quiet_ms=5", port);
    tern_hal h;
    char err[512];
    uint64_t rng = g_seed ^ 0x6666, bells = 0;
    if (tern_uart_hal_open(spec, &h, err, sizeof err) != TERN_OK) {
      tern_test_fail(t, "open %s: %s", spec, err);
    } else {
      const tern_uart_identity *id = tern_uart_hal_identity(h.ctx);
      TERN_CHECK(t, id->max_data == 256 && h.mem_size == 8192 && id->clk_hz == 12000000 && id->id == TERN_REG_ID_RESET);
      exercise(t, &h, &rng, 8192, 24, &bells);
      uint32_t v = 0;
      TERN_CHECK(t, h.reg_read(h.ctx, 0x800, &v) == TERN_OK);
      if (!t->failed && v != bells)
        tern_test_fail(t, "%" PRIu64 " DOORBELL writes rang %u times on the RTL bridge [seed=%" PRIu64 "]", bells, v,
                       g_seed);
      TERN_CHECK(t, h.reg_write(h.ctx, 0xF04, 1) == TERN_ERR_DEVICE && strstr(h.last_error(h.ctx), "bus error"));
      tern_uart_stats s;
      tern_uart_hal_stats(h.ctx, &s);
      printf("uart/hal_rtl_bridge: %" PRIu64 " requests, %" PRIu64 " retries (%" PRIu64 " timeouts, %" PRIu64
             " damaged answers, %" PRIu64 " NAKs)\n",
             s.requests, s.retries, s.timeouts, s.crc_errors, s.naks);
      h.close(h.ctx);
    }
  }
  int served = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "PASS uart/tcp_serve", 19) == 0) served = 1;
    if (strncmp(line, "FAIL", 4) == 0) tern_test_fail(t, "the bench: %s", line);
    if (strncmp(line, "uart/tcp_serve:", 15) == 0) fputs(line, stdout);
  }
  if (f) fclose(f);
  int status = 0;
  if (!port) kill(pid, SIGTERM);
  waitpid(pid, &status, 0);
  if (port && (!served || !WIFEXITED(status) || WEXITSTATUS(status) != 0))
    tern_test_fail(t, "the bench did not end cleanly (status 0x%x)", status);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  const char *bench = NULL;
  g_seed = (uint64_t)time(NULL);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      g_seed = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--rtl-bench") && i + 1 < argc)
      bench = argv[++i];
  }
  signal(SIGPIPE, SIG_IGN);
  tern_test_ctx t = {0};
  test_crc(&t);
  test_encode(&t);
  test_decode_roundtrip(&t);
  test_decode_garbage(&t);
  test_bit_errors(&t);
  test_identity(&t);
  test_hal_tcp(&t);
  test_hal_faults(&t);
  test_hal_pty(&t);
  test_hal_refusals(&t);
  test_hal_rtl(&t, bench);
  return tern_test_exit(&t);
}
