// File syscalls, only when asked (want_paths): included by recorder.bpf.c.
//
// At sys_enter, a call of a traced thread that names files (user space marks them, per ABI
// and number, in file_syscalls) has its arguments kept per thread. At its sys_exit the
// program sends, through the paths ring buffer, the strings the call passed (the caller's
// memory is still there), the directory each relative one is relative to (the descriptor's
// file, or the working directory), the file an open returned or a mapping maps (its path,
// f_mode, inode type and owner), then one record with the result. A program the kernel
// executes is sent from sched_process_exec. User space decodes them as the ptrace recorder
// decodes a stopped thread's calls.

volatile const __u32 want_paths = 0;

#define PATH_MAX_LEN 4096
#define MAX_COMPONENTS 256

// Kernel types, in flavours of their own (CO-RE ignores the ___paths suffix).
struct fs_struct___paths {
	struct path pwd;
} __attribute__((preserve_access_index));

struct cred___paths {
	struct {
		__u32 val;
	} fsuid;
} __attribute__((preserve_access_index));

struct inode___paths {
	unsigned short i_mode;
	struct {
		__u32 val;
	} i_uid;
	unsigned long i_ino;
	__u32 i_generation;
} __attribute__((preserve_access_index));

struct dentry___paths {
	struct inode___paths *d_inode;
} __attribute__((preserve_access_index));

struct file___paths {
	struct path f_path;
	struct inode___paths *f_inode;
	unsigned int f_mode;
} __attribute__((preserve_access_index));

struct mount___paths {
	void *mnt_ns;
} __attribute__((preserve_access_index));

struct task_struct___paths {
	struct fs_struct___paths *fs;
	const struct cred___paths *cred;
	struct files_struct *files;
} __attribute__((preserve_access_index));

struct pt_regs___paths {
	unsigned long bx;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long bp;
	unsigned long r10;
	unsigned long r8;
	unsigned long r9;
} __attribute__((preserve_access_index));

// What a call's arguments are (call_desc.kind), set by user space from the file call table.
#define DESC_FILE 1     // names files in path[] (relative to dirfd[])
#define DESC_OPEN 2     // an open: its result is a descriptor of the file opened
#define DESC_OPEN_HOW 3 // openat2: also its open_how's flags
#define DESC_EXEC 4     // execve, execveat: a success is sent by sched_process_exec
#define DESC_MMAP 5     // a mapping of descriptor args[4], kept when args[2] has PROT_EXEC
#define NO_ARG 0xff     // path[i]: none; dirfd[i]: the working directory
#define PROT_EXEC 0x4
#define AT_FDCWD -100

struct call_desc {
	__u8 kind;
	__u8 path[2];
	__u8 dirfd[2];
	__u8 renames;   // a success may give a file or directory another path: bump name_gen
	__u8 look;      // a look (stat, access): no access, no result
	__u8 flags_arg; // DESC_OPEN: the argument holding the open flags
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_ABIS * MAX_NR);
	__type(key, __u32); // abi * MAX_NR + nr
	__type(value, struct call_desc);
} file_syscalls SEC(".maps");

struct file_call {
	__u32 key; // abi * MAX_NR + nr
	__u32 pad;
	__u64 args[6];
};

// (An LRU map: a thread killed in a call leaves its entry, which is dropped in time.)
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); // pid_tgid of the thread in the call
	__type(value, struct file_call);
} file_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} paths SEC(".maps");

// Records of the paths ring buffer (rec_head.kind). A call's strings come first, then its
// REC_CALL (or REC_EXEC); all carry the same seq and tid.
#define REC_STR 1
#define REC_CALL 2
#define REC_EXEC 3
// rec_head.slot of a string: 2*i the string of path i, 2*i+1 its base directory, SLOT_FILE
// the file opened, mapped or executed.
#define SLOT_FILE 4
// rec_head.flags of a string.
#define STR_TRUNCATED 1
#define STR_INTERNAL 2 // a file of no mount namespace (a pipe, a socket, a memfd)
#define STR_REF 4      // no text: the path sent before with the same ref

struct rec_head {
	__u64 seq;
	__u32 tid;
	__u8 kind;
	__u8 slot;  // REC_STR: SLOT_*; REC_CALL: the ABI
	__u8 flags; // REC_STR: STR_*
	__u8 pad;
	__u32 len; // REC_STR: bytes of string; REC_CALL: the syscall number
	__u32 pad2;
	__u64 ref; // REC_STR of a walked path: its id (see path_ids); 0 for a user string
};

// Paths walked are sent once: path_ids gives the id of the path of a (dentry, mount, inode)
// sent since the last call that may have renamed something (name_gen), and later strings of
// the same file carry only that id. A rename outside the recorded processes is not seen: a
// path walked before it keeps its old name.
struct path_key {
	__u64 dentry;
	__u64 mnt;
	__u64 inode;
	// A removed file's dentry and inode are freed, and a new file may get their memory: the
	// inode's number and generation tell the new file from the old.
	__u64 ino;
	__u64 generation;
	__u64 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct path_key);
	__type(value, __u64);
} path_ids SEC(".maps");

// path_state[STATE_NAME_GEN] is name_gen, path_state[STATE_LAST_ID] the last id given.
#define STATE_NAME_GEN 0
#define STATE_LAST_ID 1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} path_state SEC(".maps");

static __always_inline __u64 *path_state_at(__u32 i)
{
	return bpf_map_lookup_elem(&path_state, &i);
}

// kread reads the pointer-sized value at base+off in kernel memory (0 if it cannot).
static __always_inline __u64 kread(__u64 base, __u32 off)
{
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)(base + off));
	return v;
}

// key_inode fills k's inode fields from its dentry.
static __always_inline void key_inode(struct path_key *k)
{
	__u64 inode = kread(k->dentry, bpf_core_field_offset(struct dentry___paths, d_inode));
	k->inode = inode;
	if (inode) {
		k->ino = kread(inode, bpf_core_field_offset(struct inode___paths, i_ino));
		k->generation = (__u32)kread(inode, bpf_core_field_offset(struct inode___paths, i_generation));
	}
}

static __always_inline void path_key_of(struct path *p, __u64 gen, struct path_key *k)
{
	k->dentry = (__u64)BPF_CORE_READ(p, dentry);
	k->mnt = (__u64)BPF_CORE_READ(p, mnt);
	k->gen = gen;
	key_inode(k);
}

// A call that would send what was sent before is not sent again (what it adds to a recording
// is one more in a count), by a process of the same fsuid: a successful open of the same file
// with the same flags, a mapping of it; a look (stat, access) or a failure of the same call
// with the same string relative to the same directory (hash: of the call, its error and the
// string).
#define OPEN_FLAGS_KEPT (03 | 0100 | 0200 | 01000 | 02000 | 0200000 | 010000000)

struct seen_key {
	struct path_key file; // the file opened or mapped, or the directory a string is relative to
	__u64 hash;
	__u32 what; // DESC_* << 24 | the open flags that matter
	__u32 fsuid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct seen_key);
	__type(value, __u8);
} seen_calls SEC(".maps");

struct rec_str {
	struct rec_head h;
	char s[PATH_MAX_LEN];
};

struct rec_call {
	struct rec_head h;
	__u32 pid;
	__u32 fsuid;
	__s64 ret;
	__u64 args[6];
	__u64 how_flags; // openat2's open_how.flags
	__u32 f_mode;    // of the SLOT_FILE file
	__u32 i_mode;    // of its inode; 0: no file
	__u32 i_uid;
	__u32 pad;
};

// walk is the state of a path walk, one component per step (walk_step, run by bpf_loop), kept in the
// per-CPU scratch with the path (the stack is short). The
// field offsets are relocated in send_path and passed here: the step function is a callback,
// whose own CO-RE relocations cilium/ebpf poisons.
struct walk {
	__u64 d;   // struct dentry *
	__u64 mnt; // struct mount *
	int off;   // the path built so far is scratch.buf[off, PATH_MAX_LEN)
	int truncated;
	__u32 o_mnt, o_parent, o_mountpoint, o_root, o_dparent, o_hashlen, o_name;
};

struct scratch {
	char buf[2 * PATH_MAX_LEN];
	struct walk w;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec_call);
} call_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} path_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec_str);
} str_scratch SEC(".maps");

// wakeup_flag wakes the reader only once a quarter of the ring is full: a wake-up per event
// would cost a context switch per call. The reader also wakes on its own every few ms.
static __always_inline long wakeup_flag(void)
{
	return bpf_ringbuf_query(&paths, BPF_RB_AVAIL_DATA) >= (1 << 20) ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

int finish_call(struct file_call *cp, long ret);

// args_scratch holds the arguments of the call sys_enter is looking at (the stack is short).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_call);
} args_scratch SEC(".maps");

// stash_file_call keeps the arguments of a call that names files until its exit.
static __always_inline void stash_file_call(__u32 abi, __s64 nr, struct pt_regs *regs)
{
	__u32 key = abi * MAX_NR + (__u32)nr;
	struct call_desc *d = bpf_map_lookup_elem(&file_syscalls, &key);
	if (!d || !d->kind)
		return;
	struct pt_regs___paths *r = (void *)regs;
	__u32 zero = 0;
	struct file_call *c = bpf_map_lookup_elem(&args_scratch, &zero);
	if (!c)
		return;
	c->key = key;
	if (abi == ABI_I386) {
		c->args[0] = (__u32)r->bx;
		c->args[1] = (__u32)r->cx;
		c->args[2] = (__u32)r->dx;
		c->args[3] = (__u32)r->si;
		c->args[4] = (__u32)r->di;
		c->args[5] = (__u32)r->bp;
	} else {
		c->args[0] = r->di;
		c->args[1] = r->si;
		c->args[2] = r->dx;
		c->args[3] = r->r10;
		c->args[4] = r->r8;
		c->args[5] = r->r9;
	}
	if (d->kind == DESC_MMAP && (!(c->args[2] & PROT_EXEC) || (int)c->args[4] < 0))
		return;
	if (d->look && finish_call(c, 0) == 0)
		return; // no need to wait for the result
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&file_calls, &id, c, BPF_ANY);
}

// walk_step prepends d's name to the path, or crosses from a mount's root to its mount point;
// it returns 1 (stop) at the root of the mount namespace.
static long walk_step(__u32 i, void *arg)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!s)
		return 1;
	struct walk *w = &s->w;
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

// send_path sends the path of p (built from its last component up in the per-CPU scratch
// buffer: dentries up to their mount's root, then the mount point in the parent mount, up to
// the root of the mount namespace) as string slot of the call seq, or only its id when it was
// sent before. It returns the string's STR_* flags.
// (A global function: the verifier checks it once, not at each of its five call sites.)
__attribute__((noinline)) int send_path_at(__u64 dentry, __u64 mnt, __u64 seq, __u32 tid, __u32 slot)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
	struct rec_str *r = bpf_map_lookup_elem(&str_scratch, &zero);
	__u64 *gen = path_state_at(STATE_NAME_GEN), *last = path_state_at(STATE_LAST_ID);
	if (!s || !r || !gen || !last)
		return STR_INTERNAL;
	struct path_key key = {.dentry = dentry, .mnt = mnt, .gen = *gen};
	key_inode(&key);
	r->h.seq = seq;
	r->h.tid = tid;
	r->h.kind = REC_STR;
	r->h.slot = slot;
	__u64 *known = bpf_map_lookup_elem(&path_ids, &key);
	if (known) {
		// The flags are those of the first sending: only an internal file's matter here.
		r->h.ref = *known >> 8;
		r->h.flags = STR_REF | (*known & 0xff);
		r->h.len = 0;
		if (bpf_ringbuf_output(&paths, r, sizeof(r->h), wakeup_flag()) != 0)
			lose(LOST_PATHS);
		return *known & 0xff;
	}
	__u32 o_mnt = bpf_core_field_offset(struct mount, mnt);
	__u32 o_dname = bpf_core_field_offset(struct dentry, d_name);
	struct walk *w = &s->w;
	w->d = key.dentry;
	w->mnt = key.mnt - o_mnt;
	w->off = PATH_MAX_LEN;
	w->truncated = 0;
	w->o_mnt = o_mnt;
	w->o_parent = bpf_core_field_offset(struct mount, mnt_parent);
	w->o_mountpoint = bpf_core_field_offset(struct mount, mnt_mountpoint);
	w->o_root = bpf_core_field_offset(struct vfsmount, mnt_root);
	w->o_dparent = bpf_core_field_offset(struct dentry, d_parent);
	w->o_hashlen = o_dname + bpf_core_field_offset(struct qstr, hash_len);
	w->o_name = o_dname + bpf_core_field_offset(struct qstr, name);
	if (bpf_loop(MAX_COMPONENTS, walk_step, 0, 0) == MAX_COMPONENTS)
		w->truncated = 1;
	__u64 ns = kread(w->mnt, bpf_core_field_offset(struct mount___paths, mnt_ns));
	__u8 flags = (w->truncated ? STR_TRUNCATED : 0) | (ns == 0 || ns >= (__u64)-4095 ? STR_INTERNAL : 0);
	int off = w->off;
	if (off >= PATH_MAX_LEN) {
		off = PATH_MAX_LEN - 1;
		s->buf[off] = '/';
	}
	// off is in [1, PATH_MAX_LEN) here (0 only when the path filled the buffer: then nothing
	// is copied and the string says it was truncated); the masks keep the verifier sure of it.
	__u32 n = (PATH_MAX_LEN - off) & (PATH_MAX_LEN - 1);
	if (n == 0)
		flags |= STR_TRUNCATED;
	bpf_probe_read_kernel(r->s, n, &s->buf[off & (PATH_MAX_LEN - 1)]);
	r->h.len = n;
	r->h.flags = flags;
	r->h.ref = __sync_fetch_and_add(last, 1) + 1;
	if (bpf_ringbuf_output(&paths, r, sizeof(r->h) + n, wakeup_flag()) != 0) {
		lose(LOST_PATHS);
		return flags;
	}
	// Known from now on (after the string is in the ring: a later reference comes after it).
	__u64 v = (r->h.ref << 8) | flags;
	bpf_map_update_elem(&path_ids, &key, &v, BPF_ANY);
	return flags;
}

static __always_inline __u8 send_path(struct path *p, __u64 seq, __u32 tid, __u8 slot)
{
	return send_path_at((__u64)BPF_CORE_READ(p, dentry), (__u64)BPF_CORE_READ(p, mnt), seq, tid, slot);
}

// send_user_str sends the string the caller passed at ptr (in kernel memory when kernel) as
// string slot of the call seq. It returns 1 when the string is a relative path, 0 when it is
// absolute or could not be read.
static __always_inline int send_user_str(__u64 ptr, __u64 seq, __u32 tid, __u8 slot, int kernel)
{
	__u32 zero = 0;
	struct rec_str *r = bpf_map_lookup_elem(&str_scratch, &zero);
	if (!r)
		return 0;
	long n = kernel ? bpf_probe_read_kernel_str(r->s, PATH_MAX_LEN, (void *)ptr)
			: bpf_probe_read_user_str(r->s, PATH_MAX_LEN, (void *)ptr);
	if (n <= 0)
		return 0;
	__u32 len = (n - 1) & (PATH_MAX_LEN - 1);
	r->h.seq = seq;
	r->h.tid = tid;
	r->h.kind = REC_STR;
	r->h.slot = slot;
	r->h.flags = n == PATH_MAX_LEN ? STR_TRUNCATED : 0;
	r->h.len = len;
	r->h.ref = 0;
	int rel = r->s[0] != '/';
	if (bpf_ringbuf_output(&paths, r, sizeof(r->h) + len, wakeup_flag()) != 0)
		lose(LOST_PATHS);
	return rel;
}

// fd_file returns the file descriptor fd of the current task holds (0 if none).
static __always_inline struct file___paths *fd_file(int fd)
{
	struct task_struct___paths *task = (void *)bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file___paths *f = 0;
	if (fd >= 0 && fd < BPF_CORE_READ(fdt, max_fds))
		bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

// send_file sends the path of f as SLOT_FILE and keeps its mode and owner in c. It returns
// the string's STR_* flags.
static __always_inline __u8 send_file(struct file___paths *f, struct rec_call *c)
{
	struct path fp;
	bpf_probe_read_kernel(&fp, sizeof(fp), &f->f_path);
	c->f_mode = BPF_CORE_READ(f, f_mode);
	c->i_mode = BPF_CORE_READ(f, f_inode, i_mode);
	c->i_uid = BPF_CORE_READ(f, f_inode, i_uid.val);
	return send_path(&fp, c->h.seq, c->h.tid, SLOT_FILE);
}

// send_base sends the directory a relative path passed with dirfd is relative to.
static __always_inline void send_base(int dirfd, __u64 seq, __u32 tid, __u8 slot)
{
	if (dirfd == AT_FDCWD) {
		struct task_struct___paths *task = (void *)bpf_get_current_task_btf();
		struct path pwd;
		bpf_probe_read_kernel(&pwd, sizeof(pwd), &task->fs->pwd);
		send_path(&pwd, seq, tid, slot);
		return;
	}
	struct file___paths *f = fd_file(dirfd);
	if (f) {
		struct path fp;
		bpf_probe_read_kernel(&fp, sizeof(fp), &f->f_path);
		send_path(&fp, seq, tid, slot);
	}
}

static __always_inline __u64 arg_at(struct file_call *c, __u8 i)
{
	switch (i) {
	case 0:
		return c->args[0];
	case 1:
		return c->args[1];
	case 2:
		return c->args[2];
	case 3:
		return c->args[3];
	case 4:
		return c->args[4];
	case 5:
		return c->args[5];
	}
	return 0;
}

// send_arg_at sends the string at str as string slot, and its base directory (relative to
// dirfd) as slot+1 when it is relative. (Global: verified once.)
__attribute__((noinline)) int send_arg_at(__u64 str, int dirfd, __u64 seq, __u32 tid, __u32 slot)
{
	if (send_user_str(str, seq, tid, slot, 0))
		send_base(dirfd, seq, tid, slot + 1);
	return 0;
}

// send_arg sends path argument i of call c (and its base directory when it is relative).
static __always_inline void send_arg(struct file_call *c, struct call_desc *d, int i, __u64 seq, __u32 tid)
{
	__u8 pa = d->path[i & 1], da = d->dirfd[i & 1];
	if (pa == NO_ARG)
		return;
	send_arg_at(arg_at(c, pa), da == NO_ARG ? AT_FDCWD : (int)arg_at(c, da), seq, tid, 2 * i);
}

static __always_inline void send_call(struct rec_call *c)
{
	if (bpf_ringbuf_output(&paths, c, sizeof(*c), BPF_RB_NO_WAKEUP) != 0)
		lose(LOST_PATHS);
}

// hash_ctx hashes the string in str_scratch (n bytes with its NUL), 8 bytes per step
// (hash_step, run by bpf_loop).
struct hash_ctx {
	__u64 h;
	__u32 n;
};

static long hash_step(__u32 i, void *arg)
{
	struct hash_ctx *hc = arg;
	__u32 zero = 0;
	struct rec_str *r = bpf_map_lookup_elem(&str_scratch, &zero);
	__u32 off = i * 8;
	if (!r || off >= hc->n)
		return 1;
	__u64 w = *(__u64 *)&r->s[off & (PATH_MAX_LEN - 8)];
	__u32 left = hc->n - off;
	if (left < 8)
		w &= (1ULL << (left * 8)) - 1;
	hc->h = (hc->h ^ w) * 0x100000001b3ULL;
	hc->h ^= hc->h >> 29;
	return 0;
}

// string_seen_key fills k for a call that names its file by string 0 (a look, a failure):
// the directory it is relative to and a hash of the call, its result and the string. It
// returns -1 when the string cannot be read, 0 when its directory cannot.
static __always_inline int string_seen_key(struct file_call *c, struct call_desc *d, long ret, __u64 gen, struct seen_key *k)
{
	__u32 zero = 0;
	struct rec_str *r = bpf_map_lookup_elem(&str_scratch, &zero);
	if (!r)
		return 0;
	long n = bpf_probe_read_user_str(r->s, PATH_MAX_LEN, (void *)arg_at(c, d->path[0]));
	if (n <= 0)
		return -1;
	struct hash_ctx hc = {.h = 0xcbf29ce484222325ULL ^ c->key ^ ((__u64)(__u32)ret << 32), .n = n};
	bpf_loop(PATH_MAX_LEN / 8, hash_step, &hc, 0);
	k->hash = hc.h;
	if (r->s[0] == '/')
		return 1;
	struct path base;
	__u8 da = d->dirfd[0];
	int dirfd = da == NO_ARG ? AT_FDCWD : (int)arg_at(c, da);
	if (dirfd == AT_FDCWD) {
		struct task_struct___paths *task = (void *)bpf_get_current_task_btf();
		bpf_probe_read_kernel(&base, sizeof(base), &task->fs->pwd);
	} else {
		struct file___paths *f = fd_file(dirfd);
		if (!f)
			return 0;
		bpf_probe_read_kernel(&base, sizeof(base), &f->f_path);
	}
	path_key_of(&base, gen, &k->file);
	return 1;
}

// finish_call sends the records of call c of the current thread, which returned ret (a look
// is finished at its entry, ret 0: it is recorded whatever it returns; it returns 1 when the
// look's string could not be read there). Global: verified once for both programs.
__attribute__((noinline)) int finish_call(struct file_call *cp, long ret)
{
	if (!cp)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct call_desc *d = bpf_map_lookup_elem(&file_syscalls, &cp->key);
	if (!d || (d->kind == DESC_EXEC && ret == 0))
		return 0;
	__u32 zero = 0;
	struct rec_call *rc = bpf_map_lookup_elem(&call_scratch, &zero);
	if (!rc)
		return 0;
	__builtin_memset(rc, 0, sizeof(*rc));
	rc->h.seq = bpf_ktime_get_ns();
	rc->h.tid = (__u32)id;
	rc->h.kind = REC_CALL;
	rc->h.slot = cp->key / MAX_NR;
	rc->h.len = cp->key % MAX_NR;
	rc->pid = id >> 32;
	rc->ret = ret;
	__builtin_memcpy(rc->args, cp->args, sizeof(rc->args));
	int fd = -1;
	if ((d->kind == DESC_OPEN || d->kind == DESC_OPEN_HOW) && ret >= 0)
		fd = ret;
	else if (d->kind == DESC_MMAP)
		fd = (int)cp->args[4];
	if (d->kind == DESC_OPEN_HOW)
		bpf_probe_read_user(&rc->how_flags, sizeof(rc->how_flags), (void *)cp->args[2]);
	struct task_struct___paths *task = (void *)bpf_get_current_task_btf();
	rc->fsuid = BPF_CORE_READ(task, cred, fsuid.val);
	struct file___paths *f = fd >= 0 ? fd_file(fd) : 0;
	__u64 *gen = path_state_at(STATE_NAME_GEN);
	if (!gen)
		return 0;
	struct seen_key sk;
	__builtin_memset(&sk, 0, sizeof(sk));
	sk.fsuid = rc->fsuid;
	sk.what = (__u32)d->kind << 24;
	if (d->kind == DESC_OPEN)
		sk.what |= arg_at(cp, d->flags_arg) & OPEN_FLAGS_KEPT;
	else if (d->kind == DESC_OPEN_HOW)
		sk.what |= rc->how_flags & OPEN_FLAGS_KEPT;
	int dedup = 0;
	if (f) {
		struct path fp;
		bpf_probe_read_kernel(&fp, sizeof(fp), &f->f_path);
		path_key_of(&fp, *gen, &sk.file);
		dedup = 1;
	} else if (fd < 0 && (d->look || ret < 0) && d->path[0] != NO_ARG && d->path[1] == NO_ARG) {
		dedup = string_seen_key(cp, d, ret, *gen, &sk);
		if (dedup < 0 && d->look && ret == 0)
			return 1; // at the entry: a page not yet touched; read at the exit
		if (dedup < 0)
			dedup = 0;
	}
	if (dedup && bpf_map_lookup_elem(&seen_calls, &sk))
		return 0;
	__u8 file_flags = STR_INTERNAL;
	if (f)
		file_flags = send_file(f, rc);
	// An open that returned a file of a path is named by that path: the strings it was
	// given are not needed.
	if (fd < 0 || file_flags != 0) {
		send_arg(cp, d, 0, rc->h.seq, rc->h.tid);
		send_arg(cp, d, 1, rc->h.seq, rc->h.tid);
	}
	if (d->renames && ret >= 0)
		__sync_fetch_and_add(gen, 1);
	send_call(rc);
	if (dedup && (fd < 0 || file_flags == 0)) {
		__u8 one = 1;
		bpf_map_update_elem(&seen_calls, &sk, &one, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct file_call *pc = bpf_map_lookup_elem(&file_calls, &id);
	if (!pc)
		return 0;
	struct file_call c = *pc;
	bpf_map_delete_elem(&file_calls, &id);
	if (ret <= -512 && ret >= -516)
		return 0; // ERESTART*: the call is made again
	return finish_call(&c, ret);
}

struct linux_binprm___paths {
	const char *filename;
} __attribute__((preserve_access_index));

// send_exec_name sends the name a program was executed by (the kernel's copy of execve's
// path: a script's, not its interpreter's) as string 0, with the working directory as its base
// when it is relative. (Global: verified once.)
__attribute__((noinline)) int send_exec_name(__u64 name, __u64 seq, __u32 tid)
{
	if (send_user_str(name, seq, tid, 0, 1))
		send_base(AT_FDCWD, seq, tid, 1);
	return 0;
}

// send_exec sends the program task (of thread group tgid) executes: the name it was executed
// by and its file. The thread that called execve was old_pid, whose kept arguments are
// dropped (its exit is not sent).
static __always_inline void send_exec(struct task_struct *task, __u32 tgid, int old_pid, void *bprm)
{
	__u64 old = ((__u64)tgid << 32) | (__u32)old_pid;
	bpf_map_delete_elem(&file_calls, &old); // the execve's exit is not sent
	__u32 zero = 0;
	struct rec_call *rc = bpf_map_lookup_elem(&call_scratch, &zero);
	if (!rc)
		return;
	__builtin_memset(rc, 0, sizeof(*rc));
	rc->h.seq = bpf_ktime_get_ns();
	rc->h.tid = task->pid;
	rc->h.kind = REC_EXEC;
	rc->pid = tgid;
	struct task_struct___paths *t = (void *)task;
	rc->fsuid = BPF_CORE_READ(t, cred, fsuid.val);
	send_exec_name((__u64)BPF_CORE_READ((struct linux_binprm___paths *)bprm, filename), rc->h.seq, rc->h.tid);
	struct file___paths *f = (void *)BPF_CORE_READ((struct linux_binprm *)bprm, file);
	if (f)
		send_file(f, rc);
	send_call(rc);
}
