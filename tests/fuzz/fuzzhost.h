/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzzhost.h — the standalone host's packet path (decode, flow table, engine) for fuzz targets. */
#ifndef FUZZHOST_H
#define FUZZHOST_H

#include <stddef.h>
#include <stdint.h>

/*
 * A fuzz harness feeds frames here exactly as plugin/pcap/main.c does (host_packet):
 * rw_decode_packet, then rw_flowtable_packet, then rw_engine_flow_new / rw_engine_packet,
 * with rw_engine_flow_end from the flow table's end callback. One engine (no rules, nDPI
 * set up once) lives for the whole process; each input gets a fresh flow table at the
 * smallest memcap, so eviction is reachable, and ends with a flush and a stats record.
 *
 * Oracles beyond the sanitizers, each abort()ing with a message on stderr:
 *   - every frame is copied into an allocation of exactly caplen bytes, so that a read
 *     past the captured bytes is a heap-buffer-overflow and not a silent read of the
 *     next frame;
 *   - rw_decode_packet's contract: the result points inside the frame, payload_len <=
 *     payload_wire_len, and a packet that is not a flow packet bumps exactly one reason
 *     counter while a flow packet bumps none (rw_decode.h);
 *   - every EVE line is one complete JSON object with no newline and an event_type;
 *   - the flow table (rw_flowtable.h): memuse never above the memcap and back to the
 *     empty table's after the flush; every created flow reaches the end callback once.
 */

/* fuzzhost_begin starts an input: a new flow table, zeroed decoder counters, packet clock
 * at 0. The engine is made on the first call; failures there abort (harness only). Then
 * the rw_* allocation hook is set to fail_at (rw_alloc.h: the fail_at-th allocation from
 * now and every later one fail; 0 for none), so a second pass over an input can run out
 * of memory part way. */
void fuzzhost_begin(unsigned long fail_at);

/* fuzzhost_packet feeds one frame of link type dlt captured at ts_us (microseconds since
 * the epoch; the flow clock never runs backwards) with caplen bytes of wirelen. data is
 * borrowed for the call. */
void fuzzhost_packet(int dlt, uint64_t ts_us, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen);

/* fuzzhost_end ends every flow (RW_END_SHUTDOWN), writes the stats record and frees the
 * flow table, so nothing allocated for the input is left; it turns the allocation hook
 * off and returns how many rw_* allocations were made since fuzzhost_begin. */
unsigned long fuzzhost_end(void);

/* fuzzhost_hash is FNV-1a over data: harnesses derive a fail_at from it, so a crash
 * reproduces from the input alone. */
uint32_t fuzzhost_hash(const uint8_t *data, size_t size);

/* With FUZZHOST_VERBOSE in the environment every EVE line is also printed on stderr (to
 * see what a seed reaches). fuzzhost_records returns how many EVE lines were written since the process started. */
uint64_t fuzzhost_records(void);

#endif
