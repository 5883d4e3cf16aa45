/* SPDX-License-Identifier: Apache-2.0 */
/* tern_strerror: static names of the status codes. */
#include "tern_status.h"

const char *tern_strerror(tern_status status) {
  switch (status) {
    case TERN_OK: return "ok";
    case TERN_ERR_ARG: return "bad argument (NULL pointer, zero or too large size, unknown format)";
    case TERN_ERR_SHAPE: return "K or N not allowed by the layout";
    case TERN_ERR_NONFINITE: return "input float is NaN or infinite";
    case TERN_ERR_CODE: return "reserved weight code (code 3)";
    case TERN_ERR_NOT_TERNARY: return "value is not -1, 0 or +1";
    case TERN_ERR_MIXED_SCALES: return "blocks carry different scales";
    case TERN_ERR_BAD_SCALE: return "weight scale is negative, NaN, infinite or not representable";
    case TERN_ERR_SIZE: return "buffer size does not match its layout";
    case TERN_ERR_DEVICE: return "unknown device or device failure";
    case TERN_ERR_NOMEM: return "out of memory";
  }
  return "unknown status";
}
