/* diag.c: a growable list of "file:line: message" strings. */
#include "qrel/qrel.h"
#include "qrel/diag.h"
#include "qrel/text.h"

static void
grow(struct diags *d)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **grown = realloc(d->msg, cap * sizeof(*grown));

		if (!grown)
			abort();
		d->msg = grown;
		d->cap = cap;
	}
}

void
diag_add(struct diags *d, const char *file, int line, const char *fmt, ...)
{
	char text[768], full[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", file, line, text);
	else
		snprintf(full, sizeof(full), "%s: %s", file, text);
	grow(d);
	d->msg[d->n++] = strdup(full);
}

void
diag_move(struct diags *d, struct diags *from)
{
	for (size_t i = 0; i < from->n; i++) {
		grow(d);
		d->msg[d->n++] = from->msg[i];
	}
	free(from->msg);
	memset(from, 0, sizeof(*from));
}

void
diag_print(const struct diags *d, FILE *f)
{
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
	memset(d, 0, sizeof(*d));
}
