/* SPDX-License-Identifier: Apache-2.0 */
/* The LLaMA 3 byte-level BPE tokenizer (see tern_tokenizer.h for what it does).
 *
 * Layout: every token's stored text and its decoded bytes live in two arenas; one open-addressing
 * hash table maps a text to the token ids that have it (all of them, in id order, so a lookup can
 * ask for a kind); a second maps a pair of token ids (left, right) to the merge's rank and the
 * merged token id, so BPE runs on ids and never hashes strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_tokenizer.h"
#include "unicode_tables.h"
#include "errmsg.h"

/* Internal token kinds. */
enum { K_NORMAL = 0, K_BYTE, K_CONTROL, K_USER, K_UNKNOWN };
#define M_NORMAL (1u << K_NORMAL)
#define M_BYTE (1u << K_BYTE)
#define M_SPECIAL ((1u << K_CONTROL) | (1u << K_USER) | (1u << K_UNKNOWN))
#define M_ANY 0xFFu

#define N_MAPPED 324 /* the GPT-2 byte map sends bytes to code points 0..323 */
#define CP_INVALID 0xFFFFFFFFu

struct tern_tokenizer {
  size_t n;
  char *text; /* stored texts, token i at text + toff[i], toff[i+1] - toff[i] bytes */
  size_t *toff;
  char *dec; /* decoded bytes, likewise with doff */
  size_t *doff;
  int32_t *type; /* TERN_TOKEN_* */
  uint8_t *kind; /* K_* */
  /* text -> id: slots hold an id or -1, with the text's hash */
  int32_t *hid;
  uint32_t *hhash;
  size_t hmask;
  /* (left, right) -> (rank, result) */
  uint64_t *mkey;
  uint32_t *mrank;
  int32_t *mres;
  size_t mmask, n_merges;
  int32_t byte_id[256];
  uint16_t b2u[256];
  int16_t u2b[N_MAPPED];
  int32_t bos, eos, eot, eom;
  int add_bos, ignore_merges;
  /* special-token matching: distinct text lengths (descending) and possible first bytes */
  size_t *spec_len;
  size_t n_spec_len;
  uint8_t spec_first[256];
};

static uint32_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  return (uint32_t)(h ^ (h >> 32));
}

static uint64_t hash_pair(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  return k ^ (k >> 33);
}

static size_t pow2_at_least(size_t n) {
  size_t p = 16;
  while (p < n) p <<= 1;
  return p;
}

static const char *tok_text(const tern_tokenizer *t, int32_t id, size_t *len) {
  *len = t->toff[id + 1] - t->toff[id];
  return t->text + t->toff[id];
}

/* The first id (lowest) whose text is s[0..n) and whose kind is in mask, or -1. */
static int32_t lookup(const tern_tokenizer *t, const char *s, size_t n, unsigned mask) {
  uint32_t h = hash_bytes(s, n);
  for (size_t i = h & t->hmask; t->hid[i] >= 0; i = (i + 1) & t->hmask) {
    int32_t id = t->hid[i];
    size_t len;
    const char *txt = tok_text(t, id, &len);
    if (t->hhash[i] == h && len == n && (n == 0 || memcmp(txt, s, n) == 0) && (mask & (1u << t->kind[id]))) return id;
  }
  return -1;
}

static int merge_find(const tern_tokenizer *t, int32_t l, int32_t r, uint32_t *rank, int32_t *res) {
  if (!t->mkey) return 0;
  uint64_t key = ((uint64_t)(uint32_t)l << 32) | (uint32_t)r;
  for (size_t i = hash_pair(key) & t->mmask; t->mkey[i] != UINT64_MAX; i = (i + 1) & t->mmask) {
    if (t->mkey[i] == key) {
      *rank = t->mrank[i];
      *res = t->mres[i];
      return 1;
    }
  }
  return 0;
}

/* ---- UTF-8 and character classes -------------------------------------------------------- */

/* Decode the character at s[i] (i < n): its length, *cp (CP_INVALID for a byte that does not
 * start a valid sequence: that byte alone is the character). Rejects overlongs, surrogates and
 * code points above U+10FFFF. */
static size_t u8dec(const unsigned char *s, size_t n, size_t i, uint32_t *cp) {
  unsigned c = s[i];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t need;
  unsigned lo = 0x80, hi = 0xBF;
  uint32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *cp = CP_INVALID;
    return 1;
  }
  if (n - i <= need) {
    *cp = CP_INVALID;
    return 1;
  }
  for (size_t k = 1; k <= need; k++) {
    unsigned b = s[i + k];
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
      *cp = CP_INVALID;
      return 1;
    }
    v = (v << 6) | (b & 0x3F);
  }
  *cp = v;
  return need + 1;
}

static int ucls(uint32_t cp) {
  if (cp < 256) return tern_ucls_latin1[cp];
  if (cp == CP_INVALID) return TERN_UCLS_OTHER;
  size_t lo = 0, hi = TERN_UCLS_RANGES;
  while (lo < hi) { /* first range whose hi >= cp */
    size_t mid = (lo + hi) / 2;
    if (tern_ucls_hi[mid] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < TERN_UCLS_RANGES && tern_ucls_lo[lo] <= cp) return tern_ucls_cls[lo];
  return TERN_UCLS_OTHER;
}

static size_t uchar(const unsigned char *s, size_t n, size_t i, uint32_t *cp, int *cls) {
  size_t l = u8dec(s, n, i, cp);
  *cls = ucls(*cp);
  return l;
}

static size_t scan_letters(const unsigned char *s, size_t n, size_t j) {
  while (j < n) {
    uint32_t c;
    int k;
    size_t l = uchar(s, n, j, &c, &k);
    if (k != TERN_UCLS_L) break;
    j += l;
  }
  return j;
}

/* The end of the pre-token that starts at i (< n): the LLaMA 3 split regex, leftmost
 * alternative first (see tern_tokenizer.h). Always > i. */
static size_t pretok_next(const unsigned char *s, size_t n, size_t i) {
  uint32_t c0, c;
  int k0, k;
  size_t l0 = uchar(s, n, i, &c0, &k0), j, l;
  /* (?i:'s|'t|'re|'ve|'m|'ll|'d); (?i)s also matches U+017F LATIN SMALL LETTER LONG S */
  if (c0 == '\'' && i + 1 < n) {
    unsigned a = s[i + 1] | 0x20u;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (s[i + 1] == 0xC5 && i + 2 < n && s[i + 2] == 0xBF) return i + 3;
    if (i + 2 < n) {
      unsigned b = s[i + 2] | 0x20u;
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
    }
  }
  /* [^\r\n\p{L}\p{N}]?\p{L}+ */
  if (k0 == TERN_UCLS_L) return scan_letters(s, n, i + l0);
  if (c0 != '\r' && c0 != '\n' && k0 != TERN_UCLS_N && i + l0 < n) {
    uchar(s, n, i + l0, &c, &k);
    if (k == TERN_UCLS_L) return scan_letters(s, n, i + l0);
  }
  /* \p{N}{1,3} */
  if (k0 == TERN_UCLS_N) {
    j = i + l0;
    for (int cnt = 1; cnt < 3 && j < n; cnt++) {
      l = uchar(s, n, j, &c, &k);
      if (k != TERN_UCLS_N) break;
      j += l;
    }
    return j;
  }
  /* ' ?[^\s\p{L}\p{N}]+[\r\n]*' */
  j = (c0 == ' ' && i + l0 < n) ? i + l0 : i;
  l = uchar(s, n, j, &c, &k);
  if (k == TERN_UCLS_OTHER) {
    j += l;
    while (j < n) {
      l = uchar(s, n, j, &c, &k);
      if (k != TERN_UCLS_OTHER) break;
      j += l;
    }
    while (j < n && (s[j] == '\r' || s[j] == '\n')) j++;
    return j;
  }
  /* c0 is whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+ */
  size_t e = i, nl_end = 0, last = i;
  while (e < n) {
    l = uchar(s, n, e, &c, &k);
    if (k != TERN_UCLS_WS) break;
    if (c == '\r' || c == '\n') nl_end = e + l;
    last = e;
    e += l;
  }
  if (nl_end) return nl_end;
  if (e == n) return e;
  if (last > i) return last;
  return e;
}

size_t tern_pretokenize_next(const char *text, size_t len, size_t pos) {
  if (!text || pos >= len) return len;
  return pretok_next((const unsigned char *)text, len, pos);
}

/* ---- encoding ---------------------------------------------------------------------------- */

typedef struct {
  int32_t *ids;
  size_t max, n;
  /* per-word scratch, grown as needed */
  int32_t *sym;
  uint32_t *prev, *next;
  uint64_t *heap;
  char *mapped;
  size_t cap;
  int nomem;
} enc;

static void push(enc *e, int32_t id) {
  if (e->n < e->max) e->ids[e->n] = id;
  e->n++;
}

static int grow(enc *e, size_t m) {
  if (m <= e->cap) return 1;
  size_t cap = e->cap ? e->cap : 64;
  while (cap < m) cap *= 2;
  int32_t *sym = realloc(e->sym, cap * sizeof *sym);
  if (sym) e->sym = sym;
  uint32_t *prev = realloc(e->prev, cap * sizeof *prev);
  if (prev) e->prev = prev;
  uint32_t *next = realloc(e->next, cap * sizeof *next);
  if (next) e->next = next;
  uint64_t *heap = realloc(e->heap, 3 * cap * sizeof *heap);
  if (heap) e->heap = heap;
  char *mapped = realloc(e->mapped, 2 * cap);
  if (mapped) e->mapped = mapped;
  if (!sym || !prev || !next || !heap || !mapped) {
    e->nomem = 1;
    return 0;
  }
  e->cap = cap;
  return 1;
}

static void heap_push(uint64_t *h, size_t *hn, uint64_t v) {
  size_t i = (*hn)++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (h[p] <= v) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = v;
}

static uint64_t heap_pop(uint64_t *h, size_t *hn) {
  uint64_t top = h[0], v = h[--(*hn)];
  size_t i = 0, n = *hn;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1] < h[c]) c++;
    if (v <= h[c]) break;
    h[i] = h[c];
    i = c;
  }
  if (n) h[i] = v;
  return top;
}

#define WORD_MAX ((size_t)1 << 30) /* longer words are encoded in pieces of this size */

/* BPE on one word of m bytes (1 <= m <= WORD_MAX). */
static void encode_word(const tern_tokenizer *t, enc *e, const unsigned char *w, size_t m) {
  if (m == 1) {
    push(e, t->byte_id[w[0]]);
    return;
  }
  if (!grow(e, m)) return;
  if (t->ignore_merges) { /* the whole word, if it is a token */
    size_t ml = 0;
    for (size_t k = 0; k < m; k++) {
      unsigned u = t->b2u[w[k]];
      if (u < 0x80) {
        e->mapped[ml++] = (char)u;
      } else {
        e->mapped[ml++] = (char)(0xC0 | (u >> 6));
        e->mapped[ml++] = (char)(0x80 | (u & 0x3F));
      }
    }
    int32_t id = lookup(t, e->mapped, ml, M_NORMAL);
    if (id >= 0) {
      push(e, id);
      return;
    }
  }
  int32_t *sym = e->sym;
  uint32_t *prev = e->prev, *next = e->next;
  uint64_t *heap = e->heap;
  size_t hn = 0;
  uint32_t rank;
  int32_t res;
  for (size_t k = 0; k < m; k++) {
    sym[k] = t->byte_id[w[k]];
    prev[k] = (uint32_t)k - 1u; /* UINT32_MAX for k = 0 */
    next[k] = (uint32_t)(k + 1);
  }
  for (size_t k = 0; k + 1 < m; k++)
    if (merge_find(t, sym[k], sym[k + 1], &rank, &res)) heap_push(heap, &hn, ((uint64_t)rank << 32) | k);
  while (hn) {
    uint64_t top = heap_pop(heap, &hn);
    uint32_t l = (uint32_t)top, r;
    if (sym[l] < 0 || (r = next[l]) >= m) continue;
    if (!merge_find(t, sym[l], sym[r], &rank, &res) || rank != (uint32_t)(top >> 32)) continue; /* stale */
    sym[l] = res;
    sym[r] = -1;
    next[l] = next[r];
    if (next[r] < m) prev[next[r]] = l;
    if (prev[l] != UINT32_MAX && merge_find(t, sym[prev[l]], sym[l], &rank, &res))
      heap_push(heap, &hn, ((uint64_t)rank << 32) | prev[l]);
    if (next[l] < m && merge_find(t, sym[l], sym[next[l]], &rank, &res))
      heap_push(heap, &hn, ((uint64_t)rank << 32) | l);
  }
  for (size_t k = 0; k < m; k = next[k]) push(e, sym[k]);
}

/* Encode text with no special tokens in it. */
static void encode_plain(const tern_tokenizer *t, enc *e, const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n && !e->nomem) {
    size_t j = pretok_next(s, n, i);
    while (j - i > WORD_MAX) {
      encode_word(t, e, s + i, WORD_MAX);
      i += WORD_MAX;
    }
    encode_word(t, e, s + i, j - i);
    i = j;
  }
}

/* Encode text: special tokens (user-defined always, the others if parse_special) first. */
static void encode_text(const tern_tokenizer *t, enc *e, const char *text, size_t n, int parse_special) {
  const unsigned char *s = (const unsigned char *)text;
  size_t start = 0, i = 0;
  unsigned mask = parse_special ? M_SPECIAL : (1u << K_USER);
  if (t->n_spec_len) {
    while (i < n && !e->nomem) {
      int32_t id = -1;
      size_t len = 0;
      if (t->spec_first[s[i]]) {
        for (size_t k = 0; k < t->n_spec_len && id < 0; k++) {
          len = t->spec_len[k];
          if (len <= n - i) id = lookup(t, text + i, len, mask);
        }
      }
      if (id < 0) {
        i++;
        continue;
      }
      encode_plain(t, e, s + start, i - start);
      push(e, id);
      i += len;
      start = i;
    }
  }
  if (!e->nomem) encode_plain(t, e, s + start, n - start);
}

static void enc_free(enc *e) {
  free(e->sym);
  free(e->prev);
  free(e->next);
  free(e->heap);
  free(e->mapped);
}

static tern_status enc_finish(enc *e, size_t *n_ids) {
  enc_free(e);
  *n_ids = e->n;
  if (e->nomem) return TERN_ERR_NOMEM;
  return e->n > e->max ? TERN_ERR_SIZE : TERN_OK;
}

tern_status tern_tokenize(const tern_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special,
                          int32_t *ids, size_t max_ids, size_t *n_ids) {
  if (!n_ids) return TERN_ERR_ARG;
  *n_ids = 0;
  if (!t || (!text && len) || (!ids && max_ids)) return TERN_ERR_ARG;
  enc e = {ids, max_ids, 0, NULL, NULL, NULL, NULL, NULL, 0, 0};
  if (add_bos && t->bos >= 0) push(&e, t->bos);
  if (len) encode_text(t, &e, text, len, parse_special);
  return enc_finish(&e, n_ids);
}

/* ---- decoding and accessors -------------------------------------------------------------- */

const char *tern_token_bytes(const tern_tokenizer *t, int32_t id, size_t *len) {
  if (!t || id < 0 || (size_t)id >= t->n) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = t->doff[id + 1] - t->doff[id];
  return t->dec + t->doff[id];
}

size_t tern_token_to_bytes(const tern_tokenizer *t, int32_t id, char *buf, size_t buf_size) {
  size_t len;
  const char *p = tern_token_bytes(t, id, &len);
  if (!p) return 0;
  if (buf && buf_size) memcpy(buf, p, len < buf_size ? len : buf_size);
  return len;
}

size_t tern_detokenize(const tern_tokenizer *t, const int32_t *ids, size_t n, char *buf, size_t buf_size) {
  size_t total = 0;
  if (!ids) return 0;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *p = tern_token_bytes(t, ids[i], &len);
    if (!p) continue;
    if (buf && total < buf_size) memcpy(buf + total, p, len < buf_size - total ? len : buf_size - total);
    total += len;
  }
  return total;
}

size_t tern_tokenizer_vocab_size(const tern_tokenizer *t) { return t ? t->n : 0; }
int32_t tern_tokenizer_bos(const tern_tokenizer *t) { return t ? t->bos : -1; }
int32_t tern_tokenizer_eos(const tern_tokenizer *t) { return t ? t->eos : -1; }
int32_t tern_tokenizer_eot(const tern_tokenizer *t) { return t ? t->eot : -1; }
int tern_tokenizer_add_bos(const tern_tokenizer *t) { return t ? t->add_bos : 0; }
size_t tern_tokenizer_merge_count(const tern_tokenizer *t) { return t ? t->n_merges : 0; }

int32_t tern_tokenizer_token_type(const tern_tokenizer *t, int32_t id) {
  return (t && id >= 0 && (size_t)id < t->n) ? t->type[id] : 0;
}

int tern_tokenizer_is_special(const tern_tokenizer *t, int32_t id) {
  return t && id >= 0 && (size_t)id < t->n && ((1u << t->kind[id]) & M_SPECIAL) != 0;
}

int tern_tokenizer_is_eog(const tern_tokenizer *t, int32_t id) {
  return t && id >= 0 && (id == t->eos || id == t->eot || id == t->eom);
}

int32_t tern_tokenizer_token_id(const tern_tokenizer *t, const char *text, size_t len) {
  if (!t || (!text && len)) return -1;
  return lookup(t, text ? text : "", len, M_ANY);
}

const char *tern_tokenizer_token_text(const tern_tokenizer *t, int32_t id, size_t *len) {
  if (!t || id < 0 || (size_t)id >= t->n) {
    if (len) *len = 0;
    return NULL;
  }
  size_t l;
  const char *p = tok_text(t, id, &l);
  if (len) *len = l;
  return p;
}

/* ---- construction ------------------------------------------------------------------------ */

void tern_tokenizer_free(tern_tokenizer *t) {
  if (!t) return;
  free(t->text);
  free(t->toff);
  free(t->dec);
  free(t->doff);
  free(t->type);
  free(t->kind);
  free(t->hid);
  free(t->hhash);
  free(t->mkey);
  free(t->mrank);
  free(t->mres);
  free(t->spec_len);
  free(t);
}

static int is_angle_bar(const char *s, size_t n) { /* "<|...|>" */
  return n >= 4 && s[0] == '<' && s[1] == '|' && s[n - 2] == '|' && s[n - 1] == '>';
}

static int byte_token_value(const char *s, size_t n) { /* "<0xXX>" -> XX, else -1 */
  if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; i++) {
    char c = s[i];
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                     : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static int cmp_size_desc(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

#define NOMEM_RETURN()                                                           \
  do {                                                                           \
    tern_tokenizer_free(t);                                                      \
    return tern_errf(err, err_size, TERN_ERR_NOMEM, "tokenizer: out of memory"); \
  } while (0)

/* The common constructor. named: when an id is -1, look its usual LLaMA 3 text up. */
static tern_status build(const char *const *tokens, const size_t *lens, size_t n, const int32_t *types,
                         const char *const *merges, const size_t *merge_lens, size_t n_merges, int32_t bos, int32_t eos,
                         int32_t eot, int add_bos, int named, tern_tokenizer **out, char *err, size_t err_size) {
  if (n == 0 || n >= (size_t)INT32_MAX) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: vocabulary size %zu (must be 1 .. %d)", n,
                     INT32_MAX - 1);
  }
  if (n_merges > UINT32_MAX - 1) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: %zu merges (at most %u)", n_merges, UINT32_MAX - 1);
  }
  tern_tokenizer *t = calloc(1, sizeof *t);
  if (!t) NOMEM_RETURN();
  t->n = n;
  t->ignore_merges = 1;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!tokens[i] && lens[i]) {
      tern_tokenizer_free(t);
      return tern_errf(err, err_size, TERN_ERR_ARG, "tokenizer: token %zu is NULL", i);
    }
    if (lens[i] > SIZE_MAX / 2 - total) {
      tern_tokenizer_free(t);
      return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: token texts too long");
    }
    total += lens[i];
  }
  t->text = malloc(total + 1);
  t->dec = malloc(total + 1);
  t->toff = malloc((n + 1) * sizeof *t->toff);
  t->doff = malloc((n + 1) * sizeof *t->doff);
  t->type = malloc(n * sizeof *t->type);
  t->kind = malloc(n);
  size_t hcap = pow2_at_least(2 * n);
  t->hid = malloc(hcap * sizeof *t->hid);
  t->hhash = malloc(hcap * sizeof *t->hhash);
  if (!t->text || !t->dec || !t->toff || !t->doff || !t->type || !t->kind || !t->hid || !t->hhash) NOMEM_RETURN();
  t->hmask = hcap - 1;
  memset(t->hid, 0xFF, hcap * sizeof *t->hid);
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    t->toff[i] = off;
    if (lens[i]) memcpy(t->text + off, tokens[i], lens[i]);
    off += lens[i];
    const char *s = t->text + t->toff[i];
    int32_t ty = types ? types[i] : (is_angle_bar(s, lens[i]) ? TERN_TOKEN_CONTROL : TERN_TOKEN_NORMAL);
    t->type[i] = ty;
    t->kind[i] = ty == TERN_TOKEN_CONTROL                                       ? K_CONTROL
                 : ty == TERN_TOKEN_USER_DEFINED                                ? K_USER
                 : ty == TERN_TOKEN_UNKNOWN                                     ? K_UNKNOWN
                 : (ty == TERN_TOKEN_BYTE && byte_token_value(s, lens[i]) >= 0) ? K_BYTE
                                                                                : K_NORMAL;
    uint32_t h = hash_bytes(s, lens[i]);
    size_t k = h & t->hmask;
    while (t->hid[k] >= 0) k = (k + 1) & t->hmask;
    t->hid[k] = (int32_t)i;
    t->hhash[k] = h;
  }
  t->toff[n] = off;

  /* BOS / EOS / EOT: given, or (named) found by their LLaMA 3 texts; always special */
  int32_t *ids[3] = {&t->bos, &t->eos, &t->eot};
  const int32_t given[3] = {bos, eos, eot};
  const char *names[3] = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"};
  const char *what[3] = {"BOS", "EOS", "EOT"};
  for (int k = 0; k < 3; k++) {
    int32_t id = given[k];
    if (id < -1 || (id >= 0 && (size_t)id >= n)) {
      tern_tokenizer_free(t);
      return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: %s token id %d out of range (vocabulary of %zu)",
                       what[k], (int)id, n);
    }
    if (id < 0 && named) id = lookup(t, names[k], strlen(names[k]), M_ANY);
    *ids[k] = id;
    if (id >= 0 && t->kind[id] != K_CONTROL && t->kind[id] != K_USER && t->kind[id] != K_UNKNOWN)
      t->kind[id] = K_CONTROL;
  }
  t->eom = lookup(t, "<|eom_id|>", 10, M_SPECIAL);
  t->add_bos = add_bos && t->bos >= 0;

  /* the GPT-2 byte map and each byte's token */
  for (int u = 0; u < N_MAPPED; u++) t->u2b[u] = -1;
  for (int b = 0, extra = 0; b < 256; b++) {
    int keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    t->b2u[b] = (uint16_t)(keep ? b : 256 + extra++);
    t->u2b[t->b2u[b]] = (int16_t)b;
  }
  int32_t unk = -1;
  for (size_t i = 0; i < n && unk < 0; i++)
    if (t->kind[i] == K_UNKNOWN) unk = (int32_t)i;
  for (int b = 0; b < 256; b++) {
    char s[8];
    unsigned u = t->b2u[b];
    size_t sl;
    if (u < 0x80) {
      s[0] = (char)u;
      sl = 1;
    } else {
      s[0] = (char)(0xC0 | (u >> 6));
      s[1] = (char)(0x80 | (u & 0x3F));
      sl = 2;
    }
    int32_t id = lookup(t, s, sl, M_NORMAL);
    if (id < 0) {
      snprintf(s, sizeof s, "<0x%02X>", b);
      id = lookup(t, s, 6, M_BYTE);
    }
    if (id < 0) id = unk;
    if (id < 0) {
      tern_tokenizer_free(t);
      return tern_errf(
          err, err_size, TERN_ERR_CODE,
          "tokenizer: no token for byte 0x%02X (neither its byte-level form U+%04X nor <0x%02X>, and no unknown token)",
          b, u, b);
    }
    t->byte_id[b] = id;
  }

  /* merges: (left id, right id) -> rank, result; a rule naming a missing token is ignored */
  if (n_merges) {
    size_t mcap = pow2_at_least(2 * n_merges);
    t->mkey = malloc(mcap * sizeof *t->mkey);
    t->mrank = malloc(mcap * sizeof *t->mrank);
    t->mres = malloc(mcap * sizeof *t->mres);
    if (!t->mkey || !t->mrank || !t->mres) NOMEM_RETURN();
    memset(t->mkey, 0xFF, mcap * sizeof *t->mkey);
    t->mmask = mcap - 1;
    size_t bufcap = 0;
    char *buf = NULL;
    for (size_t i = 0; i < n_merges; i++) {
      const char *m = merges[i];
      size_t ml = merge_lens[i], sp = 1;
      if (!m) continue;
      while (sp < ml && m[sp] != ' ') sp++;
      if (sp + 1 >= ml) continue; /* no separator, or an empty right side */
      int32_t l = lookup(t, m, sp, M_NORMAL), r = lookup(t, m + sp + 1, ml - sp - 1, M_NORMAL);
      if (l < 0 || r < 0) continue;
      if (ml > bufcap) {
        char *nb = realloc(buf, ml);
        if (!nb) {
          free(buf);
          NOMEM_RETURN();
        }
        buf = nb;
        bufcap = ml;
      }
      memcpy(buf, m, sp);
      memcpy(buf + sp, m + sp + 1, ml - sp - 1);
      int32_t res = lookup(t, buf, ml - 1, M_NORMAL);
      if (res < 0) continue;
      uint64_t key = ((uint64_t)(uint32_t)l << 32) | (uint32_t)r;
      size_t k = hash_pair(key) & t->mmask;
      while (t->mkey[k] != UINT64_MAX && t->mkey[k] != key) k = (k + 1) & t->mmask;
      if (t->mkey[k] == key) continue; /* a repeated rule keeps its first rank */
      t->mkey[k] = key;
      t->mrank[k] = (uint32_t)i;
      t->mres[k] = res;
      t->n_merges++;
    }
    free(buf);
  }

  /* decoded bytes */
  off = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *s = tok_text(t, (int32_t)i, &len);
    t->doff[i] = off;
    if (t->kind[i] == K_BYTE) {
      t->dec[off++] = (char)byte_token_value(s, len);
    } else if (t->kind[i] != K_NORMAL) {
      memcpy(t->dec + off, s, len);
      off += len;
    } else {
      const unsigned char *us = (const unsigned char *)s;
      for (size_t j = 0; j < len;) {
        uint32_t cp;
        size_t l = u8dec(us, len, j, &cp);
        if (cp < N_MAPPED && t->u2b[cp] >= 0)
          t->dec[off++] = (char)t->u2b[cp];
        else {
          memcpy(t->dec + off, s + j, l);
          off += l;
        }
        j += l;
      }
    }
  }
  t->doff[n] = off;

  /* special-token matching: distinct lengths of the texts of special tokens */
  size_t ns = 0;
  for (size_t i = 0; i < n; i++)
    if (((1u << t->kind[i]) & M_SPECIAL) && t->toff[i + 1] > t->toff[i]) ns++;
  if (ns) {
    t->spec_len = malloc(ns * sizeof *t->spec_len);
    if (!t->spec_len) NOMEM_RETURN();
    ns = 0;
    for (size_t i = 0; i < n; i++) {
      size_t len = t->toff[i + 1] - t->toff[i];
      if (((1u << t->kind[i]) & M_SPECIAL) && len) {
        t->spec_len[ns++] = len;
        t->spec_first[(unsigned char)t->text[t->toff[i]]] = 1;
      }
    }
    qsort(t->spec_len, ns, sizeof *t->spec_len, cmp_size_desc);
    size_t d = 0;
    for (size_t i = 0; i < ns; i++)
      if (d == 0 || t->spec_len[d - 1] != t->spec_len[i]) t->spec_len[d++] = t->spec_len[i];
    t->n_spec_len = d;
  }
  *out = t;
  return TERN_OK;
}

tern_status tern_tokenizer_new(const char *const *tokens, const size_t *lens, size_t n_tokens, const int32_t *types,
                               const char *const *merges, const size_t *merge_lens, size_t n_merges, int32_t bos,
                               int32_t eos, int32_t eot, tern_tokenizer **out, char *err, size_t err_size) {
  if (err && err_size) err[0] = 0;
  if (!out || !tokens || !lens || (n_merges && (!merges || !merge_lens))) {
    return tern_errf(err, err_size, TERN_ERR_ARG, "tern_tokenizer_new: NULL argument");
  }
  *out = NULL;
  return build(tokens, lens, n_tokens, types, merges, merge_lens, n_merges, bos, eos, eot, 1, 0, out, err, err_size);
}

/* A token id key: absent -> -1; present -> must be a non-negative integer. */
static tern_status gguf_id(const tern_gguf *g, const char *key, int32_t *id, char *err, size_t err_size) {
  int64_t v;
  *id = -1;
  if (tern_gguf_find_kv(g, key) < 0) return TERN_OK;
  if (tern_gguf_get_i64(g, key, &v) != TERN_OK || v < 0 || v >= INT32_MAX) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: GGUF key %s is not a token id", key);
  }
  *id = (int32_t)v;
  return TERN_OK;
}

tern_status tern_tokenizer_from_gguf(const tern_gguf *g, tern_tokenizer **out, char *err, size_t err_size) {
  if (err && err_size) err[0] = 0;
  if (!g || !out) {
    return tern_errf(err, err_size, TERN_ERR_ARG, "tern_tokenizer_from_gguf: NULL argument");
  }
  *out = NULL;
  const char *s;
  size_t sl;
  if (tern_gguf_get_str(g, "tokenizer.ggml.model", &s, &sl) != TERN_OK) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: GGUF key tokenizer.ggml.model missing or not a string");
  }
  char esc[128]; /* bytes from the file, escaped for the terminal */
  if (sl != 4 || memcmp(s, "gpt2", 4) != 0) {
    tern_gguf_escape(s, sl, esc, sizeof esc);
    return tern_errf(err, err_size, TERN_ERR_CODE,
                     "tokenizer: tokenizer.ggml.model '%s' not supported (only 'gpt2', byte-level BPE)", esc);
  }
  if (tern_gguf_find_kv(g, "tokenizer.ggml.pre") >= 0) {
    if (tern_gguf_get_str(g, "tokenizer.ggml.pre", &s, &sl) != TERN_OK) {
      return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: GGUF key tokenizer.ggml.pre is not a string");
    }
    if (!((sl == 9 && memcmp(s, "llama-bpe", 9) == 0) || (sl == 6 && memcmp(s, "llama3", 6) == 0))) {
      tern_gguf_escape(s, sl, esc, sizeof esc);
      return tern_errf(err, err_size, TERN_ERR_CODE,
                       "tokenizer: tokenizer.ggml.pre '%s' not supported (only 'llama-bpe'/'llama3': its split regex)",
                       esc);
    }
  }
  tern_gguf_type elem;
  size_t n = 0, n_types = 0, n_merges = 0;
  if (tern_gguf_get_arr(g, "tokenizer.ggml.tokens", &elem, &n) != TERN_OK || elem != TERN_GGUF_STRING) {
    return tern_errf(err, err_size, TERN_ERR_CODE,
                     "tokenizer: GGUF key tokenizer.ggml.tokens missing or not a string array");
  }
  if (n == 0 || n >= (size_t)INT32_MAX) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: tokenizer.ggml.tokens has %zu entries", n);
  }
  const void *type_data = NULL;
  if (tern_gguf_find_kv(g, "tokenizer.ggml.token_type") >= 0) {
    if (tern_gguf_get_arr(g, "tokenizer.ggml.token_type", &elem, &n_types) != TERN_OK ||
        (elem != TERN_GGUF_INT32 && elem != TERN_GGUF_UINT32) || n_types != n ||
        tern_gguf_arr_data(g, "tokenizer.ggml.token_type", &type_data) != TERN_OK) {
      return tern_errf(err, err_size, TERN_ERR_CODE,
                       "tokenizer: tokenizer.ggml.token_type must be an int32 array of %zu entries", n);
    }
  }
  if (tern_gguf_find_kv(g, "tokenizer.ggml.merges") >= 0 &&
      (tern_gguf_get_arr(g, "tokenizer.ggml.merges", &elem, &n_merges) != TERN_OK || elem != TERN_GGUF_STRING)) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: tokenizer.ggml.merges is not a string array");
  }
  int32_t bos, eos, eot;
  tern_status st;
  if ((st = gguf_id(g, "tokenizer.ggml.bos_token_id", &bos, err, err_size)) != TERN_OK ||
      (st = gguf_id(g, "tokenizer.ggml.eos_token_id", &eos, err, err_size)) != TERN_OK ||
      (st = gguf_id(g, "tokenizer.ggml.eot_token_id", &eot, err, err_size)) != TERN_OK)
    return st;
  int add_bos = 1;
  if (tern_gguf_find_kv(g, "tokenizer.ggml.add_bos_token") >= 0 &&
      tern_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &add_bos) != TERN_OK) {
    return tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: tokenizer.ggml.add_bos_token is not a bool");
  }
  const char **tok = malloc(n * sizeof *tok);
  size_t *lens = malloc(n * sizeof *lens);
  int32_t *types = type_data ? malloc(n * sizeof *types) : NULL;
  const char **mer = n_merges ? malloc(n_merges * sizeof *mer) : NULL;
  size_t *mlens = n_merges ? malloc(n_merges * sizeof *mlens) : NULL;
  st = TERN_OK;
  if (!tok || !lens || (type_data && !types) || (n_merges && (!mer || !mlens))) {
    st = tern_errf(err, err_size, TERN_ERR_NOMEM, "tokenizer: out of memory");
  }
  for (size_t i = 0; st == TERN_OK && i < n; i++) {
    if (tern_gguf_arr_str(g, "tokenizer.ggml.tokens", i, &tok[i], &lens[i]) != TERN_OK) {
      st = tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: tokenizer.ggml.tokens[%zu] unreadable", i);
    }
    if (types) {
      const unsigned char *p = (const unsigned char *)type_data + 4 * i;
      types[i] = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    }
  }
  for (size_t i = 0; st == TERN_OK && i < n_merges; i++) {
    if (tern_gguf_arr_str(g, "tokenizer.ggml.merges", i, &mer[i], &mlens[i]) != TERN_OK) {
      st = tern_errf(err, err_size, TERN_ERR_CODE, "tokenizer: tokenizer.ggml.merges[%zu] unreadable", i);
    }
  }
  if (st == TERN_OK)
    st = build(tok, lens, n, types, mer, mlens, n_merges, bos, eos, eot, add_bos, 1, out, err, err_size);
  free(tok);
  free(lens);
  free(types);
  free(mer);
  free(mlens);
  return st;
}

/* ---- chat format ------------------------------------------------------------------------- */

typedef struct {
  char *out;
  size_t size, len;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  if (b->len < b->size) {
    size_t room = b->size - b->len;
    memcpy(b->out + b->len, s, n < room ? n : room);
  }
  b->len += n;
}

/* content without leading and trailing White_Space characters */
static const char *trim(const char *s, size_t *len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s), i = 0, start = n, end = 0;
  while (i < n) {
    uint32_t cp;
    int k;
    size_t l = uchar(u, n, i, &cp, &k);
    if (k != TERN_UCLS_WS) {
      if (start == n) start = i;
      end = i + l;
    }
    i += l;
  }
  if (start == n) {
    *len = 0;
    return s;
  }
  *len = end - start;
  return s + start;
}

/* "Role: " (jinja capitalize: first character upper case, the rest lower case, ASCII) */
static void put_role(sbuf *b, const char *role) {
  for (size_t i = 0; role[i]; i++) {
    char c = role[i];
    if (i == 0 && c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (i > 0 && c >= 'A' && c <= 'Z') c = (char)(c + 32);
    put(b, &c, 1);
  }
  put(b, ": ", 2);
}

static tern_status chat_texts(const tern_tokenizer *t, const char **bos, size_t *bos_len, const char **eot,
                              size_t *eot_len) {
  if (!t) {
    *bos = "<|begin_of_text|>";
    *bos_len = strlen(*bos);
    *eot = "<|eot_id|>";
    *eot_len = strlen(*eot);
    return TERN_OK;
  }
  if (t->eot < 0) return TERN_ERR_ARG;
  *eot = tok_text(t, t->eot, eot_len);
  if (t->bos >= 0) {
    *bos = tok_text(t, t->bos, bos_len);
  } else {
    *bos = "";
    *bos_len = 0;
  }
  return TERN_OK;
}

tern_status tern_chat_format_messages(const tern_tokenizer *t, const tern_chat_msg *msgs, size_t n, int add_bos,
                                      int add_assistant, char *out, size_t out_size, size_t *len) {
  const char *bos, *eot;
  size_t bl, el;
  if (len) *len = 0;
  if ((n && !msgs) || (!out && out_size)) return TERN_ERR_ARG;
  for (size_t i = 0; i < n; i++)
    if (!msgs[i].role || !msgs[i].content) return TERN_ERR_ARG;
  if (chat_texts(t, &bos, &bl, &eot, &el) != TERN_OK) return TERN_ERR_ARG;
  sbuf b = {out, out_size, 0};
  if (add_bos) put(&b, bos, bl);
  for (size_t i = 0; i < n; i++) {
    size_t cl;
    const char *c = trim(msgs[i].content, &cl);
    put_role(&b, msgs[i].role);
    put(&b, c, cl);
    put(&b, eot, el);
  }
  if (add_assistant) put(&b, "Assistant: ", 11);
  if (len) *len = b.len;
  if (b.len < out_size) {
    out[b.len] = 0;
    return TERN_OK;
  }
  if (out_size) out[out_size - 1] = 0;
  return TERN_ERR_SIZE;
}

tern_status tern_chat_format(const tern_tokenizer *t, const char *system, const char *user, char *out, size_t out_size,
                             size_t *len) {
  tern_chat_msg m[2];
  size_t n = 0;
  if (!user) return TERN_ERR_ARG;
  if (system) m[n++] = (tern_chat_msg){"system", system};
  m[n++] = (tern_chat_msg){"user", user};
  return tern_chat_format_messages(t, m, n, 1, 1, out, out_size, len);
}

tern_status tern_chat_tokenize(const tern_tokenizer *t, const tern_chat_msg *msgs, size_t n, int add_bos,
                               int add_assistant, int32_t *ids, size_t max_ids, size_t *n_ids) {
  if (!n_ids) return TERN_ERR_ARG;
  *n_ids = 0;
  if (!t || (n && !msgs) || (!ids && max_ids)) return TERN_ERR_ARG;
  for (size_t i = 0; i < n; i++)
    if (!msgs[i].role || !msgs[i].content) return TERN_ERR_ARG;
  if (t->eot < 0) return TERN_ERR_ARG;
  enc e = {ids, max_ids, 0, NULL, NULL, NULL, NULL, NULL, 0, 0};
  if (add_bos && t->bos >= 0) push(&e, t->bos);
  for (size_t i = 0; i < n && !e.nomem; i++) {
    sbuf b = {NULL, 0, 0};
    size_t cl;
    const char *c = trim(msgs[i].content, &cl);
    put_role(&b, msgs[i].role);
    size_t rl = b.len;
    char *text = malloc(rl + cl + 1);
    if (!text) {
      e.nomem = 1;
      break;
    }
    b = (sbuf){text, rl + cl + 1, 0};
    put_role(&b, msgs[i].role);
    put(&b, c, cl);
    encode_text(t, &e, text, b.len, 0);
    free(text);
    push(&e, t->eot);
  }
  if (add_assistant && !e.nomem) encode_text(t, &e, "Assistant: ", 11, 0);
  return enc_finish(&e, n_ids);
}
