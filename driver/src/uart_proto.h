/* SPDX-License-Identifier: Apache-2.0 */
/* The frame format of the tern UART bridge (rtl/tern_uart_bridge.v; docs/uart.md is the
 * protocol): CRC, frame encoding and an incremental decoder. Pure functions: no I/O, no global
 * state, nothing printed; the decoder keeps its whole state in the struct the caller owns.
 *
 *   frame = SYNC 0xA5 | CMD | SEQ | LEN (2, little endian) | PAYLOAD (LEN bytes) | CRC (2)
 *
 * CRC is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, not reflected, no final XOR;
 * CRC("123456789") = 0x29B1) over CMD .. PAYLOAD, sent most significant byte first, so the CRC
 * of CMD .. CRC is 0 for an intact frame. */
#ifndef TERN_UART_PROTO_H
#define TERN_UART_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "tern_status.h"
#include "tern_uart.h" /* the protocol's constants: spec/tern.toml [uart] */

#ifdef __cplusplus
extern "C" {
#endif

/* What IDENTIFY returns (all fields little endian on the wire, in this order). */
typedef struct tern_uart_identity {
  uint32_t magic;     /* TERN_UART_MAGIC */
  uint8_t proto;      /* TERN_UART_PROTO_VERSION */
  uint8_t flags;      /* 0 (reserved) */
  uint16_t max_data;  /* largest MEM_WRITE / MEM_READ data in one frame */
  uint32_t id;        /* the device's ID register (0x000) */
  uint32_t version;   /* VERSION (0x004) */
  uint32_t params;    /* PARAMS (0x008): ROWS, LANES, FORMATS, T_MAX */
  uint32_t mem_bytes; /* device memory behind MEM_*: [0, mem_bytes) */
  uint32_t clk_hz;    /* the board clock, 0 if not known */
} tern_uart_identity;

/* CRC-16/CCITT-FALSE of len bytes, continuing from crc (start with 0xFFFF). */
uint16_t tern_uart_crc16(uint16_t crc, const void *data, size_t len);

/* Bytes of a frame with len payload bytes. */
static inline size_t tern_uart_frame_bytes(size_t len) { return len + TERN_UART_OVERHEAD; }

/* Little-endian helpers for payloads. */
static inline void tern_uart_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void tern_uart_put32(uint8_t *p, uint32_t v) {
  tern_uart_put16(p, v);
  tern_uart_put16(p + 2, v >> 16);
}
static inline uint32_t tern_uart_get16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t tern_uart_get32(const uint8_t *p) { return tern_uart_get16(p) | tern_uart_get16(p + 2) << 16; }

/* Write the frame cmd/seq/payload into out (out_size bytes) and its size into *out_len.
 * TERN_ERR_ARG: a NULL pointer (payload may be NULL when len is 0) or len > TERN_UART_LEN_MAX;
 * TERN_ERR_SIZE: out is too small. */
tern_status tern_uart_encode(uint8_t cmd, uint8_t seq, const void *payload, size_t len, uint8_t *out, size_t out_size,
                             size_t *out_len);

/* A decoded frame. payload points into the decoder and stays valid until its next call. */
typedef struct tern_uart_frame {
  uint8_t cmd, seq;
  uint16_t len;
  const uint8_t *payload;
} tern_uart_frame;

typedef enum tern_uart_event {
  TERN_UART_NONE = 0, /* every byte taken, no frame complete yet */
  TERN_UART_FRAME,    /* an intact frame: *frame filled in */
  TERN_UART_BAD_CRC,  /* a frame's CRC did not match (tern_uart_decoder_error says more) */
  TERN_UART_BAD_LEN   /* a header with LEN above the decoder's limit */
} tern_uart_event;

/* The incremental decoder: bytes in, one event out at a time. Bytes before SYNC are skipped.
 * After a bad CRC or a bad LEN the bytes that followed the failed SYNC are scanned again, so a
 * real frame behind a stray 0xA5 is still found. Fields are private but for the counters. */
typedef struct tern_uart_decoder {
  size_t max_len;            /* LEN above this is TERN_UART_BAD_LEN */
  size_t need;               /* bytes of the candidate frame in raw once complete (0: header) */
  size_t raw_len;            /* bytes of the candidate frame, from its SYNC */
  size_t pend_pos, pend_len; /* bytes waiting to be scanned again: pend[pend_pos .. pend_len) */
  uint8_t raw[TERN_UART_FRAME_MAX];
  uint8_t pend[TERN_UART_FRAME_MAX];
  /* counters since init */
  uint64_t frames, crc_errors, len_errors, skipped;
  uint8_t err_cmd, err_seq; /* CMD and SEQ of the last frame that failed (a bridge NAKs with them) */
  char msg[160];            /* the last error, "" if none */
} tern_uart_decoder;

/* Start a decoder that takes LEN up to max_len (clamped to TERN_UART_LEN_MAX). */
void tern_uart_decoder_init(tern_uart_decoder *d, size_t max_len);

/* Forget a partial frame and the bytes waiting to be scanned again (the counters stay). */
void tern_uart_decoder_reset(tern_uart_decoder *d);

/* 1 while a frame has begun (SYNC seen) and is not complete. */
static inline int tern_uart_decoder_busy(const tern_uart_decoder *d) { return d->raw_len != 0; }

/* Give up the frame that has begun, as after a pause in the middle of it (the bridge's idle
 * timeout): the bytes after its SYNC are scanned again by the next tern_uart_decode call, so a
 * whole frame behind a stray 0xA5 is found. Returns 1 if a frame had begun, else 0. */
int tern_uart_decoder_abandon(tern_uart_decoder *d);

/* Scan the bytes waiting in the decoder, then in[0 .. n), until the first event. *used says
 * how many bytes of in were taken (call again with the rest); in may be NULL when n is 0.
 * TERN_UART_NONE means all were taken and nothing waits. */
tern_uart_event tern_uart_decode(tern_uart_decoder *d, const uint8_t *in, size_t n, size_t *used,
                                 tern_uart_frame *frame);

/* The message of the last TERN_UART_BAD_CRC / TERN_UART_BAD_LEN, e.g. "CRC error on a frame
 * CMD 0x82 SEQ 7 LEN 4: received 0x1234, computed 0xabcd". */
const char *tern_uart_decoder_error(const tern_uart_decoder *d);

/* Parse an IDENTIFY answer: len must be at least TERN_UART_IDENTIFY_BYTES (later bytes are
 * ignored), the magic and the protocol version must match. On failure writes why to err. */
tern_status tern_uart_parse_identity(const uint8_t *payload, size_t len, tern_uart_identity *id, char *err,
                                     size_t err_size);

/* Names for messages: "REG_READ", ... ("0x%02x" style for unknown ones is the caller's). NULL
 * for an unknown command / reason. */
const char *tern_uart_cmd_name(uint8_t cmd);
const char *tern_uart_nak_name(uint8_t reason);

#ifdef __cplusplus
}
#endif
#endif /* TERN_UART_PROTO_H */
