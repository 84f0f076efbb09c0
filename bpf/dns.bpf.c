// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * matchDNSQueries: the question name of every DNS query a container sends
 * (UDP or TCP to port 53, on a connected socket or with sendto, IPv4 or
 * IPv6) is matched against its rules' domains, most specific first, so a
 * rule for example.com covers www.example.com too. KubeArmor only sees
 * connected UDP sockets; resolvers that use sendto (musl) or TCP would get
 * around it.
 *
 * The query is read from the sender's buffer before the kernel copies it,
 * as KubeArmor does: a second thread of the sender could change it in
 * between. Not seen: sendfile/splice (6.1's sendpage path has no LSM
 * hook) and raw sockets (docs/policy-semantics.md).
 */
#include <bpf/bpf_endian.h>

#include "common.bpf.h"
#include "path.bpf.h"

#define KAD_DNS_AF_INET 2
#define KAD_DNS_AF_INET6 10
#define KAD_DNS_SOCK_STREAM 1
#define KAD_DNS_SOCK_DGRAM 2
#define KAD_DNS_PORT 53
#define KAD_DNS_HEADER 12
#define KAD_DNS_PACKET_MASK 511

/* Copies the query from the sender's buffer into s->dns.packet. A TCP
 * send must be exactly one query: its two-byte length (which may be a
 * segment of its own, as glibc writes it with writev) equal to the bytes
 * that follow, so no second query rides behind an allowed one. Returns the
 * bytes copied, 0 when there is no query to evaluate. */
__weak __noinline int kad_dns_read(int slot, __u64 msg_ptr, int stream)
{
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s)
		return 0;
	struct msghdr *msg = (struct msghdr *)msg_ptr;
	__u8 type = BPF_CORE_READ(msg, msg_iter.iter_type);
	__u64 total = BPF_CORE_READ(msg, msg_iter.count);
	__u64 offset = BPF_CORE_READ(msg, msg_iter.iov_offset);
	const char *base, *prefix_at;
	__u64 len, skip = stream ? 2 : 0;
	if (type == bpf_core_enum_value(enum iter_type, ITER_UBUF)) {
		base = (const char *)BPF_CORE_READ(msg, msg_iter.ubuf) + offset;
		len = total;
	} else if (type == bpf_core_enum_value(enum iter_type, ITER_IOVEC)) {
		const struct iovec *iov = BPF_CORE_READ(msg, msg_iter.iov);
		struct iovec v;
		if (bpf_probe_read_kernel(&v, sizeof(v), iov))
			return 0;
		base = (const char *)v.iov_base + offset;
		len = v.iov_len - offset;
		if (stream && len == 2 && BPF_CORE_READ(msg, msg_iter.nr_segs) >= 2) {
			prefix_at = base;
			if (bpf_probe_read_kernel(&v, sizeof(v), iov + 1))
				return 0;
			base = v.iov_base;
			len = v.iov_len;
			skip = 0;
			goto prefix;
		}
	} else {
		return 0; /* kernel or fixed buffers */
	}
	prefix_at = base;
prefix:
	if (stream) {
		__u16 prefix = 0;
		if (total < 2 || bpf_probe_read_user(&prefix, sizeof(prefix), prefix_at) ||
		    bpf_ntohs(prefix) != total - 2)
			return 0;
	}
	if (len <= skip)
		return 0;
	len -= skip;
	if (len > KAD_DNS_PACKET)
		len = KAD_DNS_PACKET;
	if (bpf_probe_read_user(s->dns.packet, len, base + skip))
		return 0;
	return len;
}

/* One label of the question name per step; stops at the root label. */
static long kad_dns_label(__u32 i, void *data)
{
	struct kad_scratch *s = kad_scratch_get(*(int *)data);
	if (!s)
		return 1;
	struct kad_dns *d = &s->dns;
	__u32 pos = d->pos;
	if (pos >= d->packet_len) {
		d->failed = 1;
		return 1;
	}
	__u8 len = d->packet[pos & KAD_DNS_PACKET_MASK];
	if (len == 0)
		return 1;
	if (len > 63 || d->labels >= KAD_DNS_MAX_LABELS || pos + 1 + len >= d->packet_len ||
	    pos + 1 + len - KAD_DNS_HEADER > 255) {
		d->failed = 1; /* compression pointer, overlong, or cut short */
		return 1;
	}
	d->label_start[d->labels & (KAD_DNS_MAX_LABELS - 1)] = pos + 1;
	d->label_len[d->labels & (KAD_DNS_MAX_LABELS - 1)] = len;
	d->labels++;
	d->pos = pos + 1 + len;
	return 0;
}

/* Label i goes to the resource (forward order, in s->path) and label
 * n-1-i to the name that is hashed (reversed order), each with a '.'. */
static long kad_dns_copy(__u32 i, void *data)
{
	struct kad_scratch *s = kad_scratch_get(*(int *)data);
	if (!s)
		return 1;
	struct kad_dns *d = &s->dns;
	if (i >= d->labels)
		return 1;
	__u32 fwd = i & (KAD_DNS_MAX_LABELS - 1);
	__u32 rev = (d->labels - 1 - i) & (KAD_DNS_MAX_LABELS - 1);
	__u32 fwd_len = d->label_len[fwd] & 63, rev_len = d->label_len[rev] & 63;
	__u32 fo = d->name_len & 255, ro = d->rev_len & 255;

	bpf_probe_read_kernel(&s->path[fo], fwd_len, &d->packet[d->label_start[fwd] & KAD_DNS_PACKET_MASK]);
	bpf_probe_read_kernel(&d->reversed[ro], rev_len, &d->packet[d->label_start[rev] & KAD_DNS_PACKET_MASK]);
	s->path[(fo + fwd_len) & 511] = '.';
	d->reversed[(ro + rev_len) & 511] = '.';
	d->name_len = fo + fwd_len + 1;
	d->rev_len = ro + rev_len + 1;
	return 0;
}

/* One byte of the reversed name, lower-cased, into the hash; at the end of
 * each label the hash of the name so far (the domain one level up) is
 * recorded: "com", "com.example", "com.example.www". */
static long kad_dns_hash_byte(__u32 i, void *data)
{
	struct kad_scratch *s = kad_scratch_get(*(int *)data);
	if (!s)
		return 1;
	struct kad_dns *d = &s->dns;
	if (i >= d->rev_len)
		return 1;
	__u8 c = d->reversed[i & 511];
	if (c == '.') {
		d->level_hash[d->levels & (KAD_DNS_MAX_LABELS - 1)] = kad_sip_finish(&d->sip, d->tail, d->n);
		d->levels++;
		if (i + 1 == d->rev_len)
			return 1; /* the final separator is not part of the name */
	} else if (c >= 'A' && c <= 'Z') {
		c += 'a' - 'A';
	}
	kad_sip_byte(&d->sip, &d->tail, &d->n, c);
	return 0;
}

/* Parses the question name and hashes its levels. Returns 1 when it
 * could, 0 for a query that cannot be evaluated. */
__weak __noinline int kad_dns_parse(int slot, __u32 packet_len)
{
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s)
		return 0;
	struct kad_dns *d = &s->dns;
	d->packet_len = packet_len;
	d->pos = KAD_DNS_HEADER;
	d->labels = 0;
	d->failed = 0;
	d->name_len = 0;
	d->rev_len = 0;
	d->levels = 0;
	if (packet_len <= KAD_DNS_HEADER)
		return 0;
	bpf_loop(KAD_DNS_MAX_LABELS + 1, kad_dns_label, &slot, 0);
	if (d->failed)
		return 0;
	bpf_loop(KAD_DNS_MAX_LABELS, kad_dns_copy, &slot, 0);
	if (d->name_len)
		d->name_len--; /* no trailing '.' in the resource */
	kad_sip_init(&d->sip);
	d->tail = 0;
	d->n = 0;
	bpf_loop(256, kad_dns_hash_byte, &slot, 0);
	/* One level per label, or a label held a '.' byte of its own. */
	return d->levels == d->labels;
}

/* Out of line: one verified copy for every probe. */
static __noinline int kad_dns_try(void *rules, __u64 hash, __u64 source, struct kad_verdict *v)
{
	struct kad_rule_key key = {.hash = hash, .source = source, .kind = KAD_KEY_DNS};
	return kad_apply_key(rules, &key, 0, v);
}

/* Level i from the most specific name down: the first key that decides
 * wins, a key for the source before the key for anyone. The verdict
 * builds up in s->req.verdict, for the container in s->req.subject. */
static long kad_dns_level(__u32 i, void *data)
{
	struct kad_scratch *s = kad_scratch_get(*(int *)data);
	if (!s)
		return 1;
	struct kad_dns *d = &s->dns;
	if (i >= d->levels)
		return 1;
	void *rules = bpf_map_lookup_elem(&kad_rulesets, &s->req.subject.binding);
	if (!rules)
		return 1;
	__u64 h = d->level_hash[(d->levels - 1 - i) & (KAD_DNS_MAX_LABELS - 1)];
	struct kad_verdict *v = &s->req.verdict;
	return (d->source && kad_dns_try(rules, h, d->source, v)) || kad_dns_try(rules, h, 0, v);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(kad_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct kad_context cur;

	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !(cur.header.flags & KAD_HDR_DNS))
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != KAD_DNS_AF_INET && family != KAD_DNS_AF_INET6)
		return 0;
	short type = BPF_CORE_READ(sock, type);
	if (type != KAD_DNS_SOCK_DGRAM && type != KAD_DNS_SOCK_STREAM)
		return 0;
	/* Where the data goes: for UDP, sendto's address (a kernel copy) when
	 * it names one (AF_UNSPEC means the connected peer); for TCP the peer,
	 * or the address of a fast-open connect. The port is at the same
	 * offset in sockaddr_in and sockaddr_in6. */
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_dport);
	void *addr = BPF_CORE_READ(msg, msg_name);
	if (addr && BPF_CORE_READ(msg, msg_namelen) >= 4 && (type == KAD_DNS_SOCK_DGRAM || port == 0)) {
		__u16 sa[2] = {};
		bpf_probe_read_kernel(sa, sizeof(sa), addr);
		if (sa[0] == KAD_DNS_AF_INET || sa[0] == KAD_DNS_AF_INET6)
			port = sa[1];
	}
	if (port != bpf_htons(KAD_DNS_PORT))
		return 0;

	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	/* Without scratch space the query cannot be read: fail closed only
	 * where the rules can deny. */
	int err = (cur.header.flags & KAD_HDR_DNS_DENIES) ? -KAD_DENY : 0;
	if (!s)
		goto out;
	int n = kad_dns_read(slot, kad_ptr_value(msg), type == KAD_DNS_SOCK_STREAM);
	if (!kad_dns_parse(slot, n)) {
		/* Fail closed only where the rules could deny something. */
		err = 0;
		if (cur.header.flags & KAD_HDR_DNS_DENIES) {
			static const char what[] = "<DNS query that cannot be parsed>";
			err = kad_deny_unresolvable(&cur, s, KAD_OP_DNS, what, sizeof(what) - 1);
		}
		goto out;
	}
	s->req.subject = cur;
	__builtin_memset(&s->req.verdict, 0, sizeof(s->req.verdict));
	s->dns.source = (cur.header.flags & KAD_HDR_DNS_SOURCES) ? cur.exe_hash : 0;
	bpf_loop(KAD_DNS_MAX_LABELS, kad_dns_level, &slot, 0);
	struct kad_verdict v = s->req.verdict;

	/* DNS has its own allow-list mode, with the network posture. */
	cur.header.allow_list[KAD_CAT_NETWORK] = !!(cur.header.flags & KAD_HDR_DNS_ALLOW_LIST);
	s->event.aux = family;
	s->event.aux2 = type;
	err = kad_finish(&cur, &v, KAD_CAT_NETWORK, s, KAD_OP_DNS, 0, s->dns.name_len);
out:
	kad_scratch_release(slot);
	return err;
}
