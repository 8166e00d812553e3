// fhandle: file handles as NFS servers use them, for the guest tests.
//
//   fhandle save PATH FILE        name_to_handle_at(PATH) into FILE (binary)
//   fhandle cat MOUNT FILE        open_by_handle_at(MOUNT, FILE's handle,
//                                 O_RDONLY): prints the contents (a
//                                 directory: its names, sorted, one a line)
//   fhandle append MOUNT FILE TEXT  open it O_WRONLY|O_APPEND, write TEXT
//   fhandle ino MOUNT FILE        opens it (O_PATH) and prints st_ino
//   fhandle forge MOUNT FILE      flips every byte of the saved handle and
//                                 opens it: must fail
//
// On failure prints the errno name ("ESTALE: Stale file handle") and exits 1.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_HANDLE 128

static int fail(const char *what)
{
	int err = errno;

	printf("%s: %s (%s)\n", strerrorname_np(err) ? strerrorname_np(err) : "E?", strerror(err),
	       what);
	return 1;
}

static struct file_handle *load(const char *file)
{
	static union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + MAX_HANDLE];
	} u;
	FILE *f = fopen(file, "rb");
	size_t n;

	if (!f)
		return NULL;
	n = fread(&u, 1, sizeof(u), f);
	fclose(f);
	if (n < sizeof(struct file_handle) || u.fh.handle_bytes > MAX_HANDLE ||
	    n != sizeof(struct file_handle) + u.fh.handle_bytes) {
		errno = EINVAL;
		return NULL;
	}
	return &u.fh;
}

static int save(const char *path, const char *file)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + MAX_HANDLE];
	} u;
	int mount_id;
	FILE *f;

	u.fh.handle_bytes = MAX_HANDLE;
	if (name_to_handle_at(AT_FDCWD, path, &u.fh, &mount_id, 0))
		return fail("name_to_handle_at");
	f = fopen(file, "wb");
	if (!f || fwrite(&u, 1, sizeof(struct file_handle) + u.fh.handle_bytes, f) == 0 ||
	    fclose(f))
		return fail("write handle file");
	return 0;
}

static int open_saved(const char *mount, const char *file, int flags, int forge)
{
	struct file_handle *fh = load(file);
	int mfd, fd;

	if (!fh)
		return -1;
	if (forge)
		for (unsigned int i = 0; i < fh->handle_bytes; i++)
			fh->f_handle[i] ^= 0xff;
	mfd = open(mount, O_RDONLY | O_DIRECTORY);
	if (mfd < 0)
		return -1;
	fd = open_by_handle_at(mfd, fh, flags);
	close(mfd);
	return fd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int print_dir(int fd)
{
	DIR *d = fdopendir(fd);
	char *names[4096];
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return fail("fdopendir");
	while ((e = readdir(d)) && n < 4096)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", names[i]);
	return 0;
}

static int cat(const char *mount, const char *file)
{
	int fd = open_saved(mount, file, O_RDONLY, 0);
	struct stat st;
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return fail("open_by_handle_at");
	if (fstat(fd, &st))
		return fail("fstat");
	if (S_ISDIR(st.st_mode))
		return print_dir(fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	if (n < 0)
		return fail("read");
	close(fd);
	return 0;
}

static int append(const char *mount, const char *file, const char *text)
{
	int fd = open_saved(mount, file, O_WRONLY | O_APPEND, 0);

	if (fd < 0)
		return fail("open_by_handle_at");
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return fail("write");
	if (close(fd))
		return fail("close");
	return 0;
}

static int ino(const char *mount, const char *file, int forge)
{
	int fd = open_saved(mount, file, O_PATH, forge);
	struct stat st;

	if (fd < 0)
		return fail("open_by_handle_at");
	if (fstat(fd, &st))
		return fail("fstat");
	printf("%llu\n", (unsigned long long)st.st_ino);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "save"))
		return save(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "cat"))
		return cat(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "append"))
		return append(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "ino"))
		return ino(argv[2], argv[3], 0);
	if (argc == 4 && !strcmp(argv[1], "forge"))
		return ino(argv[2], argv[3], 1);
	fprintf(stderr, "usage: fhandle save|cat|ino|forge MOUNT-OR-PATH FILE | append MOUNT FILE TEXT\n");
	return 2;
}
