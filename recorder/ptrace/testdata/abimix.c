/* A 64-bit test workload that also makes an i386 call (int 0x80) and an x32-numbered call. */
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	long r;
	/* getppid is 64 on i386 */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) : "memory");
	/* getpid (39) with __X32_SYSCALL_BIT; fails with ENOSYS where x32 is off */
	syscall(0x40000000 | 39);
	return 0;
}
