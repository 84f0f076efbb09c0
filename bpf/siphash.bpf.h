/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SipHash-1-3 over 8-byte words, mirrored bit-for-bit by
 * libkadapter/path_hash.cpp. Rule keys are keyed hashes of paths: a fixed
 * 24-byte key whatever the path length, and, with a secret key, no path a
 * container could craft collides with a rule on purpose.
 */
#ifndef KADAPTER_SIPHASH_BPF_H
#define KADAPTER_SIPHASH_BPF_H

#include "common.bpf.h"

#define KAD_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define KAD_SIPROUND(s)                                                                                                \
	do {                                                                                                           \
		(s)->v0 += (s)->v1;                                                                                    \
		(s)->v1 = KAD_ROTL((s)->v1, 13);                                                                       \
		(s)->v1 ^= (s)->v0;                                                                                    \
		(s)->v0 = KAD_ROTL((s)->v0, 32);                                                                       \
		(s)->v2 += (s)->v3;                                                                                    \
		(s)->v3 = KAD_ROTL((s)->v3, 16);                                                                       \
		(s)->v3 ^= (s)->v2;                                                                                    \
		(s)->v0 += (s)->v3;                                                                                    \
		(s)->v3 = KAD_ROTL((s)->v3, 21);                                                                       \
		(s)->v3 ^= (s)->v0;                                                                                    \
		(s)->v2 += (s)->v1;                                                                                    \
		(s)->v1 = KAD_ROTL((s)->v1, 17);                                                                       \
		(s)->v1 ^= (s)->v2;                                                                                    \
		(s)->v2 = KAD_ROTL((s)->v2, 32);                                                                       \
	} while (0)

static __always_inline void kad_sip_init(struct kad_sip *s)
{
	s->v0 = kad_hash_key[0] ^ 0x736f6d6570736575ull;
	s->v1 = kad_hash_key[1] ^ 0x646f72616e646f6dull;
	s->v2 = kad_hash_key[0] ^ 0x6c7967656e657261ull;
	s->v3 = kad_hash_key[1] ^ 0x7465646279746573ull;
	s->len = 0;
}

/* Compresses one full 8-byte little-endian word. */
static __always_inline void kad_sip_word(struct kad_sip *s, __u64 w)
{
	s->v3 ^= w;
	KAD_SIPROUND(s);
	s->v0 ^= w;
	s->len += 8;
}

/* Absorbs one byte: each full word goes into `s`, the bytes after the last
 * one wait in the low bytes of `*tail` (`*n` of them), as kad_sip_finish()
 * takes them. */
static __always_inline void kad_sip_byte(struct kad_sip *s, __u64 *tail, __u32 *n, __u8 c)
{
	*tail |= (__u64)c << (8 * (*n & 7));
	if (++*n == 8) {
		kad_sip_word(s, *tail);
		*tail = 0;
		*n = 0;
	}
}

/*
 * The hash of what `s` absorbed followed by `n` (0..8) more bytes held in
 * the low bytes of `tail`; `s` is left unchanged. Out of line: every probe
 * shares one verified copy.
 */
static __noinline __u64 kad_sip_finish(const struct kad_sip *s, __u64 tail, __u32 n)
{
	struct kad_sip t = *s;
	n &= 15;
	if (n >= 8) {
		kad_sip_word(&t, tail);
		tail = 0;
		n -= 8;
	}
	__u64 len = t.len + n;
	__u64 b = (len << 56) | tail;

	t.v3 ^= b;
	KAD_SIPROUND(&t);
	t.v0 ^= b;
	t.v2 ^= 0xff;
	KAD_SIPROUND(&t);
	KAD_SIPROUND(&t);
	KAD_SIPROUND(&t);
	return t.v0 ^ t.v1 ^ t.v2 ^ t.v3;
}

/* The low `n` bytes of `w` (n in 0..8). */
static __always_inline __u64 kad_low_bytes(__u64 w, __u32 n)
{
	return n >= 8 ? w : (w & ((1ull << (8 * (n & 7))) - 1));
}

/* The identity of a file: its kernel dev_t and inode number, as
 * libkadapter's inode_hash() computes it. */
static __always_inline __u64 kad_inode_hash(__u64 dev, __u64 ino)
{
	struct kad_sip s;
	kad_sip_init(&s);
	kad_sip_word(&s, dev);
	kad_sip_word(&s, ino);
	return kad_sip_finish(&s, 0, 0);
}

#endif /* KADAPTER_SIPHASH_BPF_H */
