/* external_editor.h: edit a text in the user's $VISUAL / $EDITOR through a private temp file. */
#ifndef QREL_EXTERNAL_EDITOR_H
#define QREL_EXTERNAL_EDITOR_H

/* Writes initial (plus a final newline when it lacks one) to a new 0600 file under
 * $TMPDIR (or /tmp), runs $VISUAL, else $EDITOR, else vi on it (split on spaces and
 * started with execvp: no shell), waits, reads the file back into *result
 * (malloc'd) and removes it. An editor that cannot start or exits non-zero leaves
 * *result NULL and returns QREL_IO with the reason. The caller leaves curses first
 * (def_prog_mode, endwin) and resumes after (reset_prog_mode, refresh). */
int external_edit(const char *initial, char **result);

/* The command external_edit runs, for messages: "$VISUAL", "$EDITOR" or "vi". */
const char *external_editor_command(void);

#endif
