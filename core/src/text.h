/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text.h - byte strings: a non-owning StringView and an owning,
 * NUL-terminated StringBuf. Names from branches are not NUL-terminated, so
 * everything works on (pointer, length).
 */
#ifndef UNI_TEXT_H
#define UNI_TEXT_H

#include "ownership.h"

namespace uni {

class StringView {
public:
	static constexpr usize kNotFound = kUsizeMax;

	constexpr StringView() = default;
	constexpr StringView(const char *data, usize length) : data_(data), length_(length) {}
	/* Implicit, so literals and C strings read naturally at call sites. */
	constexpr StringView(const char *text)
		: data_(text), length_(text ? string_length(text) : 0)
	{
	}

	constexpr const char *data() const { return data_; }
	constexpr usize length() const { return length_; }
	constexpr bool is_empty() const { return length_ == 0; }
	constexpr char operator[](usize index) const { return data_[index]; }

	bool operator==(StringView other) const
	{
		return length_ == other.length_ && bytes_equal(data_, other.data_, length_);
	}

	bool starts_with(StringView prefix) const
	{
		return prefix.length_ <= length_ && bytes_equal(data_, prefix.data_, prefix.length_);
	}

	/* Clamped to the view, like a bounded slice. */
	StringView substring(usize start, usize length = kUsizeMax) const
	{
		if (start > length_)
			start = length_;
		return StringView(data_ + start, min(length, length_ - start));
	}

	usize find(char c, usize from = 0) const
	{
		for (usize i = from; i < length_; ++i)
			if (data_[i] == c)
				return i;
		return kNotFound;
	}

	usize find_last(char c) const
	{
		for (usize i = length_; i > 0; --i)
			if (data_[i - 1] == c)
				return i - 1;
		return kNotFound;
	}

private:
	const char *data_ = nullptr;
	usize length_ = 0;
};

/* An owned copy of a string, always NUL-terminated (for the C side). */
class StringBuf {
public:
	StringBuf() = default;
	StringBuf(const StringBuf &) = delete;
	StringBuf &operator=(const StringBuf &) = delete;

	StringBuf(StringBuf &&other)
		: data_(exchange(other.data_, nullptr)), length_(exchange(other.length_, usize(0)))
	{
	}

	StringBuf &operator=(StringBuf &&other)
	{
		if (this != &other) {
			release();
			data_ = exchange(other.data_, nullptr);
			length_ = exchange(other.length_, usize(0));
		}
		return *this;
	}

	~StringBuf() { release(); }

	static Result<StringBuf> try_create(StringView text) { return try_concat(text, {}, {}); }

	/* The three pieces joined; empty pieces are fine. */
	static Result<StringBuf> try_concat(StringView a, StringView b, StringView c)
	{
		usize length = a.length();

		if (b.length() > kUsizeMax - 1 - length)
			return Error(UNI_ENOMEM);
		length += b.length();
		if (c.length() > kUsizeMax - 1 - length)
			return Error(UNI_ENOMEM);
		length += c.length();

		char *data = allocate_array<char>(length + 1);
		if (!data)
			return Error(UNI_ENOMEM);
		copy_bytes(data, a.data(), a.length());
		copy_bytes(data + a.length(), b.data(), b.length());
		copy_bytes(data + a.length() + b.length(), c.data(), c.length());
		data[length] = '\0';
		return StringBuf(data, length);
	}

	const char *c_str() const { return data_ ? data_ : ""; }
	StringView view() const { return StringView(c_str(), length_); }
	usize length() const { return length_; }

	/* For a decoder that rewrites its copy in place (never longer). */
	char *data() { return data_; }
	void truncate(usize length)
	{
		if (length < length_) {
			length_ = length;
			data_[length] = '\0';
		}
	}

private:
	StringBuf(char *data, usize length) : data_(data), length_(length) {}

	void release()
	{
		if (data_)
			uni_env_free(data_);
		data_ = nullptr;
		length_ = 0;
	}

	char *data_ = nullptr;
	usize length_ = 0;
};

/*
 * Writes a human-readable message into a caller's fixed buffer: truncated
 * to fit, always NUL-terminated, a no-op without a buffer.
 */
class MessageWriter {
public:
	MessageWriter(char *buffer, usize size) : buffer_(size ? buffer : nullptr), size_(size) { }

	void clear()
	{
		length_ = 0;
		if (buffer_)
			buffer_[0] = '\0';
	}

	void append(StringView text)
	{
		if (!buffer_)
			return;
		usize room = size_ - 1 - length_;
		usize count = min(room, text.length());

		copy_bytes(buffer_ + length_, text.data(), count);
		length_ += count;
		buffer_[length_] = '\0';
	}

	/* Replaces the message with the pieces, in order. */
	template <typename... Parts>
	void set(const Parts &...parts)
	{
		clear();
		(append(StringView(parts)), ...);
	}

private:
	char *buffer_;
	usize size_;
	usize length_ = 0;
};

/* The EINVAL every parser returns, with its reason written out. */
template <typename... Parts>
Error invalid(MessageWriter &message, const Parts &...parts)
{
	message.set(parts...);
	return Error(UNI_EINVAL);
}

} /* namespace uni */

#endif /* UNI_TEXT_H */
