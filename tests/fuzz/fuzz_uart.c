/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the UART bridge frame decoder (driver/src/uart_proto.c, docs/uart.md).
 * The first two input bytes choose the decoder's LEN limit and how the rest is cut into
 * chunks (and where the decoder is told to abandon a frame, as after a pause); the rest is the
 * byte stream. Properties besides "no crash, no sanitizer report":
 *  - every frame it returns has LEN within the limit, a CRC that checks, and encodes back to
 *    bytes that decode to the same frame;
 *  - the same stream fed byte by byte gives the same frames as fed in chunks (when nothing is
 *    abandoned);
 *  - the stream, wrapped as the payload of a frame (when it fits), decodes back exactly behind
 *    garbage (the stream's first bytes, SYNC bytes replaced) and before padding;
 *  - IDENTIFY parsing of any bytes fails cleanly or returns the magic and protocol version. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uart_proto.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

typedef struct {
  uint8_t cmd, seq;
  uint16_t len;
  uint16_t crc; /* CRC of the payload, to compare frames cheaply */
} seen;

enum { MAX_SEEN = 4096 };
static tern_uart_decoder g_a, g_b;
static seen g_seen_a[MAX_SEEN], g_seen_b[MAX_SEEN];
static uint8_t g_buf[2 * TERN_UART_FRAME_MAX + 64];

static void check_frame(const tern_uart_decoder *d, const tern_uart_frame *f) {
  CHECK(f->len <= d->max_len);
  uint8_t out[TERN_UART_FRAME_MAX];
  size_t n = 0;
  CHECK(tern_uart_encode(f->cmd, f->seq, f->payload, f->len, out, sizeof out, &n) == TERN_OK);
  CHECK(n == tern_uart_frame_bytes(f->len));
  CHECK(tern_uart_crc16(0xFFFF, out + 1, n - 1) == 0);
  static tern_uart_decoder again;
  tern_uart_decoder_init(&again, TERN_UART_LEN_MAX);
  size_t used = 0;
  tern_uart_frame g;
  CHECK(tern_uart_decode(&again, out, n, &used, &g) == TERN_UART_FRAME && used == n);
  CHECK(g.cmd == f->cmd && g.seq == f->seq && g.len == f->len && memcmp(g.payload, f->payload, f->len) == 0);
}

/* Decode data in chunks of chunk bytes; abandon_every > 0 abandons a begun frame every that many
 * chunks. Returns the number of frames (recorded in out up to MAX_SEEN). */
static size_t run(tern_uart_decoder *d, size_t max_len, const uint8_t *data, size_t size, size_t chunk,
                  size_t abandon_every, seen *out) {
  tern_uart_decoder_init(d, max_len);
  size_t pos = 0, frames = 0, chunks = 0;
  for (;;) {
    size_t take = size - pos < chunk ? size - pos : chunk, used = 0;
    tern_uart_frame f;
    tern_uart_event ev = tern_uart_decode(d, data + pos, take, &used, &f);
    CHECK(used <= take);
    pos += used;
    if (ev == TERN_UART_FRAME) {
      check_frame(d, &f);
      if (frames < MAX_SEEN) out[frames] = (seen){f.cmd, f.seq, f.len, tern_uart_crc16(0xFFFF, f.payload, f.len)};
      frames++;
    } else if (ev == TERN_UART_BAD_CRC || ev == TERN_UART_BAD_LEN) {
      CHECK(tern_uart_decoder_error(d)[0] != 0);
    } else {
      CHECK(ev == TERN_UART_NONE && used == take);
      if (abandon_every && ++chunks % abandon_every == 0) tern_uart_decoder_abandon(d);
      if (pos == size && !(d->pend_len > d->pend_pos)) break;
    }
  }
  CHECK(d->frames == frames);
  return frames;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t max_len = (size_t)data[0] * 17u; /* 0 .. 4335: above the largest LEN too */
  size_t chunk = 1 + data[1] % 64;
  size_t abandon = data[1] >> 6;
  data += 2, size -= 2;

  size_t na = run(&g_a, max_len, data, size, 1, 0, g_seen_a);
  size_t nb = run(&g_b, max_len, data, size, chunk, 0, g_seen_b);
  CHECK(na == nb);
  for (size_t i = 0; i < na && i < MAX_SEEN; i++) CHECK(memcmp(&g_seen_a[i], &g_seen_b[i], sizeof(seen)) == 0);
  CHECK(g_a.crc_errors == g_b.crc_errors && g_a.len_errors == g_b.len_errors && g_a.skipped == g_b.skipped);
  if (abandon) run(&g_b, max_len, data, size, chunk, abandon, g_seen_b);

  /* the stream as a payload: garbage (the stream again), the frame, padding */
  if (size <= TERN_UART_LEN_MAX) {
    size_t n = 0, pre = size <= 64 ? size : 64;
    for (size_t i = 0; i < pre; i++) g_buf[i] = data[i] == TERN_UART_SYNC ? 0x5A : data[i]; /* no stray SYNC */
    CHECK(tern_uart_encode(0x85, (uint8_t)size, data, size, g_buf + pre, sizeof g_buf - pre, &n) == TERN_OK);
    size_t total = pre + n;
    memset(g_buf + total, 0x00, TERN_UART_FRAME_MAX);
    total += TERN_UART_FRAME_MAX;
    size_t got = run(&g_a, TERN_UART_LEN_MAX, g_buf, total, chunk, 0, g_seen_a);
    uint16_t crc = tern_uart_crc16(0xFFFF, data, size);
    int found = 0;
    for (size_t i = 0; i < got && i < MAX_SEEN; i++)
      if (g_seen_a[i].cmd == 0x85 && g_seen_a[i].seq == (uint8_t)size && g_seen_a[i].len == size &&
          g_seen_a[i].crc == crc)
        found = 1;
    CHECK(found);
  }

  tern_uart_identity id;
  char err[160];
  if (tern_uart_parse_identity(data, size, &id, err, sizeof err) == TERN_OK)
    CHECK(id.magic == TERN_UART_MAGIC && id.proto == TERN_UART_PROTO_VERSION && size >= TERN_UART_IDENTIFY_BYTES);
  else
    CHECK(err[0] != 0 || size == 0);
  return 0;
}
