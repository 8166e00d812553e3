// SPDX-License-Identifier: GPL-2.0
/*
 * whiteout.cpp - whiteout naming, and its C entry points.
 */
#include "whiteout.h"

namespace uni {

Result<usize> make_whiteout_name(StringView name, char *buffer, usize buffer_size)
{
	if (name.length() > UNI_NAME_MAX - kWhiteoutPrefix.length())
		return Error(UNI_ENAMETOOLONG);
	usize length = kWhiteoutPrefix.length() + name.length();

	if (!buffer || buffer_size <= length)
		return Error(UNI_EINVAL);
	copy_bytes(buffer, kWhiteoutPrefix.data(), kWhiteoutPrefix.length());
	copy_bytes(buffer + kWhiteoutPrefix.length(), name.data(), name.length());
	buffer[length] = '\0';
	return length;
}

} /* namespace uni */

using namespace uni;

extern "C" int uni_name_is_hidden(const char *name, unsigned len)
{
	return name && is_hidden_name(StringView(name, len)) ? 1 : 0;
}

extern "C" int uni_whiteout_name(const char *name, unsigned len, char *buf,
				 unsigned long buf_size)
{
	if (!name && len)
		return -UNI_EINVAL;
	Result<usize> length = make_whiteout_name(StringView(name, len), buf, buf_size);

	if (length.is_error())
		return length.error().to_errno();
	return static_cast<int>(length.value());
}
