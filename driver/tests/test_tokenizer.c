/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the byte-level BPE tokenizer (tern_tokenizer.h): the LLaMA 3 pre-tokenizer split on
 * tricky strings, BPE on a small vocabulary built here with hand-worked encodings, special-token
 * parsing, decode(encode(x)) == x for random byte strings, the 2B4T chat format, construction
 * errors, and loading from a GGUF file written in memory.
 *
 *   test_tokenizer [--seed S]     (random cases print their seed) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_gguf.h"
#include "tern_gguf_write.h"
#include "tern_test.h"
#include "tern_tokenizer.h"

/* ---- a small vocabulary ------------------------------------------------------------------
 * ids 0..255: the byte tokens (byte b has id b, text = GPT-2 byte-map character of b), then
 * merged tokens, then specials. */
enum {
  ID_HE = 256,
  ID_LL,
  ID_HELL,
  ID_HELLO,
  ID_GW,
  ID_OR,
  ID_GWOR,
  ID_LD,
  ID_GWORLD,
  ID_AA,
  ID_XYZ,
  ID_BOS,
  ID_EOS,
  ID_EOT,
  ID_EOM,
  ID_TAG,
  ID_RES,
  N_VOCAB
};

typedef struct {
  char text[N_VOCAB][32];
  const char *tok[N_VOCAB];
  size_t len[N_VOCAB];
  int32_t type[N_VOCAB];
} vocab;

static const char *kMerges[] = {"h e",
                                "l l",
                                "he ll",
                                "hell o",
                                "Ġ w",
                                "o r",
                                "Ġw or",
                                "l d",
                                "Ġwor ld",
                                "a a",
                                "x y" /* result "xy" is not a token: ignored */,
                                "zz q" /* left missing */};
#define N_MERGES (sizeof kMerges / sizeof kMerges[0])

static size_t put_utf8(char *s, unsigned u) {
  if (u < 0x80) {
    s[0] = (char)u;
    return 1;
  }
  s[0] = (char)(0xC0 | (u >> 6));
  s[1] = (char)(0x80 | (u & 0x3F));
  return 2;
}

static unsigned byte_to_unicode(int b) {
  int extra = 0;
  for (int c = 0; c < 256; c++) {
    int keep = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255);
    unsigned u = keep ? (unsigned)c : (unsigned)(256 + extra++);
    if (c == b) return u;
  }
  return 0;
}

static void make_vocab(vocab *v) {
  for (int b = 0; b < 256; b++) {
    size_t l = put_utf8(v->text[b], byte_to_unicode(b));
    v->text[b][l] = 0;
    v->type[b] = TERN_TOKEN_NORMAL;
  }
  const char *rest[] = {"he",
                        "ll",
                        "hell",
                        "hello",
                        "Ġw",
                        "or",
                        "Ġwor",
                        "ld",
                        "Ġworld",
                        "aa",
                        "xyz",
                        "<|begin_of_text|>",
                        "<|end_of_text|>",
                        "<|eot_id|>",
                        "<|eom_id|>",
                        "<tag>",
                        "<|reserved_special_token_0|>"};
  for (int i = 256; i < N_VOCAB; i++) {
    snprintf(v->text[i], sizeof v->text[i], "%s", rest[i - 256]);
    v->type[i] = i >= ID_BOS ? TERN_TOKEN_CONTROL : TERN_TOKEN_NORMAL;
  }
  v->type[ID_TAG] = TERN_TOKEN_USER_DEFINED;
  for (int i = 0; i < N_VOCAB; i++) {
    v->tok[i] = v->text[i];
    v->len[i] = strlen(v->text[i]);
  }
}

static tern_tokenizer *build(const vocab *v, int with_types, char *err, size_t es) {
  size_t mlen[N_MERGES];
  for (size_t i = 0; i < N_MERGES; i++) mlen[i] = strlen(kMerges[i]);
  tern_tokenizer *t = NULL;
  if (tern_tokenizer_new(v->tok, v->len, N_VOCAB, with_types ? v->type : NULL, kMerges, mlen, N_MERGES, ID_BOS, ID_EOS,
                         -1, &t, err, es) != TERN_OK)
    return NULL;
  return t;
}

/* encode s and compare with the expected ids (terminated by -2) */
static void expect_ids(tern_test_ctx *tc, const tern_tokenizer *t, const char *s, size_t n, int bos, int special,
                       const int32_t *want) {
  int32_t ids[256];
  size_t got = 0, nw = 0;
  while (want[nw] != -2) nw++;
  tern_status st = tern_tokenize(t, s, n, bos, special, ids, 256, &got);
  if (st != TERN_OK) {
    tern_test_fail(tc, "'%.*s': status %d", (int)n, s, (int)st);
    return;
  }
  if (got != nw || memcmp(ids, want, nw * sizeof *ids) != 0) {
    char buf[400];
    size_t o = 0;
    for (size_t i = 0; i < got && o < sizeof buf - 16; i++)
      o += (size_t)snprintf(buf + o, sizeof buf - o, "%d ", (int)ids[i]);
    buf[o] = 0;
    tern_test_fail(tc, "'%.*s': got [%s] (%zu ids, want %zu)", (int)n, s, buf, got, nw);
  }
}
#define EXPECT(tc, t, s, bos, sp, ...)                      \
  do {                                                      \
    const int32_t w_[] = {__VA_ARGS__, -2};                 \
    expect_ids((tc), (t), (s), strlen(s), (bos), (sp), w_); \
  } while (0)

/* ---- pre-tokenizer ---------------------------------------------------------------------- */

/* split s and compare with the expected pieces, given as "piece|piece|..." ('|' separates;
 * the test strings contain no '|') */
static void expect_split(tern_test_ctx *tc, const char *s, size_t n, const char *want) {
  char got[512];
  size_t o = 0, i = 0;
  while (i < n) {
    size_t j = tern_pretokenize_next(s, n, i);
    if (j <= i || j > n) {
      tern_test_fail(tc, "split of '%s' stalls at %zu", s, i);
      return;
    }
    if (o + (j - i) + 2 >= sizeof got) break;
    if (i) got[o++] = '|';
    memcpy(got + o, s + i, j - i);
    o += j - i;
    i = j;
  }
  got[o] = 0;
  if (strcmp(got, want) != 0) tern_test_fail(tc, "split of '%s': got '%s', want '%s'", s, got, want);
}
#define SPLIT(tc, s, want) expect_split((tc), (s), strlen(s), (want))

static void test_split(tern_test_ctx *tc) {
  tern_test_begin(tc, "tokenizer/split_contractions");
  SPLIT(tc, "I'm can't we're they've I'll he'd it's", "I|'m| can|'t| we|'re| they|'ve| I|'ll| he|'d| it|'s");
  SPLIT(tc, "WE'RE YOU'LL IT'S I'D O'M", "WE|'RE| YOU|'LL| IT|'S| I|'D| O|'M");
  SPLIT(tc, "'sup 'x 're'", "'s|up| '|x| '|re|'");
  SPLIT(tc, "a'\xC5\xBFx", "a|'\xC5\xBF|x"); /* (?i)'s also matches 'ſ (U+017F) */
  SPLIT(tc, "rock'n'roll", "rock|'n|'roll");
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/split_numbers");
  SPLIT(tc, "1 12 123 1234 12345 123456 1234567", "1| |12| |123| |123|4| |123|45| |123|456| |123|456|7");
  SPLIT(tc, "x2024y", "x|202|4|y");
  SPLIT(tc, "3.14159", "3|.|141|59");
  SPLIT(tc, "\xD9\xA3\xD9\xA4 \xE2\x85\xA7",
        "\xD9\xA3\xD9\xA4| |\xE2\x85\xA7"); /* Arabic-Indic digits, Roman numeral 8 */
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/split_punct_newlines");
  SPLIT(tc, "Hello, world!!!\n\nNext", "Hello|,| world|!!!\n\n|Next");
  SPLIT(tc, "a ...\r\n b", "a| ...\r\n| b");
  SPLIT(tc, "end.\n", "end|.\n");
  SPLIT(tc, "x\n\n\ny", "x|\n\n\n|y");
  SPLIT(tc, "x \n  \n y", "x| \n  \n| y");
  SPLIT(tc, "\"quoted\" (paren)", "\"quoted|\"| (|paren|)");
  SPLIT(tc, "$100", "$|100");
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/split_spaces_tabs");
  SPLIT(tc, "a    b", "a|   | b");
  SPLIT(tc, "a b", "a| b");
  SPLIT(tc, "trailing   ", "trailing|   ");
  SPLIT(tc, "   lead", "  | lead");
  SPLIT(tc, "\t\tx", "\t|\tx");
  SPLIT(tc, "a\t \tb", "a|\t |\tb");
  SPLIT(tc, " ", " ");
  SPLIT(tc, "a  !", "a| | !");
  SPLIT(tc, "x\xC2\xA0y", "x|\xC2\xA0y"); /* NBSP is \s and not L/N: prefixes a word */
  SPLIT(tc, "x\xE3\x80\x80\xE3\x80\x80y", "x|\xE3\x80\x80|\xE3\x80\x80y");
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/split_unicode");
  SPLIT(tc, "caf\xC3\xA9 na\xC3\xAFve", "caf\xC3\xA9| na\xC3\xAFve");
  SPLIT(tc, "e\xCC\x81t\xC3\xA9", "e|\xCC\x81t\xC3\xA9"); /* combining acute (Mn) starts a new piece */
  SPLIT(tc, "\xE4\xB8\xAD\xE6\x96\x87 \xE6\xB5\x8B\xE8\xAF\x95", "\xE4\xB8\xAD\xE6\x96\x87| \xE6\xB5\x8B\xE8\xAF\x95");
  SPLIT(tc, "hi \xF0\x9F\x98\x80\xF0\x9F\x98\x80!", "hi| \xF0\x9F\x98\x80\xF0\x9F\x98\x80!");
  SPLIT(tc, "\xF0\x9F\x98\x80x", "\xF0\x9F\x98\x80x");
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/split_invalid_utf8");
  SPLIT(tc,
        "a\xFF\xFE"
        "b",
        "a|\xFF\xFE|b"); /* stray bytes act like punctuation */
  SPLIT(tc,
        "\x80"
        "abc",
        "\x80"
        "abc");
  SPLIT(tc, "ab\xE4\xB8", "ab|\xE4\xB8"); /* truncated sequence at the end */
  SPLIT(tc,
        "\xC0\xAF"
        "x",
        "\xC0\xAF|x");                               /* overlong */
  SPLIT(tc, "\xED\xA0\x80", "\xED\xA0\x80");         /* surrogate */
  SPLIT(tc, "\xF4\x90\x80\x80", "\xF4\x90\x80\x80"); /* > U+10FFFF */
  SPLIT(tc, " \xFF\n", " \xFF\n");
  expect_split(tc, "a\0b", 3, "a|\0b"); /* NUL is punctuation too: compare only the length */
  if (tern_pretokenize_next("", 0, 0) != 0 || tern_pretokenize_next(NULL, 0, 0) != 0) tern_test_fail(tc, "empty text");
  tern_test_end(tc);
}

/* ---- encoding ------------------------------------------------------------------------------ */

static void test_encode(tern_test_ctx *tc) {
  vocab v;
  make_vocab(&v);
  char err[256] = "";
  tern_tokenizer *t = build(&v, 1, err, sizeof err);

  tern_test_begin(tc, "tokenizer/construct");
  if (!t) {
    tern_test_fail(tc, "tern_tokenizer_new: %s", err);
    tern_test_end(tc);
    return;
  }
  TERN_CHECK(tc, tern_tokenizer_vocab_size(t) == N_VOCAB);
  TERN_CHECK(tc, tern_tokenizer_merge_count(t) == N_MERGES - 2);
  TERN_CHECK(tc, tern_tokenizer_bos(t) == ID_BOS && tern_tokenizer_eos(t) == ID_EOS);
  TERN_CHECK(tc, tern_tokenizer_eot(t) == -1); /* tern_tokenizer_new does not guess by text */
  TERN_CHECK(tc, tern_tokenizer_add_bos(t) == 1);
  TERN_CHECK(tc, tern_tokenizer_is_special(t, ID_BOS) && tern_tokenizer_is_special(t, ID_TAG));
  TERN_CHECK(tc, !tern_tokenizer_is_special(t, ID_HELLO) && !tern_tokenizer_is_special(t, 'a'));
  TERN_CHECK(tc,
             tern_tokenizer_is_eog(t, ID_EOS) && tern_tokenizer_is_eog(t, ID_EOM) && !tern_tokenizer_is_eog(t, ID_BOS));
  TERN_CHECK(tc, tern_tokenizer_token_id(t, "Ġworld", strlen("Ġworld")) == ID_GWORLD);
  TERN_CHECK(tc, tern_tokenizer_token_id(t, "<|eot_id|>", 10) == ID_EOT);
  TERN_CHECK(tc, tern_tokenizer_token_id(t, "nope", 4) == -1);
  TERN_CHECK(tc, tern_tokenizer_token_type(t, ID_TAG) == TERN_TOKEN_USER_DEFINED);
  TERN_CHECK(tc, tern_tokenizer_token_type(t, N_VOCAB) == 0 && tern_tokenizer_token_type(t, -1) == 0);
  size_t l;
  const char *txt = tern_tokenizer_token_text(t, ID_GW, &l);
  TERN_CHECK(tc, txt && l == 3 && memcmp(txt, "Ġw", 3) == 0);
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/bpe_known");
  EXPECT(tc, t, "hello", 0, 0, ID_HELLO);
  EXPECT(tc, t, "hello world", 0, 0, ID_HELLO, ID_GWORLD);
  EXPECT(tc, t, "hello world", 1, 0, ID_BOS, ID_HELLO, ID_GWORLD);
  EXPECT(tc, t, "hellohello", 0, 0, ID_HELLO, ID_HELLO); /* not a token: merged by rank */
  EXPECT(tc, t, "helloworld", 0, 0, ID_HELLO, 'w', ID_OR, ID_LD);
  EXPECT(tc, t, "hell", 0, 0, ID_HELL);
  EXPECT(tc, t, "helll", 0, 0, ID_HELL, 'l'); /* "l l" merges the leftmost pair */
  EXPECT(tc, t, "aaa", 0, 0, ID_AA, 'a');     /* ties: leftmost first */
  EXPECT(tc, t, "aaaaa", 0, 0, ID_AA, ID_AA, 'a');
  EXPECT(tc, t, " world", 0, 0, ID_GWORLD);
  EXPECT(tc, t, " worldly", 0, 0, ID_GWORLD, 'l', 'y');
  EXPECT(tc, t, "xyz", 0, 0, ID_XYZ);              /* whole word is a token (ignore_merges) */
  EXPECT(tc, t, "xyzx", 0, 0, 'x', 'y', 'z', 'x'); /* "x y" -> "xy" ignored: no such token */
  EXPECT(tc, t, "\xC3\xA9", 0, 0, 0xC3, 0xA9);     /* bytes */
  EXPECT(tc, t, "\n", 0, 0, '\n');
  EXPECT(tc, t, "a\xFF", 0, 0, 'a', 0xFF);
  EXPECT(tc, t, "It's", 0, 0, 'I', 't', '\'', 's');
  {
    int32_t ids[4];
    size_t n = 99;
    TERN_CHECK(tc, tern_tokenize(t, "", 0, 0, 0, ids, 4, &n) == TERN_OK && n == 0);
    TERN_CHECK(tc, tern_tokenize(t, NULL, 0, 1, 0, ids, 4, &n) == TERN_OK && n == 1 && ids[0] == ID_BOS);
    TERN_CHECK(tc, tern_tokenize(t, "hello world", 11, 1, 0, NULL, 0, &n) == TERN_ERR_SIZE && n == 3);
    TERN_CHECK(tc, tern_tokenize(t, "hello world", 11, 1, 0, ids, 2, &n) == TERN_ERR_SIZE && n == 3 &&
                       ids[0] == ID_BOS && ids[1] == ID_HELLO);
    TERN_CHECK(tc, tern_tokenize(t, NULL, 3, 0, 0, ids, 4, &n) == TERN_ERR_ARG);
    TERN_CHECK(tc, tern_tokenize(NULL, "a", 1, 0, 0, ids, 4, &n) == TERN_ERR_ARG);
    TERN_CHECK(tc, tern_tokenize(t, "a", 1, 0, 0, ids, 4, NULL) == TERN_ERR_ARG);
  }
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/decode");
  {
    char buf[64];
    TERN_CHECK(tc, tern_token_to_bytes(t, ID_GWORLD, buf, sizeof buf) == 6 && memcmp(buf, " world", 6) == 0);
    TERN_CHECK(tc, tern_token_to_bytes(t, ' ', buf, sizeof buf) == 1 && buf[0] == ' ');
    TERN_CHECK(tc, tern_token_to_bytes(t, 0, buf, sizeof buf) == 1 && buf[0] == 0);
    TERN_CHECK(tc, tern_token_to_bytes(t, 0xAD, buf, sizeof buf) == 1 && (unsigned char)buf[0] == 0xAD);
    TERN_CHECK(tc, tern_token_to_bytes(t, ID_EOT, buf, sizeof buf) == 10 && memcmp(buf, "<|eot_id|>", 10) == 0);
    TERN_CHECK(tc, tern_token_to_bytes(t, ID_GWORLD, buf, 3) == 6 && memcmp(buf, " wo", 3) == 0);
    TERN_CHECK(tc, tern_token_to_bytes(t, N_VOCAB, buf, sizeof buf) == 0);
    TERN_CHECK(tc, tern_token_to_bytes(t, -5, buf, sizeof buf) == 0);
    const int32_t ids[] = {ID_BOS, ID_HELLO, ID_GWORLD, 999999, '!'};
    size_t n = tern_detokenize(t, ids, 5, buf, sizeof buf);
    TERN_CHECK(tc, n == 29 && memcmp(buf, "<|begin_of_text|>hello world!", 29) == 0);
    TERN_CHECK(tc, tern_detokenize(t, ids, 5, NULL, 0) == 29);
  }
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/special_tokens");
  EXPECT(tc, t, "<|eot_id|>hello", 0, 1, ID_EOT, ID_HELLO);
  EXPECT(tc, t, "hello<|eot_id|><|eot_id|> world", 0, 1, ID_HELLO, ID_EOT, ID_EOT, ID_GWORLD);
  EXPECT(tc, t, "<|begin_of_text|>hello", 1, 1, ID_BOS, ID_BOS, ID_HELLO);
  EXPECT(tc, t, "<|reserved_special_token_0|>", 0, 1, ID_RES);
  EXPECT(tc, t, "hello<tag>world", 0, 0, ID_HELLO, ID_TAG, 'w', ID_OR, ID_LD); /* user-defined: always */
  EXPECT(tc, t, "<|eot_id", 0, 1, '<', '|', 'e', 'o', 't', '_', 'i', 'd');
  /* off: the text is plain bytes: "<|" "eot" "_id" "|>" "hello" */
  EXPECT(tc, t, "<|eot_id|>hello", 0, 0, '<', '|', 'e', 'o', 't', '_', 'i', 'd', '|', '>', ID_HELLO);
  /* a special token splits the text: " world" after it is still " world" */
  EXPECT(tc, t, "<|eot_id|> world", 0, 1, ID_EOT, ID_GWORLD);
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/no_types");
  {
    tern_tokenizer *u = build(&v, 0, err, sizeof err);
    if (!u) {
      tern_test_fail(tc, "%s", err);
    } else {
      TERN_CHECK(tc, tern_tokenizer_is_special(u, ID_EOT) && tern_tokenizer_is_special(u, ID_RES));
      TERN_CHECK(tc, !tern_tokenizer_is_special(u, ID_TAG)); /* "<tag>" is not <|...|> */
      TERN_CHECK(tc, tern_tokenizer_token_type(u, ID_EOT) == TERN_TOKEN_CONTROL);
      EXPECT(tc, u, "<|eot_id|>hello", 0, 1, ID_EOT, ID_HELLO);
      EXPECT(tc, u, "<tag>", 0, 1, '<', 't', 'a', 'g', '>');
      tern_tokenizer_free(u);
    }
  }
  tern_test_end(tc);
  tern_tokenizer_free(t);
}

/* ---- round trip ------------------------------------------------------------------------------ */

static void test_round_trip(tern_test_ctx *tc, uint64_t seed) {
  vocab v;
  make_vocab(&v);
  char err[256];
  tern_tokenizer *t = build(&v, 1, err, sizeof err);
  char name[64];
  snprintf(name, sizeof name, "tokenizer/round_trip");
  tern_test_begin(tc, name);
  if (!t) {
    tern_test_fail(tc, "%s", err);
    tern_test_end(tc);
    return;
  }
  static const char *frag[] = {"hello", " world", "<|eot_id|>", "<tag>", "'s",   "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
                               "\r\n",  "  ",     "123",        "\xFF",  "\xC3", "aa",           "<|",
                               "|>",    "\t"};
  uint64_t st = seed;
  char text[300], back[2048];
  int32_t ids[600];
  for (int iter = 0; iter < 3000 && !tc->failed; iter++) {
    size_t n = 0, len = (size_t)tern_rand_range(&st, 0, 200);
    int mode = (int)tern_rand_range(&st, 0, 2);
    while (n < len) {
      if (mode == 0) {
        text[n++] = (char)tern_rand_range(&st, 0, 255); /* any bytes */
      } else if (mode == 1) {
        const char *f = frag[tern_rand_range(&st, 0, sizeof frag / sizeof *frag - 1)];
        size_t fl = strlen(f);
        if (n + fl > len) fl = len - n;
        memcpy(text + n, f, fl);
        n += fl;
      } else {
        text[n++] = " \n\t'aAhelowrd0123.,!<|>"[tern_rand_range(&st, 0, 22)]; /* ASCII soup */
      }
    }
    for (int special = 0; special < 2; special++) {
      size_t ni = 0;
      tern_status s = tern_tokenize(t, text, n, 0, special, ids, 600, &ni);
      size_t nb = s == TERN_OK ? tern_detokenize(t, ids, ni, back, sizeof back) : 0;
      if (s != TERN_OK || nb != n || memcmp(back, text, n) != 0) {
        tern_test_fail(tc, "iteration %d (len %zu, mode %d, special %d): status %d, decoded %zu bytes [seed=%llu]",
                       iter, n, mode, special, (int)s, nb, (unsigned long long)seed);
        break;
      }
      for (size_t i = 0; i < ni && !special; i++)
        if (tern_tokenizer_is_special(t, ids[i]) && ids[i] != ID_TAG)
          tern_test_fail(tc, "control token %d with parse_special off [seed=%llu]", (int)ids[i],
                         (unsigned long long)seed);
    }
  }
  tern_test_end(tc);

  tern_test_begin(tc, "tokenizer/long_word");
  {
    /* a 200000-byte word: BPE is O(n log n); "aa" merges pairwise */
    size_t n = 200000, ni = 0;
    char *big = malloc(n);
    int32_t *out = malloc(n * sizeof *out);
    if (!big || !out) {
      tern_test_fail(tc, "out of memory");
    } else {
      memset(big, 'a', n);
      tern_status s = tern_tokenize(t, big, n, 0, 0, out, n, &ni);
      TERN_CHECK(tc, s == TERN_OK && ni == n / 2);
      for (size_t i = 0; i < ni && !tc->failed; i++) TERN_CHECK(tc, out[i] == ID_AA);
      memset(big, ' ', n);
      s = tern_tokenize(t, big, n, 0, 0, out, n, &ni);
      TERN_CHECK(tc, s == TERN_OK && ni == n);
    }
    free(big);
    free(out);
  }
  tern_test_end(tc);
  tern_tokenizer_free(t);
}

/* ---- chat format ----------------------------------------------------------------------------- */

static void test_chat(tern_test_ctx *tc) {
  vocab v;
  make_vocab(&v);
  char err[256], out[256];
  size_t len = 0;
  size_t mlen[N_MERGES];
  for (size_t i = 0; i < N_MERGES; i++) mlen[i] = strlen(kMerges[i]);
  tern_tokenizer *t = NULL;
  tern_test_begin(tc, "tokenizer/chat_format");
  if (tern_tokenizer_new(v.tok, v.len, N_VOCAB, v.type, kMerges, mlen, N_MERGES, ID_BOS, ID_EOS, ID_EOT, &t, err,
                         sizeof err) != TERN_OK) {
    tern_test_fail(tc, "%s", err);
    tern_test_end(tc);
    return;
  }
  const char *want1 = "<|begin_of_text|>User: hello world<|eot_id|>Assistant: ";
  TERN_CHECK(tc, tern_chat_format(t, NULL, "  hello world\n", out, sizeof out, &len) == TERN_OK);
  TERN_CHECK(tc, strcmp(out, want1) == 0 && len == strlen(want1));
  const char *want2 = "<|begin_of_text|>System: Be brief.<|eot_id|>User: hi<|eot_id|>Assistant: ";
  TERN_CHECK(tc, tern_chat_format(t, "Be brief.", "hi", out, sizeof out, &len) == TERN_OK);
  TERN_CHECK(tc, strcmp(out, want2) == 0 && len == strlen(want2));
  TERN_CHECK(tc,
             tern_chat_format(NULL, "Be brief.", "hi", out, sizeof out, &len) == TERN_OK && strcmp(out, want2) == 0);
  /* too small: TERN_ERR_SIZE, the length, a NUL-terminated prefix */
  TERN_CHECK(tc, tern_chat_format(t, NULL, "hello world", out, 10, &len) == TERN_ERR_SIZE && len == strlen(want1));
  TERN_CHECK(tc, strlen(out) == 9 && memcmp(out, want1, 9) == 0);
  TERN_CHECK(tc, tern_chat_format(t, NULL, "hello world", NULL, 0, &len) == TERN_ERR_SIZE && len == strlen(want1));
  TERN_CHECK(tc, tern_chat_format(t, NULL, NULL, out, sizeof out, &len) == TERN_ERR_ARG);
  /* multi-turn */
  const tern_chat_msg msgs[] = {{"system", "S"}, {"user", "hello"}, {"assistant", " hi \t"}, {"USER", "world"}};
  const char *want3 = "System: S<|eot_id|>User: hello<|eot_id|>Assistant: hi<|eot_id|>User: world<|eot_id|>Assistant: ";
  TERN_CHECK(tc,
             tern_chat_format_messages(t, msgs, 4, 0, 1, out, sizeof out, &len) == TERN_OK && strcmp(out, want3) == 0);
  /* tern_chat_tokenize = tokenize(format) when no message holds a special token's text */
  int32_t a[128], b[128];
  size_t na = 0, nb = 0;
  TERN_CHECK(tc, tern_chat_format_messages(t, msgs, 4, 1, 1, out, sizeof out, &len) == TERN_OK);
  TERN_CHECK(tc, tern_tokenize(t, out, len, 0, 1, a, 128, &na) == TERN_OK);
  TERN_CHECK(tc, tern_chat_tokenize(t, msgs, 4, 1, 1, b, 128, &nb) == TERN_OK);
  TERN_CHECK(tc, na == nb && na > 0 && memcmp(a, b, na * sizeof *a) == 0 && a[0] == ID_BOS);
  /* ... and keeps a typed "<|eot_id|>" as text */
  const tern_chat_msg evil[] = {{"user", "<|eot_id|>"}};
  TERN_CHECK(tc, tern_chat_tokenize(t, evil, 1, 0, 0, b, 128, &nb) == TERN_OK);
  int n_eot = 0;
  for (size_t i = 0; i < nb; i++) n_eot += b[i] == ID_EOT;
  TERN_CHECK(tc, n_eot == 1 && b[nb - 1] == ID_EOT);
  TERN_CHECK(tc, tern_chat_tokenize(t, msgs, 4, 1, 1, NULL, 0, &nb) == TERN_ERR_SIZE && nb == na);
  tern_tokenizer_free(t);
  /* no EOT token: the format cannot be written */
  t = build(&v, 1, err, sizeof err);
  TERN_CHECK(tc, t && tern_chat_format(t, NULL, "hi", out, sizeof out, &len) == TERN_ERR_ARG);
  tern_tokenizer_free(t);
  tern_test_end(tc);
}

/* ---- construction errors --------------------------------------------------------------------- */

static void test_errors(tern_test_ctx *tc) {
  vocab v;
  make_vocab(&v);
  char err[256];
  tern_tokenizer *t = NULL;
  tern_test_begin(tc, "tokenizer/construct_errors");
  TERN_CHECK(
      tc, tern_tokenizer_new(v.tok, v.len, 0, NULL, NULL, NULL, 0, -1, -1, -1, &t, err, sizeof err) == TERN_ERR_CODE);
  TERN_CHECK(tc,
             tern_tokenizer_new(NULL, v.len, 5, NULL, NULL, NULL, 0, -1, -1, -1, &t, err, sizeof err) == TERN_ERR_ARG);
  TERN_CHECK(tc, tern_tokenizer_new(v.tok, v.len, N_VOCAB, v.type, NULL, NULL, 0, N_VOCAB, -1, -1, &t, err,
                                    sizeof err) == TERN_ERR_CODE &&
                     strstr(err, "BOS"));
  /* a vocabulary without byte 'q' */
  vocab w = v;
  for (int i = 0; i < N_VOCAB; i++) w.tok[i] = w.text[i];
  snprintf(w.text['q'], sizeof w.text['q'], "qq");
  w.len['q'] = 2;
  TERN_CHECK(tc, tern_tokenizer_new(w.tok, w.len, N_VOCAB, w.type, NULL, NULL, 0, -1, -1, -1, &t, err, sizeof err) ==
                         TERN_ERR_CODE &&
                     strstr(err, "0x71"));
  /* ... which a "<0x71>" byte token repairs */
  snprintf(w.text['q'], sizeof w.text['q'], "<0x71>");
  w.len['q'] = 6;
  w.type['q'] = TERN_TOKEN_BYTE;
  TERN_CHECK(
      tc, tern_tokenizer_new(w.tok, w.len, N_VOCAB, w.type, NULL, NULL, 0, -1, -1, -1, &t, err, sizeof err) == TERN_OK);
  if (t) {
    char b[8];
    EXPECT(tc, t, "q", 0, 0, 'q');
    TERN_CHECK(tc, tern_token_to_bytes(t, 'q', b, sizeof b) == 1 && b[0] == 'q');
  }
  tern_tokenizer_free(t);
  t = NULL;
  /* ... or an unknown token stands for it */
  snprintf(w.text['q'], sizeof w.text['q'], "<unk>");
  w.len['q'] = 5;
  w.type['q'] = TERN_TOKEN_UNKNOWN;
  TERN_CHECK(
      tc, tern_tokenizer_new(w.tok, w.len, N_VOCAB, w.type, NULL, NULL, 0, -1, -1, -1, &t, err, sizeof err) == TERN_OK);
  if (t) EXPECT(tc, t, "q", 0, 0, 'q');
  tern_tokenizer_free(t);
  /* malformed merges are ignored */
  const char *bad[] = {"", "h", "h ", " h", "he", "h  e", "<|eot_id|> h"};
  size_t bl[7];
  for (int i = 0; i < 7; i++) bl[i] = strlen(bad[i]);
  t = NULL;
  TERN_CHECK(tc,
             tern_tokenizer_new(v.tok, v.len, N_VOCAB, v.type, bad, bl, 7, -1, -1, -1, &t, err, sizeof err) == TERN_OK);
  TERN_CHECK(tc, t && tern_tokenizer_merge_count(t) == 0);
  tern_tokenizer_free(t);
  tern_tokenizer_free(NULL);
  tern_test_end(tc);
}

/* ---- GGUF ------------------------------------------------------------------------------------ */

/* A tokenizer-only GGUF v3 (no tensors). flags: 1 = model "llama" (refused), 2 = pre "qwen2"
 * (refused), 4 = no eot key (found by text), 8 = token_type too short, 16 = bos out of range */
static tern_gguf_writer make_gguf(const vocab *v, int flags) {
  tern_gguf_writer b = {0};
  size_t mlen[N_MERGES];
  for (size_t i = 0; i < N_MERGES; i++) mlen[i] = strlen(kMerges[i]);
  tern_gguf_put_header(&b, 3, 0, (flags & 4) ? 9 : 10);
  tern_gguf_put_kv_str(&b, "general.architecture", "bitnet-b1.58");
  tern_gguf_put_kv_str(&b, "tokenizer.ggml.model", (flags & 1) ? "llama" : "gpt2");
  tern_gguf_put_kv_str(&b, "tokenizer.ggml.pre", (flags & 2) ? "qwen2" : "llama-bpe");
  tern_gguf_put_kv_arr_str(&b, "tokenizer.ggml.tokens", v->tok, v->len, N_VOCAB);
  tern_gguf_put_kv_arr_i32(&b, "tokenizer.ggml.token_type", v->type, (flags & 8) ? N_VOCAB - 1 : N_VOCAB);
  tern_gguf_put_kv_arr_str(&b, "tokenizer.ggml.merges", kMerges, mlen, N_MERGES);
  tern_gguf_put_kv_u32(&b, "tokenizer.ggml.bos_token_id", (flags & 16) ? N_VOCAB + 7 : ID_BOS);
  tern_gguf_put_kv_u32(&b, "tokenizer.ggml.eos_token_id", ID_EOS);
  if (!(flags & 4)) tern_gguf_put_kv_u32(&b, "tokenizer.ggml.eot_token_id", ID_EOT);
  tern_gguf_put_kv_bool(&b, "tokenizer.ggml.add_bos_token", 0);
  tern_gguf_put_pad(&b, 32);
  return b;
}

static void test_gguf(tern_test_ctx *tc) {
  vocab v;
  make_vocab(&v);
  char err[256];
  tern_test_begin(tc, "tokenizer/from_gguf");
  for (int flags = 0; flags <= 16; flags = flags ? flags * 2 : 1) {
    tern_gguf_writer b = make_gguf(&v, flags);
    tern_gguf *g = NULL;
    tern_tokenizer *t = NULL;
    err[0] = 0;
    tern_status st = tern_gguf_open_memory(b.data, b.len, &g, err, sizeof err);
    if (st != TERN_OK) {
      tern_test_fail(tc, "flags %d: tern_gguf_open_memory: %s", flags, err);
      tern_gguf_writer_free(&b);
      continue;
    }
    st = tern_tokenizer_from_gguf(g, &t, err, sizeof err);
    tern_gguf_close(g); /* the tokenizer keeps nothing of the file */
    int ok_expected = flags == 0 || flags == 4;
    if (ok_expected != (st == TERN_OK)) {
      tern_test_fail(tc, "flags %d: status %d (%s)", flags, (int)st, err);
    } else if (!ok_expected) {
      const char *want = flags == 1 ? "llama" : flags == 2 ? "qwen2" : flags == 8 ? "token_type" : "BOS";
      if (!strstr(err, want)) tern_test_fail(tc, "flags %d: message '%s' does not name '%s'", flags, err, want);
    } else {
      TERN_CHECK(tc, tern_tokenizer_vocab_size(t) == N_VOCAB && tern_tokenizer_eot(t) == ID_EOT);
      TERN_CHECK(tc, tern_tokenizer_add_bos(t) == 0 && tern_tokenizer_merge_count(t) == N_MERGES - 2);
      TERN_CHECK(tc, tern_tokenizer_is_eog(t, ID_EOT) && tern_tokenizer_is_special(t, ID_TAG));
      EXPECT(tc, t, "<|begin_of_text|>hello world<|eot_id|>", 0, 1, ID_BOS, ID_HELLO, ID_GWORLD, ID_EOT);
      EXPECT(tc, t, "hello<tag>", 1, 0, ID_BOS, ID_HELLO, ID_TAG);
    }
    tern_tokenizer_free(t);
    tern_gguf_writer_free(&b);
  }
  {
    tern_tokenizer *t = NULL;
    TERN_CHECK(tc, tern_tokenizer_from_gguf(NULL, &t, err, sizeof err) == TERN_ERR_ARG && t == NULL);
  }
  tern_test_end(tc);
}

int main(int argc, char **argv) {
  uint64_t seed = 2026;
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seed") == 0) seed = strtoull(argv[i + 1], NULL, 0);
  tern_test_ctx tc = {0};
  test_split(&tc);
  test_encode(&tc);
  test_round_trip(&tc, seed);
  test_chat(&tc);
  test_errors(&tc);
  test_gguf(&tc);
  return tern_test_exit(&tc);
}
