/* SPDX-License-Identifier: GPL-2.0 */
/*
 * write.h - the pieces every write algorithm is built from.
 *
 * The algorithms (create.cpp, copyup.cpp, delete.cpp, rename.cpp) read as
 * the article's rules; what they stand on lives here:
 *   - Ctx: one call's view of the union (branch modes, branch operations);
 *   - OwnedSet: a lower set whose references the core holds;
 *   - Journal: every reversible step records how to undo it, so that a
 *     failure half-way puts the branches back (rollback), and what to do
 *     once the whole operation succeeded (commit: remove retired objects);
 *   - the parent chain: making a union directory exist on a branch;
 *   - names on branches: whiteouts, opaque markers, the instances of a
 *     name down the branches, cleaning and removing directories.
 */
#ifndef UNI_WRITE_H
#define UNI_WRITE_H

#include "lower_set.h"
#include "vector.h"

namespace uni {

/* One write call's view of the union. */
class Ctx {
public:
	Ctx(const uni_branch_table &table, const uni_branch_ops &ops, void *env,
	    uni_delete_mode mode);

	const uni_branch_table &table;
	BranchOps ops;
	unsigned count;
	uni_delete_mode mode;

	bool writable(int branch) const;
	/* The nearest writable branch of higher priority (smaller index), or -1. */
	int writable_above(int branch) const;
	/* Where a new object whose natural branch is 'branch' goes first. */
	int first_target(int branch) const
	{
		return writable(branch) ? branch : writable_above(branch);
	}
	/* A fresh hidden name for an object set aside: ".wh..wh.ufs.tmp.N". */
	Result<StringBuf> next_temp_name();

private:
	u32 temp_counter_ = 0;
};

/*
 * Errors after which the next writable branch up is worth a try: the
 * branch itself refuses (a read-only lower mount, full, over quota).
 */
bool is_retryable(Error error);

/* The top (first present) branch of a set, or -1. */
inline int top_of(const uni_lower_set &set)
{
	return next_present(set, set.start - 1);
}

/* A lower set whose references the core holds and puts. */
class OwnedSet {
public:
	static Result<OwnedSet> try_create(const BranchOps &ops, unsigned count);
	OwnedSet(OwnedSet &&other);
	OwnedSet(const OwnedSet &) = delete;
	OwnedSet &operator=(const OwnedSet &) = delete;
	OwnedSet &operator=(OwnedSet &&) = delete;
	~OwnedSet() { release(); }

	uni_lower_set &set() { return set_; }
	const uni_lower_set &set() const { return set_; }
	void *at(int branch) const { return set_.handles[branch]; }

	/* Takes ref as the object on branch, widening start..end. */
	void add(int branch, BranchRef ref, uni_kind kind);
	/* Second references to every handle of src, same kind; start is its top. */
	void copy_from(const uni_lower_set &src);
	/* Moves every reference into out (room for count handles); this set is left empty. */
	void hand_over(uni_lower_set &out);
	void release();

private:
	OwnedSet(const BranchOps &ops, Vector<void *> handles);

	const BranchOps *ops_;
	Vector<void *> handles_;
	uni_lower_set set_;
};

/*
 * Runs attempt(t) (a Result<void>) on writable branches from 'first' up,
 * nearest first, until one succeeds (that branch is returned) or fails in
 * a way the next branch would not cure; then the first error is returned.
 * 'first' must be writable (or -1: EROFS). Each attempt must leave the
 * branches as it found them when it fails.
 */
template <typename Attempt>
Result<int> try_branches(const Ctx &ctx, int first, Attempt attempt)
{
	Error failure(UNI_EROFS);
	bool failed = false;

	for (int t = first; t >= 0; t = ctx.writable_above(t)) {
		Result<void> done = attempt(t);

		if (!done.is_error())
			return t;
		if (!failed)
			failure = done.error();
		failed = true;
		if (!is_retryable(done.error()))
			break;
	}
	return failure;
}

/* ---- The journal ---- */

class Journal {
public:
	explicit Journal(Ctx &ctx) : ctx_(ctx) {}
	Journal(const Journal &) = delete;
	Journal &operator=(const Journal &) = delete;
	/* Whatever was neither committed nor rolled back is undone. */
	~Journal() { rollback(); }

	/* Room for one more record: call before the step it will record. */
	Result<void> reserve();

	/* The step made CHILD in DIR: undone by unlink or rmdir. */
	void created(int branch, void *dir, void *child, uni_kind kind);
	/* CHILD was renamed from OLD_NAME in OLD_DIR into NEW_DIR: undone by renaming it back. */
	void renamed(int branch, void *old_dir, void *child, void *new_dir, StringBuf old_name);
	/*
	 * CHILD, an object in the way, was renamed from NAME to the hidden TEMP
	 * in DIR: put back on rollback, removed for good on commit.
	 */
	void retired(int branch, void *dir, void *child, uni_kind kind, StringBuf name);
	/*
	 * CHILD_A of DIR_A and CHILD_B of DIR_B were exchanged: undone by
	 * exchanging them again.
	 */
	void exchanged(int branch, void *dir_a, void *child_a, void *dir_b, void *child_b);
	/* A whiteout or marker NAME was unlinked from DIR: recreated on rollback. */
	void unlinked_meta(int branch, void *dir, StringBuf name);
	/* LEVEL's directory was made on BRANCH (in PARENT); its range was SAVED_START..END. */
	void made_level(uni_dir_level &level, int branch, void *parent, int saved_start,
			int saved_end);

	/* The operation succeeded: retired objects are removed (best effort). */
	void commit();
	/* Undo every recorded step, newest first (best effort). */
	void rollback();

private:
	enum class Kind { kCreated, kRenamed, kExchanged, kRetired, kUnlinkedMeta, kMadeLevel };

	struct Record {
		Kind kind;
		int branch;
		BranchRef dir;
		BranchRef child;
		BranchRef new_dir;
		StringBuf name;
		uni_kind object_kind;
		uni_dir_level *level;
		int saved_start;
		int saved_end;
		BranchRef other;	/* kExchanged: the second child */
	};

	void append(Record record);
	void undo(Record &record);

	Ctx &ctx_;
	Vector<Record> records_;
};

/* ---- Union directories and their chain ---- */

/* The lower set of the union directory at the end of anc. */
inline uni_lower_set &parent_set(const uni_ancestry &anc)
{
	return anc.levels[anc.depth - 1]->set;
}

/*
 * Is anc well formed for the table: does its first level have a directory
 * on every writable branch (the root, or a directory below it that needs
 * nothing above it made)?
 */
bool is_valid_ancestry(const uni_ancestry *anc, const uni_branch_table &table);

/*
 * Can the directory at the end of anc be made on branch so that lookup
 * sees it as part of the union directory? Above or inside the range a
 * level's lookup walked, always; below it only when the lookup ran out of
 * branches rather than stopped (an opaque directory, a whiteout, an object
 * of the name in between: a copy there would stay hidden).
 */
Result<bool> dir_reachable(Ctx &ctx, const uni_ancestry &anc, int branch);

/*
 * Makes the directory at the end of anc exist on branch, copying every
 * missing level up (or down) from its top branch, outermost first (see
 * struct uni_dir_level for who owns the new references). When the last
 * level must be copied and its top has a flag in deny_flags: EPERM.
 */
Result<void> ensure_dir(Ctx &ctx, Journal &journal, uni_ancestry &anc, int branch,
			unsigned deny_flags);

/* EPERM when the object has one of the UNI_ATTR_* flags in deny_flags. */
Result<void> check_not_sealed(Ctx &ctx, int branch, void *object, unsigned deny_flags);

constexpr unsigned kSealed = UNI_ATTR_IMMUTABLE | UNI_ATTR_APPEND;

/* ---- Names on branches ---- */

/* ".wh." + name, or ENAMETOOLONG. */
Result<StringBuf> whiteout_of(StringView name);

/* Puts ".wh.NAME" in dir (journaled); one already there is fine. */
Result<void> make_whiteout(Ctx &ctx, Journal &journal, int branch, void *dir, StringView name);
/* Puts the opaque marker in dir (journaled); one already there is fine. */
Result<void> make_opaque(Ctx &ctx, Journal &journal, int branch, void *dir);
/* Unlinks the whiteout or marker CHILD called NAME from dir (journaled: recreated). */
Result<void> remove_meta(Ctx &ctx, Journal &journal, int branch, void *dir, void *child,
			 StringView name);

/* One positive object of a name on one branch. */
struct Instance {
	int branch;
	BranchRef object;
	uni_kind kind;
};

/*
 * The objects a name has from branch 'from' down, in priority order, as
 * far as each would show through once those above it were gone: the walk
 * ends after a branch holding ".wh.NAME" (an object beside it still
 * counts). Only branches where the parent directory exists are visited.
 */
Result<Vector<Instance>> name_stack(Ctx &ctx, const uni_lower_set &parent, StringView name,
				    int from);

/* Drops the instances on branches up to and including 'branch' (they come first). */
inline void drop_down_to(Vector<Instance> &stack, int branch)
{
	while (!stack.is_empty() && stack[0].branch <= branch)
		stack.remove(0);
}

/*
 * Could a whiteout on branch b of the directory parent hide anything? Not
 * on its last branch: no branch below has the directory, so looking for
 * one there (a lookup that misses, on the branch filesystem) is left out.
 */
bool hides_below(const uni_lower_set &parent, int b);

/* Would a lookup starting at branch 'from' find anything of the name? */
Result<bool> shows_through(Ctx &ctx, const uni_lower_set &parent, StringView name, int from);

/* Has the directory on this branch any entry that is not ".wh."-something? */
Result<bool> has_visible_entries(Ctx &ctx, int branch, void *dir);

/* Does the union directory list no names? */
Result<bool> is_logically_empty(Ctx &ctx, const uni_lower_set &dir);

/*
 * Empties a directory of its whiteouts and markers so that rmdir can
 * succeed: ENOTEMPTY (and nothing touched) when it holds anything else.
 * With a journal, removed whiteouts and markers are recreated on rollback.
 */
Result<void> clean_dir(Ctx &ctx, Journal *journal, int branch, void *dir);

/* Removes CHILD of DIR for good: unlink, or clean_dir + rmdir. Not journaled. */
Result<void> remove_instance(Ctx &ctx, int branch, void *dir, void *child, uni_kind kind);

/*
 * delete=all below a top: removes the instances (of the given kind, on
 * writable branches) lowest priority first, for good. Stops at the first
 * that cannot go and returns false: something stays that must be covered.
 */
bool remove_lowest_first(Ctx &ctx, const uni_lower_set &parent, Vector<Instance> &instances,
			 uni_kind kind);

/*
 * Removes the directory CHILD of PARENT with everything in it (leftovers
 * under hidden temporary names). Not journaled; stops at the first error.
 */
Result<void> remove_tree(Ctx &ctx, int branch, void *parent, void *child);

/*
 * What one branch holds of a name: the object, the whiteout beside it.
 * 'retired' once the object was set aside under a hidden name.
 */
struct Cell {
	bool visited = false;	/* the parent directory is on this branch */
	BranchRef object;
	uni_kind kind = UNI_KIND_NONE;
	BranchRef whiteout;
	bool retired = false;

	bool holds_object() const { return object && !retired; }
	bool is_empty() const { return !holds_object() && !whiteout; }
};

/* A name's cells on every branch where its parent directory exists. */
class NameCells {
public:
	static Result<NameCells> scan(Ctx &ctx, const uni_lower_set &parent, StringView name);

	Cell &at(int branch) { return cells_[static_cast<usize>(branch)]; }
	/* Smallest branch index > after (and <= last) holding anything on a read-only branch. */
	int first_readonly_in_use(const Ctx &ctx, int after, int last) const;
	/* Would a lookup starting at 'from' find an object (whiteouts stop it)? */
	bool shows_from(int from) const;
	int count() const { return static_cast<int>(cells_.size()); }

private:
	explicit NameCells(Vector<Cell> cells) : cells_(move(cells)) {}

	Vector<Cell> cells_;
};

/*
 * The first branch, from 'from' up (nearest writable first), where a new
 * object of the name can live and be seen: nothing of the name on a
 * read-only branch above it, and the parent directory reachable there.
 * -1 when there is none.
 */
Result<int> visible_target(Ctx &ctx, const NameCells &cells, const uni_ancestry &parent, int from);

/* Sets the cell's object aside under a hidden name in dir (journaled: retired). */
Result<void> retire(Ctx &ctx, Journal &journal, int branch, void *dir, Cell &cell,
		    StringView name);

/*
 * Makes directory DST on branch R show by itself what the union directory
 * SOURCE shows: every visible entry not already on R is copied to it
 * (directories with their contents), and subdirectories that are on R but
 * merge with lower ones get their lower contents the same way. Journaled.
 */
Result<void> copy_contents(Ctx &ctx, Journal &journal, int r, void *dst,
			   const uni_lower_set &source);

/*
 * The top (on branch FROM) of an object that a rename takes away from its
 * old name, placed as NAME in DIR on branch TO. A writable branch's file
 * moves (a link where it can: one file, its other names and open files
 * with it, as the old top goes afterwards); the rest is copied.
 */
Result<BranchRef> place_renamed_top(Ctx &ctx, int from, void *top, uni_kind kind, int to,
				    void *dir, StringView name);

/* ---- The C boundary ---- */

/* Checks a uni_context: EINVAL, or EROFS when the write operations are missing. */
int check_context(const uni_context *ctx);
/* Checks an entry: parent ancestry, name, and (when positive) a valid object. */
bool is_valid_entry(const uni_entry *entry, const uni_branch_table &table, bool positive);

} /* namespace uni */

#endif /* UNI_WRITE_H */
