/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Path rules: one pass over a path computes its keyed hash and the hashes of
 * the directory prefixes that some rule could match; then a handful of hash
 * lookups, most specific first, decide. The cost depends on the path, never
 * on the number of rules, and no length or depth limit below PATH_MAX fails
 * open: what cannot be evaluated is denied.
 */
#ifndef KADAPTER_PATH_BPF_H
#define KADAPTER_PATH_BPF_H

#include "common.bpf.h"
#include "siphash.bpf.h"

#define KAD_PATH_MASK (2 * KAD_PATH_MAX - 1)

static __always_inline int kad_scan_wants(const struct kad_path_scan *sc, __u32 depth)
{
	if (depth > KAD_DEPTH_MASK_BITS)
		return sc->deep;
	return (sc->mask >> ((depth - 1) & 63)) & 1;
}

static __always_inline void kad_scan_record(struct kad_scratch *s, struct kad_path_scan *sc, __u64 hash, __u32 depth)
{
	if (sc->nprobes >= KAD_MAX_PROBES) {
		sc->overflow = 1;
		return;
	}
	struct kad_probe *p = &s->probes[sc->nprobes & (KAD_MAX_PROBES - 1)];
	p->hash = hash;
	p->depth = depth;
	sc->nprobes++;
}

/* Bit 7 of each byte of the result is set where `w` holds a '/'. */
static __always_inline __u64 kad_slash_bytes(__u64 w)
{
	__u64 v = w ^ 0x2f2f2f2f2f2f2f2full;
	__u64 t = (v & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full;
	return ~(t | v | 0x7f7f7f7f7f7f7f7full);
}

/* The '/' bytes of one word, visited by a nested bpf_loop: only words
 * with a '/' pay for it, and the verifier checks the body once. */
struct kad_word_slashes {
	__u64 word;
	__u64 slashes;
	int slot;
};

static long kad_scan_slash(__u32 k, void *data)
{
	struct kad_word_slashes *ws = data;
	struct kad_scratch *s = kad_scratch_get(ws->slot);
	if (!s || k >= 8)
		return 1;
	struct kad_path_scan *sc = &s->scan;
	if (!((ws->slashes >> (8 * k + 7)) & 1))
		return 0;
	sc->depth++;
	sc->last_slash = sc->pos + k + 1;
	if (kad_scan_wants(sc, sc->depth))
		kad_scan_record(s, sc, kad_sip_finish(&sc->sip, kad_low_bytes(ws->word, k + 1), k + 1), sc->depth);
	return 0;
}

/* One 8-byte word per step: record the prefixes ending in its '/' bytes
 * that some directory rule could match, then compress the word. The state
 * lives in the scratch slot (the stack is too small for the call chain). */
static long kad_scan_word(__u32 index, void *data)
{
	int slot = *(int *)data;
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s)
		return 1;
	struct kad_path_scan *sc = &s->scan;
	if (sc->pos >= sc->len)
		return 1;

	__u32 off = (sc->start + sc->pos) & KAD_PATH_MASK & ~7u;
	__u64 w = *(__u64 *)&s->path[off];
	__u32 n = sc->len - sc->pos;
	if (n > 8)
		n = 8;
	w = kad_low_bytes(w, n);

	struct kad_word_slashes ws = {.word = w, .slashes = kad_slash_bytes(w) & kad_low_bytes(~0ull, n), .slot = slot};
	if (ws.slashes)
		bpf_loop(8, kad_scan_slash, &ws, 0);
	if (n == 8) {
		kad_sip_word(&sc->sip, w);
	} else {
		sc->tail = w;
		sc->tail_len = n;
	}
	sc->pos += 8;
	return 0;
}

/*
 * Hashes the path at s->path[start .. start+len) (start 8-aligned) into
 * s->scan and records the prefixes at the requested depths. For a
 * directory target it also records the directory itself ("path/"), so a
 * directory rule covers its own listing.
 */
static __always_inline void kad_scan_path(struct kad_scratch *s, int slot, __u32 start, __u32 len, __u64 mask,
					  __u8 deep, __u8 is_dir)
{
	struct kad_path_scan *sc = &s->scan;
	__builtin_memset(sc, 0, sizeof(*sc));
	kad_sip_init(&sc->sip);
	sc->slot = slot;
	sc->start = start;
	sc->len = len;
	sc->mask = mask;
	sc->deep = deep;
	bpf_loop((len + 7) / 8, kad_scan_word, &slot, 0);

	if (is_dir && len > 1 && kad_scan_wants(sc, sc->depth + 1)) {
		__u32 n = sc->tail_len & 7;
		__u64 self = sc->tail | ((__u64)'/' << (8 * n));
		kad_scan_record(s, sc, kad_sip_finish(&sc->sip, self, n + 1), sc->depth + 1);
	}
}

static __always_inline __u64 kad_scan_hash(const struct kad_path_scan *sc)
{
	return kad_sip_finish(&sc->sip, sc->tail, sc->tail_len);
}

/* Hash of the last path component (execname rules), a byte per step. */
struct kad_name_hash {
	struct kad_sip sip;
	__u64 tail;
	__u32 n;
	__u32 from;
	__u32 len;
	int slot;
};

static long kad_name_byte(__u32 i, void *data)
{
	struct kad_name_hash *h = data;
	struct kad_scratch *s = kad_scratch_get(h->slot);
	if (!s || h->from + i >= h->len)
		return 1;
	__u8 c = s->path[(h->from + i) & KAD_PATH_MASK];
	h->tail |= (__u64)c << (8 * (h->n & 7));
	h->n++;
	if (h->n == 8) {
		kad_sip_word(&h->sip, h->tail);
		h->tail = 0;
		h->n = 0;
	}
	return 0;
}

static __always_inline __u64 kad_basename_hash(const struct kad_path_scan *sc)
{
	struct kad_name_hash h = {.from = sc->start + sc->last_slash, .len = sc->start + sc->len, .slot = sc->slot};
	kad_sip_init(&h.sip);
	bpf_loop(256, kad_name_byte, &h, 0);
	return kad_sip_finish(&h.sip, h.tail, h.n);
}

struct kad_path_kinds {
	__u32 path;
	__u32 dir;
	__u32 name; /* 0 when the category has no name rules */
	__u32 inode;
};

/* Out of line: one verified copy serves every probe. */
static __noinline int kad_try_key(void *rules, struct kad_rule_key *key, __u32 conditions, struct kad_verdict *v)
{
	return kad_apply_key(rules, key, conditions, v);
}

/* State of the directory probes, walked by bpf_loop from the deepest. */
struct kad_dir_walk {
	void *rules;
	struct kad_verdict *v;
	__u64 source;
	__u32 kind;
	__u32 conditions; /* without KAD_COND_DEEP */
	__u32 nprobes;
	__u32 depth; /* '/' in the evaluated path */
	int slot;
	int decided;
};

static long kad_dir_probe(__u32 j, void *data)
{
	struct kad_dir_walk *w = data;
	struct kad_scratch *s = kad_scratch_get(w->slot);
	if (!s || j >= w->nprobes)
		return 1;
	struct kad_probe *p = &s->probes[(w->nprobes - 1 - j) & (KAD_MAX_PROBES - 1)];
	struct kad_rule_key key = {.hash = p->hash, .source = w->source, .kind = w->kind};
	__u32 cond = w->conditions | (p->depth < w->depth ? KAD_COND_DEEP : 0);
	if (kad_try_key(w->rules, &key, cond, w->v)) {
		w->decided = 1;
		return 1;
	}
	return 0;
}

/*
 * Visits the keys of one path from the most to the least specific, for one
 * source: exact path (and the file's inode identity), executable name, then
 * directories from the deepest up. Returns 1 when a rule decided.
 */
static __always_inline int kad_eval_path_source(void *rules, struct kad_path_scan *sc,
						const struct kad_eval_request *req, __u64 name_hash, __u64 source,
						struct kad_verdict *v)
{
	struct kad_rule_key key = {.hash = req->path_hash, .source = source, .kind = req->kind_path};

	if (kad_try_key(rules, &key, req->conditions, v))
		return 1;
	if (req->inode_hash) {
		key.hash = req->inode_hash;
		key.kind = req->kind_inode;
		if (kad_try_key(rules, &key, req->conditions, v))
			return 1;
	}
	if (req->kind_name) {
		key.hash = name_hash;
		key.kind = req->kind_name;
		if (kad_try_key(rules, &key, req->conditions, v))
			return 1;
	}
	if (!sc->nprobes)
		return 0;
	struct kad_dir_walk w = {
		.rules = rules,
		.v = v,
		.source = source,
		.kind = req->kind_dir,
		.conditions = req->conditions,
		.nprobes = sc->nprobes,
		.depth = sc->depth,
		.slot = sc->slot,
	};
	bpf_loop(sc->nprobes, kad_dir_probe, &w, 0);
	return w.decided;
}

/*
 * One path evaluation, as a BPF global function: the verifier checks it
 * once, whatever the state of its many callers. Global functions cannot be
 * handed the rule map on this kernel, so it looks the rule set up again and
 * insists on the id the caller saw; a different id means the set was
 * swapped in between, and the caller retries.
 */
__weak __noinline int kad_evaluate_path(struct kad_eval_request *req)
{
	if (!req)
		return 0;
	struct kad_binding_key binding = req->binding; /* map keys must live on the stack */
	void *rules = bpf_map_lookup_elem(&kad_rulesets, &binding);
	struct kad_rule_key hk = {.kind = KAD_KEY_HEADER};
	struct kad_rule_value *hdr = rules ? bpf_map_lookup_elem(rules, &hk) : NULL;
	if (!hdr || hdr->header.ruleset_id != req->ruleset_id) {
		req->inconsistent = 1;
		return 0;
	}

	struct kad_scratch *s = kad_scratch_get(req->slot);
	if (!s)
		return 0;
	struct kad_path_scan *sc = &s->scan;
	kad_scan_path(s, req->slot, req->start, req->len, req->dir_mask, req->deep, req->is_dir);
	req->path_hash = kad_scan_hash(sc);
	if (sc->overflow) {
		req->overflow = 1;
		return 0;
	}
	__u64 name_hash = req->kind_name ? kad_basename_hash(sc) : 0;

	/* Rules with a source come before rules without (KubeArmor's order). */
	if (!(req->with_sources && req->exe_hash &&
	      kad_eval_path_source(rules, sc, req, name_hash, req->exe_hash, &req->verdict)))
		kad_eval_path_source(rules, sc, req, name_hash, 0, &req->verdict);
	return 0;
}

/* Evaluates the path staged in s->path for the current task, retrying once
 * when the rule set was swapped meanwhile. Returns 0, or -KAD_DENY when the
 * path cannot be evaluated (the caller reports it). */
static __always_inline int kad_evaluate(struct kad_context *cur, struct kad_scratch *s, int slot, __u32 len,
					__u32 conditions, const struct kad_path_kinds *k, __u64 dir_mask, __u8 deep,
					__u8 is_dir, __u8 with_sources)
{
	struct kad_eval_request *req = &s->req;
	for (int attempt = 0; attempt < 2; attempt++) {
		__builtin_memset(req, 0, sizeof(*req));
		req->binding = cur->binding;
		req->ruleset_id = cur->header.ruleset_id;
		req->exe_hash = cur->exe_hash;
		req->dir_mask = dir_mask;
		req->conditions = conditions;
		req->len = len;
		req->kind_path = k->path;
		req->kind_dir = k->dir;
		req->kind_name = k->name;
		req->kind_inode = k->inode;
		req->deep = deep;
		req->is_dir = is_dir;
		req->with_sources = with_sources;
		req->slot = slot;
		kad_evaluate_path(req);
		if (!req->inconsistent)
			return 0;
		/* Swapped meanwhile: take the new rule set. */
		if (!kad_current_context(cur))
			return 0;
	}
	__sync_fetch_and_add(&kad_counters.inconsistent, 1);
	req->verdict.decision = KAD_ACTION_BLOCK;
	req->verdict.reason = KAD_REASON_INCONSISTENT;
	req->verdict.rule = ~0u;
	return 0;
}

/* Denies an access whose path could not be evaluated, and reports it. */
static __always_inline int kad_deny_unresolvable(struct kad_context *ctx, struct kad_scratch *s, __u16 op,
						 const char *what, __u32 what_len)
{
	__sync_fetch_and_add(&kad_counters.unresolvable, 1);
	kad_event_task(&s->event, ctx);
	s->event.op = op;
	s->event.aux = 0;
	s->event.action = KAD_ACTION_BLOCK;
	s->event.reason = KAD_REASON_UNRESOLVABLE;
	s->event.rule = ~0u;
	s->event.error = -KAD_DENY;
	__u32 n = what_len < 64 ? what_len : 64;
	kad_barrier_var(n);
	n &= 127;
	bpf_probe_read_kernel(s->event.resource, n, what);
	s->event.resource[n] = 0;
	kad_event_send(&s->event, n);
	return -KAD_DENY;
}

#endif /* KADAPTER_PATH_BPF_H */
