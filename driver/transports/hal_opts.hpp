// SPDX-License-Identifier: Apache-2.0
// Helpers the C++ transports (rtl/hal_rtl.cpp, systemc/hal_systemc.cpp) share to
// parse their URI options ("name=value,..."): printf into a std::string, and an unsigned
// number with an optional k/M/G (binary) suffix. Header-only, internal linkage.
#ifndef TERN_HAL_OPTS_HPP
#define TERN_HAL_OPTS_HPP

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tern_hal_opts {

inline std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char *f, ...) {
  char b[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(b, sizeof b, f, ap);
  va_end(ap);
  return b;
}

// A whole-string unsigned number (decimal, 0x hex or 0 octal); with suffixes, k/M/G multiply
// by 2^10/2^20/2^30. False on anything else, a sign, or overflow.
inline bool parse_u64(const std::string &s, uint64_t *v, bool suffixes = false) {
  if (s.empty() || s[0] == '-' || s[0] == '+') return false;
  char *end = nullptr;
  errno = 0;
  unsigned long long x = std::strtoull(s.c_str(), &end, 0);
  if (errno || end == s.c_str()) return false;
  uint64_t mul = 1;
  if (suffixes && *end) {
    switch (*end) {
      case 'k':
      case 'K': mul = 1ull << 10; break;
      case 'm':
      case 'M': mul = 1ull << 20; break;
      case 'g':
      case 'G': mul = 1ull << 30; break;
      default: return false;
    }
    end++;
  }
  if (*end) return false;
  if (mul > 1 && x > UINT64_MAX / mul) return false;
  *v = (uint64_t)x * mul;
  return true;
}

}  // namespace tern_hal_opts

#endif  // TERN_HAL_OPTS_HPP
