/* SPDX-License-Identifier: Apache-2.0 */
/* The device core: the backend that drives any register-level tern device through a HAL. */
#ifndef TERN_DEVICE_H
#define TERN_DEVICE_H

#include "backend.h"
#include "hal.h"

/* Check the device behind hal (ID, VERSION, geometry g) and create the backend state; on
 * failure writes a message to err. The state takes over hal (its close is called at close). */
tern_status tern_hal_device_open(const tern_hal *hal, tern_geom g, void **state, char *err, size_t err_size);

extern const tern_backend_ops tern_backend_hal;

/* Open a tern_device over a caller-made HAL (the tests' mock register bus, later the RTL and
 * UART transports); err receives the reason when it fails. */
tern_status tern_open_hal(const tern_hal *hal, const char *name, tern_device **dev, char *err, size_t err_size);

#endif /* TERN_DEVICE_H */
