/* SPDX-License-Identifier: Apache-2.0 */
/* The stand-in for the rtl transport in libtern.a (pure C, no Verilator): libtern_rtl.a
 * replaces this object with driver/rtl/hal_rtl.cpp. */
#include <stdio.h>

#include "hal_rtl.h"

tern_status tern_rtl_hal_open(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size) {
  (void)g, (void)options, (void)hal;
  if (err && err_size)
    snprintf(err, err_size,
             "this build has no rtl device: link libtern_rtl.a instead of libtern.a "
             "(make -C driver rtl; Verilator needed)");
  return TERN_ERR_DEVICE;
}
