/* output.c: CSV, JSON, Markdown and HTML text writers. */
#include "qrel/qrel.h"
#include "qrel/output.h"
#include "qrel/text.h"

static bool bom;

void
out_csv_bom(bool on)
{
	bom = on;
}

void
out_csv_start(FILE *fp)
{
	if (bom)
		fputs("\xef\xbb\xbf", fp);
}

/* The formula guard: text a spreadsheet would run as a formula starts with one of these. */
static bool
formula_start(const char *v)
{
	return *v && strchr("=+-@\t\r", *v);
}

char *
out_cell_text(const char *s)
{
	char *owned, *cell;
	const char *v = text_visible(s ? s : "", "\n\t", &owned);
	bool guard = formula_start(v);
	size_t n = strlen(v);

	if (!(cell = malloc(n + 2)))
		abort(); /* as xstrdup: the process is done */
	cell[0] = '\'';
	memcpy(cell + guard, v, n + 1);
	free(owned);
	return cell;
}

static void
csv_value(FILE *fp, const char *s, bool guard)
{
	char *owned;
	const char *v;

	if (!s)
		return;
	v = text_visible(s, "\n\r\t", &owned);
	guard = guard && formula_start(v);
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(guard ? "'" : "", fp);
		fputs(v, fp);
	} else {
		fputs(guard ? "\"'" : "\"", fp); /* the guard inside the quotes: one well-formed field */
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				fputc('"', fp);
			fputc(*p, fp);
		}
		fputc('"', fp);
	}
	free(owned);
}

void
out_csv_text(FILE *fp, const char *s)
{
	csv_value(fp, s, true);
}

/* Printable ASCII that needs no quoting passes through csv_value as it is. */
bool
out_csv_plain(const char *s, bool guard)
{
	if (guard && *s && strchr("=+-@", *s))
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == ',' || *s == '"')
			return false;
	return true;
}

void
out_csv_token(FILE *fp, const char *s)
{
	csv_value(fp, s, false);
}

void
out_csv_field(FILE *fp, const char *s, bool last)
{
	out_csv_text(fp, s);
	fputs(last ? "\n" : ",", fp);
}

static void
json_char(FILE *fp, const char *s, size_t k, wchar_t c)
{
	switch (c) {
	case '"': fputs("\\\"", fp); break;
	case '\\': fputs("\\\\", fp); break;
	case '\n': fputs("\\n", fp); break;
	case '\r': fputs("\\r", fp); break;
	case '\t': fputs("\\t", fp); break;
	default:
		if (c == 0xfffd && k == 1)
			fputs("\\ufffd", fp);
		else if (!text_printable(c))
			fprintf(fp, "\\u%04x", (unsigned)c);
		else
			fwrite(s, 1, k, fp);
	}
}

void
out_json_string(FILE *fp, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	fputc('"', fp);
	while (n) {
		wchar_t c;
		size_t k = text_decode(s, n, &c);

		json_char(fp, s, k, c);
		s += k;
		n -= k;
	}
	fputc('"', fp);
}

bool
out_json_plain(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

void
out_md_text(FILE *fp, const char *s)
{
	char *owned;
	bool start = true;

	for (const char *p = text_visible(s, "\n\r\t", &owned); *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n' || c == '\r' || c == '\t') {
			fputc(' ', fp);
			continue;
		}
		if (c == '<' || c == '>')
			fputs(c == '<' ? "&lt;" : "&gt;", fp);
		else if (strchr("\\`*_[]|#!~&", c) || (start && strchr("+-=", c)))
			fprintf(fp, "\\%c", c);
		else
			fputc(c, fp);
		start = false;
	}
	free(owned);
}

void
out_html_text(FILE *fp, const char *s)
{
	char *owned;

	for (const char *p = text_visible(s, "\n\r\t", &owned); *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		case '\r': fputc(' ', fp); break;
		default: fputc(*p, fp); break;
		}
	}
	free(owned);
}
