// Package apparmor writes AppArmor profiles from a profile.Recording, with documented
// generalisation rules and strict escaping of file names, and drives apparmor_parser to check,
// load, unload, disable and change the mode of profiles on a node.
//
// Signal, ptrace, unix, mount and dbus rules come from the Fields of profile.AppArmorRule,
// by Class. The fields carry libapparmor's names and the audit record's values (hex-encoded
// values decoded):
//
//	signal: requested_mask (send, receive; or denied_mask or mask), signal (name or number), peer
//	ptrace: requested_mask (read, trace, readby, tracedby; or denied_mask or mask), peer
//	unix:   requested_mask (or denied_mask or mask), sock_type (or type), addr, peer_addr, peer
//	mount:  operation (mount, umount, pivotroot), fstype, srcname, name, flags
//	dbus:   operation, mask (send, receive, bind), bus, path, interface, member, name,
//	        peer_profile (or peer_label)
//
// A rule whose fields are missing or have values AppArmor has no syntax for is left out, with
// a warning.
package apparmor
