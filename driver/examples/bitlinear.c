/* SPDX-License-Identifier: Apache-2.0 */
/* A complete example of the tern API (docs/programming.md): one BitLinear layer with a
 * 256 x 640 ternary weight tensor given as an I2_S blob, run for two tokens on the device
 * named by argv[1] (default: TERN_DEVICE, else "cpu"). Prints y[0][0..3]. */
#include <stdio.h>
#include <stdlib.h>

#include "tern.h"
#include "tern_pack.h" /* only to build an I2_S blob for the example */

int main(int argc, char **argv) {
  enum { K = 640, N = 256, T = 2 };
  static int8_t trits[N * K];
  static float x[T * K], y[T * N];
  for (int i = 0; i < N * K; i++) trits[i] = (int8_t)(i * 7 % 3 - 1);
  for (int i = 0; i < T * K; i++) x[i] = (float)(i % 17) - 8.0f;
  size_t blob_size = tern_i2s_bytes(K, N);
  uint8_t *blob = malloc(blob_size);
  if (!blob || tern_to_i2s(trits, K, N, 0.75f, blob) != TERN_OK) return 1;

  tern_device *dev;
  tern_status st = tern_open(argc > 1 ? argv[1] : NULL, &dev);
  if (st != TERN_OK) {
    fprintf(stderr, "tern_open: %s\n", tern_strerror(st));
    return 1;
  }
  tern_tensor_src src = {TERN_LAYOUT_I2S, blob, blob_size, K, N, 0.0f};
  tern_weights *w;
  if ((st = tern_weights_load(dev, &src, TERN_T5, &w)) != TERN_OK ||
      (st = tern_bitlinear(dev, w, x, T, y)) != TERN_OK) {
    fprintf(stderr, "tern: %s: %s\n", tern_strerror(st), tern_last_error(dev));
    tern_close(dev);
    return 1;
  }
  printf("%s: y[0][0..3] = %.6g %.6g %.6g %.6g (scale %.2f)\n", tern_device_uri(dev), y[0], y[1], y[2], y[3],
         tern_weights_scale(w));
  tern_weights_free(w);
  tern_close(dev);
  free(blob);
  return 0;
}
