// SPDX-License-Identifier: GPL-2.0
/*
 * tree.cpp - building and describing test trees.
 */
#include "tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>

#include "report.h"

namespace test_tree {

namespace {

[[noreturn]] void die(const std::string &what, const std::string &path)
{
	throw std::runtime_error("test tree: " + what + " " + snapmerge::quote(path) + ": " +
				 std::strerror(errno));
}

std::string parent_of(const std::string &path)
{
	size_t slash = path.rfind('/');

	return slash == std::string::npos ? "" : path.substr(0, slash);
}

void write_all(int fd, const std::string &data, off_t offset, const std::string &path)
{
	if (::pwrite(fd, data.data(), data.size(), offset) != static_cast<ssize_t>(data.size()))
		die("write", path);
}

/* The tree with every missing ancestor added as a plain directory before its first child. */
Tree with_parents(const Tree &tree)
{
	std::set<std::string> listed;
	std::set<std::string> added;
	Tree out;

	for (const Node &node : tree)
		listed.insert(node.path);
	for (const Node &node : tree) {
		std::vector<std::string> missing;

		for (std::string p = parent_of(node.path); !p.empty(); p = parent_of(p))
			if (!listed.count(p) && !added.count(p))
				missing.push_back(p);
		for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
			out.push_back(dir(*it));
			added.insert(*it);
		}
		out.push_back(node);
	}
	return out;
}

std::string hex(const std::string &bytes)
{
	static const char digits[] = "0123456789abcdef";
	std::string out;

	for (unsigned char c : bytes) {
		out += digits[c >> 4];
		out += digits[c & 15];
	}
	return out;
}

struct Describer {
	std::map<std::pair<dev_t, ino_t>, std::string> first_name;
	std::map<std::string, std::string> lines;
	std::map<std::string, std::string> objects;

	void walk(const std::string &root, const std::string &rel)
	{
		std::string dir_path = rel.empty() ? root : root + "/" + rel;

		for (const std::string &name : names_in(dir_path)) {
			std::string child = rel.empty() ? name : rel + "/" + name;
			std::string path = root + "/" + child;
			struct stat st;

			if (::lstat(path.c_str(), &st) < 0)
				die("stat", path);
			std::string line = line_for(path, child, st);

			lines[child] = line;
			if (S_ISDIR(st.st_mode))
				walk(root, child);
			else
				objects[child] = line;
		}
	}

	std::string line_for(const std::string &path, const std::string &rel, const struct stat &st)
	{
		char head[160];
		const char *type = S_ISREG(st.st_mode)	  ? "file"
				   : S_ISDIR(st.st_mode)  ? "dir"
				   : S_ISLNK(st.st_mode)  ? "symlink"
				   : S_ISFIFO(st.st_mode) ? "fifo"
				   : S_ISCHR(st.st_mode)  ? "chr"
				   : S_ISBLK(st.st_mode)  ? "blk"
				   : S_ISSOCK(st.st_mode) ? "sock"
							  : "?";

		std::snprintf(head, sizeof(head), " %s %04o %u:%u mtime=%ld.%09ld", type,
			      st.st_mode & 07777, st.st_uid, st.st_gid,
			      static_cast<long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
		std::string line = snapmerge::quote(rel) + head;

		if (S_ISREG(st.st_mode)) {
			std::string data = read_contents(path);

			line += " size=" + std::to_string(st.st_size);
			if (data.size() <= 256)
				line += " data=" + snapmerge::quote(data);
			else
				line += " data=#" + std::to_string(std::hash<std::string>()(data));
		}
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t length = ::readlink(path.c_str(), target, sizeof(target));

			if (length < 0)
				die("readlink", path);
			line += " -> " + snapmerge::quote(std::string(target, length));
		}
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			line += " dev=" + std::to_string(major(st.st_rdev)) + ":" +
				std::to_string(minor(st.st_rdev));
		if (!S_ISDIR(st.st_mode)) {
			auto key = std::make_pair(st.st_dev, st.st_ino);
			auto [it, fresh] = first_name.emplace(key, rel);

			line += " nlink=" + std::to_string(st.st_nlink);
			if (!fresh)
				line += " same-as=" + snapmerge::quote(it->second);
		}
		char names[65536];
		ssize_t size = ::llistxattr(path.c_str(), names, sizeof(names));

		if (size < 0 && errno != ENOTSUP)
			die("listxattr", path);
		std::vector<std::string> attrs;

		for (ssize_t pos = 0; pos < size;) {
			std::string name(names + pos);
			char value[65536];
			ssize_t length = ::lgetxattr(path.c_str(), name.c_str(), value, sizeof(value));

			pos += name.size() + 1;
			if (length < 0)
				die("getxattr " + name, path);
			attrs.push_back(name + "=" + hex(std::string(value, length)));
		}
		std::sort(attrs.begin(), attrs.end());
		for (const std::string &attr : attrs)
			line += " xattr:" + attr;
		return line;
	}
};

void clear_flags(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	int flags = 0;

	if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
		flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
		::ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	::close(fd);
}

} /* namespace */

Node file(const std::string &path, const std::string &contents)
{
	Node node;

	node.path = path;
	node.kind = Node::kFile;
	node.data = contents;
	return node;
}

Node dir(const std::string &path)
{
	Node node = file(path);

	node.kind = Node::kDir;
	node.mode = 0755;
	return node;
}

Node symlink_to(const std::string &path, const std::string &target)
{
	Node node = file(path, target);

	node.kind = Node::kSymlink;
	node.mode = 0777;
	return node;
}

Node fifo(const std::string &path)
{
	Node node = file(path);

	node.kind = Node::kFifo;
	return node;
}

Node chr(const std::string &path, unsigned major_number, unsigned minor_number)
{
	Node node = file(path);

	node.kind = Node::kChr;
	node.rdev = makedev(major_number, minor_number);
	return node;
}

Node blk(const std::string &path, unsigned major_number, unsigned minor_number)
{
	Node node = chr(path, major_number, minor_number);

	node.kind = Node::kBlk;
	return node;
}

Node sock(const std::string &path)
{
	Node node = file(path);

	node.kind = Node::kSock;
	node.mode = 0755;
	return node;
}

Node hardlink(const std::string &path, const std::string &existing)
{
	Node node = file(path, existing);

	node.kind = Node::kHardlink;
	return node;
}

Node whiteout(const std::string &path)
{
	return file(path).with_mode(0444);
}

Node sparse(const std::string &path, off_t size, std::map<off_t, std::string> extents)
{
	Node node = file(path);

	node.size = size;
	node.extents = std::move(extents);
	return node;
}

std::string acl(const std::string &text)
{
	/* struct posix_acl_xattr_header / _entry (little endian). */
	auto put16 = [](std::string &out, unsigned v) {
		out += static_cast<char>(v & 0xff);
		out += static_cast<char>(v >> 8 & 0xff);
	};
	auto put32 = [&](std::string &out, unsigned v) {
		put16(out, v & 0xffff);
		put16(out, v >> 16);
	};
	std::string out;

	put32(out, 2);
	size_t start = 0;

	while (start <= text.size()) {
		size_t comma = text.find(',', start);
		std::string entry = text.substr(start, comma == std::string::npos ? std::string::npos
										 : comma - start);
		size_t first = entry.find(':'), second = entry.find(':', first + 1);
		std::string tag = entry.substr(0, first);
		std::string id = entry.substr(first + 1, second - first - 1);
		std::string perms = entry.substr(second + 1);
		unsigned perm = (perms[0] == 'r' ? 4 : 0) | (perms[1] == 'w' ? 2 : 0) |
				(perms[2] == 'x' ? 1 : 0);
		unsigned tag_value = tag == "u"	  ? (id.empty() ? 0x01 : 0x02)
				     : tag == "g" ? (id.empty() ? 0x04 : 0x08)
				     : tag == "m" ? 0x10
						  : 0x20;

		put16(out, tag_value);
		put16(out, perm);
		put32(out, id.empty() ? 0xffffffffu : static_cast<unsigned>(std::stoul(id)));
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	return out;
}

void build(const std::string &root, const Tree &tree_in)
{
	Tree tree = with_parents(tree_in);

	for (const Node &node : tree) {
		std::string path = root + "/" + node.path;

		switch (node.kind) {
		case Node::kFile: {
			int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

			if (fd < 0)
				die("create", path);
			write_all(fd, node.data, 0, path);
			for (const auto &[offset, data] : node.extents)
				write_all(fd, data, offset, path);
			if (node.size >= 0 && ::ftruncate(fd, node.size) < 0)
				die("truncate", path);
			::close(fd);
			break;
		}
		case Node::kDir:
			if (::mkdir(path.c_str(), 0700) < 0)
				die("mkdir", path);
			break;
		case Node::kSymlink:
			if (::symlink(node.data.c_str(), path.c_str()) < 0)
				die("symlink", path);
			break;
		case Node::kFifo:
			if (::mkfifo(path.c_str(), 0600) < 0)
				die("mkfifo", path);
			break;
		case Node::kChr:
		case Node::kBlk:
		case Node::kSock: {
			mode_t type = node.kind == Node::kChr ? S_IFCHR
				      : node.kind == Node::kBlk ? S_IFBLK
								: S_IFSOCK;

			if (::mknod(path.c_str(), type | 0600, node.rdev) < 0)
				die("mknod", path);
			break;
		}
		case Node::kHardlink:
			if (::link((root + "/" + node.data).c_str(), path.c_str()) < 0)
				die("link", path);
			break;
		}
	}
	/* Attributes deepest first, so making children cannot change a parent's times. */
	for (auto it = tree.rbegin(); it != tree.rend(); ++it) {
		const Node &node = *it;
		std::string path = root + "/" + node.path;

		if (node.kind == Node::kHardlink)
			continue;
		if (::lchown(path.c_str(), node.uid, node.gid) < 0)
			die("chown", path);
		for (const auto &[name, value] : node.xattrs)
			if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) < 0)
				die("setxattr " + name, path);
		if (node.kind != Node::kSymlink && ::chmod(path.c_str(), node.mode) < 0)
			die("chmod", path);
		const struct timespec times[2] = {{node.mtime, 0}, {node.mtime, 0}};

		if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
			die("utimensat", path);
	}
}

std::string describe(const std::string &root)
{
	Describer describer;
	std::string text;

	describer.walk(root, "");
	for (const auto &[path, line] : describer.lines)
		text += line + "\n";
	return text;
}

std::map<std::string, std::string> describe_objects(const std::string &root)
{
	Describer describer;

	describer.walk(root, "");
	return describer.objects;
}

Scratch::Scratch()
{
	const char *tmp = std::getenv("TMPDIR");
	std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/snapmerge-test.XXXXXX";

	if (!::mkdtemp(pattern.data()))
		die("mkdtemp", pattern);
	path_ = pattern;
}

Scratch::~Scratch()
{
	try {
		remove_all(path_);
	} catch (...) {
	}
}

std::string Scratch::make_dir(const std::string &name) const
{
	std::string path = path_ + "/" + name;

	if (::mkdir(path.c_str(), 0755) < 0)
		die("mkdir", path);
	return path;
}

void remove_all(const std::string &path)
{
	struct stat st;

	if (::lstat(path.c_str(), &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		clear_flags(path);
		for (const std::string &name : names_in(path))
			remove_all(path + "/" + name);
		if (::rmdir(path.c_str()) < 0)
			die("rmdir", path);
		return;
	}
	if (::unlink(path.c_str()) < 0) {
		if (errno != EPERM || !S_ISREG(st.st_mode))
			die("unlink", path);
		clear_flags(path);
		if (::unlink(path.c_str()) < 0)
			die("unlink", path);
	}
}

std::string read_contents(const std::string &path)
{
	std::string data;
	int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		die("open", path);
	char buffer[65536];
	ssize_t got;

	while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
		data.append(buffer, got);
	::close(fd);
	if (got < 0)
		die("read", path);
	return data;
}

std::vector<std::string> names_in(const std::string &dir_path)
{
	std::vector<std::string> names;
	DIR *dir = ::opendir(dir_path.c_str());

	if (!dir)
		die("opendir", dir_path);
	while (struct dirent *entry = ::readdir(dir))
		if (std::strcmp(entry->d_name, ".") && std::strcmp(entry->d_name, ".."))
			names.push_back(entry->d_name);
	::closedir(dir);
	std::sort(names.begin(), names.end());
	return names;
}

} /* namespace test_tree */
