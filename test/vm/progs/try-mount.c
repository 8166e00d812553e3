// try-mount FSTYPE TARGET OPTIONS          (mount(2): "none" as the source)
// try-mount --fsconfig FSTYPE OPTIONS      (fsopen/fsconfig/FSCONFIG_CMD_CREATE)
//
// Prints "OK" or the errno name of the call that failed (e.g. "EINVAL") on
// the first line. With --fsconfig, the lines that follow are the messages the
// filesystem left in the fs_context log ("e unionfs: ..."), which is what
// mount(8) shows with the new mount API. A successful mount(2) stays mounted.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif

static int report(int err)
{
	const char *name = err ? strerrorname_np(err) : "OK";
	printf("%s\n", name ? name : "E?");
	return err ? 1 : 0;
}

// Prints what the kernel logged in the fs_context (one message per read).
static void drain_log(int fd)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		buf[n] = '\0';
		printf("%s\n", buf);
	}
}

// Feeds "a=b,c,d=e" to fsconfig the way libmount does: key=value as a
// string, a bare key as a flag. Returns 0 or an errno.
static int configure(int fd, char *opts)
{
	char *save = NULL;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		long r;
		if (eq) {
			*eq = '\0';
			r = syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, o, eq + 1, 0);
		} else {
			r = syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, o, NULL, 0);
		}
		if (r < 0)
			return errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--fsconfig") == 0) {
		int fd = syscall(SYS_fsopen, argv[2], 0);
		if (fd < 0)
			return report(errno);
		char *opts = strdup(argv[3]);
		int err = configure(fd, opts);
		if (!err && syscall(SYS_fsconfig, fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			err = errno;
		int rc = report(err);
		drain_log(fd);
		close(fd);
		free(opts);
		return rc;
	}
	if (argc == 4 && argv[1][0] != '-') {
		if (mount("none", argv[2], argv[1], 0, argv[3]) < 0)
			return report(errno);
		return report(0);
	}
	fprintf(stderr, "usage: try-mount FSTYPE TARGET OPTIONS\n"
			"       try-mount --fsconfig FSTYPE OPTIONS\n");
	return 2;
}
