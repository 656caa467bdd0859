#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""evecheck.py — validate EVE JSON lines against Suricata's EVE schema.

Usage: evecheck.py [--schema PATH] [FILE ...]     (no FILE, or "-": standard input)

Every line must be one JSON object valid against the schema, by default
<repo>/tests/data/eve-schema.json. Each invalid line is printed as
"file:line: error"; the exit status is 0 when every line is valid, 1 when any
is not, 2 when the schema (or an input file) cannot be read. A missing schema
is never a silent pass.

Importable: validate_lines(lines, schema_path=None) returns a list of
EveError(line, message) for the given lines (str or bytes, newlines allowed);
str(err) is "LINE: message". The validator is built once per schema path.
"""
import argparse
import collections
import functools
import json
import os
import sys

import jsonschema
import jsonschema.exceptions
import jsonschema.validators

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SCHEMA = os.path.normpath(os.path.join(REPO, "tests", "data", "eve-schema.json"))


class SchemaNotFound(FileNotFoundError):
    """The schema file is absent: validation cannot happen."""


class EveError(collections.namedtuple("EveError", ["line", "message"])):
    """One invalid line: its 1-based number and what is wrong with it."""

    __slots__ = ()

    def __str__(self):
        return "%d: %s" % (self.line, self.message)


@functools.lru_cache(maxsize=None)
def _validator(schema_path):
    """Load the schema and build its validator (slow: done once per path)."""
    try:
        with open(schema_path, "rb") as f:
            schema = json.load(f)
    except FileNotFoundError:
        raise SchemaNotFound("eve schema not found at %s" % schema_path) from None
    # The schema's own $schema picks the draft; Suricata's has none and uses $defs,
    # which is Draft 2020-12 vocabulary.
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def _describe(err):
    """The most relevant schema error, with where it is in the record."""
    path = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p
                         for p in err.absolute_path)
    return "%s: %s" % (path, err.message)


def validate_lines(lines, schema_path=None):
    """Validate EVE lines; return a list of EveError (empty when all are valid)."""
    validator = _validator(os.path.abspath(schema_path or DEFAULT_SCHEMA))
    errors = []
    for n, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                errors.append(EveError(n, "not UTF-8: %s" % e))
                continue
        text = raw.rstrip("\r\n")
        if text.strip() == "":
            errors.append(EveError(n, "empty line"))
            continue
        try:
            rec = json.loads(text)
        except ValueError as e:
            errors.append(EveError(n, "not JSON: %s" % e))
            continue
        if not isinstance(rec, dict):
            errors.append(EveError(n, "not a JSON object"))
            continue
        # One message per line: the best match among all violations.
        best = jsonschema.exceptions.best_match(validator.iter_errors(rec))
        if best is not None:
            errors.append(EveError(n, _describe(best)))
    return errors


def main(argv=None):
    ap = argparse.ArgumentParser(description="Validate EVE JSON lines against Suricata's schema.")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA,
                    help="schema file (default: %(default)s)")
    ap.add_argument("files", nargs="*", default=["-"], help="EVE files; - is standard input")
    args = ap.parse_args(argv)

    try:
        _validator(os.path.abspath(args.schema))
    except SchemaNotFound as e:
        print(str(e), file=sys.stderr)
        return 2

    bad = 0
    for name in args.files:
        try:
            if name == "-":
                lines = sys.stdin.buffer.read().splitlines()
                name = "<stdin>"
            else:
                with open(name, "rb") as f:
                    lines = f.read().splitlines()
        except OSError as e:
            print("%s: cannot read: %s" % (name, e.strerror), file=sys.stderr)
            return 2
        for err in validate_lines(lines, args.schema):
            print("%s:%s" % (name, err))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
