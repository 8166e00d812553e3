// SPDX-License-Identifier: GPL-2.0
/*
 * whiteout.cpp - whiteout naming, and its C entry points.
 */
#include "whiteout.h"

namespace ufs {

Result<usize> make_whiteout_name(StringView name, char *buffer, usize buffer_size)
{
	if (name.length() > UFS_NAME_MAX - kWhiteoutPrefix.length())
		return Error(UFS_ENAMETOOLONG);
	usize length = kWhiteoutPrefix.length() + name.length();

	if (!buffer || buffer_size <= length)
		return Error(UFS_EINVAL);
	copy_bytes(buffer, kWhiteoutPrefix.data(), kWhiteoutPrefix.length());
	copy_bytes(buffer + kWhiteoutPrefix.length(), name.data(), name.length());
	buffer[length] = '\0';
	return length;
}

} /* namespace ufs */

using namespace ufs;

extern "C" int ufs_name_is_hidden(const char *name, unsigned len)
{
	return name && is_hidden_name(StringView(name, len)) ? 1 : 0;
}

extern "C" int ufs_whiteout_name(const char *name, unsigned len, char *buf,
				 unsigned long buf_size)
{
	if (!name && len)
		return -UFS_EINVAL;
	Result<usize> length = make_whiteout_name(StringView(name, len), buf, buf_size);

	if (length.is_error())
		return length.error().to_errno();
	return static_cast<int>(length.value());
}
