// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Capability rules: every capable() check of a governed task. */
#include "common.bpf.h"

#define KAD_CAP_OPT_NOAUDIT (1 << 1)

static __noinline int kad_cap_try(void *rules, __u64 cap, __u64 source, struct kad_verdict *v)
{
	struct kad_rule_key key = {.hash = cap, .source = source, .kind = KAD_KEY_CAPABILITY};
	return kad_apply_key(rules, &key, 0, v);
}

SEC("lsm/capable")
int BPF_PROG(kad_capable, const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts, int ret)
{
	struct kad_context cur;

	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !cur.header.has_rules[KAD_CAT_CAPABILITY])
		return 0;
	void *rules = kad_rules_of(&cur.binding, &cur.header);
	if (!rules)
		return 0;

	struct kad_verdict v = {};
	__u64 src = (cur.header.flags & KAD_HDR_CAP_SOURCES) ? cur.exe_hash : 0;
	if (!(src && kad_cap_try(rules, cap, src, &v)))
		kad_cap_try(rules, cap, 0, &v);

	if (v.decision == KAD_ACTION_ALLOW && !v.audited)
		return 0;
	if (v.decision == KAD_ACTION_NONE && !v.audited && !cur.header.allow_list[KAD_CAT_CAPABILITY])
		return 0;
	/* Probing checks (CAP_OPT_NOAUDIT) are enforced but not reported: the
	 * kernel makes them to choose a code path, not on the task's request. */
	if (opts & KAD_CAP_OPT_NOAUDIT) {
		__u8 action;
		return kad_outcome(&cur, &v, KAD_CAT_CAPABILITY, &action);
	}

	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	int err;
	if (s) {
		s->event.aux = cap;
		s->event.aux2 = 0;
		s->event.resource[0] = 0;
		err = kad_finish(&cur, &v, KAD_CAT_CAPABILITY, s, KAD_OP_CAPABILITY, KAD_RESOURCE_STAGED, 0);
	} else {
		__u8 action; /* the decision stands; only its alert is lost (counted in scratch_busy) */
		err = kad_outcome(&cur, &v, KAD_CAT_CAPABILITY, &action);
	}
	kad_scratch_release(slot);
	return err;
}
