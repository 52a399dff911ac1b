/* A test workload whose second thread execs: the exec'ing thread takes over the process. */
#include <pthread.h>
#include <unistd.h>

static void *run(void *arg)
{
	(void)arg;
	execl("/bin/cat", "cat", "/etc/hostname", (char *)0);
	return 0;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, 0, run, 0);
	for (;;)
		pause();
}
