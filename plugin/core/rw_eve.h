/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_eve.h — EVE JSON records (Suricata's format), streamed with rw_json. */
#ifndef RW_EVE_H
#define RW_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "rw.h"
#include "rw_classify.h"
#include "rw_json.h"

/*
 * Every record is one JSON object valid against Suricata's EVE schema
 * (tests/data/eve-schema.json): no top-level key outside it. Records are written key by
 * key into a struct rw_json (rw_json.h), which escapes strings from the wire exactly as
 * Suricata's JsonBuilder does (invalid UTF-8 included; see rw_json.h and docs/eve.md).
 * A builder returns the finished line, which the caller owns: rw_eve_emit writes and
 * frees it, rw_json_free frees it unwritten.
 */

/* rw_eve_timestamp formats packet time as Suricata does, in UTC:
 * "2024-05-01T12:00:00.123456+0000". buf must hold RW_EVE_TS_BYTES. */
#define RW_EVE_TS_BYTES 40
void rw_eve_timestamp(uint64_t ts_us, char *buf, size_t len);

/* rw_eve_community_id writes the Community ID v1 (seed 0) of key, "1:<base64>", into buf
 * (at least 32 bytes). Returns 0 or RW_EINVAL. */
int rw_eve_community_id(const struct rw_flow_key *key, char *buf, size_t len);

/* rw_eve_proto_name gives Suricata's proto word: "TCP", "UDP", "ICMP", "IPv6-ICMP",
 * else the decimal number. buf holds at least 8 bytes. */
const char *rw_eve_proto_name(uint8_t proto, char *buf, size_t len);

/*
 * rw_eve_begin starts a record in a new writer: the top-level object is left open after
 * timestamp, flow_id, event_type, vlan (when tagged), src/dest ip and port, proto,
 * community_id, and app_proto (when given). With swap set the src and dest values change
 * places (alerts name the sender src), the keys keep their order. NULL on OOM.
 * rw_eve_end closes the top-level object and returns j, or frees j and returns NULL when
 * any write failed (OOM) or objects were left open; NULL j gives NULL.
 */
struct rw_json *rw_eve_begin(const char *event_type, uint64_t ts_us,
                             const struct rw_flow_info *info, const char *app_proto, int swap);
struct rw_json *rw_eve_end(struct rw_json *j);

/*
 * rw_eve_flow_record builds a complete "flow" record for a flow that ended: the header
 * (timestamp = last packet time), the flow object (pkts/bytes per direction, start, end,
 * age, state, reason, alerted), the tcp object for TCP (flags per direction as hex and
 * booleans, state) and, when cls is given, app_proto and the "ndpi" object (protocol,
 * category, hostname, risks, guessed). Caller owns the result; NULL on OOM.
 */
struct rw_json *rw_eve_flow_record(const struct rw_flow_info *info,
                                   const struct rw_cls_result *cls, int alerted);

/*
 * rw_eve_fileinfo_record builds a "fileinfo" record for a file of the flow described by
 * info: the header (timestamp = ev->ts_us, app_proto = ev->app_proto) and the fileinfo
 * object (filename, magic when known, size, state "CLOSED" / "TRUNCATED" / "OPEN",
 * gaps, stored false) plus "direction" ("to_server" for uploads, "to_client"). Caller
 * owns the result; NULL on OOM.
 */
struct rw_json *rw_eve_fileinfo_record(const struct rw_flow_info *info,
                                       const struct rw_file_event *ev);

/*
 * rw_eve_stats_record builds a "stats" record at ts_us from n counters with dotted
 * Suricata paths ("decoder.event.ipv4.trunc_pkt"), nested into objects under "stats".
 * A path that names both a value and an object, or is empty, is skipped. Counters with
 * the same path are added. Caller owns the result; NULL on OOM.
 */
struct rw_json *rw_eve_stats_record(uint64_t ts_us, const struct rw_counter *c, size_t n);
/* rw_eve_stats_into writes the same record into j (emptied first; the caller's writer,
 * reused from record to record). Returns 0 or RW_ENOMEM. */
int rw_eve_stats_into(struct rw_json *j, uint64_t ts_us, const struct rw_counter *c, size_t n);

/*
 * rw_eve_anomaly_record builds an "anomaly" record as Suricata 7 writes an app-layer
 * event (output-json-anomaly.c): the header at ts_us (no top-level app_proto) and
 * anomaly {app_proto, type "applayer", event, layer "proto_parser"}. app_proto and event
 * are copied. Caller owns the result; NULL on OOM.
 */
struct rw_json *rw_eve_anomaly_record(const struct rw_flow_info *info, uint64_t ts_us,
                                      const char *app_proto, const char *event);

/* rw_eve_has_ports: 1 when records of this IP protocol carry src_port/dest_port (TCP, UDP,
 * SCTP). rw_eve_file_state_name: Suricata's fileinfo.state word for enum rw_file_state. */
int rw_eve_has_ports(uint8_t proto);
const char *rw_eve_file_state_name(uint8_t state);

/* rw_eve_emit hands the record's one line to out and frees rec in every case. NULL rec
 * (a builder ran out of memory) gives RW_ENOMEM. Returns 0, RW_ENOMEM, RW_EINVAL (no
 * out), or out's error. */
int rw_eve_emit(const struct rw_output *out, struct rw_json *rec);

#endif
