/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_anomaly.h — a connection's HTTP parser anomalies as Suricata 7's app-layer event names. */
#ifndef RW_ANOMALY_H
#define RW_ANOMALY_H

#include "rw_http.h"

/*
 * rw_anomaly_http calls emit(ctx, event) once for each anomaly the counters c hold at
 * least once (so once per connection per event, however often it occurred), in a fixed
 * order. event is Suricata 7's HTTP event name (app-layer-htp.c's table:
 * "INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST", "REQUEST_HEADER_REPETITION", ...), a static
 * string, except "REQUEST_SMUGGLING", which is reelwatch's name for libhtp's smuggling flag
 * (Content-Length with chunked, or a repeated Content-Length) that Suricata 7 reports as
 * no event. Returns the number of calls made. c NULL or emit NULL: 0.
 */
size_t rw_anomaly_http(const struct rw_http_counters *c,
                       void (*emit)(void *ctx, const char *event), void *ctx);

#endif
