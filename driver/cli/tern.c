/* SPDX-License-Identifier: Apache-2.0 */
/* tern: run a BitNet b1.58 GGUF model with its BitLinear layers on a tern device.
 *
 *   tern run -m MODEL.gguf -p "prompt" -n 64 --device cpu|cmodel|rtl
 *   tern chat -m MODEL.gguf
 *   tern info MODEL.gguf
 *   tern perplexity -m MODEL.gguf -f TEXT
 *   tern energy --counts FILE [--table ...] [--exec cpu|device ...]   (docs/energy.md)
 *
 * `tern <command> --help` describes each; docs/inference.md has the details. This file holds main,
 * the dispatch and the help texts; each command is in its own file (run.c, chat.c, info.c,
 * perplexity.c, energy.c) over the shared options.c, session.c and counts.c (cli.h). */
#include <string.h>

#include "cli.h"

const char *prog = "tern";

static const char usage_main[] =
    "usage: tern <command> [options]\n"
    "\n"
    "Run a BitNet b1.58 GGUF model (arch bitnet-b1.58, bitnet-25 or bitnet; BitLinear weights in I2_S,\n"
    "TQ1_0 or TQ2_0) with every BitLinear on a tern device; the rest runs on the host.\n"
    "\n"
    "commands:\n"
    "  run         generate text from a prompt, streaming tokens to stdout\n"
    "  chat        chat in the 2B4T format (User: ...<|eot_id|>Assistant: ), one turn per line\n"
    "  info        print a GGUF file's metadata and tensor table, and the model it describes\n"
    "  perplexity  perplexity of a text file\n"
    "  energy      joules per token from a run's event counts (docs/energy.md)\n"
    "\n"
    "'tern <command> --help' lists a command's options. docs/inference.md has the details.\n"
    "\n"
    "exit codes:\n"
    "  0  success\n"
    "  1  the model, the device or the run failed (the message says which and where)\n"
    "  2  usage: a bad command line or environment variable (TERN_THREADS, ...)\n"
    "  3  stdout or an output file (--dump-logits, --counts, --capture, --csv) could not be written\n"
    "  4  the forward pass produced NaN or infinity (the message names the first stage that did)\n"
    "  5  the model file changed while it was mapped (use --no-mmap)\n";

static const char usage_common[] =
    "model and device:\n"
    "  -m, --model FILE     the GGUF model (required), or synth:SPEC for a model with random weights\n"
    "                       made in memory (SPEC: 2b4t or tiny, then dim=,layers=,ff=,heads=,kv=,\n"
    "                       vocab=,ctx=,zero=,seed=; no tokenizer: use --tokens)\n"
    "  --device URI         cpu, cmodel, rtl, systemc, uart:TTY or uart-tcp:HOST:PORT, or a full\n"
    "                       device URI such as cpu:threads=2; default $TERN_DEVICE, else cpu; rtl and\n"
    "                       systemc load tern-rtl.so / tern-systemc.so (make -C driver rtl / systemc)\n"
    "  --fmt t5|t2          device weight format (default t5)\n"
    "  --batch T            tokens per BitLinear call when evaluating a prompt (default %u)\n"
    "  --threads N          host threads (sets TERN_THREADS; default all CPUs)\n"
    "  --ctx N              context size in tokens (KV cache positions)\n"
    "  --no-mmap            read the model file into memory instead of mapping it: costs its size\n"
    "                       in memory, but the file may then change or vanish during the run\n"
    "  --check              compare every BitLinear's int32 results with the C golden model as it\n"
    "                       runs; the first difference stops the run with its tensor, token, row\n";

static const char usage_sampling[] =
    "sampling (default greedy):\n"
    "  --temp X             temperature; <= 0 is greedy (default 0)\n"
    "  --top-k N            keep the N most likely tokens; 0 = all (default 40)\n"
    "  --top-p X            keep the smallest set reaching probability X (default 0.95)\n"
    "  --seed N             random seed (default 0); the same seed gives the same tokens\n";

void cli_help(const char *cmd) {
  if (!cmd) {
    fputs(usage_main, stdout);
    return;
  }
  if (strcmp(cmd, "run") == 0) {
    printf(
        "usage: tern run -m MODEL.gguf (-p PROMPT | --tokens ID,ID,...) [options]\n\n"
        "Evaluate the prompt (in batches of T tokens through each BitLinear), then generate up to\n"
        "-n tokens, printing each as it is produced. Ends, on stderr, with the prompt and generation\n"
        "speeds in tokens/s.\n\n"
        "  -p, --prompt TEXT    the prompt (special-token texts such as <|eot_id|> are parsed)\n"
        "  --tokens LIST        the prompt as token ids instead, comma separated (no BOS is added)\n"
        "  -n, --n-predict N    tokens to generate (default 64)\n"
        "  --no-bos             do not add the BOS token before the prompt\n"
        "  --ignore-eos         keep generating after an end-of-generation token\n"
        "  --dump-logits FILE   write the prompt ids, the logits of every prompt position and the\n"
        "                       generated ids to FILE (docs/inference.md, 'Logits dump')\n"
        "  -q, --quiet          no progress and no speed line\n"
        "  --stats              end with what the device did per generated token: BitLinear calls,\n"
        "                       MACs, weight and activation bytes, device cycles and array\n"
        "                       utilisation (devices with a clock: rtl), and the golden check\n"
        "  --clock-mhz LIST     with --stats: the tokens/s those cycles give at these clocks\n"
        "                       ([NAME=]MHz, comma separated, e.g. icebreaker=45.9,100)\n"
        "  --counts FILE        write the run's event counts (prompt and decode totals: additions,\n"
        "                       bytes per memory level, host FLOPs, cycles, toggles) for 'tern energy'\n"
        "  --capture FILE       write every BitLinear call (its trits and int8 activations) to FILE,\n"
        "                       for replay on a netlist (docs/energy.md); FILE.tmp until the run ends\n\n");
    printf(usage_common, TERN_T_MAX);
    printf("\n%s", usage_sampling);
  } else if (strcmp(cmd, "chat") == 0) {
    printf(
        "usage: tern chat -m MODEL.gguf [-p MESSAGE] [options]\n\n"
        "Chat in BitNet b1.58 2B4T's format: <|begin_of_text|>[System: ...<|eot_id|>]User: MESSAGE\n"
        "<|eot_id|>Assistant: , then the reply until <|eot_id|>. Without -p, reads one user message\n"
        "per line from stdin until end of file; the conversation stays in the context (when it is\n"
        "full, the conversation starts over).\n\n"
        "  -p, --prompt TEXT    one turn with this message, then exit\n"
        "  --system TEXT        a system message before the first turn\n"
        "  -n, --n-predict N    at most N tokens per reply (default 256)\n"
        "  -q, --quiet          no progress and no speed line\n\n");
    printf(usage_common, TERN_T_MAX);
    printf("\n%s", usage_sampling);
  } else if (strcmp(cmd, "energy") == 0) {
    fputs(usage_energy, stdout);
  } else if (strcmp(cmd, "info") == 0) {
    printf(
        "usage: tern info MODEL.gguf\n\n"
        "Print the GGUF version, every metadata key (long arrays cut), the tensor table, and the\n"
        "hyper-parameters tern reads from it (or why it cannot run it: the tensors whose types stop\n"
        "a run, by role).\n\n"
        "  --no-mmap            read the file into memory instead of mapping it\n");
  } else if (strcmp(cmd, "perplexity") == 0) {
    printf(
        "usage: tern perplexity -m MODEL.gguf -f TEXT [--ctx N] [options]\n\n"
        "Tokenize the file, cut it into chunks of N tokens (BOS first when the model adds one) and\n"
        "evaluate each chunk from an empty context; every token after a chunk's first is scored by\n"
        "the logits of the position before it. Prints exp(mean negative log-likelihood).\n\n"
        "  -f, --file FILE      the text\n"
        "  --ctx N              chunk size in tokens (default 512, at most the training context)\n"
        "  -q, --quiet          no progress lines\n\n");
    printf(usage_common, TERN_T_MAX);
  }
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    cli_help(argc > 2 ? argv[2] : NULL);
    return EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
  if (strcmp(cmd, "chat") == 0) return cmd_chat(argc, argv);
  if (strcmp(cmd, "info") == 0) return cmd_info(argc, argv);
  if (strcmp(cmd, "perplexity") == 0) return cmd_perplexity(argc, argv);
  if (strcmp(cmd, "energy") == 0) return cmd_energy(argc, argv);
  fprintf(stderr, "%s: unknown command '%s'\n\n%s", prog, cmd, usage_main);
  return 2;
}

int main(int argc, char **argv) {
  out_init();
  return out_finish(dispatch(argc, argv));
}
