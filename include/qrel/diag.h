/* diag.h: collected problems with a file, each "file:line: message", for reports that list them all. */
#ifndef QREL_DIAG_H
#define QREL_DIAG_H

#include <stdio.h>

struct diags {
	char **msg;
	size_t n, cap;
	char **warn;		/* warnings: reported, but they fail nothing */
	size_t nwarn, wcap;
};

void diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A warning ("file:line: warning: ..."): kept apart from the problems, so d->n still counts only those. */
void diag_warn(struct diags *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Appends from's problems and warnings to d, leaving from empty. */
void diag_move(struct diags *d, struct diags *from);
/* Prints the warnings, then the problems. */
void diag_print(const struct diags *d, FILE *f);
/* Prints only the warnings (for a run that succeeded). */
void diag_print_warnings(const struct diags *d, FILE *f);
void diag_free(struct diags *d);

#endif
