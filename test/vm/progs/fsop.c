// fsop OP ARG [ARG2]: one system call, for tests that must see exactly what
// the kernel answers (mv, ln and touch retry, copy or fall back on errors).
//
//   create PATH          open(O_CREAT|O_EXCL|O_WRONLY, 0644)
//   mkdir PATH           mkdir(0755)
//   mkfifo PATH          mknod(S_IFIFO|0644)
//   symlink TARGET PATH  symlink(2)
//   link OLD NEW         link(2)
//   rename OLD NEW       rename(2), no flags
//   exchange OLD NEW     renameat2(RENAME_EXCHANGE)
//   unlink PATH          unlink(2)
//   rmdir PATH           rmdir(2)
//   openrw PATH          open(O_RDWR) and close, without writing
//   append PATH TEXT     open(O_WRONLY|O_APPEND) and write TEXT
//   mount TARGET OPTIONS mount("none", TARGET, "unionfs", 0, OPTIONS)
//   umount TARGET        umount2(TARGET, 0)
//
// Prints nothing and exits 0 on success; on failure prints the errno name
// and its message ("EXDEV: Invalid cross-device link") and exits 1.
//
// fsop -: runs one operation per line of standard input (the words separated
// by tabs) and prints one line for each, "OK" or the error as above; exits 0
// unless a line cannot be parsed. Saves an exec per operation, which under
// TCG costs more than the operation itself.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_close(const char *path, int flags, const char *text)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		return -1;
	if (text && write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

// Runs one operation; returns 0, -1 with errno set, or -2 for a bad request.
static int run(const char *op, const char *a, const char *b)
{
	if (!a)
		return -2;
	if (!strcmp(op, "create") && !b)
		return open_close(a, O_CREAT | O_EXCL | O_WRONLY, NULL);
	if (!strcmp(op, "mkdir") && !b)
		return mkdir(a, 0755);
	if (!strcmp(op, "mkfifo") && !b)
		return mknod(a, S_IFIFO | 0644, 0);
	if (!strcmp(op, "unlink") && !b)
		return unlink(a);
	if (!strcmp(op, "rmdir") && !b)
		return rmdir(a);
	if (!strcmp(op, "openrw") && !b)
		return open_close(a, O_RDWR, NULL);
	if (!strcmp(op, "umount") && !b)
		return umount2(a, 0);
	if (!b)
		return -2;
	if (!strcmp(op, "symlink"))
		return symlink(a, b);
	if (!strcmp(op, "link"))
		return link(a, b);
	if (!strcmp(op, "rename"))
		return rename(a, b);
	if (!strcmp(op, "exchange"))
		return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
	if (!strcmp(op, "append"))
		return open_close(a, O_WRONLY | O_APPEND, b);
	if (!strcmp(op, "mount"))
		return mount("none", a, "unionfs", 0, b);
	return -2;
}

static void report(int ret)
{
	int err = errno;
	const char *name;

	if (ret == 0) {
		puts("OK");
		return;
	}
	name = strerrorname_np(err);
	printf("%s: %s\n", name ? name : "E?", strerror(err));
}

static int batch(void)
{
	char line[8192];

	while (fgets(line, sizeof(line), stdin)) {
		char *words[3] = {NULL, NULL, NULL}, *save = NULL, *w;
		int n = 0, ret;

		line[strcspn(line, "\n")] = '\0';
		for (w = strtok_r(line, "\t", &save); w; w = strtok_r(NULL, "\t", &save)) {
			if (n == 3) {
				fprintf(stderr, "fsop: too many words in a line\n");
				return 2;
			}
			words[n++] = w;
		}
		if (n == 0)
			continue;
		ret = run(words[0], words[1], words[2]);
		if (ret == -2) {
			fprintf(stderr, "fsop: cannot run '%s'\n", words[0]);
			return 2;
		}
		report(ret);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc == 2 && !strcmp(argv[1], "-"))
		return batch();
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: fsop OP ARG [ARG2] | fsop -  (see the source)\n");
		return 2;
	}
	ret = run(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	if (ret == -2) {
		fprintf(stderr, "fsop: unknown operation or wrong arguments: %s\n", argv[1]);
		return 2;
	}
	if (ret == 0)
		return 0;
	report(ret);
	return 1;
}
