// readdir-seek DIR [EXPECTED_COUNT]
//
// Checks that a directory reads back consistently however it is read:
//  1. raw getdents64 in small buffers (many calls), recording each d_off;
//  2. readdir(3) with telldir(3) before every entry: same names, same order;
//  3. seekdir(3) back and forth to recorded positions: each gives the entry
//     that was read at that position;
//  4. lseek(2) to recorded d_off values, then getdents64: the next entry;
//  5. rewinddir(3) after a partial read, and after a full one: same sequence.
// Names must be unique and, if EXPECTED_COUNT is given, that many (without
// "." and ".."). Prints a one-line summary; exits 1 on the first mismatch.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
	char *name;
	long pos;     // telldir() before reading it (phase 2)
	off_t d_off;  // getdents64 d_off: where the next entry starts (phase 1)
};

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static const char *dir_path;

static void die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "readdir-seek: %s: ", dir_path);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static int is_dot(const char *n)
{
	return strcmp(n, ".") == 0 || strcmp(n, "..") == 0;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory%s%s", "", "");
	return p;
}

// Reads the whole directory with getdents64 and a buffer of bufsize bytes
// starting at offset start; returns the entries (dots included).
static struct entry *read_raw(int fd, size_t bufsize, off_t start, size_t *count, size_t *calls)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	char *buf = xrealloc(NULL, bufsize);

	if (lseek(fd, start, SEEK_SET) == (off_t)-1)
		die("lseek: %s%s", strerror(errno), "");
	*calls = 0;
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, bufsize);
		if (got < 0)
			die("getdents64: %s%s", strerror(errno), "");
		if (got == 0)
			break;
		(*calls)++;
		for (long i = 0; i < got;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + i);
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n].name = strdup(d->d_name);
			v[n].d_off = d->d_off;
			v[n].pos = 0;
			n++;
			i += d->d_reclen;
		}
	}
	free(buf);
	*count = n;
	return v;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: readdir-seek DIR [EXPECTED_COUNT]\n");
		return 2;
	}
	dir_path = argv[1];
	long expected = argc == 3 ? strtol(argv[2], NULL, 10) : -1;

	// Phase 1: raw getdents64, small buffers.
	int fd = open(dir_path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		die("open: %s%s", strerror(errno), "");
	size_t nraw, calls;
	struct entry *raw = read_raw(fd, 512, 0, &nraw, &calls);

	size_t named = 0;
	char **names = xrealloc(NULL, (nraw + 1) * sizeof(char *));
	for (size_t i = 0; i < nraw; i++)
		if (!is_dot(raw[i].name))
			names[named++] = raw[i].name;
	qsort(names, named, sizeof(char *), cmp_names);
	for (size_t i = 1; i < named; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			die("name '%s' is listed more than once%s", names[i], "");
	if (expected >= 0 && (long)named != expected) {
		char a[32], b[32];
		snprintf(a, sizeof(a), "%ld", expected);
		snprintf(b, sizeof(b), "%zu", named);
		die("expected %s entries, got %s", a, b);
	}

	// Phase 2: readdir with telldir before each entry.
	DIR *dir = opendir(dir_path);
	if (!dir)
		die("opendir: %s%s", strerror(errno), "");
	struct entry *seq = xrealloc(NULL, (nraw + 1) * sizeof(*seq));
	size_t nseq = 0;
	for (;;) {
		long pos = telldir(dir);
		errno = 0;
		struct dirent *d = readdir(dir);
		if (!d) {
			if (errno)
				die("readdir: %s%s", strerror(errno), "");
			break;
		}
		if (nseq == nraw)
			die("readdir returns more entries than getdents64 did%s%s", "", "");
		seq[nseq].name = strdup(d->d_name);
		seq[nseq].pos = pos;
		if (strcmp(seq[nseq].name, raw[nseq].name) != 0)
			die("readdir order differs from getdents64 order at '%s' vs '%s'",
			    seq[nseq].name, raw[nseq].name);
		nseq++;
	}
	if (nseq != nraw)
		die("readdir returned fewer entries than getdents64%s%s", "", "");

	// Phase 3: seekdir back and forth (deterministic pseudo-random order).
	unsigned seed = 12345;
	size_t seeks = nseq < 400 ? nseq : 400;
	for (size_t k = 0; k < seeks && nseq > 0; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t i = (k % 3 == 2) ? nseq - 1 - (k % nseq) : (seed >> 8) % nseq;
		seekdir(dir, seq[i].pos);
		struct dirent *d = readdir(dir);
		if (!d)
			die("seekdir to the position of '%s' then readdir gave end of directory%s",
			    seq[i].name, "");
		if (strcmp(d->d_name, seq[i].name) != 0)
			die("seekdir to the position of '%s' then readdir gave '%s'", seq[i].name,
			    d->d_name);
		// and the entry after it must follow too
		if (i + 1 < nseq) {
			d = readdir(dir);
			if (!d || strcmp(d->d_name, seq[i + 1].name) != 0)
				die("after seekdir, the entry after '%s' is not '%s'", seq[i].name,
				    seq[i + 1].name);
		}
	}

	// Phase 4: lseek to recorded d_off values on the raw descriptor.
	size_t lseeks = 0;
	for (size_t i = 0; i + 1 < nraw; i += (nraw > 200 ? nraw / 97 : 1)) {
		size_t n2, c2;
		struct entry *rest = read_raw(fd, 512, raw[i].d_off, &n2, &c2);
		if (n2 != nraw - i - 1)
			die("lseek to the d_off after '%s' then getdents64 gave a different count%s",
			    raw[i].name, "");
		if (n2 && strcmp(rest[0].name, raw[i + 1].name) != 0)
			die("lseek to the d_off after '%s' gave '%s'", raw[i].name, rest[0].name);
		for (size_t j = 0; j < n2; j++)
			free(rest[j].name);
		free(rest);
		lseeks++;
	}

	// Phase 5: rewinddir after a partial read and after a full read.
	for (int round = 0; round < 2; round++) {
		rewinddir(dir);
		size_t stop = round == 0 ? nseq / 2 : nseq;
		for (size_t i = 0; i < stop; i++)
			if (!readdir(dir))
				die("short read before rewinddir%s%s", "", "");
		rewinddir(dir);
		for (size_t i = 0; i < nseq; i++) {
			struct dirent *d = readdir(dir);
			if (!d || strcmp(d->d_name, seq[i].name) != 0)
				die("after rewinddir, entry differs from '%s'%s", seq[i].name, "");
		}
		if (readdir(dir))
			die("after rewinddir, more entries than before%s%s", "", "");
	}
	closedir(dir);
	close(fd);

	printf("readdir-seek: %zu entries in %zu getdents64 calls; %zu seekdir, %zu lseek, "
	       "2 rewinddir checks ok\n",
	       named, calls, seeks, lseeks);
	return 0;
}
