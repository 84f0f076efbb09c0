// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network rules: socket creation by protocol (tcp, udp, icmp, icmpv6, sctp)
 * or socket type, for IPv4 and IPv6 (and AF_PACKET for raw and packet).
 * Unlike KubeArmor, the address family counts: an AF_UNIX stream socket is
 * not "tcp". AF_VSOCK is refused to every container (self-protection).
 */
#include "common.bpf.h"
#include "protect.bpf.h"

#define KAD_AF_INET 2
#define KAD_AF_INET6 10
#define KAD_AF_PACKET 17
#define KAD_AF_VSOCK 40
#define KAD_SOCK_STREAM 1
#define KAD_SOCK_DGRAM 2
#define KAD_SOCK_RAW 3
#define KAD_SOCK_SEQPACKET 5
#define KAD_SOCK_PACKET 10
#define KAD_IPPROTO_ICMP 1
#define KAD_IPPROTO_TCP 6
#define KAD_IPPROTO_UDP 17
#define KAD_IPPROTO_ICMPV6 58
#define KAD_IPPROTO_SCTP 132

/* The protocol class of an inet socket, as KubeArmor classifies it. */
static __always_inline __u32 kad_net_class(int family, int type, int protocol)
{
	if (type == KAD_SOCK_STREAM && (protocol == 0 || protocol == KAD_IPPROTO_TCP))
		return KAD_NET_TCP;
	if (type == KAD_SOCK_DGRAM && (protocol == 0 || protocol == KAD_IPPROTO_UDP))
		return KAD_NET_UDP;
	if ((type == KAD_SOCK_DGRAM || type == KAD_SOCK_RAW) && protocol == KAD_IPPROTO_ICMP && family == KAD_AF_INET)
		return KAD_NET_ICMP;
	if ((type == KAD_SOCK_DGRAM || type == KAD_SOCK_RAW) && protocol == KAD_IPPROTO_ICMPV6 &&
	    family == KAD_AF_INET6)
		return KAD_NET_ICMPV6;
	if ((type == KAD_SOCK_SEQPACKET && (protocol == 0 || protocol == KAD_IPPROTO_SCTP)) ||
	    (type == KAD_SOCK_STREAM && protocol == KAD_IPPROTO_SCTP))
		return KAD_NET_SCTP;
	return 0;
}

/* Out of line: one verified copy for all four probes. */
static __noinline int kad_net_try(void *rules, __u64 hash, __u64 source, __u32 conditions, struct kad_verdict *v)
{
	struct kad_rule_key key = {.hash = hash, .source = source, .kind = KAD_KEY_NETWORK};
	return kad_apply_key(rules, &key, conditions, v);
}

SEC("lsm/socket_create")
int BPF_PROG(kad_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct kad_context cur;

	if (ret)
		return ret;
	if (kern) /* the kernel's own sockets */
		return 0;
	/* Self-protection: the agent API is served on vsock (and, with
	 * vsock_loopback, reachable from inside the guest). No container may
	 * open one, whatever its policy, or it could rewrite its own rules. */
	if (family == KAD_AF_VSOCK) {
		if (!kad_current_context(&cur))
			return 0;
		return KAD_DENY_WHAT(&cur, "vsock socket", family, type);
	}
	if (family != KAD_AF_INET && family != KAD_AF_INET6 && family != KAD_AF_PACKET)
		return 0;
	if (!kad_current_context(&cur) || !cur.header.has_rules[KAD_CAT_NETWORK])
		return 0;

	type &= 0xf; /* SOCK_TYPE_MASK */
	__u32 cls = family == KAD_AF_PACKET ? 0 : kad_net_class(family, type, protocol);
	__u8 type_applies = family != KAD_AF_PACKET || type == KAD_SOCK_RAW || type == KAD_SOCK_PACKET;
	__u32 conditions = kad_current_has_tty() ? KAD_COND_TTY : 0;
	void *rules = kad_rules_of(&cur.binding, &cur.header);
	if (!rules)
		return 0;

	/* KubeArmor's order: type with source, protocol with source, type,
	 * protocol. */
	struct kad_verdict v = {};
	__u64 src = (cur.header.flags & KAD_HDR_NET_SOURCES) ? cur.exe_hash : 0;
	int decided = 0;
	if (src) {
		decided = (type_applies && kad_net_try(rules, KAD_NET_TYPE_KEY(type), src, conditions, &v)) ||
			  (cls && kad_net_try(rules, KAD_NET_PROTO_KEY(cls), src, conditions, &v));
	}
	if (!decided) {
		if (!(type_applies && kad_net_try(rules, KAD_NET_TYPE_KEY(type), 0, conditions, &v)) && cls)
			kad_net_try(rules, KAD_NET_PROTO_KEY(cls), 0, conditions, &v);
	}

	if (v.decision == KAD_ACTION_ALLOW && !v.audited)
		return 0;
	if (v.decision == KAD_ACTION_NONE && !v.audited && !cur.header.allow_list[KAD_CAT_NETWORK])
		return 0;
	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	int err;
	if (s) {
		s->event.aux = ((__u32)family << 16) | ((__u32)type << 8) | (__u32)(protocol & 0xff);
		s->event.aux2 = protocol;
		s->event.resource[0] = 0;
		err = kad_finish(&cur, &v, KAD_CAT_NETWORK, s, KAD_OP_SOCKET, KAD_RESOURCE_STAGED, 0);
	} else {
		__u8 action; /* the decision stands; only its alert is lost (counted in scratch_busy) */
		err = kad_outcome(&cur, &v, KAD_CAT_NETWORK, &action);
	}
	kad_scratch_release(slot);
	return err;
}
