/* SPDX-License-Identifier: Apache-2.0 */
/* The BitLinear capture file of tern_device_set_capture (internal to the driver library; the
 * format is in tern.h). Written to PATH.tmp and renamed to PATH when it ends, so PATH only ever
 * holds a whole capture. Each function says what failed in err, naming the path and errno's text. */
#ifndef TERN_CAPTURE_H
#define TERN_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tern_status.h"

typedef struct tern_capture tern_capture;

/* Remove an old PATH (a crash then leaves no stale capture under the name), create PATH.tmp
 * and write the magic. */
tern_status tern_capture_open(const char *path, tern_capture **out, char *err, size_t err_size);
/* The path the capture ends at. */
const char *tern_capture_path(const tern_capture *c);
/* Append one record: the header, w[n][k], then x[tokens][k]. Buffered: tern_capture_flush says
 * whether it reached the file. */
tern_status tern_capture_record(tern_capture *c, const int8_t *w, uint32_t k, uint32_t n, const int8_t *x,
                                uint32_t tokens, char *err, size_t err_size);
tern_status tern_capture_flush(tern_capture *c, char *err, size_t err_size);
/* End it: flush, fsync, close and rename PATH.tmp to PATH. On failure PATH.tmp is removed.
 * Frees c either way. */
tern_status tern_capture_close(tern_capture *c, char *err, size_t err_size);
/* Give it up (after a failed write): close and remove PATH.tmp, free c. */
void tern_capture_abort(tern_capture *c);

#endif /* TERN_CAPTURE_H */
