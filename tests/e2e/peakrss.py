#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""peakrss.py OUTFILE CMD... — runs CMD and writes its peak resident set size (KiB) to OUTFILE.

Run from a fresh, small interpreter so that the child's high-water mark starts from
this process's few MiB, not from the caller's (a fork counts the parent's pages).
"""
import os
import sys


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    with open(out, 'w') as f:
        f.write('%d\n' % ru.ru_maxrss)
    return os.waitstatus_to_exitcode(status)


if __name__ == '__main__':
    sys.exit(main())
