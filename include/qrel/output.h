/* output.h: the one writer for each text format qrel emits: CSV (RFC 4180),
 * JSON strings, Markdown and HTML text. Every command, export and report uses
 * these, so each rule (formula guard, control marks, escaping) holds everywhere. */
#ifndef QREL_OUTPUT_H
#define QREL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

/* With on, out_csv_start writes a UTF-8 byte order mark (the --bom option):
 * Excel then reads the file as UTF-8 instead of the system's code page. */
void out_csv_bom(bool on);
/* Called by every CSV writer before its header line. */
void out_csv_start(FILE *fp);
/* Text people wrote: control characters shown as marks (text_visible; line
 * breaks and tabs kept), a leading ' when it starts with = + - @, a tab or a
 * CR so a spreadsheet shows it instead of running it as a formula, quoted when
 * it holds a comma, quote, CR or LF. NULL writes nothing. */
void out_csv_text(FILE *fp, const char *s);
/* Whether out_csv_text (guard true) or out_csv_token (guard false) writes s
 * exactly as it is: printable ASCII without a comma or quote (and, guarded,
 * no leading = + - @). Lets a fast writer copy s and call the escaper only
 * for the rest. */
bool out_csv_plain(const char *s, bool guard);
/* A value qrel computed (a number, a date, a keyword): as out_csv_text, never
 * prefixed, so -0.5 stays a number. */
void out_csv_token(FILE *fp, const char *s);
/* Text people wrote as a spreadsheet cell (the report's workbook): controls as
 * marks (line breaks and tabs kept) and the same leading ' as out_csv_text
 * when it starts with = + - @ or a tab; malloc'd. */
char *out_cell_text(const char *s);
/* A text field followed by ',' or, when last, a newline. */
void out_csv_field(FILE *fp, const char *s, bool last);
/* s as a JSON string: quotes, backslashes and every character text_printable
 * refuses escaped (\u001b, \u009b), bytes that are not UTF-8 as \ufffd; NULL writes "". */
void out_json_string(FILE *fp, const char *s);
/* Whether out_json_string writes s as it is between the quotes. */
bool out_json_plain(const char *s);
/* s as Markdown text that renders as itself: markup characters backslash-escaped
 * (| included, so a table cell cannot split), < > as entities so no tag survives,
 * + - = escaped at the start, line breaks as spaces, controls as marks. */
void out_md_text(FILE *fp, const char *s);
/* s as HTML text or attribute value: & < > " ' escaped, controls as marks
 * (line breaks and tabs kept, CR as a space). */
void out_html_text(FILE *fp, const char *s);

#endif
