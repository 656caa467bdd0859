/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rw_events.h — what the event layer (rw_events.c) reads of an engine: core-private. */
#ifndef RW_EVENTS_H
#define RW_EVENTS_H

#include <stdint.h>

#include "rw.h"
#include "rw_detect.h"
#include "rw_magic.h"
#include "rw_rules.h"

/* The engine's loaded pieces as they are now (a reload swaps them). Borrowed. */
struct rw__engine_parts {
    const struct rw_ruleset *rules;   /* NULL: no rules */
    struct rw_detect *detect;         /* NULL: no rules */
    struct rw_magic *magic;
    uint32_t gen;                     /* rule-set generation */
    int alerts;                       /* 1: alert records are written (eve.types) */
};

/* rw__engine_parts fills p from e (rw_engine.c). */
void rw__engine_parts(const struct rw_engine *e, struct rw__engine_parts *p);

/* rw__engine_rules_apply: the directions some rule could fire on for key (bit
 * 1 << enum rw_dir), with the home_net and list answers for rw_detect in addrs. */
unsigned rw__engine_rules_apply(const struct rw_engine *e, const struct rw_flow_key *k,
                                uint8_t addrs[2]);

#endif
