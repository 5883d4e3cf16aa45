/* SPDX-License-Identifier: Apache-2.0 */
/* A tern-rtl.so built for another HAL ABI: the loader (driver/src/transport.c) must refuse it
 * without calling it (test_hal_mock's driver-mock/plugin_errors). */
#include "hal.h"

static tern_status never(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size) {
  (void)g, (void)options, (void)hal, (void)err, (void)err_size;
  __builtin_trap(); /* the loader checked abi first: never reached */
}

const tern_transport_plugin tern_transport_plugin_v1 = {TERN_HAL_ABI + 1000u, "rtl", never};
