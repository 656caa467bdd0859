/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_anomaly.c — a connection's HTTP parser anomalies as Suricata 7's app-layer event names. */
#include "rw_anomaly.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The counter each event is read from. The names are those of Suricata 7.0's
 * htp_decoder_event_table (app-layer-htp.c), which is what its EVE anomaly records carry
 * in anomaly.event. host_invalid is not written: it counts libhtp's HTP_HOSTU_INVALID and
 * HTP_HOSTH_INVALID together, which Suricata tells apart (REQUEST_URI_HOST_INVALID,
 * REQUEST_HEADER_HOST_INVALID).
 */
#define ANOMALY_AT(field) offsetof(struct rw_http_counters, field)

static const struct {
    size_t off;
    const char *event;
} anomaly_http_events[] = {
    {ANOMALY_AT(request_smuggling), "REQUEST_SMUGGLING"},
    {ANOMALY_AT(invalid_transfer_encoding), "INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST"},
    {ANOMALY_AT(invalid_content_length), "INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST"},
    {ANOMALY_AT(request_line_invalid), "REQUEST_LINE_INVALID"},
    {ANOMALY_AT(response_status_line_invalid), "RESPONSE_INVALID_STATUS"},
    {ANOMALY_AT(header_invalid[0]), "REQUEST_HEADER_INVALID"},
    {ANOMALY_AT(header_invalid[1]), "RESPONSE_HEADER_INVALID"},
    {ANOMALY_AT(invalid_field_folding[0]), "INVALID_REQUEST_FIELD_FOLDING"},
    {ANOMALY_AT(invalid_field_folding[1]), "INVALID_RESPONSE_FIELD_FOLDING"},
    {ANOMALY_AT(header_repetition[0]), "REQUEST_HEADER_REPETITION"},
    {ANOMALY_AT(header_repetition[1]), "RESPONSE_HEADER_REPETITION"},
    {ANOMALY_AT(field_too_long[0]), "REQUEST_FIELD_TOO_LONG"},
    {ANOMALY_AT(field_too_long[1]), "RESPONSE_FIELD_TOO_LONG"},
    {ANOMALY_AT(too_many_headers[0]), "REQUEST_TOO_MANY_HEADERS"},
    {ANOMALY_AT(too_many_headers[1]), "RESPONSE_TOO_MANY_HEADERS"},
    {ANOMALY_AT(missing_host_header), "MISSING_HOST_HEADER"},
    {ANOMALY_AT(host_header_ambiguous), "HOST_HEADER_AMBIGUOUS"},
};

size_t rw_anomaly_http(const struct rw_http_counters *c,
                       void (*emit)(void *ctx, const char *event), void *ctx)
{
    size_t n = 0;

    if (c == NULL || emit == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(anomaly_http_events) / sizeof(anomaly_http_events[0]); i++) {
        const unsigned char *base = (const unsigned char *)c;
        uint64_t v;

        /* Every listed field is a uint64_t: read it through a copy, not a cast. */
        memcpy(&v, base + anomaly_http_events[i].off, sizeof(v));
        if (v != 0) {
            emit(ctx, anomaly_http_events[i].event);
            n++;
        }
    }
    return n;
}
