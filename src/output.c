/* output.c: CSV and JSON text writers. */
#include "qrel/qrel.h"
#include "qrel/output.h"

void
out_csv_text(FILE *fp, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

void
out_csv_field(FILE *fp, const char *s, bool last)
{
	out_csv_text(fp, s);
	fputs(last ? "\n" : ",", fp);
}

static void
json_char(FILE *fp, unsigned char c)
{
	switch (c) {
	case '"': fputs("\\\"", fp); break;
	case '\\': fputs("\\\\", fp); break;
	case '\n': fputs("\\n", fp); break;
	case '\r': fputs("\\r", fp); break;
	case '\t': fputs("\\t", fp); break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
}

void
out_json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s && *s; s++)
		json_char(fp, (unsigned char)*s);
	fputc('"', fp);
}
