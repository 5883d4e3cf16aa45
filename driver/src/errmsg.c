/* SPDX-License-Identifier: Apache-2.0 */
/* errmsg.h */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

tern_status tern_verrf(char *err, size_t err_size, tern_status st, const char *fmt, va_list ap) {
  if (err && err_size) vsnprintf(err, err_size, fmt, ap);
  return st;
}

tern_status tern_errf(char *err, size_t err_size, tern_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tern_verrf(err, err_size, st, fmt, ap);
  va_end(ap);
  return st;
}
