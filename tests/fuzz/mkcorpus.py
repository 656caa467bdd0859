#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mkcorpus.py — (re)writes the seed corpora of the libFuzzer targets from real data.

    python3 tests/fuzz/mkcorpus.py [--shared tests/data/pcaps] [--pcapgen build/tools/rw_pcapgen]

Run from the repository root after `make tools`. Seeds are small: the first packets of
shared captures (never a whole capture), captures made by rw_pcapgen, one synthetic
packet sequence per link type, and the project's rule and list files. Only files named
seed-* are replaced, so inputs added by hand (or merged from a fuzzing run) stay.
tests/fuzz/corpus.tsv records where every seed came from (and the licence of that
source, from tests/data/pcaps/SOURCES.tsv).
"""
import argparse
import csv
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# fuzz_decode's link index (fuzz_decode.c, fuzz_decode_dlts) for each LINKTYPE_/DLT_ value.
DECODE_LINKS = {1: 0, 113: 1, 276: 2, 12: 3, 101: 4, 228: 5, 229: 6, 0: 7, 108: 8, 239: 9,
                127: 10, 105: 11, 104: 13}
DECODE_LINK_UNKNOWN = 12

DECODE_BUDGET = 4000        # bytes of packet data per decode seed
DECODE_MAX_PKTS = 24
PCAP_BUDGET = 4096          # bytes per cut capture file

# Shared captures whose first packets become seeds: (path, decode seed, pcapfile seed).
SHARED = [
    ("http_upload/http_post_multipart_exe_fileupload_servlet.pcap", 1, 1),
    ("http_upload/http_post_mattermost_api_upload_eicar_ipv6.pcap", 1, 0),
    ("http_upload/webdav_propfind_mkcol_copy_move_lock.pcapng", 1, 1),
    ("ftp/ftp_pasv_stor_small.pcap", 1, 0),
    ("ftp/ftp_ipv6_epsv_eprt_stor_appe_stou.pcap", 1, 0),
    ("smb/smb2_write_psexesvc_exe_admin_share.pcap", 1, 0),
    ("tftp/tftp_wrq_upload_rfc1350_txt.pcap", 1, 0),
    ("tftp/tftp_rrq_wrq_multi_session.pcapng", 1, 1),
    ("ssh_sftp/ssh_bulk_download_2x535KB.pcap", 1, 0),
    ("ssh_sftp/mptcp_ssh_subflows.pcap", 1, 0),
    ("tls_quic/tls_firefox_download_406KB.pcap", 1, 0),
    ("other_upload/smtp_bdat_png_attachment.pcap", 1, 0),
    ("other_upload/mqtt5_publish_jpeg_ipv6.pcap", 1, 0),
    ("other_upload/nfsv3_write_file.pcap", 1, 0),
    ("other_upload/uftp_multicast_file_push_jpeg.pcap", 1, 0),
    ("other_upload/dns_exfiltration_tunnel.pcap", 1, 0),
    ("media_download/http_2.6MB_binary_download_sll2.pcap", 1, 1),
    ("mixed_benign/mixed_web_sites_tls_http_quic.pcapng", 1, 1),
    ("mixed_benign/iphone_mixed_tls_dns_mdns.pcap", 1, 0),
    ("mixed_benign/android_mixed_tls_dns_http.pcap", 1, 0),
    ("malformed/fuzz_2006_bigendian_mixed_protocols.pcap", 1, 1),
    ("malformed/fuzz_2006_http_post_mms.pcap", 1, 0),
    ("malformed/ip_fragmented_garbage.pcap", 1, 1),
    ("malformed/bad_dns_udp_packets.pcap", 1, 0),
    ("malformed/bigtcp_ipv4_80000B_single_segment.pcap", 1, 1),
    ("malformed/snaplen_truncated_1MB_tcp_transfer.pcap", 1, 1),
    ("malformed/fuzz_record_huge_caplen.pcap", 1, 1),
    ("malformed/fuzz_nsec_snaplen0_huge_caplen.pcap", 1, 1),
    ("malformed/trunc_hdr_caplen_gt_snaplen.pcap", 0, 1),
    ("malformed/smtp_xls_attachment_trailing_garbage_record.pcap", 0, 1),
    ("format_linktype/nanosecond_pcap_http_to_ssh_port.pcap", 1, 1),
    ("format_linktype/bigendian_pcap_icmp.pcap", 1, 1),
    ("format_linktype/pcapng_multi_interface_dns.pcapng", 1, 1),
    ("format_linktype/dlt_nflog_http.pcap", 1, 1),
    ("format_linktype/vxlan_encapsulated_http_svg.pcap", 1, 1),
    ("format_linktype/dlt_raw_ipv4_dns.pcap", 1, 1),
    ("format_linktype/gre_aruba_80211_http_downloads.pcap", 1, 1),
    ("format_linktype/radiotap_80211_http_post.pcap", 1, 1),
]

# rw_pcapgen captures: (command, decode seed, pcapfile seed whole).
GENERATED = [("vlan", 1, 1), ("ipv6", 1, 1), ("timeouts", 1, 1), ("evasion", 1, 0),
             ("demo", 1, 0)]

# rw_pcapgen --encap KIND SCENARIO: the same traffic in each encapsulation of a span port.
ENCAP = [("pppoe", "demo"), ("mpls", "demo"), ("mpls-pw", "demo"), ("erspan1", "demo"),
         ("erspan2", "demo"), ("erspan3", "demo"), ("geneve", "demo"), ("ipip", "demo"),
         ("ip6ip", "ipv6"), ("teredo", "ipv6"), ("chdlc", "demo")]


def encap_seeds(w, pcapgen, tmp):
    """One decode seed per encapsulation: the first packets of the wrapped capture."""
    for (kind, cmd) in ENCAP:
        out = os.path.join(tmp, "encap_%s.pcap" % kind)
        subprocess.run([pcapgen, "--encap", kind, cmd, out], check=True,
                       stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            cap = Capture(f.read())
        w.put("decode", "gen_encap_" + kind.replace("-", "_"), decode_seed(cap.records),
              "rw_pcapgen --encap %s %s first packets" % (kind, cmd), "project")


class Capture:
    """A capture file split into its parts: header bytes, records and their link types."""

    def __init__(self, data):
        self.data = data
        self.records = []   # (start, end, ts_us, caplen, wirelen, linktype, payload)
        self.header_end = 0
        if data[:4] == b"\x0a\x0d\x0d\x0a":
            self._pcapng()
        else:
            self._pcap()

    def _pcap(self):
        d = self.data
        if len(d) < 24:
            return
        magic = d[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            return
        nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        linktype = struct.unpack(e + "I", d[20:24])[0] & 0x0fffffff
        self.header_end = off = 24
        while off + 16 <= len(d):
            sec, frac, cap, wire = struct.unpack(e + "IIII", d[off:off + 16])
            end = off + 16 + cap
            payload = d[off + 16:min(end, len(d))]
            ts = sec * 1000000 + (frac // 1000 if nsec else frac)
            self.records.append((off, min(end, len(d)), ts, len(payload), wire, linktype,
                                 payload))
            if end > len(d):
                break
            off = end

    def _pcapng(self):
        d = self.data
        off, e, links = 0, "<", []
        while off + 12 <= len(d):
            btype = struct.unpack(e + "I", d[off:off + 4])[0]
            if d[off:off + 4] == b"\x0a\x0d\x0d\x0a":
                e = "<" if d[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                btype = 0x0a0d0d0a
                links = []
            blen = struct.unpack(e + "I", d[off + 4:off + 8])[0]
            if blen < 12 or off + blen > len(d):
                break
            body = d[off + 8:off + blen - 4]
            if btype == 1 and len(body) >= 2:
                links.append(struct.unpack(e + "H", body[:2])[0])
            if btype in (0x0a0d0d0a, 1) and not self.records:
                self.header_end = off + blen
            if btype == 6 and len(body) >= 20:
                ifid, hi, lo, cap, wire = struct.unpack(e + "IIIII", body[:20])
                payload = body[20:20 + cap]
                link = links[ifid] if ifid < len(links) else 1
                self.records.append((off, off + blen, (hi << 32) | lo, len(payload), wire,
                                     link, payload))
            off += blen


def decode_seed(records, budget=DECODE_BUDGET, max_pkts=DECODE_MAX_PKTS, trunc=None):
    """fuzz_decode framing (fuzz_decode.c) of the first records."""
    out = bytearray()
    used, prev = 0, None
    for (_, _, ts, cap, wire, link, payload) in records[:max_pkts]:
        if used >= budget:
            break
        payload = payload[:budget - used]
        if trunc is not None:
            payload = payload[:trunc]
        cap = len(payload)
        gap = 0 if prev is None or ts < prev else ts - prev
        prev = ts
        ms = gap // 1000
        step = ms if ms < 128 else min(255, 127 + max(1, gap // 10000000))
        extra = max(0, min(0xfffe, wire - cap))
        out += struct.pack(">BBHH", DECODE_LINKS.get(link, DECODE_LINK_UNKNOWN), step, cap,
                           extra)
        out += payload
        used += cap
    return bytes(out)


def pcap_cut(cap, budget=PCAP_BUDGET):
    """The header and the first records of a capture, never all of it: at most budget
    bytes, at least one record fewer than the file has (or a cut inside the last)."""
    d = cap.data
    end = cap.header_end
    for i, rec in enumerate(cap.records):
        if rec[1] > budget or i == len(cap.records) - 1:
            break
        end = rec[1]
    if end == cap.header_end and cap.records:
        # one record only, or a huge first one: keep a piece of it
        end = min(cap.records[0][1] - 1, cap.header_end + 16 + 256, budget)
    return d[:max(end, cap.header_end)]


# --- synthetic link layers around the IP packets of an Ethernet capture ---------------

def ip_of_ether(frame):
    if len(frame) >= 14 and frame[12:14] in (b"\x08\x00", b"\x86\xdd"):
        return frame[14:]
    return None


def wrap(link, ip):
    v6 = (ip[0] >> 4) == 6
    et = b"\x86\xdd" if v6 else b"\x08\x00"
    if link in (12, 101):
        return ip
    if link == 228 or link == 229:
        return ip
    if link == 0:
        return struct.pack("<I", 10 if v6 else 2) + ip
    if link == 108:
        return struct.pack(">I", 24 if v6 else 2) + ip
    if link == 113:
        return struct.pack(">HHH", 0, 1, 6) + b"\x02\x00\x00\x00\x00\x01\x00\x00" + et + ip
    if link == 276:
        return et + b"\x00\x00" + struct.pack(">IHBB", 2, 1, 0, 6) + \
            b"\x02\x00\x00\x00\x00\x01\x00\x00" + ip
    if link == 239:
        # NFLOG header, a prefix TLV (type 10, "rw\0\0" padded), then the payload TLV
        tlv = struct.pack("<HH", 4 + 3, 10) + b"rw\x00\x00"
        pad = (4 - len(ip) % 4) % 4
        return bytes([10 if v6 else 2, 0]) + b"\x00\x00" + tlv + \
            struct.pack("<HH", 4 + len(ip), 9) + ip + b"\x00" * pad
    if link in (105, 127):
        wlan = b"\x08\x01" + b"\x00\x00" + b"\x00\x11\x22\x33\x44\x55" + \
            b"\x00\x66\x77\x88\x99\xaa" + b"\x00\x11\x22\x33\x44\x66" + b"\x10\x00" + \
            b"\xaa\xaa\x03\x00\x00\x00" + et + ip
        if link == 105:
            return wlan
        return b"\x00\x00\x08\x00\x00\x00\x00\x00" + wlan
    raise ValueError(link)


def linktype_seeds(v4_records, v6_records):
    """One seed per link type: the same IP packets (IPv4 first, then IPv6) under each link
    header."""
    seeds = {}
    ips = [r for r in v4_records if ip_of_ether(r[6]) is not None][:8] + \
        [r for r in v6_records if ip_of_ether(r[6]) is not None][:6]
    for link in (12, 101, 228, 229, 0, 108, 113, 276, 239, 105, 127):
        recs = []
        for (s, e, ts, cap, wire, _, payload) in ips:
            ip = ip_of_ether(payload)
            v6 = (ip[0] >> 4) == 6
            if (link == 228 and v6) or (link == 229 and not v6):
                continue
            frame = wrap(link, ip)
            recs.append((s, e, ts, len(frame), len(frame) + (wire - cap), link, frame))
        if recs:
            seeds[link] = decode_seed(recs)
    return seeds


def manifest(shared):
    rows = {}
    path = os.path.join(shared, "SOURCES.tsv")
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            rows[row["path"]] = row
    return rows


class Writer:
    def __init__(self, outdir):
        self.outdir = outdir
        self.prov = []
        self.cleared = set()

    def put(self, target, name, data, source, licence):
        d = os.path.join(self.outdir, target)
        os.makedirs(d, exist_ok=True)
        if target not in self.cleared:
            for old in os.listdir(d):
                if old.startswith("seed-"):
                    os.unlink(os.path.join(d, old))
            self.cleared.add(target)
        fname = "seed-" + name
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
        self.prov.append((target + "/" + fname, len(data), source, licence))


# fuzz_magic.c: byte 0 = 0x80 | name length, the name, then the file's bytes.
MAGIC_BUDGET = 4096         # RW_MAGIC_WANT_BYTES: what the engine keeps for typing
MAGIC_RENAMED = [("paint.psd", "paint.txt"), ("bundle.zip", "report.docx"),
                 ("tool.exe", "invoice.pdf"), ("bundle.gz", "scene.prproj"),
                 ("still.png", "still.001"), ("budget.doc", "x/y\\budget.MAX")]


def magic_seed(name, data):
    nb = name.encode()[:127]
    return bytes([0x80 | len(nb)]) + nb + data[:MAGIC_BUDGET]


# fuzz_ftp.c chunk framing: h = dir << 7 | len (1..124), 125 = 16-bit length follows,
# 126 = gap (one length byte follows), 127 = rw_ftp_end.
def ftp_frame(events):
    out = bytearray()
    for ev in events:
        if ev[0] == "gap":
            out += bytes([ev[1] << 7 | 126, ev[2]])
        elif ev[0] == "end":
            out += bytes([127])
        else:
            d, data = ev
            while data:
                part, data = data[:65535], data[65535:]
                if len(part) <= 124:
                    out += bytes([d << 7 | len(part)])
                else:
                    out += bytes([d << 7 | 125, len(part) >> 8, len(part) & 0xff])
                out += part
    return bytes(out)


def ftp_session(lines):
    """lines: "C text" / "S text" (CRLF added) or raw (dir, bytes) / ("gap", ...) / ("end",)."""
    ev = []
    for x in lines:
        if isinstance(x, str):
            ev.append((0 if x[0] == "C" else 1, x[2:].encode() + b"\r\n"))
        else:
            ev.append(x)
    return ftp_frame(ev)


# fuzz_smtp: hand-written sessions (fuzz_ftp's framing) and the TCP payloads of the
# shared SMTP captures in packet order (the captures are clean: no reordering to undo).
SMTP_SEED_BUDGET = 16384
SMTP_SHARED = ["other_upload/smtp_bdat_png_attachment.pcap",
               "other_upload/smtp_exe_attachment_upload_964KB.pcap"]
SMTP_MSG = ("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
            "Content-Type: text/plain\r\n\r\nhello\r\n--b1\r\n"
            "Content-Type: image/png; name=\"a.png\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename*=UTF-8''b%20c.png\r\n\r\n"
            "iVBORw0KGgo=\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\n"
            "Content-Disposition: attachment; filename=q.txt\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db=\r\nc  \r\n"
            "--b1--\r\n")
SMTP_OPEN = ["S 220 mx ESMTP", "C EHLO ws", "S 250-mx", "S 250 CHUNKING", "C MAIL FROM:<a@b>",
             "S 250 ok", "C RCPT TO:<c@d>", "S 250 ok"]
SMTP_SESSIONS = [
    ("data_multipart", SMTP_OPEN + ["C DATA", "S 354 go", (0, SMTP_MSG.encode() + b"..x\r\n.\r\n"),
                                    "S 250 queued", "C QUIT", "S 221 bye"]),
    ("bdat_chunks", SMTP_OPEN + [(0, b"BDAT 40\r\n" + SMTP_MSG.encode()[:40]), "S 250 ok",
                                 (0, b"BDAT %d LAST\r\n" % (len(SMTP_MSG) - 40) +
                                  SMTP_MSG.encode()[40:]), "S 250 ok", ("end",)]),
    ("refused_rset_tls", SMTP_OPEN + ["C DATA", "S 554 no", "C RSET", "S 250 ok", "C STARTTLS",
                                      "S 220 go", (0, bytes([0x16, 3, 1, 0, 5]) + b"hello")]),
    ("gap_in_data", SMTP_OPEN + ["C DATA", "S 354 go", (0, SMTP_MSG.encode()[:200]), ("gap", 0, 50),
                                 (0, SMTP_MSG.encode()[250:] + b".\r\n")]),
]


def tcp_payloads(cap, port, budget):
    """(dir, payload) of the TCP segments of an Ethernet/IPv4 capture, in packet order:
    dir 0 to the server port, 1 from it; at most budget bytes."""
    out, used = [], 0
    for (_, _, _, _, _, link, p) in cap.records:
        if link != 1 or len(p) < 34 or p[12:14] != b"\x08\x00" or p[23] != 6:
            continue
        ihl = (p[14] & 15) * 4
        tot = struct.unpack(">H", p[16:18])[0]
        t = 14 + ihl
        if len(p) < t + 20:
            continue
        sport, dport = struct.unpack(">HH", p[t:t + 4])
        data = p[t + (p[t + 12] >> 4) * 4:14 + tot]
        if not data or used >= budget:
            continue
        data = data[:budget - used]
        used += len(data)
        out.append((0 if dport == port else 1, data))
    return out


# fuzz_tftp.c: a setup byte s (s & 3 role: 0 request flow, 1 transfer flow, 2 transfer
# flow with meta NULL; s >> 2 & 1 file_dir; s >> 3 & 1 IPv6 key; s >> 4 & 3 file ids), a
# transfer flow's name (length byte, bytes), then datagrams led by h = dir << 7 | n:
# n 0..123 bytes follow, 124 a 16-bit length follows, 125 a DATA datagram made by the
# target (block, length: 16 bits each), 126 rw_tftp_end. Seeds: the UDP payloads of the
# shared TFTP captures, per flow and in packet order (requests to port 69 as one request
# flow; each transfer flow's first and last datagrams), and hand-written transfers.
TFTP_SHARED = ["tftp/tftp_wrq_upload_rfc1350_txt.pcap", "tftp/tftp_rrq_wrq_multi_session.pcapng"]
TFTP_BUDGET = 3072          # bytes of datagrams per transfer seed (a few blocks)


def tftp_frame(dgrams):
    out = bytearray()
    for (d, p) in dgrams:
        if len(p) <= 123:
            out += bytes([d << 7 | len(p)])
        else:
            out += bytes([d << 7 | 124, len(p) >> 8, len(p) & 0xff])
        out += p
    return bytes(out)


def tftp_made(d, block, n):
    """The target's op 125: a DATA datagram of n filler bytes for block."""
    return bytes([d << 7 | 125, block >> 8, block & 0xff, n >> 8, n & 0xff])


def tftp_setup(role, file_dir=0, v6=0, ids=0, name=None):
    out = bytes([role | file_dir << 2 | v6 << 3 | ids << 4])
    if name is not None:
        out += bytes([len(name)]) + name
    return out


def udp_flows(cap):
    """The UDP flows of an Ethernet/IPv4 capture, in order of their first packet:
    [(key, [(dir, payload)])], key = (client, client port, server, server port) with the
    client the first sender, dir 0 from it."""
    flows, order = {}, []
    for (_, _, _, _, _, link, p) in cap.records:
        if link != 1 or len(p) < 42 or p[12:14] != b"\x08\x00" or p[23] != 17:
            continue
        t = 14 + (p[14] & 15) * 4
        if len(p) < t + 8:
            continue
        sport, dport, ulen = struct.unpack(">HHH", p[t:t + 6])
        a, b = (p[26:30], sport), (p[30:34], dport)
        data = p[t + 8:t + max(8, ulen)]
        if (b, a) in flows:
            flows[(b, a)].append((1, data))
        else:
            if (a, b) not in flows:
                flows[(a, b)] = []
                order.append((a, b))
            flows[(a, b)].append((0, data))
    return [(k, flows[k]) for k in order]


def tftp_seeds(w, shared, man):
    for n, rel in enumerate(TFTP_SHARED):
        with open(os.path.join(shared, rel), "rb") as f:
            cap = Capture(f.read())
        row = man.get(rel, {})
        src = "shared:%s (%s@%s %s)" % (rel, row.get("repository", "?"), row.get("commit", "?"),
                                        row.get("source_path", "?"))
        lic = row.get("licence", "?")
        flows = udp_flows(cap)
        reqs = [(d, p) for (k, dg) in flows if k[1][1] == 69 for (d, p) in dg]
        w.put("tftp", "req_" + safe(rel), tftp_setup(0, v6=n & 1) + tftp_frame(reqs),
              src + " requests to port 69, as one request flow", lic)
        announced = {}
        for (k, dg) in flows:
            if k[1][1] == 69 and dg and dg[0][1][:2] in (b"\x00\x01", b"\x00\x02"):
                announced[k[0]] = dg[0][1]
        for (i, (k, dg)) in enumerate(flows):
            req = announced.get(k[0]) or announced.get(k[1])
            if k[1][1] == 69 or req is None:
                continue
            name = req[2:req.index(b"\x00", 2)]
            client_sends = req[:2] == b"\x00\x02"
            # file_dir on this flow: DATA comes from the request's client on a WRQ
            fdir = 0 if (k[0] in announced) == client_sends else 1
            setup = tftp_setup(1 + (i & 1), fdir, v6=(i >> 1) & 1, ids=(i >> 2) & 3,
                               name=name[:0xef])
            tag = "xfer_%s_%s" % (safe(rel), re.sub(r"[^A-Za-z0-9]", "_", name.decode()))
            head, used = [], 0
            for x in dg:
                if used + len(x[1]) > TFTP_BUDGET:
                    break
                head.append(x)
                used += len(x[1])
            w.put("tftp", tag, setup + tftp_frame(head),
                  src + " transfer flow, first datagrams", lic)
            if len(head) < len(dg):
                tail, used = [], 0
                for x in reversed(dg):
                    if used + len(x[1]) > TFTP_BUDGET:
                        break
                    tail.insert(0, x)
                    used += len(x[1])
                w.put("tftp", tag + "_tail", setup + tftp_frame(tail) + bytes([126]),
                      src + " transfer flow, last datagrams", lic)
    for (name, data) in TFTP_HAND:
        w.put("tftp", name, data, "hand-written TFTP flow", "project")


TFTP_OACK8 = b"\x00\x06blksize\x008\x00"
TFTP_HAND = [
    # a peer numbering 65535 -> 0, 8-byte blocks, a retransmission of 65535
    ("wrap_to_zero", tftp_setup(1, 1, name=b"big.img") + tftp_frame([(1, TFTP_OACK8)]) +
     b"".join(tftp_made(1, b, 8) for b in (1, 2, 30000, 60000, 65535, 65535, 0, 1)) +
     tftp_frame([(0, b"\x00\x04\x00\x01")]) + tftp_made(1, 2, 3)),
    # a peer numbering 65535 -> 1, then a loss across the next wrap
    ("wrap_to_one", tftp_setup(1, 0, v6=1, name=b"fw.bin") + tftp_frame([(1, TFTP_OACK8)]) +
     b"".join(tftp_made(0, b, 8) for b in (1, 30000, 60000, 65535, 1, 2, 30000, 60000, 65000,
                                           5, 0)) + tftp_made(0, 6, 0)),
    # blksize 1024, a lost block, an ERROR from the receiver, DATA after it
    ("gap_error", tftp_setup(1, 1, ids=1, name=b"conf/startup.cfg") +
     tftp_frame([(1, b"\x00\x06blksize\x001024\x00tsize\x0099999\x00"),
                 (0, b"\x00\x04\x00\x00")]) +
     tftp_made(1, 1, 1024) + tftp_made(1, 4, 1024) + tftp_made(1, 3, 1024) +
     tftp_frame([(0, b"\x00\x05\x00\x03Disk full\x00")]) + tftp_made(1, 5, 10)),
    # refused before any DATA, then DATA anyway; a second rw_tftp_transfer
    ("refused", tftp_setup(3, 0, ids=2, name=b"") +
     tftp_frame([(1, b"\x00\x05\x00\x01File not found\x00"), (0, b"\x00\x03\x00\x00x"),
                 (0, b"\x00\x03\x00\x01y")]) + bytes([127])),
    # requests: a long name, an odd mode, options good and bad, a retransmission, junk
    ("requests_hostile", tftp_setup(0) + tftp_frame([
        (0, b"\x00\x01" + b"n" * 600 + b"\x00octet\x00"),
        (0, b"\x00\x02up.bin\x00OCTET\x00blksize\x000000000000000001468\x00tsize\x000\x00"),
        (0, b"\x00\x02up.bin\x00OCTET\x00blksize\x00" + b"9" * 8 + b"\x00"),
        (0, b"\x00\x01x\x00" + b"m" * 300 + b"\x00BLKSIZE\x0065464\x00timeout\x00"),
        (0, b"\x00\x01\x00octet\x00"), (1, b"\x00\x06blksize\x00512\x00"),
        (1, b"\x00\x03\x00\x01data"), (0, b"\x00\x04\x00\x00"), (0, b"\x00\x07"), (0, b"\x00")])),
]


# fuzz_smb: the port-445 connection with the most payload of each shared SMB capture, each
# direction reassembled by sequence number (retransmissions dropped), cut into NetBIOS
# messages and framed as fuzz_ftp's chunks in capture order (a message once its last byte
# came). The data of a lone WRITE request or READ response (SMB2, SMB1 WRITE_ANDX and
# READ_ANDX) is cut to SMB_DATA_KEEP bytes, its NetBIOS length, Length / DataLength and SMB1
# ByteCount patched, so that a seed of a few KiB holds a whole exchange: the session's
# opening ("_start") and the messages from the CREATE of the first file that moves at least
# 1 KiB ("_file"). Two hand-written sessions add what the captures lack.
SMB_SHARED = ["smb/smb2_read_payroll_xlsx.pcap", "smb/smb2_read_mimikatz_exe_download.pcap",
              "smb/smb2_write_psexesvc_exe_admin_share.pcap",
              "smb/smb2_async_read_3MB_pkg_download.pcap",
              "smb/smb1_write_exe_to_windows_dir_lateral.pcap"]
SMB_DATA_KEEP = 192
SMB_START_BUDGET = 4096
SMB_FILE_BUDGET = 6144


def smb_streams(cap, port=445):
    """The two byte streams of the connection to port with the most payload: per direction
    (bytes, [(stream length reached, record index)])."""
    flows = {}
    for i, (_, _, _, _, _, link, p) in enumerate(cap.records):
        if link != 1 or len(p) < 34 or p[12:14] != b"\x08\x00" or p[23] != 6:
            continue
        t = 14 + (p[14] & 15) * 4
        if len(p) < t + 20:
            continue
        sport, dport, seq = struct.unpack(">HHI", p[t:t + 8])
        data = p[t + (p[t + 12] >> 4) * 4:14 + struct.unpack(">H", p[16:18])[0]]
        if dport == port:
            key, d = (p[26:30], sport), 0
        elif sport == port:
            key, d = (p[30:34], dport), 1
        else:
            continue
        flows.setdefault(key, ([], []))[d].append((seq, i, p[t + 13] & 2, data))
    key = max(flows, key=lambda k: sum(len(x[3]) for d in flows[k] for x in d))
    out = []
    for segs in flows[key]:
        syn = [s for s in segs if s[2]]
        base = (syn[0][0] + 1) if syn else next((s[0] for s in segs if s[3]), 0)
        buf, grew, held = bytearray(), [], {}
        for (seq, i, _, data) in segs:
            rel = (seq - base) & 0xffffffff
            if data and rel < 0x80000000:
                held.setdefault(rel, data)
            while True:
                nxt = [r for r in held if r <= len(buf) < r + len(held[r])]
                if not nxt:
                    break
                r = nxt[0]
                buf += held.pop(r)[len(buf) - r:]
                grew.append((len(buf), i))
            for r in [r for r in held if r + len(held[r]) <= len(buf)]:
                del held[r]
        out.append((bytes(buf), grew))
    return out


def smb_shrink(m, keep):
    """A NetBIOS message whose lone WRITE / READ data is cut to keep bytes (fields patched)."""
    b, h = bytearray(m), 4

    def u16(at):
        return struct.unpack("<H", b[at:at + 2])[0]

    def u32(at):
        return struct.unpack("<I", b[at:at + 4])[0]

    if m[0] != 0 or len(b) < h + 33:
        return m
    if b[h:h + 4] == b"\xfeSMB" and len(b) >= h + 80 and u32(h + 20) == 0:
        cmd, resp = u16(h + 12), u32(h + 16) & 1
        if cmd == 9 and not resp:
            doff = u16(h + 66)
        elif cmd == 8 and resp:
            doff = b[h + 66]
        else:
            return m
        dlen = u32(h + 68)
        if dlen <= keep or h + doff + dlen != len(b):
            return m
        b[h + 68:h + 72] = struct.pack("<I", keep)
    elif b[h:h + 4] == b"\xffSMB":
        cmd, reply, wc, w = b[h + 4], b[h + 9] & 0x80, b[h + 32], h + 33
        if cmd == 0x2f and not reply and wc in (12, 14) and len(b) >= w + 2 * wc + 2:
            lo, hi, doff = w + 20, w + 18, u16(w + 22)
        elif cmd == 0x2e and reply and wc == 12 and len(b) >= w + 2 * wc + 2:
            lo, hi, doff = w + 10, w + 14, u16(w + 12)
        else:
            return m
        dlen = u16(lo) | u16(hi) << 16
        if dlen <= keep or h + doff + dlen != len(b):
            return m
        b[lo:lo + 2] = struct.pack("<H", keep)
        b[hi:hi + 2] = b"\x00\x00"
        b[w + 2 * wc:w + 2 * wc + 2] = struct.pack("<H", h + doff + keep - (w + 2 * wc + 2))
    else:
        return m
    del b[h + doff + keep:]
    b[1:4] = struct.pack(">I", len(b) - 4)[1:]
    return bytes(b)


def smb_messages(cap):
    """[(dir, message, is a CREATE request, moves >= 1 KiB)] in capture order."""
    msgs = []
    for d, (buf, grew) in enumerate(smb_streams(cap)):
        off, g = 0, 0
        while off + 4 <= len(buf):
            n = int.from_bytes(buf[off + 1:off + 4], "big")
            if buf[off] != 0:
                n &= 0x1ffff
            if off + 4 + n > len(buf):
                break
            while grew[g][0] < off + 4 + n:
                g += 1
            m = buf[off:off + 4 + n]
            small = smb_shrink(m, SMB_DATA_KEEP)
            create = d == 0 and ((m[4:8] == b"\xfeSMB" and len(m) >= 18 and m[16] == 5) or
                                 (m[4:8] == b"\xffSMB" and len(m) >= 9 and m[8] == 0xa2))
            msgs.append((grew[g][1], d, len(msgs), small, create, len(m) - len(small) >= 1024))
            off += 4 + n
    msgs.sort()
    return [(d, m, c, big) for (_, d, _, m, c, big) in msgs]


def smb_window(msgs, first, budget):
    out, used = [], 0
    for (d, m, _, _) in msgs[first:]:
        if used + len(m) > budget:
            break
        out.append((d, m))
        used += len(m)
    return out


def smb_seeds(cap):
    """{"start": events, "file": events} (file absent when the start window holds it)."""
    msgs = smb_messages(cap)
    seeds = {"start": smb_window(msgs, 0, SMB_START_BUDGET)}
    big = next((i for i, x in enumerate(msgs) if x[3]), None)
    if big is not None:
        first = max([i for i in range(big) if msgs[i][2]] or [big])
        if first >= len(seeds["start"]) - 2:
            seeds["file"] = smb_window(msgs, first, SMB_FILE_BUDGET)
    return seeds


def smb2_msg(cmd, mid, body, flags=0, tree=1, status=0, nxt=0):
    """An [MS-SMB2] 2.2.1 header (sync) and its body; flags bit 0 = response."""
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQII", 64, 1, status, cmd, 1, flags, nxt, mid, 0,
                                      tree) + b"\x00" * 24 + body)


def nbss(*pdus):
    """One NetBIOS session message of SMB2 commands, compounded (8-aligned, NextCommand)."""
    out = bytearray()
    for i, p in enumerate(pdus):
        p = bytearray(p)
        if i + 1 < len(pdus):
            p += b"\x00" * (-len(p) % 8)
            p[20:24] = struct.pack("<I", len(p))
        out += p
    return struct.pack(">I", len(out)) + bytes(out)


def smb1_msg(d, cmd, mid, words, data, unicode=1):
    """An [MS-CIFS] 2.2.3.1 header (a reply from the server, d 1), its words and bytes, in a
    NetBIOS session message (TID 0x0800, PIDLow 0xfeff, UID 0x0064)."""
    m = (b"\xffSMB" + struct.pack("<BIBH", cmd, 0, 0x18 | 0x80 * d, 0x4807 | 0x8000 * unicode)
         + b"\x00" * 12 + struct.pack("<HHHHB", 0x0800, 0xfeff, 0x0064, mid, len(words) // 2)
         + words + struct.pack("<H", len(data)) + data)
    return struct.pack(">I", len(m)) + m


def smb1_andx_chain(d, mid, cmds, unicode=1):
    """One SMB1 message whose commands are chained ([MS-CIFS] 2.2.3.4): cmds lists (cmd,
    words after the 4 AndX bytes, bytes, pad after the block, data_word) in order; when
    data_word is not None the 16-bit word at that index of the words (AndX words counted)
    is patched to the offset of the command's bytes plus one (its data after a pad byte).
    CLOSE (0x04), which may end a chain, is given its words whole."""
    body = bytearray()
    at = 32  # the first command's WordCount, from the header
    blocks = []
    for (i, (cmd, words, data, pad, data_word)) in enumerate(cmds):
        if cmd != 0x04:  # CLOSE, which may end a chain, has no AndX words
            words = struct.pack("<BBH", 0xff, 0, 0) + words
        words = bytearray(words)
        if data_word is not None:
            off = at + 1 + len(words) + 2 + 1
            words[data_word * 2:data_word * 2 + 2] = struct.pack("<H", off)
        blk = bytearray(struct.pack("<B", len(words) // 2) + words + struct.pack("<H", len(data))
                        + data + b"\xee" * pad)
        blocks.append(blk)
        at += len(blk)
    at = 32
    for (i, blk) in enumerate(blocks):
        if i + 1 < len(blocks):
            blk[1] = cmds[i + 1][0]
            blk[3:5] = struct.pack("<H", at + len(blk))
        at += len(blk)
        body += blk
    m = (b"\xffSMB" + struct.pack("<BIBH", cmds[0][0], 0, 0x18 | 0x80 * d,
                                  0x4807 | 0x8000 * unicode)
         + b"\x00" * 12 + struct.pack("<HHHH", 0x0800, 0xfeff, 0x0064, mid) + bytes(body))
    return struct.pack(">I", len(m)) + m


def patch16(m, at, v):
    """m with the 16-bit little-endian word at byte at replaced by v."""
    return m[:at] + struct.pack("<H", v) + m[at + 2:]


FID_A = struct.pack("<QQ", 0xa1, 0x55000000000000a1)
FID_REL = b"\xff" * 16


def smb2_create(mid, name, flags=0):
    n = name.encode("utf-16-le")
    return smb2_msg(5, mid, struct.pack("<H", 57) + b"\x00" * 42 + struct.pack("<HHII", 120,
                                                                             len(n), 0, 0) + n,
                    flags)


def smb2_write(mid, fid, off, data, flags=0):
    return smb2_msg(9, mid, struct.pack("<HHIQ", 49, 112, len(data), off) + fid + b"\x00" * 16
                    + data, flags)


SMB_PAYLOAD = bytes(range(32, 127)) * 2


def smb2_fid(n):
    return struct.pack("<QQ", n, 0x5500000000000000 | n)


def smb2_read_req(mid, fid, off, n):
    return smb2_msg(8, mid, struct.pack("<HBBIQ", 49, 0, 0, n, off) + fid + b"\x00" * 17)


def smb2_read_resp(mid, data, flags=1):
    return smb2_msg(8, mid, struct.pack("<HBBII", 17, 80, 0, len(data), 0) + b"\x00" * 4 + data,
                    flags)
SMB_SESSIONS = [
    # an IPC$ tree, a compounded CREATE + related WRITE + CLOSE and its responses, a gap
    # inside a WRITE's data, out-of-order READs of a third file with an async
    # (STATUS_PENDING) answer, an encrypted message, a keepalive, the end
    ("compound_gap_ooo", "SMB2", [
        (0, nbss(smb2_msg(3, 1, struct.pack("<HHHH", 9, 0, 72, 8) + "IPC$".encode("utf-16-le")),
                 )),
        (1, nbss(smb2_msg(3, 1, struct.pack("<HBBIII", 16, 2, 0, 0, 0, 0x1f01ff), flags=1,
                          tree=9))),
        (0, nbss(smb2_create(2, "dir\\\u00e9vil.exe"),
                 smb2_write(3, FID_REL, 0, SMB_PAYLOAD[:64], flags=4),
                 smb2_msg(6, 4, struct.pack("<HHI", 24, 0, 0) + FID_REL, flags=4))),
        (1, nbss(smb2_msg(5, 2, struct.pack("<H", 89) + b"\x00" * 62 + FID_A + b"\x00" * 8,
                          flags=1),
                 smb2_msg(9, 3, struct.pack("<HHI", 17, 0, 64) + b"\x00" * 9, flags=1),
                 smb2_msg(6, 4, struct.pack("<H", 60) + b"\x00" * 58, flags=1))),
        (0, nbss(smb2_create(5, "b.bin"))),
        (1, nbss(smb2_msg(5, 5, struct.pack("<H", 89) + b"\x00" * 62 + FID_A[:15] + b"\xb2" +
                          b"\x00" * 8, flags=1))),
        (0, nbss(smb2_write(6, FID_A[:15] + b"\xb2", 0, SMB_PAYLOAD))[:120]),
        ("gap", 0, 40),
        (0, nbss(smb2_write(6, FID_A[:15] + b"\xb2", 0, SMB_PAYLOAD))[160:]),
        (0, nbss(smb2_create(7, "c.bin"))),
        (1, nbss(smb2_msg(5, 7, struct.pack("<H", 89) + b"\x00" * 62 + FID_A[:15] + b"\xc3" +
                          b"\x00" * 8, flags=1))),
    ] + [(0, nbss(smb2_msg(8, 10 + k, struct.pack("<HBBIQ", 49, 0, 0, 64, 64 * k) +
                           FID_A[:15] + b"\xc3" + b"\x00" * 17))) for k in range(3)] + [
        (1, nbss(smb2_msg(8, 10, struct.pack("<HBBII", 17, 80, 0, 64, 0) + b"\x00" * 4 +
                          SMB_PAYLOAD[64:128], flags=1))),
        (1, nbss(smb2_msg(8, 11, b"\x09\x00" + b"\x00" * 7, flags=3, status=0x103))),
        (1, nbss(smb2_msg(8, 12, struct.pack("<HBBII", 17, 80, 0, 64, 0) + b"\x00" * 4 +
                          SMB_PAYLOAD[:64], flags=1))),
        (1, nbss(smb2_msg(8, 11, struct.pack("<HBBII", 17, 80, 0, 64, 0) + b"\x00" * 4 +
                          SMB_PAYLOAD[:64], flags=3))),
        (0, nbss(smb2_msg(6, 20, struct.pack("<HHI", 24, 0, 0) + FID_A[:15] + b"\xc3"))),
        (1, nbss(smb2_msg(6, 20, b"\x09\x00" + b"\x00" * 7, flags=3, status=0x103))),
        (1, nbss(smb2_msg(6, 20, struct.pack("<H", 60) + b"\x00" * 58, flags=3))),
        (1, struct.pack(">I", 64) + b"\xfdSMB" + b"\x00" * 60), (0, b"\x85\x00\x00\x00"),
        ("end",)]),
    # RW_FILES_PER_FLOW_MAX + 2 files written without a CREATE (nameless), then one closed
    ("files_over_limit", "SMB2",
     [(0, nbss(smb2_write(100 + k, smb2_fid(0x300 + k), 0, b"MZ"))) for k in range(66)] +
     [(0, nbss(smb2_msg(6, 200, struct.pack("<HHI", 24, 0, 0) + smb2_fid(0x300)))),
      (1, nbss(smb2_msg(6, 200, struct.pack("<H", 60) + b"\x00" * 58, flags=1))),
      (0, nbss(smb2_write(201, smb2_fid(0x400), 0, b"PK")))]),
    # 66 READs unanswered (RW_SMB_PENDING_MAX 64): the first two are forgotten
    ("pending_evicted", "SMB2",
     [(0, nbss(smb2_create(1, "many.bin"))),
      (1, nbss(smb2_msg(5, 1, struct.pack("<H", 89) + b"\x00" * 62 + smb2_fid(0x77) +
                        b"\x00" * 8, flags=1)))] +
     [(0, nbss(smb2_read_req(10 + k, smb2_fid(0x77), 16 * k, 16))) for k in range(66)] +
     [(1, nbss(smb2_read_resp(10, SMB_PAYLOAD[:16]))),
      (1, nbss(smb2_read_resp(75, SMB_PAYLOAD[:16]))),
      (1, nbss(smb2_read_resp(12, SMB_PAYLOAD[:16])))]),
    # SMB1: NT_CREATE_ANDX with an OEM name, READ_ANDX, CLOSE; a pipe by ResourceType
    ("smb1_oem_read", "SMB1", [
        (0, smb1_msg(0, 0xa2, 1, struct.pack("<BBHBH", 0xff, 0, 0, 0, 8) + b"\x00" * 41,
                     b"r\xe91.txt\x00", unicode=0)),
        (1, smb1_msg(1, 0xa2, 1, struct.pack("<BBHBH", 0xff, 0, 0, 0, 0x4005) + b"\x00" * 56 +
                     b"\x00" * 5, b"")),
        (0, smb1_msg(0, 0x2e, 2, struct.pack("<BBHHIH", 0xff, 0, 0, 0x4005, 0, 96) + b"\x00" * 12,
                     b"")),
        (1, smb1_msg(1, 0x2e, 2, struct.pack("<BBH", 0xff, 0, 0) + b"\x00" * 6 +
                     struct.pack("<HH", 96, 60) + b"\x00" * 10, b"\x00" + SMB_PAYLOAD[:96])),
        (0, smb1_msg(0, 0x04, 3, struct.pack("<HI", 0x4005, 0), b"")),
        (1, smb1_msg(1, 0x04, 3, b"", b"")),
        (0, smb1_msg(0, 0xa2, 4, struct.pack("<BBHBH", 0xff, 0, 0, 0, 16) + b"\x00" * 41,
                     b"\x00" + "\\srvsvc".encode("utf-16-le") + b"\x00\x00")),
        (1, smb1_msg(1, 0xa2, 4, struct.pack("<BBHBH", 0xff, 0, 0, 0, 0x4006) + b"\x00" * 56 +
                     b"\x02\x00\x00\x00\x00", b"")),
        (0, smb1_msg(0, 0x2f, 5, struct.pack("<BBHHIIHHHHH", 0xff, 0, 0, 0x4006, 0, 0, 0, 0, 0,
                                          40, 64) + b"\x00" * 4, b"\x00" + SMB_PAYLOAD[:40])),
        (0, smb1_msg(0, 0xa2, 6, struct.pack("<BBHBH", 0xff, 0, 0, 0, 301) + b"\x00" * 41,
                     b"\xe9" * 300 + b"\x00", unicode=0))]),
    # SMB1 AndX chains: NT_CREATE_ANDX + WRITE_ANDX + CLOSE in one request; LOCKING_ANDX +
    # (junk) + READ_ANDX answered by LOCKING_ANDX + READ_ANDX; a chain pointing backwards
    ("smb1_andx_chain", "SMB1", [
        (0, smb1_andx_chain(0, 1, [
            (0xa2, struct.pack("<BH", 0, 14) + b"\x00" * 41,
             b"\x00" + "up.exe".encode("utf-16-le") + b"\x00\x00", 0, None),
            (0x2f, struct.pack("<HIIHHHHHI", 0xffff, 0, 0, 0, 0, 0, 48, 0, 0),
             b"\x00" + SMB_PAYLOAD[:48], 0, 11),
            (0x04, struct.pack("<HI", 0xffff, 0), b"", 0, None)])),
        (1, smb1_andx_chain(1, 1, [
            (0xa2, b"\x00" + struct.pack("<H", 0x4007) + b"\x00" * 61, b"", 0, None),
            (0x2f, b"\x00" * 8, b"", 0, None)])),
        (0, smb1_andx_chain(0, 2, [
            (0x24, struct.pack("<HBBIHH", 0x4007, 0, 0, 0, 0, 0), b"", 8, None),
            (0x2e, struct.pack("<HIHHIH", 0x4007, 0, 64, 0, 0, 0) + b"\x00" * 4, b"", 0,
             None)])),
        (1, smb1_andx_chain(1, 2, [
            (0x24, b"", b"", 0, None),
            (0x2e, struct.pack("<HHHHH", 0, 0, 0, 64, 0) + b"\x00" * 10,
             b"\x00" + SMB_PAYLOAD[:64], 0, 6)])),
        # the second LOCKING_ANDX's AndXOffset points at itself: the WRITE_ANDX is not read
        (0, patch16(smb1_andx_chain(0, 3, [
            (0x24, struct.pack("<HBBIHH", 0x4007, 0, 0, 0, 0, 0), b"", 0, None),
            (0x24, struct.pack("<HBBIHH", 0x4007, 0, 0, 0, 0, 0), b"", 0, None),
            (0x2f, struct.pack("<HIIHHHHHI", 0x4007, 48, 0, 0, 0, 0, 16, 0, 0),
             b"\x00" + SMB_PAYLOAD[:16], 0, 11)]), 4 + 51 + 3, 51))]),
]


LOGIN_ANON = ["S 220 ProFTPD Server ready.", "C USER anonymous", "S 331 Password required",
              "C PASS guest@example.org", "S 230 Anonymous access granted", "C TYPE I",
              "S 200 Type set to I"]
LOGIN_USER = ["S 220 (vsFTPd 3.0.3)", "C USER alice", "S 331 Please specify the password.",
              "C PASS s3cret", "S 230-Welcome,", "S 230-second line", "S 230 Login successful."]
TLS_REC = bytes([0x16, 0x03, 0x01, 0x00, 0x05]) + b"hello"

FTP_SESSIONS = [
    ("pasv_stor_anon", LOGIN_ANON + ["C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80).",
                                     "C STOR upload.bin", "S 150 Ok to send data.",
                                     "S 226 Transfer complete.", "C QUIT", "S 221 Goodbye."]),
    ("pasv_nat_retr", LOGIN_USER + ["C PASV", "S 227 Entering Passive Mode (10,0,0,5,4,1)",
                                    "C RETR /pub/movie.mov", "S 150 Opening BINARY mode",
                                    "S 226 Done"]),
    ("pasv_noparen", LOGIN_USER + ["C pasv", "S 227 =198,51,100,20,7,208",
                                   "C retr a.txt", "S 226 ok"]),
    ("epsv_appe", LOGIN_USER + ["C EPSV", "S 229 Entering Extended Passive Mode (|||50000|)",
                                "C APPE log.txt", "S 150 ok", "S 226 ok",
                                "C EPSV", "S 229 Entering Extended Passive Mode (!!!50001!)",
                                "C STOR b.bin", "S 150 ok"]),
    ("port_retr", LOGIN_USER + ["C PORT 192,0,2,10,156,64", "S 200 PORT command successful",
                                "C RETR report.pdf", "S 150 ok", "S 226 ok",
                                "C PORT 192,0,2,77,156,65", "S 200 ok", "C STOR x.exe",
                                "C PORT 1,2,3,4,0,0", "S 501 bad"]),
    ("eprt_v4_v6", LOGIN_ANON + ["C EPRT |1|192.0.2.99|6000|", "S 200 ok", "C STOR one.bin",
                                 "S 150 ok", "C EPRT |2|2001:db8::99|6001|", "S 200 ok",
                                 "C STOR two.bin", "S 150 ok", "C EPRT |2|2001:db8::10|6002|",
                                 "C RETR three.bin"]),
    ("stou", LOGIN_USER + ["C PASV", "S 227 Entering Passive Mode (198,51,100,20,19,137)",
                           "C STOU", "S 150 FILE: stou.1", "S 226 ok", "C EPSV",
                           "S 229 (|||40001|)", "C STOU", "S 125 FILE: /tmp/x y.z", "S 226 ok",
                           "C PASV", "S 227 (198,51,100,20,19,138)", "C STOU", "S 150 ok"]),
    ("pipelined", LOGIN_USER[:1] + [(0, b"USER bob\r\nPASS pw\r\nPASV\r\nSTOR early.bin\r\n"),
                                    (1, b"331 pw\r\n230 ok\r\n227 Passive (198,51,100,20,1,2)\r\n150 ok\r\n")]),
    ("list_unannounced", LOGIN_ANON + ["C PASV", "S 227 (198,51,100,20,3,4)", "C LIST",
                                       "S 150 listing", "S 226 ok", "C RETR nope.bin",
                                       "S 425 Use PORT or PASV first.", "C NLST", "C MLSD"]),
    ("auth_tls_ccc", ["S 220 ready", "C AUTH TLS", "S 234 Proceed with negotiation.",
                      (0, TLS_REC * 3), (1, TLS_REC * 2), (0, b"CCC\r\n"), "S 200 ok",
                      "C PASV", "S 227 (198,51,100,20,5,6)", "C STOR after_tls.bin"]),
    ("gap_end", LOGIN_USER + [(0, b"PASV\r\nSTO"), ("gap", 0, 40), (0, b"R lost.bin\r\nNOOP\r\n"),
                              "S 227 (198,51,100,20,7,8)", ("gap", 1, 0), "C STOR kept.bin",
                              ("end",), "C PASV", "S 227 (198,51,100,20,9,10)", "C STOR z"]),
    ("long_lines", ["S 220 x", "C USER " + "u" * 3000, "S 331 " + "y" * 2100, "C PASS p",
                    "S 230 ok", "C PASV", "S 227 (198,51,100,20,11,12)",
                    "C STOR " + "n" * 600, "S 150 ok"]),
    ("iac_abor_lf", [(1, b"220 x\n"), (0, b"USER ftp\nPASS a@b\n"), (1, b"331 x\n230 x\n"),
                     (0, b"\xff\xf4\xff\xf2ABOR\r\n"), (1, b"226 x\n"), (0, b"EPSV ALL\n"),
                     (1, b"229 (|||65535|)\n"), (0, b"RETR \x00bin\n"),
                     (1, b"999 odd\nxyz\n2 short\n")]),
]


# fuzz_expect.c operations: add = 0 a aport b bport dir step n name..., take = 1 src sport
# dst dport step, expire = 2 step, add with a failing allocation = 3 ... fail; op | 0x80
# with the alternate address index in bits 4..6 adds an alternate pair.
def ex_add(a, ap, b, bp, d, step=1, name=b"f.bin", op=0):
    return bytes([op, a, ap, b, bp, d, step, len(name)]) + name


def ex_take(s, sp, d, dp, step=0):
    return bytes([1, s, sp, d, dp, step])


EXPECT_SEEDS = [
    ("passive_stor", bytes([8]) + ex_add(0, 0, 1, 4, 0) + ex_take(0, 3, 1, 4)),
    ("active_retr", bytes([8]) + ex_add(0, 3, 1, 0, 1) + ex_take(1, 1, 0, 3)),
    ("reverse", bytes([8]) + ex_add(0, 0, 1, 4, 0) + ex_take(1, 4, 0, 3)),
    ("nat_pair", bytes([8]) + ex_add(0, 0, 1, 4, 0, op=0x80 | 2 << 4) + ex_take(0, 3, 2, 4)
     + ex_take(0, 3, 1, 4)),
    ("ipv6_pair", bytes([8]) + ex_add(4, 3, 5, 0, 1, op=0x80 | 0 << 4) + ex_take(5, 1, 4, 3)),
    ("timeout", bytes([8]) + ex_add(0, 0, 1, 4, 0) + bytes([2, 119]) + ex_take(0, 3, 1, 4, 1)
     + ex_add(0, 0, 1, 5, 0) + bytes([2, 0x8d]) + ex_take(0, 3, 1, 5)),
    ("full_table", bytes([1]) + ex_add(0, 0, 1, 4, 0) + ex_add(0, 0, 1, 5, 0)
     + ex_take(0, 3, 1, 4) + ex_take(0, 3, 1, 5)),
    ("bad_args", bytes([8]) + ex_add(0, 0, 4, 4, 0) + ex_add(6, 0, 6, 4, 0)
     + ex_add(0, 0, 1, 0, 0) + ex_add(0, 0, 1, 4, 2)),
    ("oom_long_name", bytes([8]) + ex_add(0, 0, 1, 4, 0, op=3, name=b"x" * 200) + b"\x00"
     + ex_add(0, 0, 1, 4, 0, name=b"y" * 254) + ex_take(0, 3, 1, 4)),
]


# fuzz_stream: free-mode packets (fuzz_stream.c) of the first TCP flow of shared captures,
# from its start or from a few packets before its first retransmission or reordering, and
# hand-written model-mode plans.
STREAM_SEED_BUDGET = 3072   # captured payload bytes per seed
STREAM_SHARED = [           # (capture, where to start, captured bytes kept per segment)
    ("http_upload/http_post_multipart_minimal_test_txt.pcap", "start", None),
    ("http_upload/http_post_multipart_exe_fileupload_servlet.pcap", "anomaly", None),
    ("http_upload/http_post_multipart_malware_c2_beacons.pcap", "anomaly", 96),
    ("media_download/http_pdf_download_1.7MB_ipv6.pcap", "anomaly", 64),
    ("media_download/http_range_requests_jpeg_download.pcap", "anomaly", 96),
    ("ftp/ftp_auth_tls_attempt_stor_mrf_control_only.pcap", "anomaly", None),
    ("malformed/snaplen_truncated_1MB_tcp_transfer.pcap", "start", None),
]


def stream_ip(link, p):
    """(src, dst, TCP header and payload, TCP length on the wire) of a TCP packet."""
    if link == 1:
        off = 12
        while p[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
            off += 4
        et, q = p[off:off + 2], p[off + 2:]
    elif link == 113:
        et, q = p[14:16], p[16:]
    elif link == 276:
        et, q = p[0:2], p[20:]
    elif link in (12, 101, 228, 229) and p:
        et, q = (b"\x08\x00" if p[0] >> 4 == 4 else b"\x86\xdd"), p
    else:
        return None
    if et == b"\x08\x00" and len(q) >= 20 and q[9] == 6:
        ihl = (q[0] & 15) * 4
        return q[12:16], q[16:20], q[ihl:], struct.unpack(">H", q[2:4])[0] - ihl
    if et == b"\x86\xdd" and len(q) >= 40 and q[6] == 6:
        return q[8:24], q[24:40], q[40:], struct.unpack(">H", q[4:6])[0]
    return None


def stream_flow(cap):
    """The packets of the capture's first TCP flow: (dir, seq, ack, flags, payload, wire),
    dir 0 from the side that sent the first packet."""
    out, first = [], None
    for (_, _, _, _, _, link, p) in cap.records:
        ip = stream_ip(link, p)
        if ip is None or len(ip[2]) < 20:
            continue
        src, dst, t, tcplen = ip
        sp, dp, seq, ack = struct.unpack(">HHII", t[:12])
        thl = (t[12] >> 4) * 4
        a, b = (src, sp), (dst, dp)
        if first is None:
            first = (a, b)
        if (a, b) != first and (b, a) != first:
            continue
        wire = max(0, tcplen - thl)
        out.append((0 if (a, b) == first else 1, seq, ack, t[13], t[thl:thl + wire], wire))
    return out


def stream_anomaly(pkts):
    """Index of the first segment that is not at its direction's next sequence number."""
    nxt = {}
    for i, (d, seq, _, fl, pay, wire) in enumerate(pkts):
        if d in nxt and wire > 0 and seq != nxt[d]:
            return i
        if wire > 0 or fl & 3:
            end = (seq + wire + (fl & 1) + (fl >> 1 & 1)) & 0xffffffff
            if d not in nxt or (end - nxt[d]) & 0xffffffff < 0x80000000:
                nxt[d] = end
    return 0


def stream_free_seed(pkts, start, per_seg, budget=STREAM_SEED_BUDGET):
    """fuzz_stream.c free mode: 32-bit sequence and ACK numbers relative to the first ones
    of each direction (from packet start on), every byte as captured, the wire length
    kept (a segment cut to per_seg bytes or by the budget is a snaplen cut)."""
    pkts = pkts[start:]
    isn = [next((p[1] for p in pkts if p[0] == d), 0) for d in (0, 1)]
    out = bytearray([0, 0]) + struct.pack(">II", isn[0], isn[1])
    used = 0
    for (d, seq, ack, fl, pay, wire) in pkts:
        if used >= budget:
            break
        pay = pay[:per_seg] if per_seg is not None else pay
        pay = pay[:budget - used]
        used += len(pay)
        extra = min(wire - len(pay), 0x7fff)
        ctl = d << 7 | 0x60 | (0x10 if len(pay) > 255 else 0) | (0x08 if extra else 0)
        out += bytes([ctl, fl]) + struct.pack(">II", (seq - isn[d]) & 0xffffffff,
                                              (ack - isn[1 - d]) & 0xffffffff)
        out += struct.pack(">H", len(pay)) if len(pay) > 255 else bytes([len(pay)])
        if extra:
            out += struct.pack(">H", extra)
        out += pay
    return bytes(out)


def stream_model(pool=0, isn=(1000, 50000), opts=0, lens=(2000, 3000), shift=0, window=0,
                 dup=0, ovl=0, drop=0, lost=0, trunc=0, ack=0, cuts=b""):
    """fuzz_stream.c model mode: the plan's header, then segment sizes."""
    return bytes([1, pool]) + struct.pack(">IIBHHBBBBB", isn[0], isn[1], opts, lens[0], lens[1],
                                          shift, window, dup << 4 | ovl, drop << 4 | lost,
                                          trunc << 4 | ack) + cuts


STREAM_MODEL = [
    ("model_in_order", stream_model(cuts=bytes([0x30, 0xbf, 0xe0]) * 4)),
    ("model_reorder_dup_overlap", stream_model(lens=(8000, 8000), window=8, dup=6, ovl=6)),
    ("model_drop_loss_acks", stream_model(opts=0x40, lens=(20000, 6000), window=4, drop=6,
                                          lost=4, ack=8)),
    ("model_midstream_snaplen", stream_model(opts=0x02, lens=(6000, 6000), window=3, trunc=6,
                                             lost=2, cuts=bytes([0xc5, 0x10, 0xf0, 0x02]))),
    ("model_caps_300k", stream_model(lens=(37500, 30000), shift=0x0f, window=90, dup=2,
                                     drop=3)),
    ("model_small_pool", stream_model(pool=8, lens=(12000, 12000), window=20, ovl=4)),
    ("model_rst_early_end_wrap", stream_model(isn=(0xfffff000, 0xffffffff), opts=0x8f,
                                              lens=(9000, 9000), window=6, drop=4, ack=4)),
    ("model_synack_only_wrap", stream_model(isn=(0x7ffffff0, 0xfffffe00), opts=0x51,
                                            lens=(5000, 0), window=2, dup=3, lost=3)),
]

def stream_rec(d, flags, pay=b"", seq=0, ack=0, op=0, wire=None, seq32=False):
    """One fuzz_stream.c free-mode record: seq a step from the direction's cursor (or, with
    seq32, from its isn), ack a step from the other direction's cursor."""
    ctl = d << 7 | op | (0x40 if seq32 else 0) | (0x08 if wire is not None else 0)
    out = bytes([ctl, flags]) + struct.pack(">I" if seq32 else ">h", seq) + \
        struct.pack(">h", ack) + bytes([len(pay)])
    if wire is not None:
        out += struct.pack(">H", wire)
    return out + (pay if op != 1 else b"")


# Free-mode oddities: a sequence wraparound, held bytes overlapped by other bytes, a
# snaplen cut, a jump past RW_STREAM_MAX_AHEAD_BYTES, an RST with data, a bad dir, a NULL
# payload, SYN+FIN, a FIN, rw_stream_end and a packet after it.
STREAM_ODD = (bytes([0, 0]) + struct.pack(">II", 0xfffffff0, 7) +
              stream_rec(0, 0x02) + stream_rec(1, 0x12) + stream_rec(0, 0x10) +
              stream_rec(0, 0x18, b"abcd") + stream_rec(0, 0x18, b"ijkl", seq=8) +
              stream_rec(0, 0x18, b"xxgh", seq=-6) + stream_rec(0, 0x18, b"mn", wire=16) +
              stream_rec(0, 0x18, b"!", seq=0x40000100, seq32=True) +
              stream_rec(1, 0x14, b"rst") + stream_rec(0, 0x18, b"?", op=3) +
              stream_rec(0, 0x18, b"12345", seq=-0x4000, op=1) +
              stream_rec(0, 0x03, seq=-0x4000) + stream_rec(0, 0x11, b"z.", seq=-0x3ff0) +
              bytes([0x02]) + stream_rec(0, 0x18, b"@", seq=-0x4000))


def stream_seeds(w, shared, man):
    for (rel, where, per_seg) in STREAM_SHARED:
        with open(os.path.join(shared, rel), "rb") as f:
            pkts = stream_flow(Capture(f.read()))
        start = max(0, stream_anomaly(pkts) - 4) if where == "anomaly" else 0
        row = man.get(rel, {})
        what = "first TCP flow from packet %d" % start
        if per_seg is not None:
            what += ", %d bytes per segment" % per_seg
        w.put("stream", safe(rel), stream_free_seed(pkts, start, per_seg),
              "shared:%s (%s@%s %s) %s" % (rel, row.get("repository", "?"),
                                           row.get("commit", "?"),
                                           row.get("source_path", "?"), what),
              row.get("licence", "?"))
    for (name, data) in STREAM_MODEL:
        w.put("stream", name, data, "hand-written model-mode plan", "project")
    w.put("stream", "free_oddities", STREAM_ODD, "hand-written free-mode packets", "project")


def safe(name):
    base = os.path.basename(name)
    for ext in (".pcapng", ".pcap", ".yaml", ".yml"):
        if base.endswith(ext):
            base = base[:-len(ext)]
    return base.replace(".", "_")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.path.join(ROOT, "tests", "data", "pcaps"))
    ap.add_argument("--pcapgen", default=os.path.join(ROOT, "build", "tools", "rw_pcapgen"))
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    a = ap.parse_args()

    w = Writer(a.out)
    man = manifest(a.shared)

    for (rel, dec, pf) in SHARED:
        with open(os.path.join(a.shared, rel), "rb") as f:
            cap = Capture(f.read())
        row = man.get(rel, {})
        src = "shared:%s (%s@%s %s)" % (rel, row.get("repository", "?"), row.get("commit", "?"),
                                        row.get("source_path", "?"))
        lic = row.get("licence", "?")
        if dec and cap.records:
            w.put("decode", safe(rel), decode_seed(cap.records), src + " first packets", lic)
        if pf:
            w.put("pcapfile", safe(rel), pcap_cut(cap), src + " cut", lic)

    with tempfile.TemporaryDirectory() as tmp:
        gen = {}
        for (cmd, dec, pf) in GENERATED:
            out = os.path.join(tmp, cmd + ".pcap")
            subprocess.run([a.pcapgen, cmd, out], check=True, stdout=subprocess.DEVNULL)
            with open(out, "rb") as f:
                data = f.read()
            cap = gen[cmd] = Capture(data)
            src = "rw_pcapgen " + cmd
            if dec:
                w.put("decode", "gen_" + cmd, decode_seed(cap.records), src + " first packets",
                      "project")
            if pf:
                w.put("pcapfile", "gen_" + cmd, data, src, "project")
            if cmd == "evasion":
                w.put("pcapfile", "gen_evasion_cut", pcap_cut(cap, 6000), src + " cut",
                      "project")
        for link, seed in sorted(linktype_seeds(gen["demo"].records,
                                                gen["ipv6"].records).items()):
            w.put("decode", "link_%d" % link, seed,
                  "rw_pcapgen demo and ipv6: IP packets under link type %d" % link, "project")
        encap_seeds(w, a.pcapgen, tmp)
        out = os.path.join(tmp, "flood.pcap")
        subprocess.run([a.pcapgen, "flood", "300", out], check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            cap = Capture(f.read())
        # 150 SYNs of distinct flows, headers only: past the fuzz flow table's memcap
        w.put("decode", "gen_flood", decode_seed(cap.records, budget=20000, max_pkts=150,
                                                  trunc=64),
              "rw_pcapgen flood 300, 150 SYNs", "project")

    rule_files = [os.path.join("rules", "reelwatch.yaml"),
                  os.path.join("tests", "data", "lists", "formats.yaml")]
    bad = os.path.join(ROOT, "tests", "bad")
    for name in sorted(os.listdir(bad)):
        p = os.path.join(bad, name)
        if name.endswith((".yaml", ".yml")):
            rule_files.append(os.path.join("tests", "bad", name))
        elif os.path.isdir(p) and name != "lists":
            for sub in sorted(os.listdir(p)):
                if sub.endswith((".yaml", ".yml")):
                    rule_files.append(os.path.join("tests", "bad", name, sub))
    for rel in rule_files:
        with open(os.path.join(ROOT, rel), "rb") as f:
            data = f.read()
        name = rel.replace(os.sep, "_").replace("tests_bad_", "bad_")
        w.put("rules", safe(name), data, rel, "project")
    # fuzz_rules.c: "#8<" splits an input into a directory of two rule files
    for name in sorted(os.listdir(bad)):
        p = os.path.join(bad, name)
        if os.path.isdir(p) and name != "lists":
            parts = []
            for sub in sorted(os.listdir(p)):
                if sub.endswith((".yaml", ".yml")):
                    with open(os.path.join(p, sub), "rb") as f:
                        parts.append(f.read().rstrip(b"\n") + b"\n")
            w.put("rules", "dir_" + safe(name), b"#8<\n".join(parts[:2]),
                  "tests/bad/%s (two files, split at #8<)" % name, "project")
    # fuzz_rules.c: "#set NAME=VALUE" comment lines are --set options for the second load
    with open(os.path.join(ROOT, "rules", "reelwatch.yaml"), "rb") as f:
        data = f.read()
    w.put("rules", "sets_reelwatch",
          b"#set home_net=10.20.0.0/16,2001:db8:42::/48\n#set eve.types=alert\n"
          b"#set home_net=10.0.0.1/8,,\n#set nope=1\n#set =x\n" + data,
          "rules/reelwatch.yaml with --set lines", "project")

    for d in (os.path.join("rules", "lists"), os.path.join("tests", "data", "lists"),
              os.path.join("tests", "bad", "lists")):
        for name in sorted(os.listdir(os.path.join(ROOT, d))):
            if name.endswith(".yaml"):
                continue
            rel = os.path.join(d, name)
            with open(os.path.join(ROOT, rel), "rb") as f:
                data = f.read()
            w.put("addrlist", rel.replace(os.sep, "_").replace(".", "_"), data, rel, "project")

    files = os.path.join(ROOT, "tests", "data", "files")
    for name in sorted(os.listdir(files)):
        with open(os.path.join(files, name), "rb") as f:
            data = f.read()
        w.put("magic", safe(name), magic_seed(name, data),
              "tests/data/files/%s (first %d bytes)" % (name, MAGIC_BUDGET), "project")
    for (orig, renamed) in MAGIC_RENAMED:
        with open(os.path.join(files, orig), "rb") as f:
            data = f.read()
        w.put("magic", "renamed_" + re.sub(r"[^A-Za-z0-9_-]", "_", renamed),
              magic_seed(renamed, data),
              "tests/data/files/%s named %s" % (orig, renamed), "project")
    w.put("magic", "empty", magic_seed("empty.bin", b""), "no bytes", "project")
    w.put("magic", "utf8", magic_seed("notes.txt", "caf\u00e9 \u2014 na\u00efve\n".encode()),
          "UTF-8 text", "project")
    for (name, data) in EXPECT_SEEDS:
        w.put("expect", name, data, "hand-written rw_expect operations", "project")
    for (name, data) in FTP_SESSIONS:
        w.put("ftp", name, ftp_session(data), "hand-written FTP control session", "project")
    tftp_seeds(w, a.shared, man)
    for (name, data) in SMTP_SESSIONS:
        w.put("smtp", name, ftp_session(data), "hand-written SMTP session", "project")
    for rel in SMTP_SHARED:
        with open(os.path.join(a.shared, rel), "rb") as f:
            cap = Capture(f.read())
        row = man.get(rel, {})
        w.put("smtp", safe(rel), ftp_frame(tcp_payloads(cap, 25, SMTP_SEED_BUDGET)),
              "shared:%s (%s@%s %s) first TCP payloads" % (rel, row.get("repository", "?"),
                                                         row.get("commit", "?"),
                                                         row.get("source_path", "?")),
              row.get("licence", "?"))
    for rel in SMB_SHARED:
        with open(os.path.join(a.shared, rel), "rb") as f:
            cap = Capture(f.read())
        row = man.get(rel, {})
        src = "shared:%s (%s@%s %s)" % (rel, row.get("repository", "?"), row.get("commit", "?"),
                                        row.get("source_path", "?"))
        for (part, events) in sorted(smb_seeds(cap).items()):
            w.put("smb", safe(rel) + "_" + part, ftp_frame(events),
                  src + " TCP payload, %s messages, file data cut to %d bytes"
                  % ("opening" if part == "start" else "first file's", SMB_DATA_KEEP),
                  row.get("licence", "?"))
    for (name, proto, events) in SMB_SESSIONS:
        w.put("smb", name, ftp_frame(events), "hand-written %s session" % proto, "project")

    stream_seeds(w, a.shared, man)

    # Rows of targets this script does not write (seeds made by hand, e.g. evewriter and
    # addrfmt) are kept as they are.
    path = os.path.join(HERE, "corpus.tsv")
    kept = []
    if os.path.exists(path):
        with open(path, newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["seed"].split("/", 1)[0] not in w.cleared:
                    kept.append((row["seed"], int(row["bytes"]), row["source"], row["licence"]))
    total = 0
    with open(path, "w") as f:
        f.write("seed\tbytes\tsource\tlicence\n")
        for (name, n, src, lic) in sorted(w.prov + kept):
            f.write("%s\t%d\t%s\t%s\n" % (name, n, src, lic))
            total += n
    print("mkcorpus: %d seeds, %d bytes" % (len(w.prov), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
