/* SPDX-License-Identifier: GPL-2.0 */
/*
 * temp_dir.h - a directory under $TMPDIR (or /tmp) for one test, removed
 * with everything in it when the test ends.
 */
#ifndef UNIONCTL_TESTS_TEMP_DIR_H
#define UNIONCTL_TESTS_TEMP_DIR_H

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace unionctl::test {

class TempDir {
public:
	TempDir()
	{
		const char *tmp = std::getenv("TMPDIR");
		std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/unionctl-test.XXXXXX";

		if (!mkdtemp(pattern.data()))
			throw std::runtime_error("mkdtemp failed");
		/* Canonical, so tests can compare it with realpath(3) results. */
		path_ = std::filesystem::canonical(pattern).string();
	}
	~TempDir() { std::filesystem::remove_all(path_); }
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &path() const { return path_; }

	/* Writes TEXT to NAME in the directory; returns its path. */
	std::string write(const std::string &name, const std::string &text) const
	{
		std::string file = path_ + "/" + name;
		std::ofstream(file) << text;
		return file;
	}

private:
	std::string path_;
};

} /* namespace unionctl::test */

#endif /* UNIONCTL_TESTS_TEMP_DIR_H */
