/* diag.h: collected problems with a file, each "file:line: message", for reports that list them all. */
#ifndef QREL_DIAG_H
#define QREL_DIAG_H

#include <stdio.h>

struct diags {
	char **msg;
	size_t n, cap;
};

void diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Appends from's messages to d, leaving from empty. */
void diag_move(struct diags *d, struct diags *from);
void diag_print(const struct diags *d, FILE *f);
void diag_free(struct diags *d);

#endif
