#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Extract the King James Bible from Debian's bible-kjv package into a train and a held-out text.

Source: the `bible` program of the Debian package `bible-kjv` (text in `bible-kjv-text`),
`bible -f gen1:1-rev22:21`, which prints every verse of the 66 books on its own line as
`<Book><chapter>:<verse> <text>` (e.g. `Ge1:1 In the beginning God created ...`).

Normalisation (deterministic, the same on every machine with the same package version):
  - the verse reference is removed; the verse text is kept exactly, except that runs of spaces
    become one space and trailing spaces are dropped (the package has two double spaces);
  - one verse per line; a chapter ends with an empty line (so chapters are separated by
    "\\n\\n"); no book or chapter titles;
  - the text is ASCII (checked), so no Unicode normalisation is needed.

Split: the chapters are numbered 0..1188 in canonical order (Genesis 1 .. Revelation 22);
chapter c is held out when c % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 (every 20th chapter, about
5% of the text, spread over every part of the Bible), the rest is the training text.

Writes OUT/kjv-train.txt, OUT/kjv-heldout.txt and OUT/corpus.json (package version, sha256 of
the raw `bible` output and of both texts, counts). --raw FILE reads a saved `bible -f` output
instead of running the program.

Usage: tools/train/corpus.py [--out build/train] [--raw FILE]
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

BIBLE_CMD = ["bible", "-f", "gen1:1-rev22:21"]
HOLDOUT_EVERY = 20
VERSE_LINE = re.compile(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$")
EXPECTED_VERSES = 31102   # the KJV (Protestant canon) verse count
EXPECTED_CHAPTERS = 1189


def package_version(name):
    """The installed Debian package version, or None when dpkg does not know it."""
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    except OSError:
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def read_raw(raw_path):
    if raw_path:
        with open(raw_path, "rb") as f:
            return f.read()
    try:
        r = subprocess.run(BIBLE_CMD, capture_output=True)
    except FileNotFoundError:
        sys.exit("corpus: the `bible` program is missing (Debian: apt-get install bible-kjv)")
    if r.returncode != 0:
        sys.exit("corpus: %s failed: %s" % (" ".join(BIBLE_CMD), r.stderr.decode(errors="replace")))
    return r.stdout


def parse_chapters(raw):
    """raw bytes of `bible -f` -> list of chapters, each a list of normalised verse strings."""
    text = raw.decode("ascii")          # raises if the package ever ships non-ASCII text
    chapters, key = [], None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = VERSE_LINE.match(line)
        if not m:
            sys.exit("corpus: line %d is not '<ref> <verse>': %r" % (n, line[:80]))
        book, chap, verse = m.group(1), int(m.group(2)), int(m.group(3))
        if (book, chap) != key:
            chapters.append([])
            key = (book, chap)
        chapters[-1].append(re.sub(r" +", " ", m.group(4)).strip())
    return chapters


def chapter_text(verses):
    return "\n".join(verses) + "\n\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="build/train")
    ap.add_argument("--raw", help="a saved `bible -f gen1:1-rev22:21` output instead of running it")
    a = ap.parse_args(argv)

    raw = read_raw(a.raw)
    chapters = parse_chapters(raw)
    n_verses = sum(len(c) for c in chapters)
    if len(chapters) != EXPECTED_CHAPTERS or n_verses != EXPECTED_VERSES:
        sys.exit("corpus: got %d chapters and %d verses, expected %d and %d"
                 % (len(chapters), n_verses, EXPECTED_CHAPTERS, EXPECTED_VERSES))
    train, held = [], []
    for c, verses in enumerate(chapters):
        (held if c % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else train).append(chapter_text(verses))
    train_text, held_text = "".join(train), "".join(held)

    os.makedirs(a.out, exist_ok=True)
    paths = {"train": os.path.join(a.out, "kjv-train.txt"), "heldout": os.path.join(a.out, "kjv-heldout.txt")}
    for key, text in (("train", train_text), ("heldout", held_text)):
        with open(paths[key], "w", encoding="ascii", newline="\n") as f:
            f.write(text)
    info = {
        "source": " ".join(BIBLE_CMD),
        "debian_packages": {p: package_version(p) for p in ("bible-kjv", "bible-kjv-text")},
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
        "raw_bytes": len(raw),
        "chapters": len(chapters),
        "verses": n_verses,
        "holdout_rule": "chapter index c (0-based, canonical order) with c %% %d == %d" % (HOLDOUT_EVERY, HOLDOUT_EVERY - 1),
        "train": {"path": paths["train"], "chapters": len(train), "bytes": len(train_text),
                  "sha256": hashlib.sha256(train_text.encode()).hexdigest()},
        "heldout": {"path": paths["heldout"], "chapters": len(held), "bytes": len(held_text),
                    "sha256": hashlib.sha256(held_text.encode()).hexdigest()},
    }
    with open(os.path.join(a.out, "corpus.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    sys.stderr.write("corpus: %d chapters, %d verses -> %s (%d chapters, %d bytes), %s (%d chapters, %d bytes)\n"
                     % (len(chapters), n_verses, paths["train"], len(train), len(train_text),
                        paths["heldout"], len(held), len(held_text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
