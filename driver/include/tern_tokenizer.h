/* SPDX-License-Identifier: Apache-2.0 */
/* tern_tokenizer: the byte-level BPE tokenizer of LLaMA 3 (and so of BitNet b1.58 2B4T), as a
 * GGUF file describes it (tokenizer.ggml.model = "gpt2", tokenizer.ggml.pre = "llama-bpe").
 *
 *   tern_tokenizer *tok;  char err[256];
 *   tern_tokenizer_from_gguf(g, &tok, err, sizeof err);          // g: an open tern_gguf
 *   int32_t ids[512];  size_t n;
 *   tern_tokenize(tok, text, strlen(text), 1, 0, ids, 512, &n);  // BOS + text, specials literal
 *   size_t len = tern_token_to_bytes(tok, ids[i], buf, sizeof buf);
 *   tern_tokenizer_free(tok);
 *
 * Encoding, in order:
 *  1. Special tokens are cut out of the text first: user-defined tokens always, control and
 *     unknown tokens only when parse_special is set; at each position the longest special
 *     token whose text occurs there wins, and the text between them is encoded on its own.
 *  2. Each piece of text is split by the LLaMA 3 pre-tokenizer regex
 *       (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *        ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *     implemented by hand (leftmost alternative first, as the regex engines do). \p{L}, \p{N}
 *     are the Unicode general categories L* and N*, \s is the White_Space property (tables
 *     generated from Python's unicodedata, driver/src/unicode_tables.h). The (?i) contractions
 *     fold case as Unicode simple case folding does for these letters (so "'ſ" = "'s"). A byte
 *     that is not part of valid UTF-8 (a stray continuation byte, a truncated, overlong or
 *     surrogate sequence, > U+10FFFF) counts as one character of no category (punctuation-like),
 *     so any byte string tokenizes.
 *  3. Each word is encoded byte-level: if the whole word is a vocabulary token it is that token
 *     (LLaMA 3's ignore_merges); otherwise it starts as one token per byte (the GPT-2
 *     byte -> unicode map; a vocabulary without a byte's token may offer "<0xXX>" instead) and
 *     the adjacent pair with the lowest merge rank is merged until none is left (ties: leftmost
 *     first). O(n log n) in the word's length.
 * decode(encode(x)) == x for every byte string x when the vocabulary has all 256 byte tokens
 * (construction fails otherwise, unless the vocabulary has an unknown-type token, which then
 * stands for the missing bytes).
 *
 * Token kinds come from tokenizer.ggml.token_type (1 normal, 2 unknown, 3 control,
 * 4 user-defined, 5 unused, 6 byte). Special = control, user-defined or unknown; the BOS, EOS
 * and EOT tokens are always special. Without types (tern_tokenizer_new with types == NULL) a
 * token whose text looks like "<|...|>" is a control token and the rest are normal.
 * A special token decodes to its text; a byte token "<0xXX>" to that byte; any other token to
 * its text with the GPT-2 byte map reversed (characters outside the map are copied as UTF-8).
 *
 * A tern_tokenizer is immutable after construction: no global state, and several threads may
 * use one tokenizer at once. Errors are tern_status codes; the constructors also write a
 * message (what and where) to err (err_size bytes, may be NULL). */
#ifndef TERN_TOKENIZER_H
#define TERN_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "tern_gguf.h"
#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_tokenizer tern_tokenizer;

/* tokenizer.ggml.token_type values. */
enum {
  TERN_TOKEN_NORMAL = 1,
  TERN_TOKEN_UNKNOWN = 2,
  TERN_TOKEN_CONTROL = 3,
  TERN_TOKEN_USER_DEFINED = 4,
  TERN_TOKEN_UNUSED = 5,
  TERN_TOKEN_BYTE = 6
};

/* Build the tokenizer a GGUF file describes. Keys: tokenizer.ggml.model (must be "gpt2"),
 * tokenizer.ggml.pre (absent, "llama-bpe" or "llama3"; others are refused because their split
 * regex differs), tokenizer.ggml.tokens (string[], required), .token_type (int32[] of the same
 * length, optional), .merges (string[] "left right", optional), .bos_token_id, .eos_token_id,
 * .eot_token_id (each optional; when absent the token "<|begin_of_text|>", "<|end_of_text|>",
 * "<|eot_id|>" is used if the vocabulary has it, else none: -1), tokenizer.ggml.add_bos_token
 * (default true). A merge naming a token that is not in the vocabulary (or whose result is not)
 * is ignored. Nothing of g is referenced afterwards: g may be closed.
 * TERN_ERR_ARG for a NULL argument, TERN_ERR_CODE for a missing or malformed key, an
 * unsupported model/pre, a token id out of range or a byte without a token, TERN_ERR_NOMEM. */
tern_status tern_tokenizer_from_gguf(const tern_gguf *g, tern_tokenizer **out, char *err, size_t err_size);

/* Build a tokenizer from arrays (for tests and non-GGUF use): n_tokens token texts in GGUF form
 * (tokens[i], lens[i] bytes; normal tokens in GPT-2 byte-map form, e.g. "Ġthe" for " the"),
 * their types (NULL: see above), n_merges merge rules in rank order ("Ġ t", merge_lens[i]
 * bytes), and the BOS, EOS and EOT ids (-1: none). Everything is copied. add_bos defaults to 1
 * when bos >= 0. Errors as tern_tokenizer_from_gguf. */
tern_status tern_tokenizer_new(const char *const *tokens, const size_t *lens, size_t n_tokens, const int32_t *types,
                               const char *const *merges, const size_t *merge_lens, size_t n_merges, int32_t bos,
                               int32_t eos, int32_t eot, tern_tokenizer **out, char *err, size_t err_size);

/* Free a tokenizer (NULL is a no-op). */
void tern_tokenizer_free(tern_tokenizer *t);

/* Encode len bytes of text (any bytes; text may be NULL when len == 0) into token ids: the BOS
 * token first if add_bos (and the vocabulary has one), then the text as described above.
 * *n_ids receives the number of ids the whole encoding has. If that is more than max_ids, the
 * first max_ids are written and TERN_ERR_SIZE is returned (so ids = NULL, max_ids = 0 asks for
 * the count). TERN_ERR_ARG for a NULL t or n_ids, TERN_ERR_NOMEM. */
tern_status tern_tokenize(const tern_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special,
                          int32_t *ids, size_t max_ids, size_t *n_ids);

/* The bytes token id stands for (see above): copies min(length, buf_size) bytes to buf (no NUL
 * is added) and returns the full length; 0 for an id out of range. */
size_t tern_token_to_bytes(const tern_tokenizer *t, int32_t id, char *buf, size_t buf_size);
/* The same bytes without a copy: a pointer into the tokenizer (valid until it is freed), length
 * in *len; NULL (and *len = 0) for an id out of range. */
const char *tern_token_bytes(const tern_tokenizer *t, int32_t id, size_t *len);
/* Decode n ids: their bytes concatenated, as tern_token_to_bytes (ids out of range add
 * nothing). Copies min(total, buf_size) bytes, returns the total. */
size_t tern_detokenize(const tern_tokenizer *t, const int32_t *ids, size_t n, char *buf, size_t buf_size);

/* The pre-tokenizer alone (step 2 above): the end of the piece of text[0..len) that starts at
 * pos, always > pos when pos < len (returns len otherwise). For tests and tools. */
size_t tern_pretokenize_next(const char *text, size_t len, size_t pos);

/* ---- accessors ---------------------------------------------------------------------------- */
size_t tern_tokenizer_vocab_size(const tern_tokenizer *t);
int32_t tern_tokenizer_bos(const tern_tokenizer *t); /* -1 if none */
int32_t tern_tokenizer_eos(const tern_tokenizer *t); /* -1 if none */
int32_t tern_tokenizer_eot(const tern_tokenizer *t); /* -1 if none */
/* Whether the model wants BOS added (tokenizer.ggml.add_bos_token). */
int tern_tokenizer_add_bos(const tern_tokenizer *t);
/* The number of merge rules in use (those whose three tokens exist). */
size_t tern_tokenizer_merge_count(const tern_tokenizer *t);
/* The token's type (TERN_TOKEN_*; NORMAL when the vocabulary had none), 0 if out of range. */
int32_t tern_tokenizer_token_type(const tern_tokenizer *t, int32_t id);
/* 1 if id is a special token (control, user-defined, unknown, BOS, EOS, EOT), else 0. */
int tern_tokenizer_is_special(const tern_tokenizer *t, int32_t id);
/* 1 if id ends generation: EOS, EOT, or "<|eom_id|>" when the vocabulary has it. */
int tern_tokenizer_is_eog(const tern_tokenizer *t, int32_t id);
/* The id of the token whose stored text is text[0..len) (GGUF form: "Ġthe", "<|eot_id|>"),
 * the lowest such id, or -1. */
int32_t tern_tokenizer_token_id(const tern_tokenizer *t, const char *text, size_t len);
/* The token's stored text (not NUL-terminated), or NULL and *len = 0 if out of range. */
const char *tern_tokenizer_token_text(const tern_tokenizer *t, int32_t id, size_t *len);

/* ---- chat format -------------------------------------------------------------------------
 * BitNet b1.58 2B4T's chat format. Source: the model's Hugging Face chat template
 * (tokenizer_config.json: for each message, role capitalised + ": " + content | trim +
 * "<|eot_id|>", the BOS token before the first one, and "Assistant: " as the generation
 * prompt), which gives the transformers docstring example
 * "<|begin_of_text|>User: {msg}<|eot_id|>Assistant: " (reference file, section 1). A system
 * message is the first message: "<|begin_of_text|>System: {sys}<|eot_id|>User: {msg}<|eot_id|>
 * Assistant: ". Contents are trimmed of leading and trailing White_Space characters (jinja
 * trim).
 * The BOS and EOT texts are those of the tokenizer's tokens (t may be NULL: "<|begin_of_text|>"
 * and "<|eot_id|>").
 *
 * The result is text: tokenize it with add_bos = 0 and parse_special = 1, or better use
 * tern_chat_tokenize, which does not parse special-token texts inside the messages. */
typedef struct tern_chat_msg {
  const char *role;    /* "system", "user", "assistant" (any word: capitalised as is) */
  const char *content; /* NUL-terminated */
} tern_chat_msg;

/* Format n messages (BOS text first if add_bos; "Assistant: " last if add_assistant). Writes
 * the NUL-terminated text to out when it fits; *len (may be NULL) receives the length without
 * the NUL. TERN_ERR_SIZE when out_size <= length (out then holds a truncated, NUL-terminated
 * prefix if out_size > 0), TERN_ERR_ARG for NULL roles/contents or a tokenizer with no EOT. */
tern_status tern_chat_format_messages(const tern_tokenizer *t, const tern_chat_msg *msgs, size_t n, int add_bos,
                                      int add_assistant, char *out, size_t out_size, size_t *len);
/* One turn: [system message,] user message, generation prompt, with BOS. system may be NULL. */
tern_status tern_chat_format(const tern_tokenizer *t, const char *system, const char *user, char *out, size_t out_size,
                             size_t *len);
/* The token ids of tern_chat_format_messages(t, msgs, n, add_bos, add_assistant): the BOS and
 * EOT tokens by id, the role prefixes and message contents encoded with parse_special = 0 (so
 * "<|eot_id|>" typed by a user stays text). Same id/size contract as tern_tokenize. */
tern_status tern_chat_tokenize(const tern_tokenizer *t, const tern_chat_msg *msgs, size_t n, int add_bos,
                               int add_assistant, int32_t *ids, size_t max_ids, size_t *n_ids);

#ifdef __cplusplus
}
#endif
#endif /* TERN_TOKENIZER_H */
