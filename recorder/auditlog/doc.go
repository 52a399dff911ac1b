// Package auditlog reads kernel audit records (seccomp SCMP_ACT_LOG and AppArmor records) in
// every form logs keep them in (kernel console and /dev/kmsg, rsyslog, auditd's audit.log,
// ausearch -i, journald short and JSON export, audispd) and turns them into a
// profile.Recording, detecting the signs that records were lost on the way.
package auditlog
