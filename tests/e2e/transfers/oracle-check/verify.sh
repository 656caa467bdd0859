#!/bin/sh
# verify.sh RW_PCAPGEN: regenerates the transfer captures into a temporary directory,
# recovers every file with tshark (export-objects where tshark supports it, else
# follow,tcp,raw or the SMB2 data field) and checks that each row of the *.tsv oracles
# (filename, size, sha256) matches a recovered file; also checks determinism, checksums
# and that tshark flags no TCP analysis events outside http-evasion. Exit 0: all good.
set -eu
GEN=${1:-/tmp/rw_pcapgen}
HERE=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
TS="tshark -o tcp.reassemble_out_of_order:TRUE"
fail=0
got() { printf '%s\t%s\t%s\t%s\n' "$1" "$(printf '%s' "$2" | sed 's/([0-9]*)//')" "$(stat -c %s "$3")" "$(sha256sum < "$3" | cut -d' ' -f1)" >> "$T/got"; }
for s in http-upload http-evasion ftp tftp smb2 raw; do
    "$GEN" "$s" "$T/$s.pcap" > /dev/null
    "$GEN" "$s" "$T/$s.again.pcap" > /dev/null
    cmp -s "$T/$s.pcap" "$T/$s.again.pcap" || { echo "FAIL $s: not deterministic"; fail=1; }
    bad=$(tshark -r "$T/$s.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
          -o ip.check_checksum:TRUE -Y 'tcp.checksum.status==0 || udp.checksum.status==0 || ip.checksum.status==0' 2>/dev/null | wc -l)
    [ "$bad" = 0 ] || { echo "FAIL $s: $bad bad checksums"; fail=1; }
    if [ "$s" != http-evasion ]; then
        n=$(tshark -r "$T/$s.pcap" -Y tcp.analysis.flags 2>/dev/null | wc -l)
        [ "$n" = 0 ] || { echo "FAIL $s: $n tcp.analysis.flags"; fail=1; }
    fi
done
# HTTP: export-objects; the multipart body ("upload") split into its parts
for s in http-upload http-evasion; do
    $TS -r "$T/$s.pcap" -q --export-objects "http,$T/$s.http" 2>/dev/null
    for f in "$T/$s.http"/*; do got "$s" "$(basename "$f")" "$f"; done
done
python3 "$HERE/split_multipart.py" "$T/http-upload.http/upload" \
    ----WebKitFormBoundary7MA4YWxkTrZu0gW "$T/parts" | while IFS="$(printf '\t')" read -r kind name size sha; do
    [ "$kind" = file ] && printf 'http-upload\t%s\t%s\t%s\n' "$name" "$size" "$sha" >> "$T/got"; done
# FTP: ftp-data export (STOR/RETR over PASV/PORT/EPSV) and the streams tshark does not export
tshark -r "$T/ftp.pcap" -q --export-objects "ftp-data,$T/ftp.x" 2>/dev/null
for f in "$T/ftp.x"/*; do got ftp "$(basename "$f")" "$f"; done
python3 "$HERE/follow.py" "$T/ftp.pcap" 50032 40004 "$T/render.log" > /dev/null && got ftp render.log "$T/render.log"
python3 "$HERE/follow.py" "$T/ftp.pcap" 50033 40005 "$T/sh010_0103.dpx" > /dev/null && got ftp sh010_0103.dpx "$T/sh010_0103.dpx"
python3 "$HERE/follow.py" "$T/ftp.pcap" 20 50250 "$T/show_v2.cube" > /dev/null && got ftp show_v2.cube "$T/show_v2.cube"
python3 "$HERE/follow.py" "$T/ftp.pcap" 50240 20 "$T/mov2" resp > /dev/null && got ftp ep07_comp_v004.mov "$T/mov2"
# TFTP and SMB2
tshark -r "$T/tftp.pcap" -q --export-objects "tftp,$T/tftp.x" 2>/dev/null
for f in "$T/tftp.x"/*; do got tftp "$(basename "$f")" "$f"; done
tshark -r "$T/smb2.pcap" -q --export-objects "smb,$T/smb.x" 2>/dev/null
for f in "$T/smb.x"/*; do got smb2 "$(basename "$f" | sed 's/.*%5c//')" "$f"; done
tshark -r "$T/smb2.pcap" -Y 'smb2.cmd==9 && smb2.flags.response==0 && smb2.flags.chained==1' \
    -T fields -e data.data 2>/dev/null | tr -d ':,\n' | xxd -r -p > "$T/cdpx"
got smb2 sh010_0101.dpx "$T/cdpx"
python3 "$HERE/follow.py" "$T/raw.pcap" 53001 4444 "$T/nc" > /dev/null && got raw - "$T/nc"
# every oracle row must be recovered exactly, as many times as it is listed
cp "$T/got" "${VERIFY_GOT:-/dev/null}" 2>/dev/null || true
python3 - "$HERE" "$T/got" <<'PY' || fail=1
import collections, sys
here, got = sys.argv[1], collections.Counter(open(sys.argv[2]).read().splitlines())
bad = 0
for s in ('http-upload', 'http-evasion', 'ftp', 'tftp', 'smb2', 'raw'):
    want = collections.Counter()
    for line in open('%s/%s.tsv' % (here, s)).read().splitlines()[1:]:
        c = line.split('\t')
        want['\t'.join([s, c[2].replace('\\', '/').split('/')[-1], c[3], c[4]])] += 1
    for k, n in want.items():
        if got[k] < n:
            print('FAIL %s: listed %d times, recovered %d times' % (k, n, got[k]))
            bad = 1
sys.exit(bad)
PY
[ "$fail" = 0 ] && echo "verify: all captures and oracle rows OK"
exit "$fail"
