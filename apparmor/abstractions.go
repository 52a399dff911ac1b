package apparmor

// baseRules lists file rules of Debian's abstractions/base (AppArmor 3.0) as the parser
// expands them, with their permissions. A recorded file that one of them matches with no
// more permissions than it grants is left to `include <abstractions/base>` instead of
// getting a rule of its own. TestBaseRulesInAbstraction checks every entry against the
// installed abstraction through apparmor_parser.
var baseRules = []struct {
	pattern string
	mode    string
}{
	{"/dev/full", "rwa"},
	{"/dev/log", "wa"},
	{"/dev/null", "rwa"},
	{"/dev/random", "r"},
	{"/dev/urandom", "r"},
	{"/dev/zero", "rwa"},
	{"/proc//cpuinfo", "r"},
	{"/proc//filesystems", "r"},
	{"/proc//meminfo", "r"},
	{"/proc//stat", "r"},
	{"/proc//sys/kernel/cap_last_cap", "r"},
	{"/proc//sys/kernel/ngroups_max", "r"},
	{"/proc//sys/kernel/version", "r"},
	{"/proc//sys/vm/overcommit_memory", "r"},
	{"/proc//" + pidPattern + "/{maps,auxv,status}", "r"},
	{"/sys//devices/system/cpu/online", "r"},
	{"/sys//devices/system/cpu/possible", "r"},
	{"/usr/lib{,32,64}/locale/**", "rm"},
	{"/usr/lib{,32,64}/gconv/*.so", "rm"},
	{"/usr/lib{,32,64}/gconv/gconv-modules*", "rm"},
	{"/usr/lib/*-linux-gnu*/gconv/*.so", "rm"},
	{"/usr/lib/*-linux-gnu*/gconv/gconv-modules*", "rm"},
	{"/usr/share/locale/**", "r"},
	{"/usr/share/zoneinfo/**", "r"},
	{"/{usr/,}lib/*-linux-gnu*/**", "r"},
	{"/{usr/,}lib/*-linux-gnu*/**.so*", "rm"},
	{"/{usr/,}lib/*-linux-gnu*/ld{,32,64}-*.so", "rm"},
	{"/{usr/,}lib{,32,64}/**", "r"},
	{"/{usr/,}lib{,32,64}/**.so*", "rm"},
	{"/{usr/,}lib{,32,64}/ld{,32,64}-*.so", "rm"},
	{"{/etc,/usr/etc}/ld.so.cache", "rm"},
	{"{/etc,/usr/etc}/ld.so.conf", "r"},
	{"{/etc,/usr/etc}/ld.so.conf.d/{,*.conf}", "r"},
	{"{/etc,/usr/etc}/ld.so.preload", "r"},
	{"{/etc,/usr/etc}/locale.alias", "r"},
	{"{/etc,/usr/etc}/localtime", "r"},
}
