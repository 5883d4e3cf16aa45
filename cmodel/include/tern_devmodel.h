/* The C model of the tern device at its register interface (docs/registers.md): CSRs, a
 * descriptor queue, jobs that read weights and activations from memory and write int32
 * results, and the error rules (a bad job never hangs the device: it sets STATUS.ERR, raises
 * IRQ_STATUS.ERROR and leaves the device ready). The driver's cmodel backend drives it; the
 * RTL device top is to match it register for register.
 *
 * Memory is a byte array the caller owns; device address a is mem[a]. An access beyond it is
 * a bus error. Jobs run when tern_devmodel_run() is called (the model of time passing).
 * CYCLES reports the array's cycle model for the job (tern_job_cycles_tokens: each weight
 * beat serves every token in consecutive cycles). */
#ifndef TERN_DEVMODEL_H
#define TERN_DEVMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_devmodel tern_devmodel;

/* A device with geometry g over mem[0..mem_size). NULL if out of memory or g is invalid. */
tern_devmodel *tern_devmodel_new(tern_geom g, uint8_t *mem, size_t mem_size);
void tern_devmodel_free(tern_devmodel *dm);

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

#ifdef __cplusplus
}
#endif
#endif /* TERN_DEVMODEL_H */
