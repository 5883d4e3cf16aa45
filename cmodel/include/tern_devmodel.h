/* SPDX-License-Identifier: Apache-2.0 */
/* The C model of the tern device at its register interface (docs/registers.md): CSRs, a
 * descriptor queue, jobs that read weights and activations from memory and write int32
 * results, and the error rules (a bad job never hangs the device: it sets STATUS.ERR, raises
 * IRQ_STATUS.ERROR and leaves the device ready). The driver's cmodel backend drives it; the
 * RTL device top is to match it register for register.
 *
 * Memory is a byte array the caller owns; device address a is mem[a]. An access beyond it is
 * a bus error. Jobs run when tern_devmodel_run() is called (the model of time passing).
 * CYCLES reports the array's cycle model for the job (tern_job_cycles_tokens: each weight
 * beat serves every token in consecutive cycles).
 *
 * The device's limits (T_MAX, QUEUE_DEPTH, ACT_BUF_BEATS, the weight formats) are those of
 * spec/tern.toml unless a tern_devmodel_cfg gives others: the RTL device top takes them as
 * parameters (a board instantiates it smaller), and the model must then match it. */
#ifndef TERN_DEVMODEL_H
#define TERN_DEVMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_devmodel tern_devmodel;

/* The device's limits, as the RTL's parameters of the same names (rtl/tern_device.v). They
 * are what PARAMS.T_MAX/FORMATS, QUEUE.DEPTH and ACT_BUF read, and what a job is checked
 * against (BAD_TOKENS, BAD_FMT, ACT_OVERFLOW, QUEUE_FULL). */
typedef struct tern_devmodel_cfg {
  uint32_t t_max;         /* most tokens per job: 1 .. 255 (the PARAMS.T_MAX and JOB_CFG.TOKENS fields) */
  uint32_t queue_depth;   /* descriptors the queue holds: 1 .. 255 (the QUEUE.DEPTH/LEVEL fields) */
  uint32_t act_buf_beats; /* activation-buffer entries per bank: >= 1 */
  uint32_t formats;       /* bit f: weight format code f; not 0, a subset of TERN_FORMATS_MASK */
  uint32_t w_align;       /* W_ADDR's alignment (MISALIGNED otherwise): TERN_ADDR_ALIGN, or the
                           * wide profile's weight-port beat (WPORT_BYTES: a power of two
                           * 16 .. 128, where the weights' read extent is W_ADDR + their bytes
                           * rounded up to it); 0 means TERN_ADDR_ALIGN */
} tern_devmodel_cfg;

/* spec/tern.toml's: TERN_T_MAX, TERN_QUEUE_DEPTH, TERN_ACT_BUF_BEATS, TERN_FORMATS_MASK,
 * TERN_ADDR_ALIGN. */
tern_devmodel_cfg tern_devmodel_cfg_default(void);

/* TERN_OK, or TERN_ERR_ARG if a field is outside the ranges above. */
tern_status tern_devmodel_cfg_check(tern_devmodel_cfg cfg);

/* A device with geometry g over mem[0..mem_size), at the default limits. NULL if out of
 * memory or g is invalid. */
tern_devmodel *tern_devmodel_new(tern_geom g, uint8_t *mem, size_t mem_size);

/* The same with the limits of cfg; NULL also if cfg is invalid (tern_devmodel_cfg_check). */
tern_devmodel *tern_devmodel_new_cfg(tern_geom g, tern_devmodel_cfg cfg, uint8_t *mem, size_t mem_size);
void tern_devmodel_free(tern_devmodel *dm);

/* A device with its own weight memory (tern_device WMEM_WORDS: the weights inside the MAC
 * array): from now on a job reads its weights from w[W_ADDR ..] instead of the memory, and a
 * job whose weights run past w[bytes - 1] fails with W_RANGE (after ACT_OVERFLOW, before any
 * bus error; nothing is written). The caller owns w and writes it as the device's wm_* port
 * writes the RTL's (the bytes of a T5 stream at their offsets); it may be part of the memory
 * itself. bytes = 0 (or w NULL) returns to weights from the memory. */
void tern_devmodel_set_wmem(tern_devmodel *dm, const uint8_t *w, size_t bytes);

/* CSR access at a byte offset. Returns 0, or -1 (the AXI4-Lite SLVERR response) for an
 * offset that is not a register, a misaligned offset, a write to a read-only register or a
 * read of a write-only one; such an access changes nothing. */
int tern_devmodel_read(tern_devmodel *dm, uint32_t offset, uint32_t *value);
int tern_devmodel_write(tern_devmodel *dm, uint32_t offset, uint32_t value);

/* Run up to max_jobs queued jobs (all if max_jobs == 0); returns how many ran. */
unsigned tern_devmodel_run(tern_devmodel *dm, unsigned max_jobs);

/* The interrupt line: CTRL.IRQ_EN and IRQ_STATUS != 0. */
int tern_devmodel_irq(const tern_devmodel *dm);

/* Bytes of one activation row / result row in memory (padded to TERN_ADDR_ALIGN). */
size_t tern_devmodel_act_stride(uint32_t k);
size_t tern_devmodel_res_stride(uint32_t n);

/* Most tokens one job of input width k may carry on a device of g.lanes lanes, act_buf_beats
 * activation-buffer entries and t_max tokens a job: TOKENS <= T_MAX and TOKENS * ceil(K / LANES)
 * <= ACT_BUF (the ACT_OVERFLOW rule; a job holds its tokens' activations on chip). 0: not even
 * one token fits (or k is 0). Drivers split a matmul's tokens into jobs of at most this. */
uint32_t tern_devmodel_tokens_per_job(tern_geom g, uint32_t act_buf_beats, uint32_t t_max, uint32_t k);

#ifdef __cplusplus
}
#endif
#endif /* TERN_DEVMODEL_H */
