#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_evasion.py — writes the HTTP evasion capture of the http_suricata e2e case.

    python3 tests/e2e/http_suricata/gen_evasion.py OUT.pcap

Each case is one TCP connection from 10.1.2.10:(53000+i) to 175.45.176.80:80 (in the
flagged 175.45.176.0/22): handshake, the client's bytes in segments of at most 1200 bytes,
then the server's, then FIN from both. Every byte is deterministic, so the capture is the
same on every run; the file sizes Suricata 7.0.10 reports for it are recorded in
expected.tsv by run_suricata.sh. The cases are listed in CASES below, each with what it
tries.
"""
import gzip
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pcapwrite import ACK, FIN, PSH, SYN, Writer  # noqa: E402  (the e2e directory)


def psd_bytes(n):
    """A 64x64 RGB 8-bit Photoshop header followed by n - 26 deterministic bytes."""
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 64, 64, 8, 3)
    return head + bytes((i * 7 + 3) & 0xFF for i in range(n - len(head)))


def mov_bytes(n):
    """A QuickTime 'ftyp qt' box, then an mdat box filling the rest."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"qt  ", 0x200, b"qt  ")
    body = bytes((i * 13 + 5) & 0xFF for i in range(n - len(ftyp) - 8))
    return ftyp + struct.pack(">I4s", len(body) + 8, b"mdat") + body


PSD = psd_bytes(6000)
MOV = mov_bytes(9000)
BOMB = gzip.compress(gzip.compress(b"\0" * (16 << 20), 9, mtime=0), 9, mtime=0)
TXT = b"".join(b"line %04d of the review notes\n" % i for i in range(100))


def gz(b):
    return gzip.compress(b, compresslevel=6, mtime=0)


def chunk(data, sizes, fmt="%x", eol=b"\r\n", ext=b""):
    out, i = b"", 0
    for s in sizes:
        part = data[i:i + s]
        if not part:
            break
        out += (fmt % len(part)).encode() + ext + eol + part + eol
        i += len(part)
    if i < len(data):
        out += (fmt % (len(data) - i)).encode() + ext + eol + data[i:] + eol
    return out + b"0" + eol + eol


H = b"Host: 175.45.176.80\r\n"
OK = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"


def put(path, body, extra=b"", method=b"PUT"):
    return method + b" " + path + b" HTTP/1.1\r\n" + H + extra + \
        b"Content-Length: %d\r\n\r\n" % len(body) + body


def ok200(body, extra=b""):
    return b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


MP_B = b"----rwBoundary7MA4YWxk"
MULTI = (b"--" + MP_B + b"\r\nContent-Disposition: form-data; name=\"project\"\r\n\r\nep07\r\n"
         b"--" + MP_B + b"\r\nContent-Disposition: form-data; name=\"comp\"; "
         b"filename=\"sh010_comp.psd\"\r\nContent-Type: image/vnd.adobe.photoshop\r\n\r\n" + PSD +
         b"\r\n--" + MP_B + b"\r\nContent-Disposition: form-data; name=\"notes\"; "
         b"filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n" + TXT +
         b"\r\n--" + MP_B + b"--\r\n")

MULTI_EMPTY = (b"--" + MP_B + b"\r\nContent-Disposition: form-data; name=\"none\"; "
               b"filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
               b"--" + MP_B + b"\r\nContent-Disposition: form-data; name=\"comp\"; "
               b"filename=\"sh040_comp.psd\"\r\n\r\n" + PSD + b"\r\n--" + MP_B + b"--\r\n")

# (name, client bytes, server bytes, what it tries)
CASES = [
    ("plain_put", put(b"/dav/ep07/plain.psd", PSD), OK,
     "baseline: PUT with Content-Length"),
    ("chunked_ext_zeros",
     b"PUT /dav/ep07/chunked_ext.psd HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" +
     chunk(PSD, [100, 2000, 7], fmt="%08X", ext=b";name=value"), OK,
     "chunk sizes with leading zeros, upper-case hex and chunk extensions"),
    ("chunked_lf_only",
     b"PUT /dav/ep07/chunked_lf.psd HTTP/1.1\n" + b"Host: 175.45.176.80\n" +
     b"Transfer-Encoding: chunked\n\n" + chunk(PSD, [1000, 1000], eol=b"\n"), OK,
     "request, headers and chunk framing all end in a bare LF"),
    ("chunked_space_size",
     b"PUT /dav/ep07/chunked_sp.psd HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" +
     chunk(PSD, [1500, 1500], fmt="%x   "), OK,
     "spaces after the chunk size"),
    ("lf_only_cl", b"PUT /dav/ep07/lf_only.psd HTTP/1.1\nHost: 175.45.176.80\n"
     b"Content-Length: %d\n\n" % len(PSD) + PSD, OK,
     "LF-only lines with Content-Length"),
    ("folded_te",
     b"PUT /dav/ep07/folded_te.psd HTTP/1.1\r\n" + H + b"Transfer-Encoding:\r\n chunked\r\n\r\n" +
     chunk(PSD, [3000]), OK,
     "Transfer-Encoding: chunked folded onto a continuation line"),
    ("folded_ctype", put(b"/dav/ep07/folded_ct.psd", PSD,
                         b"Content-Type: image/\r\n\tvnd.adobe.photoshop\r\n"), OK,
     "a folded Content-Type"),
    ("dup_cl_same", b"PUT /dav/ep07/dup_cl.psd HTTP/1.1\r\n" + H +
     b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(PSD), len(PSD)) + PSD, OK,
     "two equal Content-Length headers"),
    ("dup_cl_conflict", b"PUT /dav/ep07/dup_cl_conflict.psd HTTP/1.1\r\n" + H +
     b"Content-Length: 100\r\nContent-Length: %d\r\n\r\n" % len(PSD) + PSD, OK,
     "two different Content-Length headers (100, then the real length)"),
    ("te_and_cl", b"PUT /dav/ep07/te_cl.psd HTTP/1.1\r\n" + H +
     b"Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(PSD, [2500]), OK,
     "Content-Length 100 and Transfer-Encoding: chunked: chunked wins"),
    ("te_identity_chunked", b"PUT /dav/ep07/te_list.psd HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: identity, chunked\r\n\r\n" + chunk(PSD, [2500]), OK,
     "Transfer-Encoding: identity, chunked"),
    ("te_xchunked", b"PUT /dav/ep07/te_x.psd HTTP/1.1\r\n" + H +
     b"Content-Length: %d\r\nTransfer-Encoding: xchunked\r\n\r\n" % len(PSD) + PSD, OK,
     "Transfer-Encoding: xchunked (not chunked) with a Content-Length"),
    ("gzip_response",
     b"GET /assets/ep07/ref_gz.psd HTTP/1.1\r\n" + H + b"\r\n",
     ok200(gz(PSD), b"Content-Type: image/vnd.adobe.photoshop\r\nContent-Encoding: gzip\r\n"),
     "a gzip-encoded download"),
    ("deflate_response",
     b"GET /assets/ep07/ref_deflate.psd HTTP/1.1\r\n" + H + b"\r\n",
     ok200(zlib.compress(PSD, 6), b"Content-Encoding: deflate\r\n"),
     "a deflate (zlib) download"),
    ("raw_deflate_response",
     b"GET /assets/ep07/ref_rawdeflate.psd HTTP/1.1\r\n" + H + b"\r\n",
     ok200(zlib.compress(PSD, 6)[2:-4], b"Content-Encoding: deflate\r\n"),
     "a raw deflate (no zlib header) download"),
    ("gzip_chunked_response",
     b"GET /assets/ep07/ref_gzch.mov HTTP/1.1\r\n" + H + b"\r\n",
     b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
     chunk(gz(MOV), [500, 700]),
     "gzip inside chunked"),
    ("gzip_layered_response",
     b"GET /assets/ep07/ref_gz2.psd HTTP/1.1\r\n" + H + b"\r\n",
     ok200(gz(gz(PSD)), b"Content-Encoding: gzip, gzip\r\n"),
     "two gzip layers"),
    ("gzip_upload_psd", put(b"/dav/ep07/upload_gz.psd", gz(PSD),
                            b"Content-Type: image/vnd.adobe.photoshop\r\n"
                            b"Content-Encoding: gzip\r\n"), OK,
     "a PUT of a PSD with Content-Encoding: gzip"),
    ("gzip_upload_mov", put(b"/upload/ep07_comp_gz.mov", gz(MOV),
                            b"Content-Type: video/quicktime\r\nContent-Encoding: gzip\r\n",
                            method=b"POST"), OK,
     "a POST of a MOV with Content-Encoding: gzip"),
    ("http09_response", b"GET /legacy/ep07_old.psd\r\n", PSD,
     "an HTTP/0.9 request: the response is the raw bytes up to the close"),
    ("content_disposition",
     b"GET /download?id=42 HTTP/1.1\r\n" + H + b"\r\n",
     ok200(PSD, b"Content-Disposition: attachment; filename=\"sh020_comp.psd\"\r\n"),
     "a download named by Content-Disposition"),
    ("multipart_upload", b"POST /upload/form HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=" + MP_B + b"\r\n" +
     b"Content-Length: %d\r\n\r\n" % len(MULTI) + MULTI, ok200(b"{}"),
     "multipart/form-data: a field and two files"),
    ("form_urlencoded", put(b"/review/submit", b"shot=sh010&status=approved",
                            b"Content-Type: application/x-www-form-urlencoded\r\n",
                            method=b"POST"), ok200(b"ok"),
     "a form-urlencoded POST"),
    ("post_query_uri", put(b"/dav/ep07/%73h030.psd?rev=3#frag", PSD, method=b"POST"), OK,
     "a POST whose URI has a percent-encoded path, a query and a fragment"),
    ("patch_method", put(b"/dav/ep07/patched.psd", PSD, method=b"PATCH"), OK,
     "a PATCH body (neither POST nor PUT)"),
    ("read_to_close_response",
     b"GET /assets/ep07/close.psd HTTP/1.1\r\n" + H + b"\r\n",
     b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + PSD,
     "a response with neither Content-Length nor chunked: read to the close"),
    ("gzip_bomb_response",
     b"GET /assets/ep07/bomb.psd HTTP/1.1\r\n" + H + b"\r\n",
     ok200(BOMB, b"Content-Encoding: gzip, gzip\r\n"),
     "16 MiB of zeros as gzip inside gzip (153 bytes): the decompression bomb limit"),
    ("chunk_data_ends_crlf",
     b"PUT /dav/ep07/crlf_chunks.txt HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" +
     b"6\r\nab\r\n\r\n\r\n4\r\ncdef\r\n0\r\n\r\n", OK,
     "a chunk whose data ends in CRLF CRLF, then another chunk"),
    ("uri_case_and_slashes", put(b"/DAV//Ep07/./old/../Mixed\\Case%2Fsep.PSD", PSD), OK,
     "a path with upper case, doubled slashes, dot segments, a backslash and an encoded /"),
    ("multipart_empty_filename", b"POST /upload/form2 HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=" + MP_B + b"\r\n" +
     b"Content-Length: %d\r\n\r\n" % len(MULTI_EMPTY) + MULTI_EMPTY, OK,
     "multipart with a filename=\"\" part (no file chosen) and a file part"),
    ("pipelined_puts", put(b"/dav/ep07/pipe_a.psd", PSD) + put(b"/dav/ep07/pipe_b.txt", TXT),
     OK + OK, "two pipelined PUTs"),
]




def conn(w, sp, cbytes, sbytes, cli="10.1.2.10", srv="175.45.176.80", dp=80, mss=1200):
    cs, ss = 1000, 50000
    w.pkt(cli, srv, sp, dp, cs, 0, SYN)
    w.pkt(srv, cli, dp, sp, ss, cs + 1, SYN | ACK)
    cs += 1
    ss += 1
    w.pkt(cli, srv, sp, dp, cs, ss, ACK)
    for i in range(0, len(cbytes), mss):
        seg = cbytes[i:i + mss]
        w.pkt(cli, srv, sp, dp, cs, ss, PSH | ACK, seg)
        cs += len(seg)
        w.pkt(srv, cli, dp, sp, ss, cs, ACK)
    for i in range(0, len(sbytes), mss):
        seg = sbytes[i:i + mss]
        w.pkt(srv, cli, dp, sp, ss, cs, PSH | ACK, seg)
        ss += len(seg)
        w.pkt(cli, srv, sp, dp, cs, ss, ACK)
    w.pkt(cli, srv, sp, dp, cs, ss, FIN | ACK)
    w.pkt(srv, cli, dp, sp, ss, cs + 1, FIN | ACK)
    w.pkt(cli, srv, sp, dp, cs + 1, ss + 1, ACK)


def main():
    # --repeat N: every case N times over (ports 10000 up): the capture of make
    # http-speed, many HTTP exchanges for callgrind.
    rep = 1
    if len(sys.argv) == 4 and sys.argv[1] == "--repeat":
        rep = int(sys.argv[2])
        del sys.argv[1:3]
    if len(sys.argv) != 2:
        sys.exit("usage: gen_evasion.py [--repeat N] OUT.pcap")
    with open(sys.argv[1], "wb") as f:
        w = Writer(f)
        for r in range(rep):
            for i, (_, c, s, _) in enumerate(CASES):
                conn(w, (53000 if rep == 1 else 10000 + r * len(CASES)) + i, c, s)


if __name__ == "__main__":
    main()
