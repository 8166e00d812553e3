/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * unionfs.h - the ioctl ABI of unionfs, shared by the module and unionctl.
 *
 * Fixed-width fields and no pointers, so 32-bit programs work on 64-bit
 * kernels without compat code. ioctls go to the union's root directory
 * (UNIONFS_IOC_QUERY: to any file in the union). Branch indexes count from
 * 0, the highest priority. Changing ioctls need CAP_SYS_ADMIN.
 *
 * Errors of the changing requests: EINVAL (index out of range, a mode not
 * known, a nonzero reserved field, a directory that overlaps a branch or
 * is inside the union, too many branches), ENOTDIR (dirfd is not a
 * directory), EBUSY (removing the last branch, or one with files open
 * through the union), EROFS (rw on a read-only mount), ESTALE (the
 * generation is not the expected one), EPERM (no CAP_SYS_ADMIN).
 */
#ifndef _UAPI_LINUX_UNIONFS_H
#define _UAPI_LINUX_UNIONFS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define UNIONFS_SUPER_MAGIC 0xf15f083d

#define UNIONFS_MAX_BRANCHES 128
#define UNIONFS_PATH_MAX 4096

/* Branch modes, as in mount's dirs=/a=rw:/b=ro:/c=nfsro */
#define UNIONFS_BRANCH_RW 0
#define UNIONFS_BRANCH_RO 1
#define UNIONFS_BRANCH_NFSRO 2

#define UNIONFS_IOC_MAGIC 0xf1

/* One branch, by index. */
struct unionfs_ioc_branch {
	__u32 index;		/* in: 0 .. count - 1 */
	__u32 mode;		/* out: UNIONFS_BRANCH_* */
	__u32 count;		/* out: how many branches the union has */
	__u32 reserved;		/* must be 0 */
	__u64 open_files;	/* out: files open on this branch through the union */
	__u64 generation;	/* out: the union's generation */
	char path[UNIONFS_PATH_MAX];	/* out: absolute path, NUL-terminated */
};

/*
 * The changing requests carry the generation their index was computed at
 * (from UNIONFS_IOC_GET_BRANCH): when the union changed since, the request
 * fails with ESTALE instead of hitting another branch. 0 skips the check.
 */

/* Add the directory open as dirfd at index (count = append), with mode. */
struct unionfs_ioc_add {
	__s32 dirfd;
	__u32 index;
	__u32 mode;
	__u32 reserved;		/* must be 0 */
	__u64 generation;	/* in: expected generation, or 0 */
};

/* Remove a branch, or change its mode. */
struct unionfs_ioc_index {
	__u32 index;
	__u32 mode;		/* UNIONFS_IOC_SET_MODE only; 0 for DEL_BRANCH */
	__u64 generation;	/* in: expected generation, or 0 */
	__u32 reserved[2];	/* must be 0 */
};

/* Which branches hold the file the ioctl is issued on (bit i = branch i). */
struct unionfs_ioc_query {
	__u64 branches[UNIONFS_MAX_BRANCHES / 64];	/* out */
	__u32 count;		/* out: how many branches the union has */
	__u32 reserved;
};

#define UNIONFS_IOC_GET_BRANCH	_IOWR(UNIONFS_IOC_MAGIC, 1, struct unionfs_ioc_branch)
#define UNIONFS_IOC_ADD_BRANCH	_IOW(UNIONFS_IOC_MAGIC, 2, struct unionfs_ioc_add)
#define UNIONFS_IOC_DEL_BRANCH	_IOW(UNIONFS_IOC_MAGIC, 3, struct unionfs_ioc_index)
#define UNIONFS_IOC_SET_MODE	_IOW(UNIONFS_IOC_MAGIC, 4, struct unionfs_ioc_index)
#define UNIONFS_IOC_QUERY	_IOR(UNIONFS_IOC_MAGIC, 5, struct unionfs_ioc_query)
#define UNIONFS_IOC_INCGEN	_IOR(UNIONFS_IOC_MAGIC, 6, __u64)	/* out: new generation */

#endif /* _UAPI_LINUX_UNIONFS_H */
