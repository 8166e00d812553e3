// branchctl: the branch-management ioctls of module/uapi/unionfs.h, one
// request per run, for tests that must see exactly what the kernel answers
// (unionctl checks arguments itself and turns errnos into sentences).
//
//   branchctl UNION list                      GET_BRANCH 0 .. count - 1
//   branchctl UNION add DIR INDEX MODE [GEN [RESERVED]]
//   branchctl UNION addfd FD INDEX MODE       dirfd FD as is (e.g. -1)
//   branchctl UNION del INDEX [GEN [RESERVED]]
//   branchctl UNION mode INDEX MODE [GEN [RESERVED]]
//   branchctl UNION incgen                    INCGEN
//   branchctl UNION get INDEX                 GET_BRANCH of one index
//   branchctl FILE query                      QUERY
//
// UNION is opened O_RDONLY|O_DIRECTORY (the union's root, or a directory in
// it), FILE and DIR O_RDONLY (no O_DIRECTORY: a regular file is passed to
// ADD_BRANCH as it is). MODE is rw, ro, nfsro or a number; GEN the expected
// generation (0: no check, the default); RESERVED goes into the reserved
// field(s) (0 by default).
//
// Prints "OK" and then what the request returned, or the errno name and its
// message ("EBUSY: Device or resource busy"). Exit status 0 on success, 1
// when the request failed, 2 for a usage error or when UNION, FILE or DIR
// cannot be opened (also printed as "ENAME: message", after "open:").
//   list:   "count=N generation=G", then per branch "INDEX MODE OPEN PATH"
//   get:    "count=N generation=G", then "INDEX MODE OPEN PATH"
//   incgen: "generation=G"
//   query:  "count=N branches=I,J,..." (empty list: "branches=")
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../../module/uapi/unionfs.h"

static const char *const mode_names[] = {"rw", "ro", "nfsro"};

static int usage(void)
{
	fprintf(stderr, "usage: branchctl UNION list|add|addfd|del|mode|incgen|get ... | FILE query"
			" (see the source)\n");
	return 2;
}

static void print_errno(const char *prefix, int err)
{
	const char *name = strerrorname_np(err);

	printf("%s%s: %s\n", prefix, name ? name : "E?", strerror(err));
}

static int failed(int err)
{
	print_errno("", err);
	return 1;
}

static int open_failed(const char *path, int err)
{
	printf("open %s: ", path);
	print_errno("", err);
	return 2;
}

static int parse_u64(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 0);
	return errno || !*text || *end ? -1 : 0;
}

static int parse_u32(const char *text, uint32_t *value)
{
	uint64_t v;

	if (parse_u64(text, &v) || v > UINT32_MAX)
		return -1;
	*value = (uint32_t)v;
	return 0;
}

static int parse_mode(const char *text, uint32_t *mode)
{
	for (uint32_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(text, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return parse_u32(text, mode);
}

static const char *mode_name(uint32_t mode)
{
	return mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] : "?";
}

static void print_branch(const struct unionfs_ioc_branch *b)
{
	printf("%" PRIu32 " %s %" PRIu64 " %s\n", b->index, mode_name(b->mode),
	       (uint64_t)b->open_files, b->path);
}

static int get_branch(int fd, uint32_t index, struct unionfs_ioc_branch *b)
{
	memset(b, 0, sizeof(*b));
	b->index = index;
	return ioctl(fd, UNIONFS_IOC_GET_BRANCH, b) < 0 ? errno : 0;
}

// The whole list, all of one generation (read again if it changed meanwhile).
static int list(int fd)
{
	static struct unionfs_ioc_branch b[UNIONFS_MAX_BRANCHES];

	for (int attempt = 0; attempt < 100; attempt++) {
		int err = get_branch(fd, 0, &b[0]);
		uint32_t count = b[0].count, i;

		if (err)
			return failed(err);
		if (count > UNIONFS_MAX_BRANCHES) {
			printf("bad count %" PRIu32 "\n", count);
			return 1;
		}
		for (i = 1; i < count; i++) {
			err = get_branch(fd, i, &b[i]);
			if (err || b[i].count != count || b[i].generation != b[0].generation)
				break;
		}
		if (i < count)
			continue;
		printf("OK\ncount=%" PRIu32 " generation=%" PRIu64 "\n", count, (uint64_t)b[0].generation);
		for (i = 0; i < count; i++)
			print_branch(&b[i]);
		return 0;
	}
	return failed(EAGAIN);
}

// Optional trailing GEN and RESERVED words.
static int parse_tail(char **words, int n, uint64_t *generation, uint32_t *reserved)
{
	*generation = 0;
	*reserved = 0;
	if (n > 2)
		return -1;
	if (n >= 1 && parse_u64(words[0], generation))
		return -1;
	if (n == 2 && parse_u32(words[1], reserved))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *target, *op;
	uint64_t generation;
	uint32_t reserved;
	int fd;

	if (argc < 3)
		return usage();
	target = argv[1];
	op = argv[2];
	fd = open(target, O_RDONLY | O_CLOEXEC | (strcmp(op, "query") ? O_DIRECTORY : O_NONBLOCK));
	if (fd < 0)
		return open_failed(target, errno);

	if (!strcmp(op, "list") && argc == 3)
		return list(fd);

	if (!strcmp(op, "get") && argc == 4) {
		struct unionfs_ioc_branch b;
		uint32_t index;
		int err;

		if (parse_u32(argv[3], &index))
			return usage();
		err = get_branch(fd, index, &b);
		if (err)
			return failed(err);
		printf("OK\ncount=%" PRIu32 " generation=%" PRIu64 "\n", b.count, (uint64_t)b.generation);
		print_branch(&b);
		return 0;
	}

	if (!strcmp(op, "incgen") && argc == 3) {
		__u64 gen = 0;

		if (ioctl(fd, UNIONFS_IOC_INCGEN, &gen) < 0)
			return failed(errno);
		printf("OK\ngeneration=%" PRIu64 "\n", (uint64_t)gen);
		return 0;
	}

	if (!strcmp(op, "query") && argc == 3) {
		struct unionfs_ioc_query q;
		const char *sep = "";

		memset(&q, 0, sizeof(q));
		if (ioctl(fd, UNIONFS_IOC_QUERY, &q) < 0)
			return failed(errno);
		printf("OK\ncount=%" PRIu32 " branches=", q.count);
		for (uint32_t i = 0; i < UNIONFS_MAX_BRANCHES; i++) {
			if (q.branches[i / 64] & (1ULL << (i % 64))) {
				printf("%s%" PRIu32, sep, i);
				sep = ",";
			}
		}
		printf("\n");
		return 0;
	}

	if ((!strcmp(op, "add") || !strcmp(op, "addfd")) && argc >= 6) {
		struct unionfs_ioc_add req;
		int dirfd;

		memset(&req, 0, sizeof(req));
		if (parse_u32(argv[4], &req.index) || parse_mode(argv[5], &req.mode) ||
		    parse_tail(argv + 6, argc - 6, &generation, &reserved))
			return usage();
		if (!strcmp(op, "add")) {
			dirfd = open(argv[3], O_RDONLY | O_CLOEXEC);
			if (dirfd < 0)
				return open_failed(argv[3], errno);
		} else {
			char *end;

			dirfd = (int)strtol(argv[3], &end, 10);
			if (!*argv[3] || *end)
				return usage();
		}
		req.dirfd = dirfd;
		req.generation = generation;
		req.reserved = reserved;
		if (ioctl(fd, UNIONFS_IOC_ADD_BRANCH, &req) < 0)
			return failed(errno);
		puts("OK");
		return 0;
	}

	if ((!strcmp(op, "del") && argc >= 4) || (!strcmp(op, "mode") && argc >= 5)) {
		struct unionfs_ioc_index req;
		int del = !strcmp(op, "del");
		int first_tail = del ? 4 : 5;

		memset(&req, 0, sizeof(req));
		if (parse_u32(argv[3], &req.index) || (!del && parse_mode(argv[4], &req.mode)) ||
		    parse_tail(argv + first_tail, argc - first_tail, &generation, &reserved))
			return usage();
		req.generation = generation;
		req.reserved[0] = reserved;
		if (ioctl(fd, del ? UNIONFS_IOC_DEL_BRANCH : UNIONFS_IOC_SET_MODE, &req) < 0)
			return failed(errno);
		puts("OK");
		return 0;
	}
	return usage();
}
