// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The self-protection denial, shared by protect.bpf.c and the hooks that
 * also guard something of the enforcer's (socket_create: the agent's vsock).
 */
#ifndef KAD_PROTECT_BPF_H
#define KAD_PROTECT_BPF_H

#include "common.bpf.h"

/* Denies and reports; `what` names the operation, aux/aux2 its target. */
static __noinline int kad_protect_deny(struct kad_context *cur, const char *what, __u32 what_len, __u32 aux, __u32 aux2)
{
	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (s) {
		struct kad_event *e = &s->event;
		kad_event_task(e, cur);
		e->op = KAD_OP_PROTECT;
		e->action = KAD_ACTION_BLOCK;
		e->reason = KAD_REASON_SELF_PROTECT;
		e->rule = ~0u;
		e->error = -KAD_DENY;
		e->aux = aux;
		e->aux2 = aux2;
		__u32 n = what_len & 31;
		bpf_probe_read_kernel(e->resource, n, what);
		e->resource[n] = 0;
		kad_event_send(e, n);
	}
	kad_scratch_release(slot);
	return -KAD_DENY;
}

#define KAD_DENY_WHAT(cur, literal, aux, aux2) kad_protect_deny(cur, literal, sizeof(literal) - 1, aux, aux2)

#endif /* KAD_PROTECT_BPF_H */
