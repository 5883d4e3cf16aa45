/* SPDX-License-Identifier: Apache-2.0 */
/* The stand-in for the systemc transport in libtern.a (pure C, no SystemC): libtern_systemc.a
 * replaces this object with sim/systemc/hal_systemc.cpp. */
#include <stdio.h>

#include "hal_systemc.h"

tern_status tern_systemc_hal_open(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size) {
  (void)g, (void)options, (void)hal;
  if (err && err_size)
    snprintf(err, err_size,
             "this build has no systemc device: link libtern_systemc.a instead of libtern.a "
             "(make -C driver systemc; libsystemc-dev needed)");
  return TERN_ERR_DEVICE;
}
