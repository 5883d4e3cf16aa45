/* SPDX-License-Identifier: Apache-2.0 */
// The Verilator benches' common header: the model's clock, reset, VCD and plusargs (vtb.h,
// from the rtl transport's vdevice library: tests build on the product, not the reverse), the
// geometry a bench is built for (the helpers that move byte strings in and out of ports of any
// width, tb_put_bytes and tb_get_bytes, are vtb.h's).
#ifndef TERN_TB_H
#define TERN_TB_H

// By path, not by -I: every bench gets it whatever its flags.
#include "../../driver/transports/rtl/vdevice/vtb.h"
#include "tern_params.h"
#include "tern_test.h"

// The array geometry a bench is built for: the spec's default unless the build passes
// -DTB_ROWS / -DTB_LANES (sim/Makefile ROWS= LANES=), matching the RTL's -G parameters.
#ifndef TB_ROWS
#define TB_ROWS TERN_ROWS
#endif
#ifndef TB_LANES
#define TB_LANES TERN_LANES
#endif

// (tb_put_bytes / tb_get_bytes: vtb.h)

#endif  // TERN_TB_H
