/* diag.c: a growable list of "file:line: message" strings. */
#include "qrel/qrel.h"
#include "qrel/diag.h"
#include "qrel/text.h"

static void
push(char ***msg, size_t *n, size_t *cap, char *owned)
{
	if (*n == *cap) {
		size_t grown_cap = *cap ? *cap * 2 : 8;
		char **grown = realloc(*msg, grown_cap * sizeof(*grown));

		if (!grown)
			abort();
		*msg = grown;
		*cap = grown_cap;
	}
	(*msg)[(*n)++] = owned;
}

static void
append(char ***msg, size_t *n, size_t *cap, const char *file, int line, const char *text)
{
	char full[1024];

	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", file, line, text);
	else
		snprintf(full, sizeof(full), "%s: %s", file, text);
	push(msg, n, cap, strdup(full));
}

void
diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	append(&d->msg, &d->n, &d->cap, file, line, text);
}

void
diag_warn(struct diags *d, const char *file, int line, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	strcpy(text, "warning: ");
	va_start(ap, fmt);
	vsnprintf(text + 9, sizeof(text) - 9, fmt, ap);
	va_end(ap);
	append(&d->warn, &d->nwarn, &d->wcap, file, line, text);
}

void
diag_print_warnings(const struct diags *d, FILE *f)
{
	for (size_t i = 0; i < d->nwarn; i++) {
		text_print(f, d->warn[i] ? d->warn[i] : "(out of memory)");
		fputc('\n', f);
	}
}

void
diag_move(struct diags *d, struct diags *from)
{
	for (size_t i = 0; i < from->n; i++)
		push(&d->msg, &d->n, &d->cap, from->msg[i]);
	for (size_t i = 0; i < from->nwarn; i++)
		push(&d->warn, &d->nwarn, &d->wcap, from->warn[i]);
	free(from->msg);
	free(from->warn);
	memset(from, 0, sizeof(*from));
}

void
diag_print(const struct diags *d, FILE *f)
{
	diag_print_warnings(d, f);
	for (size_t i = 0; i < d->n; i++) {
		text_print(f, d->msg[i] ? d->msg[i] : "(out of memory)"); /* quoted input cannot drive the terminal */
		fputc('\n', f);
	}
}

void
diag_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	free(d->msg);
	for (size_t i = 0; i < d->nwarn; i++)
		free(d->warn[i]);
	free(d->warn);
	memset(d, 0, sizeof(*d));
}
