// SPDX-License-Identifier: GPL-2.0
/*
 * whiteouts.h - what a name on a snapshot branch means to the union.
 *
 * The naming itself comes from the unionfs core (core/src/whiteout.cpp,
 * compiled into snapmerge as it is into the module), so snapmerge reads a
 * branch exactly as the union does.
 */
#ifndef SNAPMERGE_WHITEOUTS_H
#define SNAPMERGE_WHITEOUTS_H

#include <optional>
#include <string>
#include <string_view>

namespace snapmerge {

enum class NameKind {
	kPlain,		/* an object the union shows */
	kWhiteout,	/* ".wh.X": hides X in the branches below */
	kOpaque,	/* ".wh.__dir_opaque" or ".wh..wh..opq": the directory is opaque */
	kInert,		/* another hidden name (".wh..wh.X", a temporary): no effect */
};

struct NameMeaning {
	NameKind kind;
	std::string target;	/* what a whiteout hides */
};

NameMeaning classify_name(std::string_view name);

/* ".wh.NAME", or nullopt when NAME is too long to have a whiteout. */
std::optional<std::string> whiteout_name(std::string_view name);

/*
 * snapmerge's own names on the branches: temporaries while an object is
 * built or removed (".wh..wh.snapmerge.tmp.PID.N") and the marker of a
 * merged snapshot that is being emptied (".wh..wh.snapmerge.done"). Both
 * are whiteouts of hidden names, which the union ignores.
 */
/* A new temporary name each call (process id and a counter). */
std::string temp_name();
bool is_temp_name(std::string_view name);
std::string done_marker_name();

} /* namespace snapmerge */

#endif
