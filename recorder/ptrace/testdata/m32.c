/* A 32-bit static test workload: file, process and time syscalls on the i386 ABI. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	struct stat st;
	int fd = open("/etc/hostname", O_RDONLY);
	if (fd >= 0) {
		read(fd, buf, sizeof buf);
		fstat(fd, &st);
		close(fd);
	}
	printf("pid %d time %ld\n", getpid(), (long)time(NULL));
	return 0;
}
