/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_detect_eve.c — the EVE "alert" record of an alert (rw_detect_alert_record). */
#include "rw_detect_int.h"

#include <string.h>

#include "rw_eve.h"

/* ---- EVE ------------------------------------------------------------------------------- */

static void det_time(struct rw_json *j, const char *key, uint64_t us)
{
    char ts[RW_EVE_TS_BYTES];

    rw_eve_timestamp(us, ts, sizeof(ts));
    rw_json_cstr(j, key, ts);
}

static void det_metadata(struct rw_json *j, const struct rw_rule *r)
{
    rw_json_object_open(j, "metadata");
    for (size_t i = 0; i < r->nmetadata; i++) {
        const struct rw_rule_meta *m = &r->metadata[i];

        /* Keys come from libyaml, which only passes valid UTF-8. */
        rw_json_array_open(j, m->key);
        for (size_t k = 0; k < m->nvalues; k++)
            rw_json_cstr(j, NULL, m->values[k]);
        rw_json_close(j);
    }
    rw_json_close(j);
}

static void det_window_json(struct rw_json *j, const struct rw_alert *a)
{
    rw_json_object_open(j, "window");
    rw_json_u64(j, "span", a->window.span_sec);
    rw_json_u64(j, "files", a->window.files);
    rw_json_u64(j, "bytes", a->window.bytes);
    rw_json_u64(j, "flows", a->window.flows);
    det_time(j, "first", a->window.first_us);
    det_time(j, "last", a->window.last_us);
    rw_json_close(j);
}

static void det_type_groups(struct rw_json *j, const struct rw_alert *a)
{
    size_t ng = a->rules == NULL ? 0 : rw_rules_group_count(a->rules);

    rw_json_array_open(j, "type_groups");
    for (size_t g = 0; g < ng && g < 64; g++) {
        if (a->types & (1ULL << g))
            rw_json_cstr(j, NULL, rw_rules_group(a->rules, g)->name);
    }
    rw_json_close(j);
}

static void det_context(struct rw_json *j, const struct rw_alert *a)
{
    rw_json_object_open(j, "context");
    rw_json_cstr(j, "level", rd_level_name(a->level));
    rw_json_cstr(j, "direction", a->direction);
    if (a->list != NULL) {
        rw_json_cstr(j, "list", a->list);
        rw_json_cstr(j, "prefix", a->prefix);
    }
    if (a->types != 0)
        det_type_groups(j, a);
    if (a->file != NULL && a->file->ext_mismatch)
        rw_json_bool(j, "ext_mismatch", 1);
    if (a->anonymous >= 0)
        rw_json_bool(j, "anonymous", a->anonymous);
    if (a->level != RW_RULE_HOST)
        rw_json_u64(j, "bytes", a->bytes);
    if (a->proto != NULL && a->proto[0] != '\0')
        rw_json_str(j, "proto", a->proto, strnlen(a->proto, RW_PROTO_NAME_MAX_BYTES));
    if (a->hostname != NULL && a->hostname[0] != '\0')
        rw_json_str(j, "hostname", a->hostname, strnlen(a->hostname, RW_HOSTNAME_MAX_BYTES));
    if (a->level == RW_RULE_HOST)
        det_window_json(j, a);
    rw_json_close(j);
}

static void det_alert_object(struct rw_json *j, const struct rw_alert *a)
{
    const struct rw_rule *r = a->rule;

    rw_json_object_open(j, "alert");
    rw_json_cstr(j, "action", "allowed");
    rw_json_u64(j, "gid", 1);
    rw_json_u64(j, "signature_id", r->sid);
    rw_json_u64(j, "rev", r->rev);
    rw_json_cstr(j, "signature", r->msg);
    /* Suricata writes an empty category for a rule without classtype. */
    rw_json_cstr(j, "category", r->category != NULL ? r->category : "");
    rw_json_u64(j, "severity", (uint64_t)r->severity);
    if (r->nmetadata > 0)
        det_metadata(j, r);
    if (r->nreferences > 0) {
        rw_json_array_open(j, "references");
        for (size_t i = 0; i < r->nreferences; i++)
            rw_json_cstr(j, NULL, r->references[i]);
        rw_json_close(j);
    }
    det_context(j, a);
    rw_json_close(j);
}

/* Suricata's alert flow object: counters so far, start, and the flow's own endpoints. */
static void det_flow_object(struct rw_json *j, const struct rw_flow_info *info)
{
    const struct rw_flow_key *k = &info->key;
    char addr[RW_ADDRLIST_PREFIX_MAX];

    rw_json_object_open(j, "flow");
    rw_json_u64(j, "pkts_toserver", info->pkts[RW_TOSERVER]);
    rw_json_u64(j, "pkts_toclient", info->pkts[RW_TOCLIENT]);
    rw_json_u64(j, "bytes_toserver", info->bytes[RW_TOSERVER]);
    rw_json_u64(j, "bytes_toclient", info->bytes[RW_TOCLIENT]);
    det_time(j, "start", info->start_us);
    if (rw_addr_format(&k->src, addr, sizeof(addr)) >= 0)
        rw_json_cstr(j, "src_ip", addr);
    if (rw_addr_format(&k->dst, addr, sizeof(addr)) >= 0)
        rw_json_cstr(j, "dest_ip", addr);
    if (rw_eve_has_ports(k->proto)) {
        rw_json_u64(j, "src_port", k->sport);
        rw_json_u64(j, "dest_port", k->dport);
    }
    rw_json_close(j);
}

static void det_fileinfo(struct rw_json *j, const struct rw_detect_file *file)
{
    rw_json_object_open(j, "fileinfo");
    if (file->name != NULL)
        rw_json_str(j, "filename", file->name,
                    file->name_len < RW_FILE_NAME_MAX_BYTES ? file->name_len
                                                            : RW_FILE_NAME_MAX_BYTES);
    rw_json_cstr(j, "magic", file->desc);
    rw_json_bool(j, "gaps", file->gaps);
    rw_json_cstr(j, "state", rw_eve_file_state_name(file->state));
    rw_json_u64(j, "size", file->size);
    rw_json_close(j);
}

/* Alerts name the sender src and the receiver dest, as Suricata's alerts name the packet's
 * addresses: for bytes going to the client the header's (flow-ordered) pair is swapped. */
struct rw_json *rw_detect_alert_record(const struct rw_alert *a, uint64_t ts_us)
{
    struct rw_json *j;

    if (a == NULL || a->rule == NULL)
        return NULL;
    j = rw_eve_begin("alert", ts_us, a->flow, a->app_proto,
                     a->flow != NULL && a->dir == RW_TOCLIENT);
    if (j == NULL)
        return NULL;
    if (a->flow != NULL)
        rw_json_cstr(j, "direction", a->dir == RW_TOCLIENT ? "to_client" : "to_server");
    det_alert_object(j, a);
    if (a->flow != NULL)
        det_flow_object(j, a->flow);
    if (a->file != NULL)
        det_fileinfo(j, a->file);
    return rw_eve_end(j);
}
