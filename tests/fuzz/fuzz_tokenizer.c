/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the tokenizer (driver/src/tokenizer.c). Two modes, chosen by the first
 * input byte:
 *  - even: the rest is text for a fixed vocabulary built here (all 256 byte tokens, merges
 *    that build "hello", " world", "aa", specials <|...|> and a user-defined "<tag>"); it is
 *    tokenized with parse_special off and on, and decode(encode(x)) must equal x, with no
 *    control token when parse_special is off and every id in range;
 *  - odd: the rest is split at '\n' into a vocabulary appended to the 256 byte tokens (lines
 *    starting with '#' become merges, lines starting with '<' control tokens) and a last text
 *    line: any vocabulary must build or fail cleanly, and the round trip must still hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern_tokenizer.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static size_t put_utf8(char *s, unsigned u) {
  if (u < 0x80) {
    s[0] = (char)u;
    return 1;
  }
  s[0] = (char)(0xC0 | (u >> 6));
  s[1] = (char)(0x80 | (u & 0x3F));
  return 2;
}

enum { MAX_EXTRA = 64 };

typedef struct {
  char bytes[256][2];
  const char *tok[256 + MAX_EXTRA];
  size_t len[256 + MAX_EXTRA];
  int32_t type[256 + MAX_EXTRA];
  size_t n;
  const char *mer[MAX_EXTRA];
  size_t mlen[MAX_EXTRA];
  size_t nm;
} vocab;

static void byte_tokens(vocab *v) {
  for (int b = 0, extra = 0; b < 256; b++) {
    int keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    v->len[b] = put_utf8(v->bytes[b], keep ? (unsigned)b : (unsigned)(256 + extra++));
    v->tok[b] = v->bytes[b];
    v->type[b] = TERN_TOKEN_NORMAL;
  }
  v->n = 256;
  v->nm = 0;
}

static void add(vocab *v, const char *s, size_t l, int32_t type) {
  if (v->n >= 256 + MAX_EXTRA) return;
  v->tok[v->n] = s;
  v->len[v->n] = l;
  v->type[v->n++] = type;
}

static void round_trip(const tern_tokenizer *t, const char *text, size_t n) {
  size_t cap = n + 2, ni = 0;
  int32_t *ids = malloc(cap * sizeof *ids);
  char *back = malloc(n + 1);
  CHECK(ids && back);
  for (int special = 0; special < 2; special++) {
    tern_status st = tern_tokenize(t, text, n, special, special, ids, cap, &ni);
    CHECK(st == TERN_OK && ni <= n + 1);
    size_t first = 0;
    if (special && tern_tokenizer_bos(t) >= 0) {
      CHECK(ni >= 1 && ids[0] == tern_tokenizer_bos(t));
      first = 1;
    }
    for (size_t i = 0; i < ni; i++) {
      CHECK(ids[i] >= 0 && (size_t)ids[i] < tern_tokenizer_vocab_size(t));
      if (!special && i >= first) CHECK(tern_tokenizer_token_type(t, ids[i]) != TERN_TOKEN_CONTROL);
    }
    size_t nb = tern_detokenize(t, ids + first, ni - first, back, n + 1);
    CHECK(nb == n && memcmp(back, text, n) == 0);
    /* the count query agrees */
    size_t again = 0;
    CHECK(tern_tokenize(t, text, n, special, special, NULL, 0, &again) == (ni ? TERN_ERR_SIZE : TERN_OK));
    CHECK(again == ni);
  }
  free(ids);
  free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *text = (const char *)data + 1;
  size_t n = size - 1;
  vocab *v = malloc(sizeof *v);
  CHECK(v);
  byte_tokens(v);
  tern_tokenizer *t = NULL;
  char err[256];
  if ((data[0] & 1) == 0) {
    static const char *extra[] = {"he",
                                  "ll",
                                  "hell",
                                  "hello",
                                  "Ġw",
                                  "or",
                                  "Ġwor",
                                  "ld",
                                  "Ġworld",
                                  "aa",
                                  "<|begin_of_text|>",
                                  "<|end_of_text|>",
                                  "<|eot_id|>",
                                  "<tag>",
                                  "<|a|>",
                                  "<|a|>b"};
    static const char *merges[] = {"h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "a a"};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
      add(v, extra[i], strlen(extra[i]),
          i == 13   ? TERN_TOKEN_USER_DEFINED
          : i >= 10 ? TERN_TOKEN_CONTROL
                    : TERN_TOKEN_NORMAL);
    for (size_t i = 0; i < sizeof merges / sizeof *merges; i++) {
      v->mer[i] = merges[i];
      v->mlen[i] = strlen(merges[i]);
    }
    v->nm = sizeof merges / sizeof *merges;
    CHECK(tern_tokenizer_new(v->tok, v->len, v->n, v->type, v->mer, v->mlen, v->nm, 266, 267, 268, &t, err,
                             sizeof err) == TERN_OK);
    round_trip(t, text, n);
  } else {
    /* lines: vocabulary entries and merges; the last line is the text */
    size_t i = 0, last = 0;
    while (i < n) {
      size_t j = i;
      while (j < n && text[j] != '\n') j++;
      if (j == n) break;
      if (j > i && text[i] == '#') {
        if (v->nm < MAX_EXTRA) {
          v->mer[v->nm] = text + i + 1;
          v->mlen[v->nm++] = j - i - 1;
        }
      } else {
        add(v, text + i, j - i, (j > i && text[i] == '<') ? TERN_TOKEN_CONTROL : TERN_TOKEN_NORMAL);
      }
      i = j + 1;
      last = i;
    }
    int32_t bos = v->n > 256 ? (int32_t)(v->n - 1) : -1;
    tern_status st =
        tern_tokenizer_new(v->tok, v->len, v->n, v->type, v->mer, v->mlen, v->nm, bos, -1, -1, &t, err, sizeof err);
    CHECK(st == TERN_OK || st == TERN_ERR_CODE);
    if (st == TERN_OK) round_trip(t, text + last, n - last);
  }
  char buf[512];
  size_t len;
  tern_chat_format(t, "sys", "user", buf, sizeof buf, &len);
  tern_tokenizer_free(t);
  free(v);
  return 0;
}
