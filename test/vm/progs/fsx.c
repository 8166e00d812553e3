// fsx [options] FILE: a seeded random file-operation exerciser, in the spirit
// of xfstests' fsx. It applies random operations to FILE (and, with -2, to a
// second file) and keeps a model of their contents in memory; every read
// (plain, mapped, O_DIRECT) is compared with the model, and so is the whole
// file and its size at the end.
//
// Operations (names for -x and -w):
//   read write            pread / pwrite of random ranges
//   mapread mapwrite      through MAP_SHARED mappings: either a fresh one for
//                         the range, or a long-lived mapping of the file that
//                         is kept across other operations (remapped when the
//                         file grows past it, dropped now and then), which is
//                         what shows a mapping that goes stale
//   truncate              ftruncate up and down
//   falloc falloc_keep punch zero collapse insert
//                         fallocate: plain, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE,
//                         ZERO_RANGE (with or without KEEP_SIZE), COLLAPSE_
//                         RANGE, INSERT_RANGE (block-aligned: st_blksize, or
//                         -B). A mode the filesystem answers EOPNOTSUPP for is
//                         disabled for the rest of the run (said once).
//   copy copy_from2 copy_to2
//                         copy_file_range within FILE, from and to the second
//   dread dwrite          O_DIRECT (only with -d), aligned to 4096, on a
//                         separate descriptor (disabled if open says EINVAL)
//   splice sendfile       splice from a pipe into FILE; sendfile from the
//                         second file into FILE
//   read2 write2          pread / pwrite of the second file
//   fsync fdatasync reopen
//                         the syncs, and close + reopen of every descriptor
//
// An existing FILE keeps its content: it is read through a read-only
// descriptor first (so a union copies it up only at the O_RDWR open that
// follows) and checked again right after that open.
//
// Options:
//   -S SEED    seed (default 1); the run is a function of the seed, the
//              options and the files' initial contents
//   -N OPS     number of operations (default 10000)
//   -l LEN     largest file size (default 262144)
//   -o LEN     largest length of one operation (default 65536)
//   -2 FILE2   the second file (copy_file_range across files, sendfile)
//   -d         use O_DIRECT reads and writes
//   -x K,K     disable these operation kinds
//   -w K=N     weight of kind K (default weights: fsx -h)
//   -B N       block size for collapse/insert (default st_blksize)
//   -c N       compare the whole file with the model every N operations
//   -z         truncate FILE (and FILE2) to 0 at the start
//   -g LEN     only write LEN bytes of seeded data to FILE and exit (to make
//              identical starting files)
//   -v         log every operation as it is done
//   -p N       print a progress line every N operations
//
// Exit status: 0 all reads matched, 1 a mismatch (the report names the
// operation, the first bad offset, expected and actual bytes and the last
// operations), 2 usage, 3 a system call failed unexpectedly.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind {
	K_READ, K_WRITE, K_MAPREAD, K_MAPWRITE, K_TRUNCATE,
	K_FALLOC, K_FALLOC_KEEP, K_PUNCH, K_ZERO, K_COLLAPSE, K_INSERT,
	K_COPY, K_COPY_FROM2, K_COPY_TO2, K_DREAD, K_DWRITE,
	K_SPLICE, K_SENDFILE, K_READ2, K_WRITE2,
	K_FSYNC, K_FDATASYNC, K_REOPEN,
	K_N
};

static struct {
	const char *name;
	int weight;
	int needs2;       // needs the second file
	int disabled;     // by -x, -w K=0, a missing -2/-d, or the filesystem
	uint64_t done, skipped;
} kinds[K_N] = {
	[K_READ] = { "read", 10, 0, 0, 0, 0 },
	[K_WRITE] = { "write", 10, 0, 0, 0, 0 },
	[K_MAPREAD] = { "mapread", 8, 0, 0, 0, 0 },
	[K_MAPWRITE] = { "mapwrite", 6, 0, 0, 0, 0 },
	[K_TRUNCATE] = { "truncate", 4, 0, 0, 0, 0 },
	[K_FALLOC] = { "falloc", 2, 0, 0, 0, 0 },
	[K_FALLOC_KEEP] = { "falloc_keep", 2, 0, 0, 0, 0 },
	[K_PUNCH] = { "punch", 3, 0, 0, 0, 0 },
	[K_ZERO] = { "zero", 3, 0, 0, 0, 0 },
	[K_COLLAPSE] = { "collapse", 3, 0, 0, 0, 0 },
	[K_INSERT] = { "insert", 3, 0, 0, 0, 0 },
	[K_COPY] = { "copy", 3, 0, 0, 0, 0 },
	[K_COPY_FROM2] = { "copy_from2", 2, 1, 0, 0, 0 },
	[K_COPY_TO2] = { "copy_to2", 2, 1, 0, 0, 0 },
	[K_DREAD] = { "dread", 2, 0, 0, 0, 0 },
	[K_DWRITE] = { "dwrite", 2, 0, 0, 0, 0 },
	[K_SPLICE] = { "splice", 2, 0, 0, 0, 0 },
	[K_SENDFILE] = { "sendfile", 2, 1, 0, 0, 0 },
	[K_READ2] = { "read2", 2, 1, 0, 0, 0 },
	[K_WRITE2] = { "write2", 2, 1, 0, 0, 0 },
	[K_FSYNC] = { "fsync", 1, 0, 0, 0, 0 },
	[K_FDATASYNC] = { "fdatasync", 1, 0, 0, 0, 0 },
	[K_REOPEN] = { "reopen", 1, 0, 0, 0, 0 },
};

// --- the random numbers: splitmix64 -------------------------------------------

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

// A number in [0, n) (n > 0).
static uint64_t rnd(uint64_t n) { return rnd64() % n; }

// --- settings and state ----------------------------------------------------------------

static const char *path, *path2;
static uint64_t seed = 1, nops = 10000, maxlen = 262144, maxoplen = 65536;
static uint64_t check_every, progress_every, blksize_opt;
static int use_direct, verbose, truncate_at_start;

static int fd = -1, fd2 = -1, dfd = -1;  // FILE, FILE2, FILE with O_DIRECT
static unsigned char *good, *good2;       // the models, zero past the size
static uint64_t size, size2;
static unsigned char *buf, *dbuf;         // scratch; dbuf is 4096-aligned
static long pagesize;
static uint64_t blksize;                  // alignment of collapse/insert
#define DIO_ALIGN 4096

static uint64_t opno;                     // the operation being done (1-based)

// The long-lived mapping of FILE: kept across other operations.
static unsigned char *pmap;
static uint64_t pmap_len, pmap_made;      // length, the operation that made it

// --- the operation log: the last LOGN operations ------------------------------------------

#define LOGN 64
#define LOGSHOW 30
enum { F_PMAP = 1, F_MSYNC = 2, F_KEEP = 4, F_SHORT = 8, F_GROW = 16, F_SKIP = 32 };
struct logent {
	uint64_t n, off, len, aux, size_after;
	int kind, flags;
};
static struct logent logbuf[LOGN];
static struct logent *cur;   // the entry of the operation being done, or NULL

// What is being done: an operation kind, or the checks before or after.
static const char *curname(void)
{
	return cur ? kinds[cur->kind].name : opno ? "final check" : "setup";
}

static const char *fmt_flags(int flags)
{
	static char s[64];
	s[0] = 0;
	if (flags & F_PMAP)
		strcat(s, " [kept mapping]");
	if (flags & F_MSYNC)
		strcat(s, " [msync]");
	if (flags & F_KEEP)
		strcat(s, " [keep size]");
	if (flags & F_GROW)
		strcat(s, " [extended first]");
	if (flags & F_SHORT)
		strcat(s, " [short]");
	if (flags & F_SKIP)
		strcat(s, " [not applicable]");
	return s;
}

static void print_logent(FILE *f, const struct logent *e)
{
	const char *k = kinds[e->kind].name;
	fprintf(f, "  #%-8" PRIu64 " %-11s ", e->n, k);
	switch (e->flags & F_SKIP ? K_FSYNC : e->kind) {  // nothing to say of a skipped one
	case K_TRUNCATE:
		fprintf(f, "to 0x%" PRIx64, e->aux);
		break;
	case K_COPY:
	case K_COPY_FROM2:
	case K_COPY_TO2:
	case K_SENDFILE:
		fprintf(f, "src 0x%" PRIx64 " dst 0x%" PRIx64 " len 0x%" PRIx64, e->aux, e->off, e->len);
		break;
	case K_FSYNC:
	case K_FDATASYNC:
	case K_REOPEN:
		break;
	default:
		fprintf(f, "off 0x%" PRIx64 " len 0x%" PRIx64 " (end 0x%" PRIx64 ")", e->off, e->len,
			e->off + e->len);
	}
	fprintf(f, " size 0x%" PRIx64 "%s\n", e->size_after, fmt_flags(e->flags));
}

static void dump_log(FILE *f)
{
	uint64_t first = opno > LOGSHOW ? opno - LOGSHOW + 1 : 1, n;
	fprintf(f, "last operations (offsets, lengths and sizes in hex; size is FILE's after it):\n");
	for (n = first; n <= opno; n++) {
		struct logent *e = &logbuf[n % LOGN];
		if (e->n == n)
			print_logent(f, e);
	}
}

static void summary(FILE *f)
{
	int k, col = 0;
	fprintf(f, "fsx: operations done per kind (seed %" PRIu64 "):\n", seed);
	for (k = 0; k < K_N; k++) {
		if (!kinds[k].done && !kinds[k].skipped)
			continue;
		col += fprintf(f, "%s%s %" PRIu64, col ? ", " : "  ", kinds[k].name, kinds[k].done);
		if (kinds[k].skipped)
			col += fprintf(f, " (+%" PRIu64 " not applicable)", kinds[k].skipped);
		if (col > 64) {
			fputc('\n', f);
			col = 0;
		}
	}
	if (col)
		fputc('\n', f);
}

static void reproduce_hint(FILE *f)
{
	fprintf(f, "reproduce with the same seed (%" PRIu64 "), options and starting files\n", seed);
}

// A system call failed where it must not: report and stop.
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "fsx: operation #%" PRIu64 " (%s): ", opno, curname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	if (opno)
		dump_log(stderr);
	reproduce_hint(stderr);
	exit(3);
}

static void __attribute__((noreturn)) usage(const char *msg)
{
	int k;
	if (msg)
		fprintf(stderr, "fsx: %s\n", msg);
	fprintf(stderr, "usage: fsx [-S seed] [-N ops] [-l maxlen] [-o maxoplen] [-2 file2] [-d]\n"
		"           [-x kind,...] [-w kind=weight] [-B blksize] [-c every] [-z]\n"
		"           [-v] [-p every] FILE\n"
		"       fsx -g LEN [-S seed] FILE   (write LEN bytes of seeded data)\n"
		"kinds and default weights:");
	for (k = 0; k < K_N; k++)
		fprintf(stderr, "%s %s=%d", k % 6 ? "" : "\n ", kinds[k].name, kinds[k].weight);
	fprintf(stderr, "\n(the comments at the top of test/vm/progs/fsx.c say more)\n");
	exit(2);
}

static void disable(int k, const char *why)
{
	if (kinds[k].disabled)
		return;
	kinds[k].disabled = 1;
	printf("fsx: %s disabled from operation #%" PRIu64 ": %s\n", kinds[k].name, opno, why);
}

// --- checking -------------------------------------------------------------------------

// The byte write-like operation N puts at offset P of a file: never zero, and
// telling (mod 255) which operation wrote it.
static unsigned char pattern(uint64_t n, uint64_t p) { return (unsigned char)(1 + (p + n) % 255); }

static void hexrow(FILE *f, const char *label, const unsigned char *p, uint64_t from, uint64_t to,
		   uint64_t row)
{
	uint64_t i;
	fprintf(f, "    %-8s 0x%08" PRIx64 ":", label, row);
	for (i = row; i < row + 16; i++) {
		if (i >= from && i < to)
			fprintf(f, " %02x", p[i - from]);
		else
			fprintf(f, "   ");
	}
	fputc('\n', f);
}

// Compares GOT (the bytes at file offset OFF .. OFF+LEN as read by WHAT) with
// EXP; on a difference reports it, with the log, and exits 1.
static void check_bytes(const char *what, const unsigned char *got, const unsigned char *exp,
			uint64_t off, uint64_t len, int (*reread)(uint64_t off, uint64_t len))
{
	uint64_t i, bad = 0, first = 0, last = 0, row;
	if (!len || !memcmp(got, exp, len))
		return;
	for (i = 0; i < len; i++) {
		if (got[i] != exp[i]) {
			if (!bad++)
				first = i;
			last = i;
		}
	}
	fflush(stdout);
	fprintf(stderr, "fsx: MISMATCH at operation #%" PRIu64 " (%s) reading 0x%" PRIx64
		"..0x%" PRIx64 " by %s\n", opno, curname(), off, off + len, what);
	fprintf(stderr, "  first bad offset 0x%" PRIx64 ", last 0x%" PRIx64 ", %" PRIu64
		" bad bytes; file size 0x%" PRIx64 " in the model\n", off + first, off + last, bad, size);
	for (row = (off + first) & ~15ULL; row < ((off + first) & ~15ULL) + 48 && row < off + len; row += 16) {
		hexrow(stderr, "expected", exp, off, off + len, row);
		hexrow(stderr, "got", got, off, off + len, row);
	}
	if (got[first])
		fprintf(stderr, "  the got byte is what a write by an operation #n with n %% 255 == %" PRIu64
			" puts there (written data is 1 + (offset + n) %% 255)\n",
			(uint64_t)((got[first] + 255 * 2 - 1 - (off + first) % 255) % 255));
	else
		fprintf(stderr, "  the got byte is zero (a hole, or never written)\n");
	if (reread) {
		int ok = reread(off, len);
		fprintf(stderr, "  a plain pread of the same range now %s the model\n",
			ok ? "matches" : "does NOT match");
	}
	dump_log(stderr);
	summary(stderr);
	reproduce_hint(stderr);
	exit(1);
}

static void mismatch_len(const char *what, uint64_t off, uint64_t want, int64_t got)
{
	fflush(stdout);
	fprintf(stderr, "fsx: MISMATCH at operation #%" PRIu64 " (%s): %s at 0x%" PRIx64
		" returned %" PRId64 " bytes, the model says %" PRIu64 " (model size 0x%" PRIx64 ")\n",
		opno, curname(), what, off, got, want, size);
	dump_log(stderr);
	reproduce_hint(stderr);
	exit(1);
}

static void check_size(const char *when)
{
	struct stat st;
	if (fstat(fd, &st))
		die("fstat");
	if ((uint64_t)st.st_size != size) {
		fflush(stdout);
		fprintf(stderr, "fsx: MISMATCH %s operation #%" PRIu64 " (%s): st_size is 0x%" PRIx64
			", the model says 0x%" PRIx64 "\n", when, opno, curname(),
			(uint64_t)st.st_size, size);
		if (opno)
			dump_log(stderr);
		reproduce_hint(stderr);
		exit(1);
	}
}

// pread all of LEN at OFF of F into P; returns the count (short only at EOF).
static uint64_t pread_full(int f, unsigned char *p, uint64_t len, uint64_t off)
{
	uint64_t done = 0;
	while (done < len) {
		ssize_t r = pread(f, p + done, len - done, off + done);
		if (r < 0)
			die("pread 0x%" PRIx64 " at 0x%" PRIx64, len - done, off + done);
		if (!r)
			break;
		done += r;
	}
	return done;
}

static int reread_matches(uint64_t off, uint64_t len)
{
	unsigned char *p = malloc(len);
	int ok;
	if (!p)
		return 0;
	ok = pread_full(fd, p, len, off) == len && !memcmp(p, good + off, len);
	free(p);
	return ok;
}

// The whole of FILE (and FILE2) against the models.
static void check_all(const char *when)
{
	unsigned char *p = malloc(maxlen + 1);
	uint64_t n;
	char what[64];
	if (!p)
		die("malloc");
	check_size(when);
	n = pread_full(fd, p, maxlen + 1, 0);
	snprintf(what, sizeof(what), "reading the whole file %s", when);
	if (n != size)
		mismatch_len(what, 0, size, n);
	check_bytes(what, p, good, 0, size, NULL);
	if (fd2 >= 0) {
		n = pread_full(fd2, p, maxlen + 1, 0);
		snprintf(what, sizeof(what), "reading the whole second file %s", when);
		if (n != size2)
			mismatch_len(what, 0, size2, n);
		check_bytes(what, p, good2, 0, size2, NULL);
	}
	free(p);
}

// --- mappings -------------------------------------------------------------------------

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t in_map;
static const char *volatile map_what;
static volatile uint64_t map_off;

static void on_sigbus(int sig)
{
	(void)sig;
	if (in_map)
		siglongjmp(bus_jmp, 1);
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

static void sigbus_report(void)
{
	in_map = 0;
	fflush(stdout);
	fprintf(stderr, "fsx: MISMATCH at operation #%" PRIu64 " (%s): SIGBUS %s near 0x%" PRIx64
		" (model size 0x%" PRIx64 ")\n", opno, curname(), map_what, map_off, size);
	dump_log(stderr);
	reproduce_hint(stderr);
	exit(1);
}

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

static void drop_pmap(void)
{
	if (pmap && munmap(pmap, pmap_len))
		die("munmap");
	pmap = NULL;
	pmap_len = 0;
}

// Makes sure the long-lived mapping covers [0, END): maps it anew when there
// is none or it is too short, as long as the file (sometimes as long as the
// file may get, so it need not be remapped).
static void need_pmap(uint64_t end)
{
	uint64_t len;
	if (pmap && pmap_len >= end)
		return;
	drop_pmap();
	len = round_up(rnd(2) ? size : maxlen, pagesize);
	if (len < round_up(end, pagesize))
		len = round_up(end, pagesize);
	pmap = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pmap == MAP_FAILED) {
		pmap = NULL;
		die("mmap 0x%" PRIx64 " shared read-write", len);
	}
	pmap_len = len;
	pmap_made = opno;
}

// --- the operations -------------------------------------------------------------------

// A length for an operation: mostly up to maxoplen, sometimes small.
static uint64_t pick_len(uint64_t max)
{
	if (max > maxoplen)
		max = maxoplen;
	if (!max)
		return 0;
	if (!rnd(4) && max > 512)
		max = 512;
	return 1 + rnd(max);
}

// An offset where a range of LEN may start: anywhere up to maxlen - LEN,
// often inside the file, sometimes right around its end.
static uint64_t pick_off(uint64_t len)
{
	uint64_t lim = maxlen - len, o;
	switch (rnd(4)) {
	case 0:
		o = size + rnd(2 * 4096 + 1);
		o = o > 4096 ? o - 4096 : 0;
		break;
	case 1:
		o = rnd(lim + 1);
		break;
	default:
		o = size ? rnd(size) : 0;
	}
	return o > lim ? lim : o;
}

static void model_set_size(uint64_t n)
{
	if (n < size)
		memset(good + n, 0, size - n);
	size = n;
}

static void model_write(unsigned char *m, uint64_t *msize, uint64_t off, const unsigned char *p,
			uint64_t len)
{
	memcpy(m + off, p, len);
	if (off + len > *msize)
		*msize = off + len;
}

// pattern(opno, off + i) for each i, without a division per byte
static void fill(unsigned char *p, uint64_t off, uint64_t len)
{
	unsigned v = pattern(opno, off);
	uint64_t i;
	for (i = 0; i < len; i++) {
		p[i] = v;
		v = v == 255 ? 1 : v + 1;
	}
}

static void op_read(void)
{
	uint64_t len = pick_len(maxlen), off = pick_off(len), want, n;
	cur->off = off, cur->len = len;
	want = off < size ? (off + len < size ? len : size - off) : 0;
	n = pread_full(fd, buf, len, off);
	if (n != want)
		mismatch_len("pread", off, want, n);
	check_bytes("pread", buf, good + off, off, n, NULL);
}

static void op_write(void)
{
	uint64_t len = pick_len(maxlen), off = pick_off(len);
	ssize_t r;
	cur->off = off, cur->len = len;
	fill(buf, off, len);
	r = pwrite(fd, buf, len, off);
	if (r != (ssize_t)len)
		die("pwrite 0x%" PRIx64 " at 0x%" PRIx64 " (returned %zd)", len, off, r);
	model_write(good, &size, off, buf, len);
}

static void op_mapread(void)
{
	uint64_t len, off;
	char what[96];
	if (!size) {
		kinds[K_MAPREAD].skipped++;
		return;
	}
	if (rnd(3)) {
		// the long-lived mapping: sometimes all of it that is inside the file
		need_pmap(size);
		cur->flags |= F_PMAP;
		if (!rnd(4))
			off = 0, len = size;
		else
			len = pick_len(size), off = rnd(size - len + 1);
		cur->off = off, cur->len = len;
		snprintf(what, sizeof(what), "the mapping kept since operation #%" PRIu64, pmap_made);
		in_map = 1, map_what = "reading the kept mapping", map_off = off;
		if (sigsetjmp(bus_jmp, 1))
			sigbus_report();
		memcpy(buf, pmap + off, len);
		in_map = 0;
		check_bytes(what, buf, good + off, off, len, reread_matches);
	} else {
		uint64_t start, mlen;
		unsigned char *m;
		len = pick_len(size), off = rnd(size - len + 1);
		cur->off = off, cur->len = len;
		start = off / pagesize * pagesize;
		mlen = off + len - start;
		m = mmap(NULL, mlen, PROT_READ, MAP_SHARED, fd, start);
		if (m == MAP_FAILED)
			die("mmap 0x%" PRIx64 " at 0x%" PRIx64, mlen, start);
		in_map = 1, map_what = "reading a fresh mapping", map_off = off;
		if (sigsetjmp(bus_jmp, 1))
			sigbus_report();
		memcpy(buf, m + (off - start), len);
		in_map = 0;
		if (munmap(m, mlen))
			die("munmap");
		check_bytes("a fresh mapping", buf, good + off, off, len, reread_matches);
	}
}

static void op_mapwrite(void)
{
	uint64_t len = pick_len(maxlen), off = pick_off(len), start, mlen;
	unsigned char *m;
	int keep = rnd(3) != 0;
	cur->off = off, cur->len = len;
	if (off + len > size) {
		// a mapping cannot extend the file: extend it first
		if (ftruncate(fd, off + len))
			die("ftruncate to 0x%" PRIx64, off + len);
		model_set_size(off + len);
		cur->flags |= F_GROW;
	}
	fill(buf, off, len);
	in_map = 1, map_off = off;
	if (sigsetjmp(bus_jmp, 1))
		sigbus_report();
	if (keep) {
		need_pmap(off + len);
		cur->flags |= F_PMAP;
		map_what = "writing the kept mapping";
		memcpy(pmap + off, buf, len);
		in_map = 0;
		if (!rnd(4)) {
			start = off / pagesize * pagesize;
			cur->flags |= F_MSYNC;
			if (msync(pmap + start, off + len - start, MS_SYNC))
				die("msync");
		}
	} else {
		start = off / pagesize * pagesize;
		mlen = off + len - start;
		m = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, start);
		if (m == MAP_FAILED)
			die("mmap 0x%" PRIx64 " at 0x%" PRIx64 " read-write", mlen, start);
		map_what = "writing a fresh mapping";
		memcpy(m + (off - start), buf, len);
		in_map = 0;
		if (!rnd(2)) {
			cur->flags |= F_MSYNC;
			if (msync(m, mlen, MS_SYNC))
				die("msync");
		}
		if (munmap(m, mlen))
			die("munmap");
	}
	memcpy(good + off, buf, len);
}

static void op_truncate(void)
{
	uint64_t n;
	switch (rnd(3)) {
	case 0:
		n = rnd(maxlen + 1);
		break;
	case 1:
		n = size + rnd(8193);
		n = n > 4096 ? n - 4096 : 0;
		break;
	default:
		n = size ? rnd(size) : 0;
	}
	if (n > maxlen)
		n = maxlen;
	cur->aux = n;
	if (ftruncate(fd, n))
		die("ftruncate to 0x%" PRIx64, n);
	model_set_size(n);
}

// fallocate with MODE over OFF, LEN; on EOPNOTSUPP disables kind K and
// returns 0 (nothing changed).
static int do_fallocate(int k, int mode, uint64_t off, uint64_t len)
{
	if (!fallocate(fd, mode, off, len))
		return 1;
	if (errno == EOPNOTSUPP) {
		disable(k, "fallocate says EOPNOTSUPP");
		return 0;
	}
	die("fallocate mode 0x%x off 0x%" PRIx64 " len 0x%" PRIx64, mode, off, len);
}

static void op_falloc(int k)
{
	uint64_t len = pick_len(maxlen), off = pick_off(len);
	int mode = 0;
	cur->off = off, cur->len = len;
	switch (k) {
	case K_FALLOC:
		break;
	case K_FALLOC_KEEP:
		mode = FALLOC_FL_KEEP_SIZE;
		break;
	case K_PUNCH:
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		break;
	case K_ZERO:
		mode = FALLOC_FL_ZERO_RANGE | (rnd(2) ? FALLOC_FL_KEEP_SIZE : 0);
		break;
	}
	if (mode & FALLOC_FL_KEEP_SIZE)
		cur->flags |= F_KEEP;
	if (!do_fallocate(k, mode, off, len))
		return;
	if (k == K_PUNCH || k == K_ZERO) {
		uint64_t end = off + len < size ? off + len : size;
		if (off < end)
			memset(good + off, 0, end - off);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > size)
		model_set_size(off + len);
}

static void op_collapse(void)
{
	// off + len, both whole blocks, must stay below the size
	uint64_t blocks = size ? (size - 1) / blksize : 0, most, b, a;
	if (!blocks) {
		kinds[K_COLLAPSE].skipped++;
		return;
	}
	most = maxoplen / blksize ? maxoplen / blksize : 1;
	b = 1 + rnd(blocks < most ? blocks : most);
	a = rnd(blocks - b + 1);
	cur->off = a * blksize, cur->len = b * blksize;
	if (!do_fallocate(K_COLLAPSE, FALLOC_FL_COLLAPSE_RANGE, cur->off, cur->len))
		return;
	memmove(good + cur->off, good + cur->off + cur->len, size - cur->off - cur->len);
	memset(good + size - cur->len, 0, cur->len);
	size -= cur->len;
}

static void op_insert(void)
{
	// at a whole block below the size, whole blocks, up to maxlen
	uint64_t room = (maxlen - size) / blksize, most, off, len;
	if (!size || !room) {
		kinds[K_INSERT].skipped++;
		return;
	}
	most = maxoplen / blksize ? maxoplen / blksize : 1;
	len = (1 + rnd(room < most ? room : most)) * blksize;
	off = rnd((size + blksize - 1) / blksize) * blksize;
	cur->off = off, cur->len = len;
	if (!do_fallocate(K_INSERT, FALLOC_FL_INSERT_RANGE, off, len))
		return;
	memmove(good + off + len, good + off, size - off);
	memset(good + off, 0, len);
	size += len;
}

// copy_file_range of LEN from SRC (model SM, size *SS) at SOFF to DST at
// DOFF; applies to the model what was copied. Returns 0 when the kind got
// disabled.
static int do_copy(int k, int src, unsigned char *sm, int dst, unsigned char *dm, uint64_t *ds,
		   uint64_t soff, uint64_t doff, uint64_t len)
{
	uint64_t done = 0;
	while (done < len) {
		loff_t so = soff + done, dO = doff + done;
		ssize_t r = copy_file_range(src, &so, dst, &dO, len - done, 0);
		if (r < 0) {
			if (errno == EXDEV || errno == EOPNOTSUPP || errno == ENOSYS) {
				if (!done) {
					disable(k, strerror(errno));
					return 0;
				}
			}
			die("copy_file_range 0x%" PRIx64 " from 0x%" PRIx64 " to 0x%" PRIx64,
			    len - done, soff + done, doff + done);
		}
		if (!r)
			break;
		done += r;
	}
	if (done < len)
		cur->flags |= F_SHORT;
	// the source range never overlaps the destination: copy from the model
	memmove(dm + doff, sm + soff, done);
	if (done && doff + done > *ds) {
		*ds = doff + done;
	}
	return 1;
}

static void op_copy(void)
{
	uint64_t len, soff, doff, tries;
	if (!size) {
		kinds[K_COPY].skipped++;
		return;
	}
	len = pick_len(size);
	soff = rnd(size - len + 1);
	for (tries = 0;; tries++) {
		doff = pick_off(len);
		if (doff + len <= soff || soff + len <= doff)
			break;
		if (tries == 8) {
			kinds[K_COPY].skipped++;
			return;
		}
	}
	cur->off = doff, cur->len = len, cur->aux = soff;
	do_copy(K_COPY, fd, good, fd, good, &size, soff, doff, len);
}

static void op_copy_from2(void)
{
	uint64_t len, soff, doff;
	if (!size2) {
		kinds[K_COPY_FROM2].skipped++;
		return;
	}
	len = pick_len(size2);
	soff = rnd(size2 - len + 1);
	doff = pick_off(len);
	cur->off = doff, cur->len = len, cur->aux = soff;
	do_copy(K_COPY_FROM2, fd2, good2, fd, good, &size, soff, doff, len);
}

static void op_copy_to2(void)
{
	uint64_t len, soff, doff;
	if (!size) {
		kinds[K_COPY_TO2].skipped++;
		return;
	}
	len = pick_len(size);
	soff = rnd(size - len + 1);
	doff = rnd(maxlen - len + 1);
	if (size2 && rnd(2))
		doff = rnd(size2 < maxlen - len + 1 ? size2 : maxlen - len + 1);
	cur->off = doff, cur->len = len, cur->aux = soff;
	do_copy(K_COPY_TO2, fd, good, fd2, good2, &size2, soff, doff, len);
}

static void open_direct(void)
{
	if (dfd >= 0)
		return;
	dfd = open(path, O_RDWR | O_DIRECT);
	if (dfd < 0) {
		if (errno != EINVAL)
			die("open %s O_DIRECT", path);
		disable(K_DREAD, "open with O_DIRECT says EINVAL");
		disable(K_DWRITE, "open with O_DIRECT says EINVAL");
	}
}

// An aligned length and offset for O_DIRECT; 0 length if none fits.
static void pick_direct(uint64_t *off, uint64_t *len, uint64_t end_limit)
{
	uint64_t blocks = end_limit / DIO_ALIGN, b, l;
	l = pick_len(maxlen);
	b = round_up(l, DIO_ALIGN) / DIO_ALIGN;
	if (b > blocks)
		b = blocks;
	*len = b * DIO_ALIGN;
	*off = b ? pick_off(*len) / DIO_ALIGN * DIO_ALIGN : 0;
	if (*off + *len > end_limit)
		*off = (end_limit - *len) / DIO_ALIGN * DIO_ALIGN;
}

static void op_dread(void)
{
	uint64_t off, len, want, done = 0;
	open_direct();
	if (dfd < 0)
		return;
	pick_direct(&off, &len, maxlen);
	if (!len) {
		kinds[K_DREAD].skipped++;
		return;
	}
	cur->off = off, cur->len = len;
	want = off < size ? (off + len < size ? len : size - off) : 0;
	while (done < len) {
		ssize_t r = pread(dfd, dbuf + done, len - done, off + done);
		if (r < 0)
			die("O_DIRECT pread 0x%" PRIx64 " at 0x%" PRIx64, len - done, off + done);
		if (!r)
			break;
		done += r;
	}
	if (done != want)
		mismatch_len("O_DIRECT pread", off, want, done);
	check_bytes("O_DIRECT pread", dbuf, good + off, off, done, NULL);
}

static void op_dwrite(void)
{
	uint64_t off, len;
	ssize_t r;
	open_direct();
	if (dfd < 0)
		return;
	pick_direct(&off, &len, maxlen);
	if (!len) {
		kinds[K_DWRITE].skipped++;
		return;
	}
	cur->off = off, cur->len = len;
	fill(dbuf, off, len);
	r = pwrite(dfd, dbuf, len, off);
	if (r < 0)
		die("O_DIRECT pwrite 0x%" PRIx64 " at 0x%" PRIx64, len, off);
	if ((uint64_t)r < len)
		cur->flags |= F_SHORT;
	model_write(good, &size, off, dbuf, r);
}

static void op_splice(void)
{
	uint64_t len = pick_len(maxlen), off = pick_off(len), done = 0;
	int p[2];
	cur->off = off, cur->len = len;
	fill(buf, off, len);
	if (pipe(p))
		die("pipe");
	while (done < len) {
		uint64_t chunk = len - done < 32768 ? len - done : 32768, moved = 0;
		ssize_t w = write(p[1], buf + done, chunk);
		if (w != (ssize_t)chunk)
			die("write 0x%" PRIx64 " to a pipe", chunk);
		while (moved < chunk) {
			loff_t o = off + done + moved;
			ssize_t r = splice(p[0], NULL, fd, &o, chunk - moved, 0);
			if (r <= 0)
				die("splice 0x%" PRIx64 " from a pipe to 0x%" PRIx64 " (returned %zd)",
				    chunk - moved, off + done + moved, r);
			moved += r;
		}
		done += chunk;
	}
	close(p[0]);
	close(p[1]);
	model_write(good, &size, off, buf, len);
}

static void op_sendfile(void)
{
	uint64_t len, soff, doff, done = 0;
	off_t o;
	if (!size2) {
		kinds[K_SENDFILE].skipped++;
		return;
	}
	len = pick_len(size2);
	soff = rnd(size2 - len + 1);
	doff = pick_off(len);
	cur->off = doff, cur->len = len, cur->aux = soff;
	if (lseek(fd, doff, SEEK_SET) != (off_t)doff)
		die("lseek to 0x%" PRIx64, doff);
	o = soff;
	while (done < len) {
		ssize_t r = sendfile(fd, fd2, &o, len - done);
		if (r < 0)
			die("sendfile 0x%" PRIx64 " from 0x%" PRIx64, len - done, soff + done);
		if (!r)
			break;
		done += r;
	}
	if (done < len)
		cur->flags |= F_SHORT;
	model_write(good, &size, doff, good2 + soff, done);
}

static void op_read2(void)
{
	uint64_t len = pick_len(maxlen), off, want, n;
	off = size2 && rnd(4) ? rnd(size2) : rnd(maxlen - len + 1);
	if (off > maxlen - len)
		off = maxlen - len;
	cur->off = off, cur->len = len;
	want = off < size2 ? (off + len < size2 ? len : size2 - off) : 0;
	n = pread_full(fd2, buf, len, off);
	if (n != want)
		mismatch_len("pread of the second file", off, want, n);
	check_bytes("pread of the second file", buf, good2 + off, off, n, NULL);
}

static void op_write2(void)
{
	uint64_t len = pick_len(maxlen), off;
	ssize_t r;
	off = size2 && rnd(4) ? rnd(size2) : rnd(maxlen - len + 1);
	if (off > maxlen - len)
		off = maxlen - len;
	cur->off = off, cur->len = len;
	fill(buf, off, len);
	r = pwrite(fd2, buf, len, off);
	if (r != (ssize_t)len)
		die("pwrite 0x%" PRIx64 " at 0x%" PRIx64 " of the second file", len, off);
	model_write(good2, &size2, off, buf, len);
}

static void open_files(void)
{
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		die("open %s", path);
	if (path2) {
		fd2 = open(path2, O_RDWR | O_CREAT, 0644);
		if (fd2 < 0)
			die("open %s", path2);
	}
}

static void op_reopen(void)
{
	if (close(fd) || (fd2 >= 0 && close(fd2)) || (dfd >= 0 && close(dfd)))
		die("close");
	fd = fd2 = dfd = -1;
	if (rnd(2))
		drop_pmap();
	else
		cur->flags |= F_PMAP;   // the mapping outlives the descriptor
	open_files();
}

// --- setup ----------------------------------------------------------------------------

// Reads an existing file's content into a model (through its own read-only
// descriptor: no copy-up yet), or leaves it empty.
static void load(const char *p, unsigned char *m, uint64_t *msize)
{
	struct stat st;
	int f = open(p, O_RDONLY);
	*msize = 0;
	if (f < 0) {
		if (errno == ENOENT)
			return;
		die("open %s read-only", p);
	}
	if (fstat(f, &st))
		die("fstat %s", p);
	if ((uint64_t)st.st_size > maxlen) {
		fprintf(stderr, "fsx: %s is larger (%jd) than the largest size (-l %" PRIu64 ")\n", p,
			(intmax_t)st.st_size, maxlen);
		exit(2);
	}
	*msize = pread_full(f, m, st.st_size, 0);
	if (*msize != (uint64_t)st.st_size)
		die("short read of %s", p);
	close(f);
}

static uint64_t number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "fsx: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int kind_by_name(const char *s, size_t n)
{
	int k;
	for (k = 0; k < K_N; k++)
		if (strlen(kinds[k].name) == n && !strncmp(kinds[k].name, s, n))
			return k;
	fprintf(stderr, "fsx: unknown operation kind '%.*s'\n", (int)n, s);
	usage(NULL);
}

static void generate(uint64_t len)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint64_t i;
	unsigned char *p = malloc(len + 8);
	if (f < 0 || !p)
		die("open %s", path);
	for (i = 0; i < len; i += 8) {
		uint64_t v = rnd64();
		memcpy(p + i, &v, 8);
	}
	if (write(f, p, len) != (ssize_t)len || close(f))
		die("write %s", path);
	exit(0);
}

int main(int argc, char **argv)
{
	int c, k;
	uint64_t total = 0, gen = 0, have_gen = 0, skipped;
	struct stat st;
	struct sigaction sa;

	while ((c = getopt(argc, argv, "S:N:l:o:2:dx:w:B:c:zg:vp:h")) != -1) {
		switch (c) {
		case 'S': seed = number(optarg, "seed"); break;
		case 'N': nops = number(optarg, "number of operations"); break;
		case 'l': maxlen = number(optarg, "largest size"); break;
		case 'o': maxoplen = number(optarg, "largest operation length"); break;
		case '2': path2 = optarg; break;
		case 'd': use_direct = 1; break;
		case 'x': {
			const char *s = optarg, *e;
			for (; *s; s = *e ? e + 1 : e) {
				e = strchrnul(s, ',');
				kinds[kind_by_name(s, e - s)].weight = 0;
			}
			break;
		}
		case 'w': {
			const char *eq = strchr(optarg, '=');
			if (!eq)
				usage("-w needs kind=weight");
			kinds[kind_by_name(optarg, eq - optarg)].weight = number(eq + 1, "weight");
			break;
		}
		case 'B': blksize_opt = number(optarg, "block size"); break;
		case 'c': check_every = number(optarg, "check interval"); break;
		case 'z': truncate_at_start = 1; break;
		case 'g': gen = number(optarg, "length"); have_gen = 1; break;
		case 'v': verbose = 1; break;
		case 'p': progress_every = number(optarg, "progress interval"); break;
		default: usage(NULL);
		}
	}
	if (optind != argc - 1)
		usage("one FILE is needed");
	path = argv[optind];
	rng_state = seed;
	if (have_gen)
		generate(gen);
	if (maxlen < 4096 || maxlen > (1ULL << 30))
		usage("-l must be between 4096 and 1 GiB");
	if (!maxoplen)
		usage("-o must be positive");
	if (maxoplen > maxlen)
		maxoplen = maxlen;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesize = sysconf(_SC_PAGESIZE);

	good = calloc(1, maxlen + 1);
	good2 = calloc(1, maxlen + 1);
	buf = malloc(maxlen + 1);
	if (!good || !good2 || !buf || posix_memalign((void **)&dbuf, DIO_ALIGN, round_up(maxlen, DIO_ALIGN)))
		die("malloc");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);

	if (!truncate_at_start) {
		load(path, good, &size);
		if (path2)
			load(path2, good2, &size2);
	}
	open_files();
	if (truncate_at_start && (ftruncate(fd, 0) || (fd2 >= 0 && ftruncate(fd2, 0))))
		die("ftruncate to 0");
	check_all("right after opening read-write");

	if (fstat(fd, &st))
		die("fstat");
	blksize = blksize_opt ? blksize_opt : (uint64_t)st.st_blksize;
	if (blksize < 512 || blksize > 65536 || (blksize & (blksize - 1)))
		blksize = 4096;

	for (k = 0; k < K_N; k++) {
		if (kinds[k].needs2 && !path2)
			kinds[k].disabled = 1;
		if ((k == K_DREAD || k == K_DWRITE) && !use_direct)
			kinds[k].disabled = 1;
	}
	printf("fsx: %s%s%s, seed %" PRIu64 ", %" PRIu64 " operations, sizes up to 0x%" PRIx64
	       ", operations up to 0x%" PRIx64 ", block 0x%" PRIx64 ", starting size 0x%" PRIx64 "%s\n",
	       path, path2 ? " and " : "", path2 ? path2 : "", seed, nops, maxlen, maxoplen, blksize,
	       size, use_direct ? ", O_DIRECT" : "");

	for (opno = 1; opno <= nops; opno++) {
		uint64_t r;
		total = 0;
		for (k = 0; k < K_N; k++)
			if (!kinds[k].disabled)
				total += kinds[k].weight;
		if (!total)
			usage("every operation kind is disabled");
		r = rnd(total);
		for (k = 0; k < K_N; k++) {
			if (kinds[k].disabled)
				continue;
			if (r < (uint64_t)kinds[k].weight)
				break;
			r -= kinds[k].weight;
		}
		cur = &logbuf[opno % LOGN];
		memset(cur, 0, sizeof(*cur));
		cur->n = opno, cur->kind = k, cur->size_after = size;
		skipped = kinds[k].skipped;
		switch (k) {
		case K_READ: op_read(); break;
		case K_WRITE: op_write(); break;
		case K_MAPREAD: op_mapread(); break;
		case K_MAPWRITE: op_mapwrite(); break;
		case K_TRUNCATE: op_truncate(); break;
		case K_FALLOC:
		case K_FALLOC_KEEP:
		case K_PUNCH:
		case K_ZERO: op_falloc(k); break;
		case K_COLLAPSE: op_collapse(); break;
		case K_INSERT: op_insert(); break;
		case K_COPY: op_copy(); break;
		case K_COPY_FROM2: op_copy_from2(); break;
		case K_COPY_TO2: op_copy_to2(); break;
		case K_DREAD: op_dread(); break;
		case K_DWRITE: op_dwrite(); break;
		case K_SPLICE: op_splice(); break;
		case K_SENDFILE: op_sendfile(); break;
		case K_READ2: op_read2(); break;
		case K_WRITE2: op_write2(); break;
		case K_FSYNC:
			if (fsync(fd))
				die("fsync");
			break;
		case K_FDATASYNC:
			if (fdatasync(fd))
				die("fdatasync");
			break;
		case K_REOPEN: op_reopen(); break;
		}
		cur->size_after = size;
		if (kinds[k].skipped != skipped)
			cur->flags |= F_SKIP;
		else if (!kinds[k].disabled)
			kinds[k].done++;
		if (verbose)
			print_logent(stdout, cur);
		switch (k) {
		case K_READ: case K_MAPREAD: case K_DREAD: case K_READ2:
		case K_FSYNC: case K_FDATASYNC: case K_REOPEN: case K_WRITE2:
			break;
		default:
			check_size("after");
		}
		if (check_every && opno % check_every == 0)
			check_all("at a periodic check");
		if (progress_every && opno % progress_every == 0)
			printf("fsx: %" PRIu64 " operations done, size 0x%" PRIx64 "\n", opno, size);
	}
	opno = nops;
	cur = NULL;
	drop_pmap();
	check_all("at the end");
	if (close(fd) || (fd2 >= 0 && close(fd2)) || (dfd >= 0 && close(dfd)))
		die("close");
	summary(stdout);
	printf("fsx: ok: %" PRIu64 " operations on %s, seed %" PRIu64 ", final size 0x%" PRIx64 "\n",
	       nops, path, seed, size);
	return 0;
}
