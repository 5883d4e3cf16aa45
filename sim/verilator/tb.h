/* SPDX-License-Identifier: Apache-2.0 */
// The Verilator benches' common header: the model's clock, reset, VCD and plusargs (vtb.h,
// from the rtl transport's vdevice library: tests build on the product, not the reverse), the
// geometry a bench is built for, and helpers to move byte strings in and out of ports of any
// width.
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

// Ports of up to 64 bits are integers in Verilator; wider ones are VlWide<words>.
template <typename T>
inline void tb_put_bytes(T &port, const uint8_t *bytes, size_t nbytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < nbytes && i < 8; i++) v |= (uint64_t)bytes[i] << (8 * i);
  port = (T)v;
}
template <std::size_t W>
inline void tb_put_bytes(VlWide<W> &port, const uint8_t *bytes, size_t nbytes) {
  for (size_t w = 0; w < W; w++) port[w] = 0;
  for (size_t i = 0; i < nbytes && i < 4 * W; i++) port[i / 4] |= (uint32_t)bytes[i] << (8 * (i % 4));
}
template <typename T>
inline void tb_get_bytes(const T &port, uint8_t *bytes, size_t nbytes) {
  uint64_t v = (uint64_t)port;
  for (size_t i = 0; i < nbytes; i++) bytes[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}
template <std::size_t W>
inline void tb_get_bytes(const VlWide<W> &port, uint8_t *bytes, size_t nbytes) {
  for (size_t i = 0; i < nbytes; i++) bytes[i] = i < 4 * W ? (uint8_t)(port[i / 4] >> (8 * (i % 4))) : 0;
}

#endif  // TERN_TB_H
