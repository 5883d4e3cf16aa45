/* SPDX-License-Identifier: Apache-2.0 */
/* The frame format of the tern UART bridge: CRC, encoder and incremental decoder
 * (uart_proto.h, docs/uart.md). */
#include "uart_proto.h"

#include <stdio.h>
#include <string.h>

uint16_t tern_uart_crc16(uint16_t crc, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    crc ^= (uint16_t)(p[i] << 8);
    for (int b = 0; b < 8; b++)
      crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ TERN_UART_CRC_POLY) : (uint16_t)(crc << 1);
  }
  return crc;
}

tern_status tern_uart_encode(uint8_t cmd, uint8_t seq, const void *payload, size_t len, uint8_t *out, size_t out_size,
                             size_t *out_len) {
  if (!out || !out_len || (len && !payload) || len > TERN_UART_LEN_MAX) return TERN_ERR_ARG;
  if (out_size < tern_uart_frame_bytes(len)) return TERN_ERR_SIZE;
  out[0] = TERN_UART_SYNC;
  out[1] = cmd;
  out[2] = seq;
  tern_uart_put16(out + 3, (uint32_t)len);
  if (len) memcpy(out + TERN_UART_HDR_BYTES, payload, len);
  uint16_t crc = tern_uart_crc16(TERN_UART_CRC_INIT, out + 1, len + 4);
  out[TERN_UART_HDR_BYTES + len] = (uint8_t)(crc >> 8);
  out[TERN_UART_HDR_BYTES + len + 1] = (uint8_t)crc;
  *out_len = tern_uart_frame_bytes(len);
  return TERN_OK;
}

void tern_uart_decoder_init(tern_uart_decoder *d, size_t max_len) {
  memset(d, 0, sizeof *d);
  d->max_len = max_len > TERN_UART_LEN_MAX ? TERN_UART_LEN_MAX : max_len;
}

void tern_uart_decoder_reset(tern_uart_decoder *d) {
  d->raw_len = d->need = 0;
  d->pend_pos = d->pend_len = 0;
}

/* The candidate frame failed: scan the bytes after its SYNC again, ahead of those waiting. */
static void rescan(tern_uart_decoder *d) {
  d->err_cmd = d->raw[1];
  d->err_seq = d->raw[2];
  size_t back = d->raw_len - 1, rest = d->pend_len - d->pend_pos;
  /* raw_len + rest never exceeds TERN_UART_FRAME_MAX (bytes enter raw from pend while pend has
   * any), so this always fits; the check only guards the invariant. */
  if (back + rest > sizeof d->pend) back = sizeof d->pend - rest;
  memmove(d->pend + back, d->pend + d->pend_pos, rest);
  memcpy(d->pend, d->raw + 1, back);
  d->pend_pos = 0;
  d->pend_len = back + rest;
  d->raw_len = d->need = 0;
}

int tern_uart_decoder_abandon(tern_uart_decoder *d) {
  if (d->raw_len == 0) return 0;
  if (d->raw_len == 1) {
    d->raw_len = d->need = 0;
  } else {
    uint8_t cmd = d->err_cmd, seq = d->err_seq;
    rescan(d);
    d->err_cmd = cmd, d->err_seq = seq; /* not a failed frame: keep the last one's */
  }
  return 1;
}

static tern_uart_event feed(tern_uart_decoder *d, uint8_t b, tern_uart_frame *frame) {
  if (d->raw_len == 0) {
    if (b == TERN_UART_SYNC)
      d->raw[d->raw_len++] = b;
    else
      d->skipped++;
    return TERN_UART_NONE;
  }
  d->raw[d->raw_len++] = b;
  if (d->raw_len == TERN_UART_HDR_BYTES) {
    size_t len = tern_uart_get16(d->raw + 3);
    if (len > d->max_len) {
      snprintf(d->msg, sizeof d->msg, "frame CMD 0x%02x SEQ %u announces LEN %zu, more than %zu", d->raw[1], d->raw[2],
               len, d->max_len);
      d->len_errors++;
      rescan(d);
      return TERN_UART_BAD_LEN;
    }
    d->need = tern_uart_frame_bytes(len);
  }
  if (d->raw_len < TERN_UART_HDR_BYTES || d->raw_len < d->need) return TERN_UART_NONE;
  size_t len = d->need - TERN_UART_OVERHEAD;
  if (tern_uart_crc16(TERN_UART_CRC_INIT, d->raw + 1, d->need - 1) != 0) {
    uint16_t got = (uint16_t)(d->raw[d->need - 2] << 8 | d->raw[d->need - 1]);
    uint16_t want = tern_uart_crc16(TERN_UART_CRC_INIT, d->raw + 1, d->need - 3);
    snprintf(d->msg, sizeof d->msg, "CRC error on a frame CMD 0x%02x SEQ %u LEN %zu: received 0x%04x, computed 0x%04x",
             d->raw[1], d->raw[2], len, got, want);
    d->crc_errors++;
    rescan(d);
    return TERN_UART_BAD_CRC;
  }
  frame->cmd = d->raw[1];
  frame->seq = d->raw[2];
  frame->len = (uint16_t)len;
  frame->payload = d->raw + TERN_UART_HDR_BYTES;
  d->frames++;
  d->raw_len = d->need = 0;
  return TERN_UART_FRAME;
}

tern_uart_event tern_uart_decode(tern_uart_decoder *d, const uint8_t *in, size_t n, size_t *used,
                                 tern_uart_frame *frame) {
  size_t u = 0;
  tern_uart_event ev = TERN_UART_NONE;
  while (ev == TERN_UART_NONE) {
    uint8_t b;
    if (d->pend_pos < d->pend_len) {
      b = d->pend[d->pend_pos++];
      if (d->pend_pos == d->pend_len) d->pend_pos = d->pend_len = 0;
    } else if (u < n) {
      b = in[u++];
    } else {
      break;
    }
    ev = feed(d, b, frame);
  }
  if (used) *used = u;
  return ev;
}

const char *tern_uart_decoder_error(const tern_uart_decoder *d) { return d->msg; }

tern_status tern_uart_parse_identity(const uint8_t *p, size_t len, tern_uart_identity *id, char *err, size_t err_size) {
  if (!p || !id) return TERN_ERR_ARG;
  if (len < TERN_UART_IDENTIFY_BYTES) {
    if (err && err_size)
      snprintf(err, err_size, "IDENTIFY answer of %zu bytes, expected %u", len, TERN_UART_IDENTIFY_BYTES);
    return TERN_ERR_DEVICE;
  }
  id->magic = tern_uart_get32(p);
  id->proto = p[4];
  id->flags = p[5];
  id->max_data = (uint16_t)tern_uart_get16(p + 6);
  id->id = tern_uart_get32(p + 8);
  id->version = tern_uart_get32(p + 12);
  id->params = tern_uart_get32(p + 16);
  id->mem_bytes = tern_uart_get32(p + 20);
  id->clk_hz = tern_uart_get32(p + 24);
  if (id->magic != TERN_UART_MAGIC) {
    if (err && err_size)
      snprintf(err, err_size, "not a tern UART bridge: IDENTIFY magic 0x%08x, expected 0x%08x (\"TRNB\")", id->magic,
               TERN_UART_MAGIC);
    return TERN_ERR_DEVICE;
  }
  if (id->proto != TERN_UART_PROTO_VERSION) {
    if (err && err_size)
      snprintf(err, err_size, "the bridge speaks UART protocol %u, this driver protocol %u", id->proto,
               TERN_UART_PROTO_VERSION);
    return TERN_ERR_DEVICE;
  }
  if (id->max_data < 8 || id->max_data > TERN_UART_DATA_MAX) {
    if (err && err_size)
      snprintf(err, err_size, "the bridge reports %u data bytes per frame (8 .. %u allowed)", id->max_data,
               TERN_UART_DATA_MAX);
    return TERN_ERR_DEVICE;
  }
  return TERN_OK;
}

const char *tern_uart_cmd_name(uint8_t cmd) {
  switch (cmd & 0x7Fu) {
    case TERN_UART_IDENTIFY: return "IDENTIFY";
    case TERN_UART_REG_READ: return "REG_READ";
    case TERN_UART_REG_WRITE: return "REG_WRITE";
    case TERN_UART_MEM_WRITE: return "MEM_WRITE";
    case TERN_UART_MEM_READ: return "MEM_READ";
    case TERN_UART_IRQ: return "IRQ";
    default: return cmd == TERN_UART_NAK ? "NAK" : NULL;
  }
}

const char *tern_uart_nak_name(uint8_t reason) {
  switch (reason) {
    case TERN_UART_NAK_CRC: return "bad CRC (or a UART framing error) in the request";
    case TERN_UART_NAK_LEN: return "bad length";
    case TERN_UART_NAK_CMD: return "unknown command";
    case TERN_UART_NAK_ADDR: return "address misaligned or outside the window";
    case TERN_UART_NAK_BUS: return "bus error (the device answered SLVERR/DECERR)";
    default: return NULL;
  }
}
