//go:build ignore

// The in-kernel half of profgen's eBPF recorder (x86-64 kernels). It counts the syscalls of
// the traced processes per ABI and number in a per-CPU array: no event per syscall reaches
// user space. User space reads the maps once, at the end.
//
// Build: go generate ./recorder/ebpf (bpf2go, clang). No vmlinux.h: the few kernel types used
// are declared below with preserve_access_index, so CO-RE relocates their fields.

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

// Kernel types, reduced to the fields read here.
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct signal_struct {
	struct {
		int counter;
	} live;
} __attribute__((preserve_access_index));

struct qstr {
	__u64 hash_len; // hash in the low half, length in the high half (little endian)
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
} __attribute__((preserve_access_index));

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	struct signal_struct *signal;
	struct files_struct *files;
} __attribute__((preserve_access_index));

// The registers of the syscall entry (x86-64 names).
struct pt_regs {
	unsigned long bx;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
} __attribute__((preserve_access_index));

// ABIs, as indexes into the count array.
#define ABI_X86_64 0
#define ABI_I386 1
#define ABI_X32 2
#define NR_ABIS 3
// Syscall numbers below MAX_NR are counted in the array; others in the strays hash.
#define MAX_NR 1024

// arch/x86/include/asm/thread_info.h: set while a 32-bit (int 0x80, sysenter, compat
// syscall) call runs, cleared on the return to user space.
#define TS_COMPAT 0x0002
// arch/x86/include/uapi/asm/unistd.h
#define X32_SYSCALL_BIT 0x40000000

#define NR_EXECVE_64 59
#define NR_EXECVEAT_64 322

// States of a traced thread group.
#define STATE_PENDING 1 // forked by the spawner, not yet exec'd: only its execve counts
#define STATE_TRACED 2

// Loss counters (indexes of the losses array).
#define LOST_FORK 0  // a child of a traced process could not be added: the traced map is full
#define LOST_STRAY 1 // a syscall number out of the array's range could not be counted
#define LOST_ARGS 2  // an argument value could not be kept: the args map is full
#define LOST_CAPS 3  // a capability check could not be counted: the cap_checks map is full
#define LOST_PATHS 4 // a path could not be sent: the ring buffer is full
#define LOST_CAP_CALLER 5 // a capability check's kernel stack could not be read
#define NR_LOSSES 6

// Set at load time.
volatile const __u64 cgroup_id = 0;   // non-zero: record every task under this cgroup v2
volatile const __u32 cgroup_level = 0; // the cgroup's level in the hierarchy
// With cgroup_id: a process of the cgroup counts from its execve on (the traced map holds
// those that have exec'd and their children), not the runtime's init that runs before it.
volatile const __u32 cgroup_from_exec = 0;

struct count {
	__u64 calls;
	__u64 first_ns;   // when this CPU counted the first call (bpf_ktime_get_ns)
	__u32 first_tgid; // the process that made it
	__u32 keep_args;  // bit i set: keep the value of argument i (configured by user space)
};

struct args_key {
	__u32 abi;
	__u32 nr;
	__u64 arg[3];
};

struct stray_key {
	__u32 abi;
	__u32 pad;
	__s64 nr;
};

struct config {
	__u32 spawner_tid; // children forked by this thread are pending until their exec
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);   // tgid
	__type(value, __u32); // STATE_*
} traced SEC(".maps");

// traced_pids holds the states of traced again, indexed by tgid, for the programs that run on
// every syscall (and capability check) of every process on the machine: an array lookup is a
// bounds check and an offset, which the verifier inlines, where a hash lookup hashes the key
// and walks a bucket. The loader sizes it to the kernel's pid_max; a tgid beyond it (pid_max
// raised since) is looked up in traced. traced stays the set user space lists.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); // set by the loader
	__type(key, __u32);    // tgid
	__type(value, __u32);  // STATE_*, 0: not traced
} traced_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_ABIS * MAX_NR);
	__type(key, __u32);
	__type(value, struct count);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct args_key);
	__type(value, __u64);
} args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct stray_key);
	__type(value, __u64);
} strays SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_LOSSES);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct config);
} config SEC(".maps");

static __always_inline void lose(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &what);
	if (n)
		__sync_fetch_and_add(n, 1);
}

// traced_state returns the state of thread group tgid (0: not traced).
static __always_inline __u32 traced_state(__u32 tgid)
{
	__u32 *state = bpf_map_lookup_elem(&traced_pids, &tgid);
	if (!state)
		state = bpf_map_lookup_elem(&traced, &tgid);
	return state ? *state : 0;
}

// set_traced sets the state of thread group tgid in both maps.
static __always_inline void set_traced(__u32 tgid, __u32 state)
{
	__u32 *slot = bpf_map_lookup_elem(&traced_pids, &tgid);
	if (slot)
		*slot = state;
	if (bpf_map_update_elem(&traced, &tgid, &state, BPF_ANY) != 0)
		lose(LOST_FORK);
}

// untrace forgets thread group tgid.
static __always_inline void untrace(__u32 tgid)
{
	__u32 *slot = bpf_map_lookup_elem(&traced_pids, &tgid);
	if (slot)
		*slot = 0;
	bpf_map_delete_elem(&traced, &tgid);
}

static __always_inline void count_stray(__u32 abi, __s64 nr)
{
	struct stray_key k = {.abi = abi, .nr = nr};
	__u64 one = 1, *n = bpf_map_lookup_elem(&strays, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(&strays, &k, &one, BPF_NOEXIST) != 0) {
		n = bpf_map_lookup_elem(&strays, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			lose(LOST_STRAY);
	}
}

static __always_inline void keep_args(__u32 abi, __u32 nr, __u32 which, struct pt_regs *regs)
{
	struct args_key k = {.abi = abi, .nr = nr};
	// On x86-64 the first three arguments of a 64-bit call are in di, si, dx; of a 32-bit
	// call in bx, cx, dx.
	if (abi == ABI_I386) {
		if (which & 1)
			k.arg[0] = (__u32)regs->bx;
		if (which & 2)
			k.arg[1] = (__u32)regs->cx;
		if (which & 4)
			k.arg[2] = (__u32)regs->dx;
	} else {
		if (which & 1)
			k.arg[0] = regs->di;
		if (which & 2)
			k.arg[1] = regs->si;
		if (which & 4)
			k.arg[2] = regs->dx;
	}
	__u64 one = 1, *n = bpf_map_lookup_elem(&args, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(&args, &k, &one, BPF_NOEXIST) != 0 && !bpf_map_lookup_elem(&args, &k))
		lose(LOST_ARGS);
}

#include "paths.bpf.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	// The task's tgid is read from the task itself: one helper call on every syscall of the
	// machine, where bpf_get_current_pid_tgid would make two on each traced one.
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	if (cgroup_id) {
		if (bpf_get_current_ancestor_cgroup_id(cgroup_level) != cgroup_id)
			return 0;
		if (cgroup_from_exec && id != NR_EXECVE_64 && id != NR_EXECVEAT_64 &&
		    traced_state(tgid) != STATE_TRACED)
			return 0;
	} else {
		__u32 state = traced_state(tgid);
		if (state != STATE_TRACED &&
		    (state != STATE_PENDING || (id != NR_EXECVE_64 && id != NR_EXECVEAT_64)))
			return 0;
	}

	__u32 abi = ABI_X86_64;
	__s64 nr = id;
	if (id >= 0 && (id & X32_SYSCALL_BIT)) {
		abi = ABI_X32;
		nr = id & ~(__s64)X32_SYSCALL_BIT;
	} else if (task->thread_info.status & TS_COMPAT) {
		abi = ABI_I386;
	}
	if (nr < 0 || nr >= MAX_NR) {
		count_stray(abi, id);
		return 0;
	}
	__u32 key = abi * MAX_NR + (__u32)nr;
	struct count *c = bpf_map_lookup_elem(&counts, &key);
	if (!c)
		return 0;
	if (c->calls++ == 0) {
		c->first_ns = bpf_ktime_get_ns();
		c->first_tgid = tgid;
	}
	if (c->keep_args)
		keep_args(abi, (__u32)nr, c->keep_args, regs);
	if (want_paths)
		stash_file_call(abi, nr, regs);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	if (ptgid == ctgid)
		return 0; // a new thread: its group is traced already (or not)
	__u32 state = STATE_TRACED;
	if (traced_state(ptgid) != STATE_TRACED) {
		__u32 zero = 0;
		struct config *cfg = bpf_map_lookup_elem(&config, &zero);
		if (!cfg || cfg->spawner_tid == 0 || cfg->spawner_tid != (__u32)parent->pid)
			return 0;
		state = STATE_PENDING;
	}
	set_traced(ctgid, state);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, int old_pid, void *bprm)
{
	__u32 tgid = task->tgid;
	__u32 state = traced_state(tgid);
	if (want_paths && state)
		send_exec(task, tgid, old_pid, bprm);
	if (state == STATE_PENDING || (!state && cgroup_id && cgroup_from_exec &&
				       bpf_get_current_ancestor_cgroup_id(cgroup_level) == cgroup_id))
		set_traced(tgid, STATE_TRACED);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	// Remove the group when its last thread exits, so a reused pid is not traced.
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	untrace(task->tgid);
	return 0;
}

// Capability checks, from the cap_capable tracepoint (Linux 6.15 and later), which has each
// check's result. It does not have the check's options: a check the kernel makes only to probe
// (CAP_OPT_NOAUDIT: ns_capable_noaudit, the memory accounting's CAP_SYS_ADMIN test on every
// mmap) is told apart in user space by the kernel stack that made it, kept in the key itself.
// (A BPF stack-trace map is not used: two different stacks whose hashes fall in the same
// bucket make bpf_get_stackid fail with -EEXIST, and that check's caller would be unknown.)
#define NR_CAPS 64
// Frames kept per unwound check: the program's own, bpf_trace_run5 (and
// __traceiter_cap_capable when several programs are attached), cap_capable, then the caller
// (past security_capable), with room for a kernel build that inlines less. Few checks are
// unwound (see cap_fast below), so the depth costs little.
#define CAP_STACK_DEPTH 12

struct cap_key {
	__u32 cap;
	__u32 granted;
	__u64 frames[CAP_STACK_DEPTH]; // kernel return addresses, innermost first; zero past the end
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cap_key);
	__type(value, __u64); // checks
} cap_checks SEC(".maps");

// recorded says whether the current task is one whose syscalls are counted (past its exec).
static __always_inline int recorded(void)
{
	if (cgroup_id) {
		if (bpf_get_current_ancestor_cgroup_id(cgroup_level) != cgroup_id)
			return 0;
		if (!cgroup_from_exec)
			return 1;
	}
	return traced_state(bpf_get_current_pid_tgid() >> 32) == STATE_TRACED;
}

// Unwinding the stack costs over a microsecond, on every check, and a workload makes
// thousands (one per mmap). The return addresses that name a check's caller are also in stack
// words above the program's context (the tracepoint's argument array, in bpf_trace_run5's
// frame): the return into cap_capable from its tracepoint call (one address, cap_ret), then,
// at a fixed distance above it (cap_capable's frame), cap_capable's return into its caller
// (frame A), then, at a distance fixed for each frame A (that caller's frame at that call),
// the caller's return into its own caller (frame B). The program learns cap_ret (the unwound
// frame the kernel names cap_capable) and the three distances from checks it unwinds, by
// finding the unwound frames among the stack words; once CAP_AGREE walks agreed on them, it
// reads the words instead of unwinding, and counts the check in cap_fast by (cap, result,
// frame A, frame B). cap_ret's distance above the context changes with the number of
// programs on the tracepoint (one is called directly, several through
// __traceiter_cap_capable): a word there that is not cap_ret, or a frame A not learned,
// makes the check unwound as before (and the distances learned again).
#define CAP_SCAN_WORDS 64
#define CAP_AGREE 4
#define CAP_NONE 0xffff

struct cap_slot {
	__u32 word;   // a frame's distance above the word before it (see cap_learned), in words
	__u32 agreed; // walks that found it there
};

struct cap_learned {
	__u64 cap_ret;        // the return address into cap_capable; 0 until learned
	struct cap_slot at;   // cap_ret, above the context
	struct cap_slot past; // frame A, above cap_ret
};

struct cap_fast_key {
	__u32 cap;
	__u32 granted;
	__u64 ret[2]; // frames A and B
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cap_learned);
} cap_learned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);             // a frame A
	__type(value, struct cap_slot); // frame B, above it
} cap_callers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cap_fast_key);
	__type(value, __u64); // checks
} cap_fast SEC(".maps");

struct cap_scan {
	__u64 w[CAP_SCAN_WORDS];
	char name[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cap_scan);
} cap_scratch SEC(".maps");

// count_check adds one check to the counter at key in map m.
static __always_inline void count_check(void *m, void *key)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(m, key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(m, key, &one, BPF_NOEXIST) != 0) {
		n = bpf_map_lookup_elem(m, key);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			lose(LOST_CAPS);
	}
}

// agree records that a walk found a frame w words above the word before it.
static __always_inline void agree(struct cap_slot *s, __u32 w)
{
	if (s->word == w) {
		if (s->agreed < CAP_AGREE)
			s->agreed++;
	} else {
		s->word = w;
		s->agreed = 1;
	}
}

// kread_word returns the kernel word at base + 8*i, 0 if it cannot be read.
static __always_inline __u64 kread_word(__u64 base, __u32 i)
{
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)(base + 8 * (__u64)i));
	return v;
}

// frame_search finds cap_ret, frame A and frame B, in that order, among the scanned words.
struct frame_search {
	__u64 want[3];
	__u32 found[3]; // word indexes, CAP_NONE if not found
};

static long search_step(__u32 i, void *arg)
{
	struct frame_search *fs = arg;
	__u32 zero = 0;
	struct cap_scan *scan = bpf_map_lookup_elem(&cap_scratch, &zero);
	if (!scan)
		return 1;
	__u64 w = scan->w[i & (CAP_SCAN_WORDS - 1)]; // i < CAP_SCAN_WORDS: bpf_loop's count
	if (fs->found[0] == CAP_NONE) {
		if (w == fs->want[0])
			fs->found[0] = i;
	} else if (fs->found[1] == CAP_NONE) {
		if (w == fs->want[1])
			fs->found[1] = i;
	} else if (w == fs->want[2]) {
		fs->found[2] = i;
		return 1;
	}
	return 0;
}

// cap_ret_in returns the frame (of the first five) that the kernel names cap_capable, 0 if none.
static __always_inline __u64 cap_ret_in(struct cap_scan *scan, __u64 *frames)
{
	for (int j = 1; j < 5; j++) {
		__u64 a = frames[j];
		if (bpf_snprintf(scan->name, sizeof(scan->name), "%pB", &a, sizeof(a)) > 0 &&
		    bpf_strncmp(scan->name, 12, "cap_capable+") == 0)
			return a;
	}
	return 0;
}

// learn_slots learns, from an unwound check's frames, cap_ret and where it and frames A and B
// are in the stack words above base.
static __always_inline void learn_slots(__u64 base, __u64 *frames)
{
	__u32 zero = 0;
	struct cap_scan *scan = bpf_map_lookup_elem(&cap_scratch, &zero);
	struct cap_learned *l = bpf_map_lookup_elem(&cap_learned, &zero);
	if (!scan || !l)
		return;
	if (!l->cap_ret)
		l->cap_ret = cap_ret_in(scan, frames);
	struct frame_search fs = {.found = {CAP_NONE, CAP_NONE, CAP_NONE}};
	if (frames[1] == l->cap_ret)
		fs.want[0] = frames[1], fs.want[1] = frames[2], fs.want[2] = frames[3];
	else if (frames[2] == l->cap_ret)
		fs.want[0] = frames[2], fs.want[1] = frames[3], fs.want[2] = frames[4];
	else if (frames[3] == l->cap_ret)
		fs.want[0] = frames[3], fs.want[1] = frames[4], fs.want[2] = frames[5];
	else
		return;
	if (!fs.want[0] || !fs.want[1] || !fs.want[2])
		return;
	if (bpf_probe_read_kernel(scan->w, sizeof(scan->w), (void *)base) != 0)
		return;
	bpf_loop(CAP_SCAN_WORDS, search_step, &fs, 0);
	if (fs.found[1] == CAP_NONE)
		return;
	agree(&l->at, fs.found[0]);
	agree(&l->past, fs.found[1] - fs.found[0]);
	if (fs.found[2] == CAP_NONE)
		return;
	struct cap_slot *caller = bpf_map_lookup_elem(&cap_callers, &fs.want[1]);
	if (caller) {
		agree(caller, fs.found[2] - fs.found[1]);
	} else {
		struct cap_slot fresh = {.word = fs.found[2] - fs.found[1], .agreed = 1};
		bpf_map_update_elem(&cap_callers, &fs.want[1], &fresh, BPF_NOEXIST);
	}
}

// count_fast counts the check by the frames A and B read from the stack words; it returns 0
// when where they are is not learned yet (the check must be unwound).
static __always_inline int count_fast(__u64 base, int cap, int granted)
{
	__u32 zero = 0;
	struct cap_learned *l = bpf_map_lookup_elem(&cap_learned, &zero);
	if (!l || !l->cap_ret || l->at.agreed < CAP_AGREE || l->past.agreed < CAP_AGREE)
		return 0;
	__u32 i = l->at.word;
	if (i >= CAP_SCAN_WORDS || kread_word(base, i) != l->cap_ret)
		return 0;
	i += l->past.word;
	if (i >= CAP_SCAN_WORDS)
		return 0;
	struct cap_fast_key k = {.cap = cap, .granted = granted, .ret = {kread_word(base, i)}};
	struct cap_slot *caller = bpf_map_lookup_elem(&cap_callers, &k.ret[0]);
	if (!caller || caller->agreed < CAP_AGREE)
		return 0;
	i += caller->word;
	if (i >= CAP_SCAN_WORDS)
		return 0;
	k.ret[1] = kread_word(base, i);
	count_check(&cap_fast, &k);
	return 1;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable_result, void *cred, void *target_ns, void *capable_ns, int cap, int ret)
{
	if (cap < 0 || cap >= NR_CAPS || !recorded())
		return 0;
	// The context's address, as a number (the verifier allows no arithmetic on it).
	__u64 base = 0;
	void *c = ctx;
	bpf_probe_read_kernel(&base, sizeof(base), &c);
	if (base && count_fast(base, cap, ret == 0))
		return 0;
	struct cap_key k;
	__builtin_memset(&k, 0, sizeof(k));
	k.cap = cap;
	k.granted = ret == 0;
	if (bpf_get_stack(ctx, k.frames, sizeof(k.frames), 0) <= 0) {
		lose(LOST_CAP_CALLER); // no caller: the check cannot be told a use or a probe
		return 0;
	}
	count_check(&cap_checks, &k);
	if (base)
		learn_slots(base, k.frames);
	return 0;
}

// Naming kernel addresses for user space, which classifies each capability check by the
// function that made it: run with BPF_PROG_RUN on one address at a time, the kernel formats
// it as a backtrace entry ("function+offset/size", the address taken as a return address),
// so user space need not read all of /proc/kallsyms.
#define SYM_LEN 128

struct sym_request {
	__u64 addr;
	char name[SYM_LEN];
};

SEC("syscall")
int name_address(struct sym_request *req)
{
	__u64 addr = req->addr;
	char name[SYM_LEN];
	if (bpf_snprintf(name, sizeof(name), "%pB", &addr, sizeof(addr)) < 0)
		return 1;
	__builtin_memcpy(req->name, name, sizeof(name));
	return 0;
}
