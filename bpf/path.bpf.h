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

	__u32 off = (sc->start + sc->pos) & KAD_PATH_MASK; /* the slack covers the 8 bytes */
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
 * Hashes the path at s->path[start .. start+len) into
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

/* Hash of the last path component (execname rules), a byte per step; the
 * state is in the scratch slot (see struct kad_name_hash). */
static long kad_name_byte(__u32 i, void *data)
{
	struct kad_scratch *s = kad_scratch_get(*(int *)data);
	if (!s)
		return 1;
	struct kad_name_hash *h = &s->name;
	if (h->from + i >= h->len)
		return 1;
	__u8 c = s->path[(h->from + i) & KAD_PATH_MASK];
	kad_sip_byte(&h->sip, &h->tail, &h->n, c);
	return 0;
}

/* Out of line: its state stays off the deepest call chain. */
static __noinline __u64 kad_basename_hash(const struct kad_path_scan *sc)
{
	int slot = sc->slot;
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s)
		return 0;
	struct kad_name_hash *h = &s->name;
	h->from = sc->start + sc->last_slash;
	h->len = sc->start + sc->len;
	h->tail = 0;
	h->n = 0;
	kad_sip_init(&h->sip);
	bpf_loop(256, kad_name_byte, &slot, 0);
	return kad_sip_finish(&h->sip, h->tail, h->n);
}

/* One byte of the path through the automaton. The automaton pointer is
 * set before the loop and never changes; the run state is in scratch. */
struct kad_dfa_walk {
	const struct kad_dfa *dfa;
	int slot;
};

static long kad_dfa_step(__u32 i, void *data)
{
	struct kad_dfa_walk *w = data;
	struct kad_scratch *s = kad_scratch_get(w->slot);
	const struct kad_dfa *dfa = w->dfa;
	if (!s || !dfa)
		return 1;
	struct kad_dfa_run *r = &s->dfa;
	if (r->pos >= r->end || !r->state)
		return 1;
	__u8 c = s->path[r->pos & KAD_PATH_MASK];
	__u32 cell = r->state * dfa->classes + dfa->byte_class[c];
	kad_barrier_var(cell);
	r->state = dfa->next[cell & (KAD_DFA_CELLS - 1)];
	r->pos++;
	return 0;
}

/* The accept id the automaton ends in for the path at s->path[start,
 * start+len): one table load per byte, whatever the number of patterns. */
static __noinline __u32 kad_run_dfa(const struct kad_dfa *dfa, int slot, __u32 start, __u32 len)
{
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s || !dfa)
		return 0;
	struct kad_dfa_run *r = &s->dfa;
	r->state = dfa->start;
	r->pos = start;
	r->end = start + len;
	struct kad_dfa_walk w = {.dfa = dfa, .slot = slot};
	bpf_loop(KAD_PATH_MAX, kad_dfa_step, &w, 0);
	if (r->pos < r->end) /* died early: no pattern matches */
		return 0;
	return dfa->accept[r->state & (KAD_DFA_STATES - 1)];
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

/* State of the directory probes, walked by bpf_loop from the deepest. The
 * probes, the path's depth and the verdict are read from the scratch slot:
 * this frame is on the deepest call chain. */
struct kad_dir_walk {
	void *rules;
	__u64 source;
	__u32 kind;
	__u32 conditions; /* without KAD_COND_DEEP */
	int slot;
	int decided;
};

static long kad_dir_probe(__u32 j, void *data)
{
	struct kad_dir_walk *w = data;
	struct kad_scratch *s = kad_scratch_get(w->slot);
	if (!s)
		return 1;
	__u32 nprobes = s->scan.nprobes;
	if (j >= nprobes)
		return 1;
	struct kad_probe *p = &s->probes[(nprobes - 1 - j) & (KAD_MAX_PROBES - 1)];
	struct kad_rule_key key = {.hash = p->hash, .source = w->source, .kind = w->kind};
	__u32 cond = w->conditions | (p->depth < s->scan.depth ? KAD_COND_DEEP : 0);
	/* Inline, not kad_try_key(): this is the deepest call chain. */
	if (kad_apply_key(w->rules, &key, cond, &s->req.verdict)) {
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
static __noinline int kad_eval_path_source(void *rules, struct kad_path_scan *sc, struct kad_eval_request *req,
					   __u64 source)
{
	struct kad_rule_key key = {.hash = req->path_hash, .source = source, .kind = req->kind_path};

	if (kad_try_key(rules, &key, req->conditions, &req->verdict))
		return 1;
	if (req->inode_hash) {
		key.hash = req->inode_hash;
		key.kind = req->kind_inode;
		if (kad_try_key(rules, &key, req->conditions, &req->verdict))
			return 1;
	}
	if (req->kind_name) {
		key.hash = req->name_hash;
		key.kind = req->kind_name;
		if (kad_try_key(rules, &key, req->conditions, &req->verdict))
			return 1;
	}
	if (req->pattern_accept && !source) { /* patterns have no source */
		key.hash = req->pattern_accept;
		key.kind = req->kind_pattern;
		if (kad_try_key(rules, &key, req->conditions, &req->verdict))
			return 1;
	}
	if (!sc->nprobes)
		return 0;
	struct kad_dir_walk w = {
		.rules = rules,
		.source = source,
		.kind = req->kind_dir,
		.conditions = req->conditions,
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
	struct kad_binding_key binding = req->subject.binding; /* map keys must live on the stack */
	void *rules = bpf_map_lookup_elem(&kad_rulesets, &binding);
	struct kad_rule_key hk = {.kind = KAD_KEY_HEADER};
	struct kad_rule_value *hdr = rules ? bpf_map_lookup_elem(rules, &hk) : NULL;
	if (!hdr || hdr->header.ruleset_id != req->subject.header.ruleset_id) {
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
	req->name_hash = req->kind_name ? kad_basename_hash(sc) : 0;
	if (req->kind_pattern) {
		/* Published before the rule set that uses it; gone means
		 * the rule set is being replaced. */
		__u64 id = req->subject.header.ruleset_id;
		void *automata = bpf_map_lookup_elem(&kad_automata, &id);
		__u32 index = req->dfa_index;
		const struct kad_dfa *dfa = automata ? bpf_map_lookup_elem(automata, &index) : NULL;
		if (!dfa) {
			req->inconsistent = 1;
			return 0;
		}
		req->pattern_accept = kad_run_dfa(dfa, req->slot, req->start, req->len);
	}

	/* Rules with a source come before rules without (KubeArmor's order). */
	__u64 exe = req->subject.exe_hash;
	if (!(req->with_sources && exe && kad_eval_path_source(rules, sc, req, exe)))
		kad_eval_path_source(rules, sc, req, 0);
	return 0;
}

/* The keys, depths and options of a category, from the subject's header. */
static __always_inline void kad_request_params(struct kad_eval_request *req)
{
	const struct kad_header *h = &req->subject.header;
	req->inode_hash = 0;
	req->name_hash = 0;
	req->pattern_accept = 0;
	if (req->category == KAD_CAT_FILE) {
		req->kind_pattern = (h->flags & KAD_HDR_FILE_PATTERNS) ? KAD_KEY_FILE_PATTERN : 0;
		req->dfa_index = KAD_DFA_FILE;
		req->kind_path = KAD_KEY_FILE_PATH;
		req->kind_dir = KAD_KEY_FILE_DIR;
		req->kind_name = 0;
		req->kind_inode = KAD_KEY_FILE_INODE;
		req->dir_mask = h->file_dir_depths;
		req->deep = !!(h->flags & KAD_HDR_DEEP_FILE_DIRS);
		req->with_sources = !!(h->flags & KAD_HDR_FILE_SOURCES);
		if ((h->flags & KAD_HDR_FILE_INODES) && req->inode_ino)
			req->inode_hash = kad_inode_hash(req->inode_dev, req->inode_ino);
	} else if (req->category == KAD_CAT_PROCESS) {
		req->kind_pattern = (h->flags & KAD_HDR_EXEC_PATTERNS) ? KAD_KEY_EXEC_PATTERN : 0;
		req->dfa_index = KAD_DFA_EXEC;
		req->kind_path = KAD_KEY_EXEC_PATH;
		req->kind_dir = KAD_KEY_EXEC_DIR;
		req->kind_name = (h->flags & KAD_HDR_EXEC_NAMES) ? KAD_KEY_EXEC_NAME : 0;
		req->kind_inode = KAD_KEY_EXEC_INODE;
		req->dir_mask = h->exec_dir_depths;
		req->deep = !!(h->flags & KAD_HDR_DEEP_EXEC_DIRS);
		req->with_sources = !!(h->flags & KAD_HDR_EXEC_SOURCES);
		if ((h->flags & KAD_HDR_EXEC_INODES) && req->inode_ino)
			req->inode_hash = kad_inode_hash(req->inode_dev, req->inode_ino);
	} else {
		/* Only the path's hash is wanted: no key matches kind 0. */
		req->kind_path = req->kind_dir = req->kind_name = req->kind_inode = req->kind_pattern = 0;
		req->dfa_index = 0;
		req->dir_mask = 0;
		req->deep = 0;
		req->with_sources = 0;
	}
}

/*
 * Evaluates the path staged in s->path for the request's subject. When the
 * rule set is swapped meanwhile it retries once with the new one (updating
 * req->subject); a second swap fails closed. A task that is no longer
 * governed afterwards gets an empty subject (allowed, not reported).
 */
__weak __noinline int kad_evaluate(struct kad_eval_request *req)
{
	if (!req)
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		kad_request_params(req);
		__builtin_memset(&req->verdict, 0, sizeof(req->verdict));
		req->overflow = 0;
		req->inconsistent = 0;
		kad_evaluate_path(req);
		if (!req->inconsistent)
			return 0;
		if (!kad_current_context(&req->subject)) {
			__builtin_memset(&req->subject, 0, sizeof(req->subject));
			__builtin_memset(&req->verdict, 0, sizeof(req->verdict));
			return 0;
		}
	}
	__sync_fetch_and_add(&kad_counters.inconsistent, 1);
	req->verdict.decision = KAD_ACTION_BLOCK;
	req->verdict.reason = KAD_REASON_INCONSISTENT;
	req->verdict.rule = ~0u;
	return 0;
}

/* Stages a request for the path at s->path[start, start+len). */
static __always_inline struct kad_eval_request *
kad_request(struct kad_scratch *s, int slot, const struct kad_context *cur, __u32 category, __u32 start, __u32 len)
{
	struct kad_eval_request *req = &s->req;
	if (cur != &req->subject)
		req->subject = *cur;
	/* Everything after the subject starts out zero. */
	__builtin_memset((char *)req + sizeof(req->subject), 0, sizeof(*req) - sizeof(req->subject));
	req->category = category;
	req->start = start;
	req->len = len;
	req->slot = slot;
	return req;
}

/* Denies an access whose path could not be evaluated, and reports it. */
static __always_inline int kad_deny_unresolvable(struct kad_context *ctx, struct kad_scratch *s, __u16 op,
						 const char *what, __u32 what_len)
{
	__sync_fetch_and_add(&kad_counters.unresolvable, 1);
	kad_event_task(&s->event, ctx);
	s->event.op = op;
	s->event.aux = 0;
	s->event.aux2 = 0; /* the slot is reused: nothing of the last event may show */
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
