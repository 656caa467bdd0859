#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""spdx.py — every source file the project wrote opens with its SPDX licence line.

    python3 tools/spdx.py --check     list the files without one; exit 1 if any (make lint)
    python3 tools/spdx.py --fix       add the line to each of them, then check again
    python3 tools/spdx.py --list      the files this tool looks at, with their comment style

The line is `SPDX-License-Identifier: GPL-2.0-or-later` in the file's own comment syntax,
first in the file: after a shebang (`#!`), and after the `---` that ends a YAML file's
directives (`%YAML 1.1`). A file counts as marked when one of its first three lines holds
`SPDX-License-Identifier:` with any licence, so a file under another licence keeps its own.
--fix only ever adds a line, so running it twice changes nothing.

The files are those git knows (tracked, or new and not ignored), or every file when there
is no git. Which files are the project's own, by path from the top of the tree:
  C sources and headers (*.c, *.h)                                  /* ... */
  Python, shell, make (*.py, *.sh, *.mk, Makefile)                  #
  the default rules, lists and magic files (rules/), the installed  #
  files of dist/ (unit, logrotate, Suricata include file), the
  end-to-end case descriptions (tests/e2e/*/case.yaml), the
  Debian maintainer scripts and rules (debian/)
  the manual page (dist/*.8)                                        .\\"
Third-party and test data are never touched: tests/data (captures recorded by others,
Suricata's schema: tests/data/SOURCES.tsv says whose), fuzz corpora and regression
inputs, the bad-input catalogue tests/bad and the inputs of the end-to-end cases (their
expected errors name lines), pcaps/, build/.
"""
import argparse
import fnmatch
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LICENCE = "GPL-2.0-or-later"
TAG = "SPDX-License-Identifier:"

SKIP = ["tests/data/*", "tests/fuzz/corpus/*", "tests/fuzz/regress/*", "tests/bad/*",
        "pcaps/*", "build/*", ".git/*"]

# (pattern on the path from the top, comment style); the first match wins.
STYLES = [
    ("tests/e2e/*/case.yaml", "hash"),
    ("tests/e2e/*.py", "hash"),
    ("tests/e2e/*", None),          # the cases' inputs: rules, lists, captures, oracles
    ("*.c", "c"),
    ("*.h", "c"),
    ("*.py", "hash"),
    ("*.sh", "hash"),
    ("*.mk", "hash"),
    ("Makefile", "hash"),
    ("*/Makefile", "hash"),
    ("rules/*.yaml", "hash"),
    ("rules/*.magic", "hash"),
    ("rules/lists/*.txt", "hash"),
    ("dist/*.yaml", "hash"),
    ("dist/*.service", "hash"),
    ("dist/*.logrotate", "hash"),
    ("dist/*.8", "roff"),
    ("debian/rules", "hash"),
    ("debian/postinst", "hash"),
    ("debian/postrm", "hash"),
    ("debian/preinst", "hash"),
    ("debian/prerm", "hash"),
]

LINES = {
    "c": "/* %s %s */\n" % (TAG, LICENCE),
    "hash": "# %s %s\n" % (TAG, LICENCE),
    "roff": ".\\\" %s %s\n" % (TAG, LICENCE),
}


def project_files():
    """Paths from the top of the tree, sorted."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=ROOT, check=True,
                             capture_output=True).stdout
        paths = [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for d, dirs, files in os.walk(ROOT):
            dirs[:] = [x for x in dirs if x not in (".git", "build")]
            paths += [os.path.relpath(os.path.join(d, f), ROOT) for f in files]
    return sorted(p for p in paths if os.path.isfile(os.path.join(ROOT, p)))


def style_of(path):
    if any(fnmatch.fnmatch(path, s) for s in SKIP):
        return None
    for pattern, style in STYLES:
        if fnmatch.fnmatch(path, pattern):
            return style
    return None


def marked(lines):
    return any(TAG in line for line in lines[:3])


def insert_at(lines):
    """Index where the SPDX line goes: after a shebang or a YAML directives block."""
    if lines and lines[0].startswith("#!"):
        return 1
    if lines and lines[0].startswith("%"):
        for i, line in enumerate(lines[:20]):
            if line.rstrip("\n") == "---":
                return i + 1
    return 0


def read_lines(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", newline="") as f:
        return f.read().splitlines(keepends=True)


def fix(path, style):
    lines = read_lines(path)
    if marked(lines):
        return False
    lines.insert(insert_at(lines), LINES[style])
    full = os.path.join(ROOT, path)
    mode = os.stat(full).st_mode
    tmp = full + ".spdx-tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write("".join(lines))
    os.chmod(tmp, mode)
    os.replace(tmp, full)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--fix", action="store_true")
    mode.add_argument("--list", action="store_true")
    a = ap.parse_args()

    files = [(p, style_of(p)) for p in project_files()]
    files = [(p, s) for p, s in files if s]
    if a.list:
        for p, s in files:
            print("%s\t%s" % (s, p))
        return 0
    missing = []
    for p, s in files:
        try:
            lines = read_lines(p)
        except UnicodeDecodeError:
            print("spdx: %s: not UTF-8 text" % p, file=sys.stderr)
            return 1
        if not marked(lines):
            missing.append((p, s))
    if a.fix:
        for p, s in missing:
            fix(p, s)
            print("spdx: added to %s" % p)
        missing = [(p, s) for p, s in files if not marked(read_lines(p))]
    for p, _ in missing:
        print("%s:1: no '%s %s' line in the first three (tools/spdx.py --fix adds it)"
              % (p, TAG, LICENCE), file=sys.stderr)
    if missing:
        return 1
    if a.check:
        print("spdx: %d files carry their licence line" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
