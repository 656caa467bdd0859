#!/bin/sh
# run_suricata.sh — regenerates evasion.pcap and records Suricata 7.0.10's files for it.
#
#   sh tests/e2e/http_suricata/run_suricata.sh           write evasion.pcap, suricata.tsv
#   sh tests/e2e/http_suricata/run_suricata.sh --check   run Suricata again and compare
#                                                        with the recorded suricata.tsv
#
# suricata.tsv is what the e2e case http_suricata holds reelwatch to: every fileinfo
# record of Debian's Suricata 7.0.10 (bookworm-backports, built on libhtp 0.5.50) with
# suricata.yaml (no body or stream depth limits), in the files_tsv format of
# tests/e2e/run.py. make parity-test (tests/parity/run.py) runs it with --check, so CI
# checks the recorded values against Suricata itself; it is how they were made.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v suricata >/dev/null || { echo "run_suricata.sh: suricata is not installed" >&2; exit 1; }
if [ "${1:-}" = --check ]; then
    pcap="$here/evasion.pcap"
else
    python3 "$here/gen_evasion.py" "$here/evasion.pcap"
    pcap="$here/evasion.pcap"
fi
suricata -V | grep -q ' 7\.0\.10' || echo "run_suricata.sh: warning: not Suricata 7.0.10" >&2
suricata -c "$here/suricata.yaml" -r "$pcap" -l "$tmp" -k none >"$tmp/log" 2>&1 ||
    { cat "$tmp/log" >&2; exit 1; }
python3 - "$tmp/eve.json" >"$tmp/suricata.tsv" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get('event_type') != 'fileinfo':
        continue
    f = r['fileinfo']
    # Suricata writes a download's record from the server's side: put the client first.
    toclient = r['src_port'] == 80
    cli = (r['dest_ip'], r['dest_port']) if toclient else (r['src_ip'], r['src_port'])
    srv = (r['src_ip'], r['src_port']) if toclient else (r['dest_ip'], r['dest_port'])
    rows.append(['%s:%d -> %s:%d' % (cli + srv), 'http', f['filename'], str(f['size']),
                 f.get('sha256', '-'), 'toclient' if toclient else 'toserver',
                 'download' if toclient else 'upload',
                 'yes' if f['state'] == 'TRUNCATED' else 'no', '-',
                 'Suricata 7.0.10 fileinfo, gaps %s' % str(f['gaps']).lower()])
rows.sort(key=lambda x: (x[0], x[5], x[2]))
print('\t'.join(['flow', 'app_proto', 'filename', 'size', 'sha256', 'direction', 'transfer',
                 'truncated', 'credentials', 'notes']))
for x in rows:
    print('\t'.join(x))
PY
if [ "${1:-}" = --check ]; then
    diff "$here/suricata.tsv" "$tmp/suricata.tsv" && echo "run_suricata.sh: Suricata agrees with suricata.tsv"
else
    cp "$tmp/suricata.tsv" "$here/suricata.tsv"
    echo "run_suricata.sh: wrote evasion.pcap and suricata.tsv ($(($(wc -l <"$here/suricata.tsv") - 1)) files)"
fi
