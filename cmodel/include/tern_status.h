/* SPDX-License-Identifier: Apache-2.0 */
/* Status codes shared by every tern library: functions return a tern_status, and
 * tern_strerror() names it. No function prints or exits. */
#ifndef TERN_STATUS_H
#define TERN_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_status {
  TERN_OK = 0,
  TERN_ERR_ARG,          /* a NULL pointer, a zero or too large size, an unknown format */
  TERN_ERR_SHAPE,        /* K or N not allowed by the layout (e.g. I2_S needs N*K % 128 == 0) */
  TERN_ERR_NONFINITE,    /* an input float is NaN or infinite */
  TERN_ERR_CODE,         /* a packed weight holds a reserved code (T2/I2_S/TQ2_0 code 3) */
  TERN_ERR_NOT_TERNARY,  /* a value that should be -1, 0 or +1 is not */
  TERN_ERR_MIXED_SCALES, /* TQ blocks carry different scales: not one ternary matrix */
  TERN_ERR_BAD_SCALE,    /* a weight scale is negative, NaN or infinite */
  TERN_ERR_SIZE,         /* a buffer is shorter (or longer) than its layout needs */
  TERN_ERR_DEVICE,       /* unknown device URI, or a device/backend failure */
  TERN_ERR_NOMEM         /* out of memory */
} tern_status;

/* A static, human-readable description of a status ("unknown status" for others). */
const char *tern_strerror(tern_status status);

#ifdef __cplusplus
}
#endif
#endif /* TERN_STATUS_H */
