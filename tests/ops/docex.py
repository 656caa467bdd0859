#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""docex.py — runs the examples of the documentation and compares their output exactly.

An example is marked in Markdown by a line

    <!-- ops-test: NAME -->

followed by a ```sh block (the commands) and then a ```text block (their exact standard
output). The commands run under `bash -e -o pipefail` in a fresh directory per document
that holds build/reelwatch (the binary under test), pcaps/ and rules/ (the checkout's), so
the documents use the same relative paths a reader uses in the checkout. The examples of
one document run in order in the same directory, as a reader following it would: a
later example may use the files an earlier one wrote.

usage: docex.py --bin BIN --top TOP --tmp DIR FILE.md...
exit status: 0 when every example printed exactly its text block and exited 0, else 1.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

MARK = re.compile(r'^<!-- ops-test: ([a-z0-9_-]+) -->\s*$')


def blocks(path):
    """Yields (name, commands, expected) for each marked example of path."""
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        got = []
        for lang in ('sh', 'text'):
            while i < len(lines) and lines[i].strip() == '':
                i += 1
            if i >= len(lines) or lines[i].strip() != '```' + lang:
                raise SystemExit('%s: example %s: expected a ```%s block after the marker'
                                 % (path, m.group(1), lang))
            i += 1
            body = []
            while i < len(lines) and lines[i].strip() != '```':
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise SystemExit('%s: example %s: unterminated block' % (path, m.group(1)))
            i += 1
            got.append('\n'.join(body) + '\n')
        yield m.group(1), got[0], got[1]


def sandbox(tmp, name, binary, top):
    d = os.path.join(tmp, name.replace('/', '_'))
    os.makedirs(os.path.join(d, 'build'))
    os.symlink(os.path.abspath(binary), os.path.join(d, 'build', 'reelwatch'))
    os.symlink(os.path.join(top, 'pcaps'), os.path.join(d, 'pcaps'))
    os.symlink(os.path.join(top, 'rules'), os.path.join(d, 'rules'))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', required=True)
    ap.add_argument('--top', required=True)
    ap.add_argument('--tmp', required=True)
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()
    n = bad = 0
    for f in a.files:
        d = sandbox(a.tmp, os.path.relpath(f, a.top), a.bin, a.top)
        for name, cmds, want in blocks(f):
            n += 1
            r = subprocess.run(['bash', '-e', '-o', 'pipefail', '-c', cmds], cwd=d,
                               capture_output=True, text=True, timeout=300)
            if r.returncode == 0 and r.stdout == want:
                print('ok   doc example %s (%s)' % (name, os.path.relpath(f, a.top)))
                continue
            bad += 1
            print('FAIL doc example %s (%s): exit %d' % (name, os.path.relpath(f, a.top),
                                                        r.returncode))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), r.stdout.splitlines(True), 'documented', 'actual'))
            if r.stderr:
                print('stderr:\n' + r.stderr)
    if n == 0:
        print('FAIL no marked example found in %s' % ' '.join(a.files))
        return 1
    print('doc examples: %d run, %d failed' % (n, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
