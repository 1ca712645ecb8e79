/* output.h: writing CSV (RFC 4180) and JSON text, shared by every command and export. */
#ifndef QREL_OUTPUT_H
#define QREL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

/* s quoted only when it holds a comma, quote, CR or LF; NULL writes nothing. */
void out_csv_text(FILE *fp, const char *s);
/* A field followed by ',' or, when last, a newline. */
void out_csv_field(FILE *fp, const char *s, bool last);
/* s as a JSON string, control characters escaped; NULL writes "". */
void out_json_string(FILE *fp, const char *s);

#endif
