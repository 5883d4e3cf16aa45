/* SPDX-License-Identifier: Apache-2.0 */
/* Writing an error message into a caller's buffer (internal to the driver library). */
#ifndef TERN_ERRMSG_H
#define TERN_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>

#include "tern_status.h"

/* printf fmt into err (err_size bytes; nothing when err is NULL or err_size 0) and return st,
 * so a failure reads: return tern_errf(err, err_size, TERN_ERR_ARG, "what: %s", where). */
tern_status tern_errf(char *err, size_t err_size, tern_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a va_list, for helpers that add their own context (ap is consumed). */
tern_status tern_verrf(char *err, size_t err_size, tern_status st, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif /* TERN_ERRMSG_H */
