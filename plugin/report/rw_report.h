/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_report.h — `reelwatch report`: EVE files in, one investigation report out. */
#ifndef RW_REPORT_H
#define RW_REPORT_H

/*
 * Runs the report sub-command. argv[0] is "report"; the rest are its options and the EVE
 * files (docs/investigation.md). Reads every input line by line in bounded memory and
 * writes one self-contained HTML file (-o), or a text or JSON summary (--format).
 * Returns the process exit status: 0; 2 for a bad command line; 3 when an input cannot
 * be opened or read (nothing is written then); 4 when the output cannot be written.
 * Messages go to stderr as one line each, naming the file.
 */
int rw_report_main(int argc, char **argv);

#endif
