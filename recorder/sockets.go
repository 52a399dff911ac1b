package recorder

import "strconv"

// Socket address families and types by number (include/linux/socket.h, linux/net.h), with
// the names AppArmor network rules use.
var socketFamilies = map[uint64]string{
	0: "unspec", 1: "unix", 2: "inet", 3: "ax25", 4: "ipx", 5: "appletalk", 6: "netrom",
	7: "bridge", 8: "atmpvc", 9: "x25", 10: "inet6", 11: "rose", 12: "decnet", 13: "netbeui",
	14: "security", 15: "key", 16: "netlink", 17: "packet", 18: "ash", 19: "econet",
	20: "atmsvc", 21: "rds", 22: "sna", 23: "irda", 24: "pppox", 25: "wanpipe", 26: "llc",
	27: "ib", 28: "mpls", 29: "can", 30: "tipc", 31: "bluetooth", 32: "iucv", 33: "rxrpc",
	34: "isdn", 35: "phonet", 36: "ieee802154", 37: "caif", 38: "alg", 39: "nfc",
	40: "vsock", 41: "kcm", 42: "qipcrtr", 43: "smc", 44: "xdp", 45: "mctp",
}

var socketTypes = map[uint64]string{
	1: "stream", 2: "dgram", 3: "raw", 4: "rdm", 5: "seqpacket", 6: "dccp", 10: "packet",
}

// sockTypeMask keeps the type out of socket(2)'s type argument (SOCK_NONBLOCK and
// SOCK_CLOEXEC share it).
const sockTypeMask = 0xf

// SocketFamilyName names an address family (AF_INET is "inet"); unknown ones are decimal.
func SocketFamilyName(f uint64) string {
	if n, ok := socketFamilies[f]; ok {
		return n
	}
	return strconv.FormatUint(f, 10)
}

// SocketTypeName names a socket type (SOCK_STREAM is "stream"), ignoring the flag bits.
func SocketTypeName(t uint64) string {
	t &= sockTypeMask
	if n, ok := socketTypes[t]; ok {
		return n
	}
	return strconv.FormatUint(t, 10)
}
