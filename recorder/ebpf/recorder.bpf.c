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

// File paths, only when asked (want_paths): an open's path is read at its exit from the file
// the new descriptor holds (the path the kernel resolved: links followed, relative to the
// process's mount namespace), an exec's from the program file; a failed open's path is the
// string the call passed, sent apart. Events go through the paths ring buffer.
volatile const __u32 want_paths = 0;

#define PATH_MAX_LEN 4096
#define MAX_COMPONENTS 256
#define KIND_OPEN 1
#define KIND_OPEN_FAILED 2
#define KIND_EXEC 3

struct open_call {
	__u64 filename; // user pointer
	__s64 dfd;
	__u32 flags;
	__u32 pad;
};

struct path_event {
	__u32 pid;
	__u32 flags;  // open flags
	__s32 ret;    // the open's result (negative errno when it failed)
	__u16 len;    // bytes of path used
	__u8 kind;    // KIND_*
	__u8 truncated;
	__s64 dfd;    // a failed openat's directory descriptor
	char path[PATH_MAX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); // pid_tgid of the thread in the call
	__type(value, struct open_call);
} open_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} paths SEC(".maps");

struct scratch {
	char buf[2 * PATH_MAX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} path_scratch SEC(".maps");

// wakeup_flag wakes the reader only once a quarter of the ring is full: a wake-up per event
// would cost a context switch per open. The reader also wakes on its own every few ms.
static __always_inline long wakeup_flag(void)
{
	return bpf_ringbuf_query(&paths, BPF_RB_AVAIL_DATA) >= (1 << 20) ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

// stash_open keeps the arguments of an open-family call until its exit.
static __always_inline void stash_open(__u32 abi, __s64 nr, struct pt_regs *regs)
{
	struct open_call c = {.dfd = -100}; // AT_FDCWD
	int compat = abi == ABI_I386;
	__u64 a0 = compat ? (__u32)regs->bx : regs->di;
	__u64 a1 = compat ? (__u32)regs->cx : regs->si;
	__u64 a2 = compat ? (__u32)regs->dx : regs->dx;
	if ((!compat && nr == 2) || (compat && nr == 5)) { // open(path, flags)
		c.filename = a0;
		c.flags = a1;
	} else if ((!compat && nr == 257) || (compat && nr == 295)) { // openat(dfd, path, flags)
		c.dfd = (int)a0;
		c.filename = a1;
		c.flags = a2;
	} else if ((!compat && nr == 85) || (compat && nr == 8)) { // creat(path, mode)
		c.filename = a0;
		c.flags = 01 | 0100 | 01000; // O_WRONLY|O_CREAT|O_TRUNC
	} else if (nr == 437) { // openat2(dfd, path, how): how->flags first
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a2);
		c.dfd = (int)a0;
		c.filename = a1;
		c.flags = flags;
	} else {
		return;
	}
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&open_calls, &id, &c, BPF_ANY);
}

// walk is the state of a path walk, one component per step (walk_step, run by bpf_loop). The
// field offsets are relocated in read_path and passed here: the step function is a callback,
// whose own CO-RE relocations cilium/ebpf poisons.
struct walk {
	__u64 d;   // struct dentry *
	__u64 mnt; // struct mount *
	int off;   // the path built so far is scratch.buf[off, PATH_MAX_LEN)
	int truncated;
	__u32 o_mnt, o_parent, o_mountpoint, o_root, o_dparent, o_hashlen, o_name;
};

// kread reads the pointer-sized value at base+off in kernel memory (0 if it cannot).
static __always_inline __u64 kread(__u64 base, __u32 off)
{
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)(base + off));
	return v;
}

// walk_step prepends d's name to the path, or crosses from a mount's root to its mount point;
// it returns 1 (stop) at the root of the mount namespace.
static long walk_step(__u32 i, void *arg)
{
	struct walk *w = arg;
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!s)
		return 1;
	__u64 root = kread(w->mnt + w->o_mnt, w->o_root);
	__u64 d = w->d;
	__u64 parent = kread(d, w->o_dparent);
	if (d == root) {
		__u64 up = kread(w->mnt, w->o_parent);
		if (up == w->mnt || up == 0)
			return 1;
		w->d = kread(w->mnt, w->o_mountpoint);
		w->mnt = up;
		return 0;
	}
	if (d == parent || d == 0)
		return 1;
	__u32 len = (kread(d, w->o_hashlen) >> 32) & 255;
	__u64 name = kread(d, w->o_name);
	int off = w->off;
	if ((int)len + 1 > off) {
		w->truncated = 1;
		return 1;
	}
	off -= len + 1;
	int o = off & (PATH_MAX_LEN - 1);
	s->buf[o] = '/';
	bpf_probe_read_kernel(&s->buf[o + 1], len, (void *)name);
	w->off = off;
	w->d = parent;
	return 0;
}

// read_path writes the path of p into e->path (built from its last component up in the
// per-CPU scratch buffer): dentries up to their mount's root, then the mount point in the
// parent mount, up to the root of the mount namespace.
static __always_inline void read_path(struct path *p, struct path_event *e)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!s)
		return;
	__u32 o_mnt = bpf_core_field_offset(struct mount, mnt);
	__u32 o_dname = bpf_core_field_offset(struct dentry, d_name);
	struct walk w = {
		.d = (__u64)BPF_CORE_READ(p, dentry),
		.mnt = (__u64)BPF_CORE_READ(p, mnt) - o_mnt,
		.off = PATH_MAX_LEN,
		.o_mnt = o_mnt,
		.o_parent = bpf_core_field_offset(struct mount, mnt_parent),
		.o_mountpoint = bpf_core_field_offset(struct mount, mnt_mountpoint),
		.o_root = bpf_core_field_offset(struct vfsmount, mnt_root),
		.o_dparent = bpf_core_field_offset(struct dentry, d_parent),
		.o_hashlen = o_dname + bpf_core_field_offset(struct qstr, hash_len),
		.o_name = o_dname + bpf_core_field_offset(struct qstr, name),
	};
	if (bpf_loop(MAX_COMPONENTS, walk_step, &w, 0) == MAX_COMPONENTS)
		w.truncated = 1;
	e->truncated = w.truncated;
	int off = w.off;
	if (off >= PATH_MAX_LEN) {
		off = PATH_MAX_LEN - 1;
		s->buf[off] = '/';
	}
	// off is in [1, PATH_MAX_LEN) here (0 only when the path filled the buffer: then nothing
	// is copied and the event says it was truncated); the masks keep the verifier sure of it.
	__u32 n = (PATH_MAX_LEN - off) & (PATH_MAX_LEN - 1);
	if (n == 0)
		e->truncated = 1;
	bpf_probe_read_kernel(e->path, n, &s->buf[off & (PATH_MAX_LEN - 1)]);
	e->len = n;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (cgroup_id) {
		if (bpf_get_current_ancestor_cgroup_id(cgroup_level) != cgroup_id)
			return 0;
		if (cgroup_from_exec && id != NR_EXECVE_64 && id != NR_EXECVEAT_64) {
			__u32 tgid = bpf_get_current_pid_tgid() >> 32;
			__u32 *state = bpf_map_lookup_elem(&traced, &tgid);
			if (!state || *state != STATE_TRACED)
				return 0;
		}
	} else {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u32 *state = bpf_map_lookup_elem(&traced, &tgid);
		if (!state)
			return 0;
		if (*state == STATE_PENDING && id != NR_EXECVE_64 && id != NR_EXECVEAT_64)
			return 0;
	}

	struct task_struct *task = bpf_get_current_task_btf();
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
		c->first_tgid = bpf_get_current_pid_tgid() >> 32;
	}
	if (c->keep_args)
		keep_args(abi, (__u32)nr, c->keep_args, regs);
	if (want_paths)
		stash_open(abi, nr, regs);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct open_call *pc = bpf_map_lookup_elem(&open_calls, &id);
	if (!pc)
		return 0;
	struct open_call c = *pc;
	bpf_map_delete_elem(&open_calls, &id);
	struct path_event *e = bpf_ringbuf_reserve(&paths, sizeof(*e), 0);
	if (!e) {
		lose(LOST_PATHS);
		return 0;
	}
	e->pid = id >> 32;
	e->flags = c.flags;
	e->ret = ret;
	e->dfd = c.dfd;
	e->len = 0;
	e->truncated = 0;
	if (ret >= 0) {
		e->kind = KIND_OPEN;
		struct task_struct *task = bpf_get_current_task_btf();
		struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
		struct file **fds = BPF_CORE_READ(fdt, fd);
		struct file *f = 0;
		if (ret < BPF_CORE_READ(fdt, max_fds))
			bpf_probe_read_kernel(&f, sizeof(f), &fds[ret]);
		if (f) {
			struct path fp;
			bpf_probe_read_kernel(&fp, sizeof(fp), &f->f_path);
			read_path(&fp, e);
		}
	} else {
		e->kind = KIND_OPEN_FAILED;
		long n = bpf_probe_read_user_str(e->path, PATH_MAX_LEN, (void *)c.filename);
		e->len = n > 0 ? n - 1 : 0;
	}
	bpf_ringbuf_submit(e, wakeup_flag());
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	if (ptgid == ctgid)
		return 0; // a new thread: its group is traced already (or not)
	__u32 state = STATE_TRACED;
	__u32 *pstate = bpf_map_lookup_elem(&traced, &ptgid);
	if (!pstate || *pstate != STATE_TRACED) {
		__u32 zero = 0;
		struct config *cfg = bpf_map_lookup_elem(&config, &zero);
		if (!cfg || cfg->spawner_tid == 0 || cfg->spawner_tid != (__u32)parent->pid)
			return 0;
		state = STATE_PENDING;
	}
	if (bpf_map_update_elem(&traced, &ctgid, &state, BPF_ANY) != 0)
		lose(LOST_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, int old_pid, void *bprm)
{
	__u32 tgid = task->tgid;
	__u32 *state = bpf_map_lookup_elem(&traced, &tgid);
	if (want_paths && state) {
		struct path_event *e = bpf_ringbuf_reserve(&paths, sizeof(*e), 0);
		if (e) {
			e->pid = tgid;
			e->kind = KIND_EXEC;
			e->flags = 0;
			e->ret = 0;
			e->dfd = 0;
			e->len = 0;
			e->truncated = 0;
			struct path fp;
			struct file *f = BPF_CORE_READ((struct linux_binprm *)bprm, file);
			bpf_probe_read_kernel(&fp, sizeof(fp), &f->f_path);
			read_path(&fp, e);
			bpf_ringbuf_submit(e, wakeup_flag());
		} else {
			lose(LOST_PATHS);
		}
	}
	if (state && *state == STATE_PENDING) {
		*state = STATE_TRACED;
	} else if (!state && cgroup_id && cgroup_from_exec &&
		   bpf_get_current_ancestor_cgroup_id(cgroup_level) == cgroup_id) {
		__u32 t = STATE_TRACED;
		if (bpf_map_update_elem(&traced, &tgid, &t, BPF_ANY) != 0)
			lose(LOST_FORK);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	// Remove the group when its last thread exits, so a reused pid is not traced.
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	__u32 tgid = task->tgid;
	bpf_map_delete_elem(&traced, &tgid);
	return 0;
}

// Capability checks, from the cap_capable tracepoint (Linux 6.15 and later), which has each
// check's result. It does not have the check's options: a check the kernel makes only to probe
// (CAP_OPT_NOAUDIT: ns_capable_noaudit, the memory accounting's CAP_SYS_ADMIN test on every
// mmap) is told apart in user space by the kernel stack that made it, kept in the key itself.
// (A BPF stack-trace map is not used: two different stacks whose hashes fall in the same
// bucket make bpf_get_stackid fail with -EEXIST, and that check's caller would be unknown.)
#define NR_CAPS 64
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
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *state = bpf_map_lookup_elem(&traced, &tgid);
	return state && *state == STATE_TRACED;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable_result, void *cred, void *target_ns, void *capable_ns, int cap, int ret)
{
	if (cap < 0 || cap >= NR_CAPS || !recorded())
		return 0;
	struct cap_key k;
	__builtin_memset(&k, 0, sizeof(k));
	k.cap = cap;
	k.granted = ret == 0;
	if (bpf_get_stack(ctx, k.frames, sizeof(k.frames), 0) <= 0) {
		lose(LOST_CAP_CALLER); // no caller: the check cannot be told a use or a probe
		return 0;
	}
	__u64 one = 1, *n = bpf_map_lookup_elem(&cap_checks, &k);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (bpf_map_update_elem(&cap_checks, &k, &one, BPF_NOEXIST) != 0) {
		n = bpf_map_lookup_elem(&cap_checks, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			lose(LOST_CAPS);
	}
	return 0;
}
