/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vector.h - a growable array whose every growth can fail.
 *
 * Growth doubles the capacity, so appends are O(1) amortised; when memory is
 * short the vector is left exactly as it was and ENOMEM is returned.
 */
#ifndef UNI_VECTOR_H
#define UNI_VECTOR_H

#include "ownership.h"

namespace uni {

template <typename T>
class Vector {
public:
	Vector() = default;
	Vector(const Vector &) = delete;
	Vector &operator=(const Vector &) = delete;

	Vector(Vector &&other)
		: data_(exchange(other.data_, nullptr)), size_(exchange(other.size_, usize(0))),
		  capacity_(exchange(other.capacity_, usize(0)))
	{
	}

	Vector &operator=(Vector &&other)
	{
		if (this != &other) {
			release_storage();
			data_ = exchange(other.data_, nullptr);
			size_ = exchange(other.size_, usize(0));
			capacity_ = exchange(other.capacity_, usize(0));
		}
		return *this;
	}

	~Vector() { release_storage(); }

	usize size() const { return size_; }
	usize capacity() const { return capacity_; }
	bool is_empty() const { return size_ == 0; }

	T *data() { return data_; }
	const T *data() const { return data_; }
	T &operator[](usize index) { return data_[index]; }
	const T &operator[](usize index) const { return data_[index]; }
	T &last() { return data_[size_ - 1]; }

	T *begin() { return data_; }
	T *end() { return data_ + size_; }
	const T *begin() const { return data_; }
	const T *end() const { return data_ + size_; }

	/* Makes room for at least 'wanted' elements in total. */
	Result<void> try_reserve(usize wanted)
	{
		if (wanted <= capacity_)
			return {};
		return reallocate(wanted);
	}

	/* By value, so appending one of our own elements survives the move. */
	Result<void> try_append(T value)
	{
		TRY(grow_for(1));
		new (&data_[size_]) T(move(value));
		++size_;
		return {};
	}

	Result<void> try_append_copies(const T *items, usize count)
	{
		if (count > kMaxCount - size_)
			return Error(UNI_ENOMEM);
		TRY(grow_for(count));
		if constexpr (__is_trivially_copyable(T)) {
			copy_bytes(data_ + size_, items, count * sizeof(T));
		} else {
			for (usize i = 0; i < count; ++i)
				new (&data_[size_ + i]) T(items[i]);
		}
		size_ += count;
		return {};
	}

	/* index may be size() (append). */
	Result<void> try_insert(usize index, T value)
	{
		if (index > size_)
			return Error(UNI_EINVAL);
		TRY(grow_for(1));
		if (index == size_) {
			new (&data_[size_]) T(move(value));
		} else {
			new (&data_[size_]) T(move(data_[size_ - 1]));
			for (usize i = size_ - 1; i > index; --i)
				data_[i] = move(data_[i - 1]);
			data_[index] = move(value);
		}
		++size_;
		return {};
	}

	/* Grows to count copies of fill (never shrinks). */
	Result<void> try_resize(usize count, const T &fill)
	{
		if (count <= size_)
			return {};
		TRY(try_reserve(count));
		while (size_ < count)
			new (&data_[size_++]) T(fill);
		return {};
	}

	void remove(usize index)
	{
		for (usize i = index; i + 1 < size_; ++i)
			data_[i] = move(data_[i + 1]);
		data_[--size_].~T();
	}

	/* Drops the elements from new_size on; keeps the storage for reuse. */
	void truncate(usize new_size)
	{
		while (size_ > new_size)
			data_[--size_].~T();
	}

	void clear() { truncate(0); }

private:
	/* Bounded so that size * sizeof(T) and the doubling cannot overflow. */
	static constexpr usize kMaxCount = kUsizeMax / 2 / sizeof(T);
	static constexpr usize kMinCapacity = 4;

	Result<void> grow_for(usize extra)
	{
		if (extra > kMaxCount - size_)
			return Error(UNI_ENOMEM);
		usize needed = size_ + extra;

		if (needed <= capacity_)
			return {};
		return reallocate(max(needed, max(capacity_ * 2, kMinCapacity)));
	}

	Result<void> reallocate(usize capacity)
	{
		if (capacity > kMaxCount)
			return Error(UNI_ENOMEM);
		T *fresh = allocate_array<T>(capacity);

		if (!fresh)
			return Error(UNI_ENOMEM);
		if constexpr (__is_trivially_copyable(T)) {
			copy_bytes(fresh, data_, size_ * sizeof(T));
		} else {
			for (usize i = 0; i < size_; ++i) {
				new (&fresh[i]) T(move(data_[i]));
				data_[i].~T();
			}
		}
		if (data_)
			uni_env_free(data_);
		data_ = fresh;
		capacity_ = capacity;
		return {};
	}

	void release_storage()
	{
		clear();
		if (data_)
			uni_env_free(data_);
		data_ = nullptr;
		capacity_ = 0;
	}

	T *data_ = nullptr;
	usize size_ = 0;
	usize capacity_ = 0;
};

} /* namespace uni */

#endif /* UNI_VECTOR_H */
