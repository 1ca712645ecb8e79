/* privilege.h: a setgid qrel (team mode) holds its group only while it opens the review database.
 *
 * Installed setgid to the team group (configure --enable-team-group=GROUP), qrel
 * runs with the user's own group for everything but the open of the review: the
 * group is raised (setegid) around db_open_shared, which then drops it for good
 * (real, effective and saved group all the user's own), so nothing later in the
 * process (CSV and bundle parsing, curses, reports, the editor) can take it back.
 * Without setgid every call here does nothing. */
#ifndef QREL_PRIVILEGE_H
#define QREL_PRIVILEGE_H

#include <stdbool.h>
#include <sys/types.h>

/* First thing in main(). When the effective group differs from the real one:
 * refuses a setuid install, opens /dev/null on closed descriptors 0-2, keeps
 * core dumps and ptrace off, cuts the environment to an allow-list (TERM,
 * LANG, LC_*, TZ, COLUMNS, LINES, NO_COLOR, ESCDELAY, PATH, VISUAL, EDITOR;
 * HOME, USER and LOGNAME reset from the password entry), and sets the
 * effective group back to the real one. Exits on a failure it cannot survive. */
void privilege_init(void);

/* Whether the team group may still be raised (a setgid qrel before its open). */
bool privilege_held(void);
/* The team group while privilege_held(); (gid_t)-1 otherwise. */
gid_t privilege_group(void);

/* The team group as effective group, under umask 007, for opening the review.
 * QREL_OK, or an error when it cannot be raised. */
int privilege_raise(void);
/* Drops the team group for good (and restores the user's umask); exits when
 * the kernel refuses, as going on with it would be unsafe. Safe to call twice.
 * db_open_shared calls it after its open; so do the CSV reader and `framework
 * check` (commands that may open no database), and the editor's child. */
void privilege_end(void);

#endif
