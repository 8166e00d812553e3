// SPDX-License-Identifier: GPL-2.0
/*
 * report.cpp - printable names, summary and progress.
 */
#include "report.h"

#include <cstdio>
#include <cstring>

#include "fs.h"

namespace snapmerge {

namespace {

/* Length of the UTF-8 sequence starting at text[i], or 0 if it is not one. */
size_t utf8_length(const std::string &text, size_t i)
{
	auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
	unsigned char lead = byte(i);
	size_t length;
	uint32_t code;

	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
		code = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		code = lead & 0x0f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		code = lead & 0x07;
	} else {
		return 0;
	}
	if (i + length > text.size())
		return 0;
	for (size_t k = 1; k < length; k++) {
		if ((byte(i + k) & 0xc0) != 0x80)
			return 0;
		code = code << 6 | (byte(i + k) & 0x3f);
	}
	/* No overlong forms, surrogates or code points past U+10FFFF. */
	if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff)) ||
	    (code >= 0xd800 && code <= 0xdfff))
		return 0;
	/* C1 control characters are as unsafe on a terminal as C0 ones. */
	if (code >= 0x80 && code <= 0x9f)
		return 0;
	return length;
}

} /* namespace */

std::string quote(const std::string &text)
{
	std::string out;

	for (size_t i = 0; i < text.size();) {
		unsigned char c = static_cast<unsigned char>(text[i]);
		size_t length = utf8_length(text, i);

		if (length == 1 && c > ' ' && c != '\\' && c != 0x7f) {
			out += text[i++];
		} else if (length > 1) {
			out.append(text, i, length);
			i += length;
		} else {
			char escape[5];

			std::snprintf(escape, sizeof(escape), "\\%03o", c);
			out += escape;
			i++;
		}
	}
	return out;
}

std::string describe(const FsError &error)
{
	return quote(error.path()) + ": cannot " + error.action() + ": " + std::strerror(error.error());
}

std::string human_bytes(uint64_t bytes)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double value = static_cast<double>(bytes);
	size_t unit = 0;
	char text[32];

	if (bytes < 1024)
		return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	std::snprintf(text, sizeof(text), "%.1f %s", value, units[unit]);
	return text;
}

Stats &Stats::operator+=(const Stats &other)
{
	files += other.files;
	links += other.links;
	dirs += other.dirs;
	deleted += other.deleted;
	cleaned += other.cleaned;
	bytes += other.bytes;
	warnings += other.warnings;
	return *this;
}

namespace {

std::string count(uint64_t n, const char *one, const char *many)
{
	return std::to_string(n) + " " + (n == 1 ? one : many);
}

} /* namespace */

std::string summary_text(const Stats &stats)
{
	std::string text = count(stats.files, "file", "files") + " copied (" +
			   human_bytes(stats.bytes);

	if (stats.bytes >= 1024)
		text += ", " + std::to_string(stats.bytes) + " bytes";
	text += "), " + count(stats.links, "hard link", "hard links") + ", " +
		count(stats.dirs, "directory", "directories") + " created, " +
		std::to_string(stats.deleted) + " deleted";
	if (stats.cleaned)
		text += ", " + count(stats.cleaned, "leftover", "leftovers") + " of an earlier run removed";
	return text;
}

Progress::Progress(std::ostream *stream, std::string label, uint64_t total)
	: stream_(stream), label_(std::move(label)), total_(total),
	  start_(std::chrono::steady_clock::now()), last_(start_)
{
}

Progress::~Progress()
{
	finish();
}

void Progress::advance(uint64_t bytes)
{
	using namespace std::chrono_literals;

	done_++;
	bytes_ += bytes;
	if (!stream_)
		return;
	auto now = std::chrono::steady_clock::now();

	if (now - start_ < 1s || (shown_ && now - last_ < 200ms))
		return;
	last_ = now;
	shown_ = true;
	*stream_ << "\rsnapmerge: " << label_ << ": " << done_;
	if (total_)
		*stream_ << "/" << total_ << " (" << done_ * 100 / std::max<uint64_t>(total_, 1) << "%)";
	*stream_ << " entries, " << human_bytes(bytes_) << "\033[K" << std::flush;
}

void Progress::finish()
{
	if (stream_ && shown_)
		*stream_ << "\r\033[K" << std::flush;
	shown_ = false;
}

} /* namespace snapmerge */
