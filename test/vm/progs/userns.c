// userns: user namespaces for the guest tests. The guest's init chroots into
// its root (an overlay), and the kernel refuses CLONE_NEWUSER to a chrooted
// process, so unshare -U and mount -o X-mount.idmap fail there. This program
// (run as root) steps out of the chroot to the mount namespace's root,
// makes the namespace there and goes back.
//
//   userns run UID GID CMD...   as UID:GID (no groups), unshare user and
//                               mount namespaces, map 0 to UID:GID, return to
//                               the chroot and the working directory, and
//                               exec CMD as root of the new namespace (like
//                               setpriv ... unshare -Urm CMD)
//   userns idmap SRC DST ID     bind-mount SRC on DST as an idmapped mount
//                               whose user namespace maps 0 to ID (uids and
//                               gids): open_tree, mount_setattr, move_mount
//
// Exits 0 (or CMD's status), or prints the failing call and errno and
// exits 1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define U_OPEN_TREE_CLONE 1
#define U_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define U_MOUNT_ATTR_IDMAP 0x00100000

struct u_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

static void die(const char *what)
{
	const char *name = strerrorname_np(errno);
	printf("%s: %s: %s\n", what, name ? name : "E?", strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

// Steps out of the chroot to the mount namespace's root; returns an fd of
// the old root, to go back with fchdir + chroot.
static int escape_chroot(void)
{
	char tmpl[] = "/tmp/userns-escape.XXXXXX";
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat here, up;

	if (root < 0)
		die("open /");
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	if (chroot(tmpl))
		die("chroot (in)");
	if (fchdir(root))
		die("fchdir");
	for (int i = 0; i < 256; i++) {
		if (stat(".", &here) || stat("..", &up))
			die("stat");
		if (here.st_dev == up.st_dev && here.st_ino == up.st_ino)
			break;
		if (chdir(".."))
			die("chdir ..");
	}
	if (chroot("."))
		die("chroot (out)");
	if (unlinkat(root, tmpl + 1, AT_REMOVEDIR))
		die("rmdir the escape directory");
	return root;
}

static int run(uid_t uid, gid_t gid, char **cmd)
{
	char cwd[PATH_MAX], map[64];
	int root;

	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	root = escape_chroot();
	if (setgroups(0, NULL))
		die("setgroups");
	if (setresgid(gid, gid, gid))
		die("setresgid");
	if (setresuid(uid, uid, uid))
		die("setresuid");
	// Changing the uid made the process undumpable: /proc/self/ would be root's.
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		die("prctl");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		die("unshare");
	if (fchdir(root) || chroot("."))
		die("chroot (back)");
	if (chdir(cwd))
		die("chdir");
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	write_file("/proc/self/gid_map", map);
	execvp(cmd[0], cmd);
	die(cmd[0]);
	return 1;
}

static int idmap(const char *src, const char *dst, unsigned id)
{
	int ready[2], done[2], nsfd, tree;
	char path[64], map[64], c;
	pid_t pid;
	struct u_mount_attr attr = { .attr_set = U_MOUNT_ATTR_IDMAP };

	if (pipe(ready) || pipe(done))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		escape_chroot();
		if (unshare(CLONE_NEWUSER))
			die("unshare");
		if (write(ready[1], "r", 1) != 1)
			die("write");
		if (read(done[0], &c, 1) < 0)
			die("read");
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		errno = ECHILD;
		die("the namespace child");
	}
	snprintf(map, sizeof(map), "0 %u 1\n", id);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	write_file(path, map);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	write_file(path, map);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die(path);
	if (write(done[1], "d", 1) != 1)
		die("write");
	waitpid(pid, NULL, 0);
	attr.userns_fd = (uint64_t)nsfd;
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, U_OPEN_TREE_CLONE | O_CLOEXEC);
	if (tree < 0)
		die("open_tree");
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)))
		die("mount_setattr");
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, U_MOVE_MOUNT_F_EMPTY_PATH))
		die("move_mount");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "run"))
		return run((uid_t)atoi(argv[2]), (gid_t)atoi(argv[3]), argv + 4);
	if (argc == 5 && !strcmp(argv[1], "idmap"))
		return idmap(argv[2], argv[3], (unsigned)atoi(argv[4]));
	fprintf(stderr, "usage: userns run UID GID CMD... | userns idmap SRC DST ID\n");
	return 2;
}
