#!/usr/bin/env python3
"""man_conf.py PAGE INI: compare a rendered man page's CONFIGURATION
section (generated from the daemon's conf_opt tables) with the commented
example configuration conf/NAME.ini.  Prints one line per difference and
exits 1 when there is any; prints "KEY = DEFAULT" terms (one a line) to
stdout with --terms instead."""
import re
import sys


def unroff(s):
    return s.replace('\\-', '-').replace('\\e', '\\').replace('\\(dq', '"').replace('\\&', '')


def man_options(path):
    text = open(path, encoding='utf-8').read()
    i = text.index('.SH CONFIGURATION')
    j = text.find('\n.SH ', i + 1)
    lines = text[i:j if j != -1 else len(text)].split('\n')
    opts, bad, section = [], [], None
    for n, line in enumerate(lines):
        m = re.match(r'\.SS "\[(.*)\]"$', line)
        if m:
            section = unroff(m.group(1))
            continue
        m = re.match(r'\.B "(.*)"$', line)
        if m and section is not None:
            term = unroff(m.group(1))
            key = term.split(' = ')[0]
            desc = lines[n + 1] if n + 1 < len(lines) else ''
            if desc in ('', '(no description)') or desc.startswith('.'):
                bad.append('[%s] %s: no description in the man page' % (section, key))
            opts.append((section, key, term))
    return opts, bad


def ini_options(path, man_sections):
    by_kind = {s.split(' ')[0]: s for s in man_sections}
    keys, docs = set(), {}
    section, block = None, []
    for line in open(path, encoding='utf-8').read().split('\n'):
        m = re.match(r'^;?\[([a-z]+)( [^\]]+)?\]\s*$', line)
        if m:
            kind = m.group(1)
            new = by_kind.get(kind, kind) if m.group(2) else kind
            # The comment paragraph before a section documents it too
            # (the common keys of [notify NAME]).
            docs.setdefault(new, []).extend(block)
            section, block = new, []
            continue
        block.append(line)
        if section is not None:
            docs.setdefault(section, []).append(line)
            m = re.match(r'^;?([a-z][a-z0-9_]*) =', line)
            if m:
                keys.add((section, m.group(1)))
    return keys, {s: '\n'.join(v) for s, v in docs.items()}


def main():
    if sys.argv[1] == '--terms':
        for _, _, term in man_options(sys.argv[2])[0]:
            print(term)
        return 0
    opts, bad = man_options(sys.argv[1])
    sections = []
    for s, _, _ in opts:
        if s not in sections:
            sections.append(s)
    keys, docs = ini_options(sys.argv[2], sections)
    man = {(s, k) for s, k, _ in opts}
    for s, k in sorted(keys - man):
        bad.append('[%s] %s: in %s, not in the man page' % (s, k, sys.argv[2]))
    for s, k in sorted(man):
        if not re.search(r'(^|[^a-z0-9_])%s([^a-z0-9_]|$)' % re.escape(k), docs.get(s, '')):
            bad.append('[%s] %s: in the man page (the option table), not documented in %s' % (s, k, sys.argv[2]))
    for b in bad:
        print(b)
    print('%d options in %d sections compared' % (len(man), len(sections)), file=sys.stderr)
    return 1 if bad else 0


sys.exit(main())
