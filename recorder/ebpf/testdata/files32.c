/* File syscalls of the 32-bit ABI (int 0x80 through libc), for the paths parity test. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	int fd = open("f32", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	write(fd, "x", 1);
	close(fd);
	fd = open("f32", O_RDWR | O_CREAT, 0644); /* there: not a creation */
	close(fd);
	mkdir("d32", 0755);
	rename("f32", "d32/g32");
	link("d32/g32", "d32/h32");
	symlink("g32", "d32/s32");
	chmod("d32/g32", 0600);
	chown("d32/g32", getuid(), getgid());
	truncate("d32/h32", 0);
	struct stat st;
	stat("d32/g32", &st);
	int dir = open("d32", O_RDONLY | O_DIRECTORY);
	unlinkat(dir, "h32", 0);
	unlinkat(dir, "s32", 0);
	mkdirat(dir, "sub", 0755);
	unlinkat(dir, "sub", AT_REMOVEDIR);
	close(dir);
	open("/nonexistent32", O_RDONLY);
	unlink("d32/g32");
	rmdir("d32");
	return 0;
}
