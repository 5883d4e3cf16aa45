/* SPDX-License-Identifier: Apache-2.0 */
/* Transport "uart": the HAL (hal.h) over a tern board's UART bridge (rtl/tern_uart_bridge.v,
 * protocol in docs/uart.md), on a serial port or on a TCP socket (a simulated board).
 *
 *   uart:/dev/ttyUSB1?baud=115200          termios raw 8N1, no flow control
 *   uart-tcp:HOST:PORT                     TCP (HOST may be [v6-address])
 *
 * Options follow '?' as name=value pairs separated by '&' or ',':
 *   baud=N        serial line rate (uart: only; default 115200; 9600 .. 4000000 from a table)
 *   timeout_ms=N  how long one try waits for its answer (default: uart: 50 ms plus twice the
 *                 bytes' time on the line; uart-tcp: 1000 ms, the floor of the adaptive timeout)
 *   retries=N     tries after the first on a NAK, a timeout or a bad answer (default 5)
 *   quiet_ms=N    a pause this long inside an answer ends it (its bytes are scanned again for
 *                 a frame), and after a damaged answer the line must be quiet this long before
 *                 the next try (default: uart: 40 ms + 20 byte times, above the 16 ms a USB
 *                 adapter may hold bytes; uart-tcp: 20 ms, or with adapt a quarter of the
 *                 try's timeout if that is longer: a simulated board may stall mid-frame)
 *   poll_ms=N     pause between IRQ polls in wait_irq (default 0: back to back)
 *   adapt=0|1     uart-tcp: adapt the per-try timeout to the link (default 1; 0: timeout_ms alone)
 *   array=RxL     refuse a board whose array is not R rows x L lanes (default: any; the
 *                 driver packs the weights for the board's geometry)
 *
 * Opening sends IDENTIFY and checks the bridge's magic and protocol version (and, with
 * tern_uart_hal_open_geom, the array geometry). mem_size is the memory the bridge reports.
 * mem_write/mem_read go as frames of the bridge's largest data size; every request is retried
 * with the same sequence number, which the bridge uses to answer a retried write without
 * executing it again. wait_irq polls the interrupt line. Every failure leaves a message in
 * last_error naming the spec, the request and what went wrong.
 *
 * Time budget. A request (one frame each way; mem_write/mem_read send one per MAX_DATA bytes)
 * makes at most tries = retries + 1 tries and ends within the sum of their timeouts, whatever
 * the peer sends: every step of a try (draining old input, writing, reading, skipping garbage
 * and frames of other SEQs, the quiet wait after a damaged answer) stops at the try's
 * deadline. A try's timeout, fixed when it starts:
 *   uart:      timeout_ms if given, else 50 ms + 2 x (request + answer bytes) x 10 bit times;
 *   uart-tcp:  timeout_ms + 4 x (request + answer bytes) x the link's time per byte, at most
 *              60 s (or timeout_ms if larger). The time per byte is a running average (1/4 of
 *              each new sample) of the answered tries' elapsed time over their bytes, IDENTIFY
 *              first, doubled after every try that timed out; before any answer it is 0, so
 *              IDENTIFY waits timeout_ms per try. adapt=0: timeout_ms alone.
 * So IDENTIFY on the defaults ends within 6 x 1000 ms on uart-tcp, and any request within
 * tries x 60 s. A closed connection or a read/write error ends the request at once; a NAK for
 * ADDR, BUS or CMD ends it at once (only CRC and LEN NAKs are retried). wait_irq(timeout_ms)
 * ends within timeout_ms plus one IRQ request's budget. */
#ifndef TERN_HAL_UART_H
#define TERN_HAL_UART_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "tern_geom.h"
#include "uart_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Open the board at spec ("uart:..." or "uart-tcp:...") and fill in hal. On failure writes the
 * reason to err: TERN_ERR_ARG for a malformed spec or option, TERN_ERR_DEVICE when the port
 * cannot be opened or the board does not answer or is not a tern bridge, TERN_ERR_NOMEM. */
tern_status tern_uart_hal_open(const char *spec, tern_hal *hal, char *err, size_t err_size);

/* The same; fail with TERN_ERR_DEVICE unless the board's PARAMS register reports the array
 * geometry *expect (rows x lanes) and the one an array= option asks for; expect may be NULL (no
 * check). On success *found (may be NULL) is the board's geometry. */
tern_status tern_uart_hal_open_geom(const char *spec, const tern_geom *expect, tern_geom *found, tern_hal *hal,
                                    char *err, size_t err_size);

/* The same over an already connected stream socket fd (taken over: closed at close or on
 * failure), as the uart-tcp: spec names it; spec carries the options ("uart-tcp:fuzz?retries=0").
 * For tests and the fuzzer. */
tern_status tern_uart_hal_open_fd(int fd, const char *spec, tern_hal *hal, char *err, size_t err_size);

/* 1 if spec names this transport ("uart:" or "uart-tcp:"), else 0. */
int tern_uart_hal_handles(const char *spec);

/* Link statistics since open; ctx is hal->ctx of an open uart HAL. */
typedef struct tern_uart_stats {
  uint64_t requests;   /* requests that got their answer */
  uint64_t retries;    /* tries after the first */
  uint64_t timeouts;   /* tries that got no answer in time */
  uint64_t crc_errors; /* damaged answers (bad CRC or length) */
  uint64_t naks;       /* NAKs received (any reason) */
  uint64_t stale;      /* intact frames that answered another request (dropped) */
  uint64_t bytes_out;  /* bytes written to the port */
  uint64_t bytes_in;   /* bytes read from it */
} tern_uart_stats;
void tern_uart_hal_stats(void *ctx, tern_uart_stats *stats);

/* The bridge's IDENTIFY answer taken at open. */
const tern_uart_identity *tern_uart_hal_identity(void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TERN_HAL_UART_H */
