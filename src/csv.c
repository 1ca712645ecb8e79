/* csv.c: streams a CSV file through libcsv, one record at a time, with line numbers and UTF-8 checks. */
#include "qrel/qrel.h"
#include "qrel/csv.h"
#include "qrel/text.h"
#include "qrel/diag.h"
#include "qrel/privilege.h"
#include "qrel/util.h"

#include <csv.h>
#include <strings.h>

/* libcsv's parser state between records; the struct is public but the state
 * names are not. We read it before each line to learn where a record starts. */
#define LIBCSV_ROW_NOT_BEGUN 0

#define BOM "\xef\xbb\xbf"

struct reader {
	struct csv_parser p;
	const char *name;	/* the path as messages show it */
	struct diags *d;
	csv_row_fn *fn;
	void *ctx;
	int line;		/* the line being fed to the parser */
	struct csv_row row;
	size_t *fcap;		/* capacity of each field buffer, reused across records */
	size_t cap;		/* slots in row.field and fcap */
	char **names;		/* the header's fields, for messages */
	size_t nnames;
	bool bad;		/* the record being read has a field we refused */
	bool halted;		/* nothing more is read or handed on */
	int status;		/* QREL_OK, QREL_PARSE, QREL_IO or QREL_NOMEM */
	int stop;		/* what fn returned to stop, else 0 */
};

const char *
csv_source_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

static void
problem(struct reader *rd, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
problem(struct reader *rd, int line, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	diag_add(rd->d, rd->name, line, "%s", text);
	if (rd->status == QREL_OK)
		rd->status = QREL_PARSE;
}

static bool
grow_slots(struct reader *rd)
{
	size_t cap = rd->cap ? rd->cap * 2 : 16;
	char **field = realloc(rd->row.field, cap * sizeof(*field));
	size_t *fcap;

	if (!field)
		return false;
	rd->row.field = field;
	if (!(fcap = realloc(rd->fcap, cap * sizeof(*fcap))))
		return false;
	rd->fcap = fcap;
	for (size_t i = rd->cap; i < cap; i++) {
		field[i] = NULL;
		fcap[i] = 0;
	}
	rd->cap = cap;
	return true;
}

/* Copies a field into slot i, turning CRLF into LF (quoted fields keep line ends). */
static bool
store_field(struct reader *rd, size_t i, const char *s, size_t len)
{
	char *out;

	if (len + 1 > rd->fcap[i]) {
		size_t cap = len + 1 < 32 ? 32 : len + 1;
		char *grown = realloc(rd->row.field[i], cap);

		if (!grown)
			return false;
		rd->row.field[i] = grown;
		rd->fcap[i] = cap;
	}
	out = rd->row.field[i];
	if (!memchr(s, '\r', len)) {
		memcpy(out, s, len);
		out[len] = '\0';
		return true;
	}
	for (size_t k = 0; k < len; k++)
		if (!(s[k] == '\r' && k + 1 < len && s[k + 1] == '\n'))
			*out++ = s[k];
	*out = '\0';
	return true;
}

static const char *
column_name(const struct reader *rd, size_t i, char *buf, size_t size)
{
	if (i < rd->nnames && rd->names[i][0])
		return rd->names[i];
	snprintf(buf, size, "%zu", i + 1);
	return buf;
}

static void
check_field(struct reader *rd, size_t i, const char *s, size_t len)
{
	char num[24];

	if (rd->bad)
		return;	/* one complaint per record is enough */
	if (memchr(s, '\0', len)) {
		problem(rd, rd->row.line, "column %s: contains a NUL byte",
			column_name(rd, i, num, sizeof(num)));
		rd->bad = true;
	} else if (!text_valid(s, len, NULL)) {
		problem(rd, rd->row.line, "column %s: not valid UTF-8",
			column_name(rd, i, num, sizeof(num)));
		rd->bad = true;
	}
}

static void
on_field(void *s, size_t len, void *data)
{
	struct reader *rd = data;
	size_t i = rd->row.n;

	if (rd->halted)
		return;
	if ((i == rd->cap && !grow_slots(rd)) || !store_field(rd, i, s, len)) {
		rd->status = QREL_NOMEM;
		rd->halted = true;
		return;
	}
	check_field(rd, i, s, len);
	rd->row.n++;
}

/* Keeps the column names for messages; a header we cannot read ends the reading. */
static void
keep_header(struct reader *rd)
{
	if (rd->bad) {
		rd->halted = true;
		return;
	}
	rd->names = calloc(rd->row.n, sizeof(*rd->names));
	if (!rd->names) {
		rd->status = QREL_NOMEM;
		rd->halted = true;
		return;
	}
	for (size_t i = 0; i < rd->row.n; i++) {
		const char *s = rd->row.field[i];

		rd->names[i] = xstrdup(s);
		str_trim(rd->names[i]);
	}
	rd->nnames = rd->row.n;
}

static void
on_record(int c, void *data)
{
	struct reader *rd = data;

	UNUSED(c);
	if (rd->halted)
		return;
	if (rd->row.index == 0) {
		keep_header(rd);
	} else if (rd->row.n != rd->nnames && !rd->bad) {
		problem(rd, rd->row.line, "%zu fields where the header has %zu "
			"(a field holding a comma must be quoted)", rd->row.n, rd->nnames);
		rd->bad = true;
	}
	if (!rd->bad && !rd->halted && (rd->stop = rd->fn(rd->ctx, &rd->row)) != 0)
		rd->halted = true;
	rd->row.index++;
	rd->row.n = 0;
	rd->bad = false;
}

/* Feeds one line; false when the parser refuses it (reading stops there). */
static bool
feed(struct reader *rd, const char *s, size_t len)
{
	if (rd->p.pstate == LIBCSV_ROW_NOT_BEGUN)
		rd->row.line = rd->line;
	if (csv_parse(&rd->p, s, len, on_field, on_record, rd) == len)
		return true;
	rd->halted = true;
	if (csv_error(&rd->p) == CSV_EPARSE)
		problem(rd, rd->line, "malformed CSV: a stray '\"' (a field holding a quote must be "
			"quoted, with the quote doubled); reading stopped here");
	else
		rd->status = QREL_NOMEM;
	return false;
}

static void
read_lines(struct reader *rd, FILE *f)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	while (!rd->halted && (n = getline(&buf, &cap, f)) >= 0) {
		const char *s = buf;

		if (++rd->line == 1 && n >= 3 && memcmp(s, BOM, 3) == 0) {
			s += 3;
			n -= 3;
		}
		if (!feed(rd, s, (size_t)n))
			break;
	}
	if (ferror(f)) {
		diag_add(rd->d, rd->name, rd->line, "read error: %s", strerror(errno));
		rd->status = QREL_IO;
		rd->halted = true;
	}
	free(buf);
}

static void
finish(struct reader *rd)
{
	if (rd->halted)
		return;
	if (csv_fini(&rd->p, on_field, on_record, rd) != 0)
		problem(rd, rd->row.line, "malformed CSV: a quoted field that starts in this record "
			"is never closed");
	else if (rd->row.index == 0)
		problem(rd, 0, "empty file: the first line must name the columns");
}

static void
reader_free(struct reader *rd)
{
	for (size_t i = 0; i < rd->cap; i++)
		free(rd->row.field[i]);
	free(rd->row.field);
	free(rd->fcap);
	for (size_t i = 0; i < rd->nnames; i++)
		free(rd->names[i]);
	free(rd->names);
	csv_free(&rd->p);
}

int
csv_each(const char *path, csv_row_fn *fn, void *ctx, struct diags *d)
{
	struct reader rd = { .name = csv_source_name(path), .d = d, .fn = fn, .ctx = ctx };
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f;

	privilege_end(); /* a setgid qrel parses no user's file with its group in reach */
	f = is_stdin ? stdin : fopen(path, "r");

	if (!f) {
		diag_add(d, rd.name, 0, "cannot open: %s", strerror(errno));
		return error(QREL_IO, "%s: %s", path, strerror(errno));
	}
	if (csv_init(&rd.p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		if (!is_stdin)
			fclose(f);
		return error(QREL_NOMEM, "out of memory");
	}
	csv_set_blk_size(&rd.p, 4096);
	read_lines(&rd, f);
	finish(&rd);
	if (!is_stdin)
		fclose(f);
	reader_free(&rd);
	if (rd.status == QREL_NOMEM)
		return error(QREL_NOMEM, "%s: out of memory", rd.name);
	if (rd.stop)
		return rd.stop;
	if (rd.status != QREL_OK)
		return error(rd.status, "%s: the file has problems", rd.name);
	return QREL_OK;
}

/* The header field without a BOM or surrounding spaces, as [*start, *start + *len). */
static void
header_name(const char *field, const char **start, size_t *len)
{
	const char *end;

	if (strncmp(field, BOM, 3) == 0)
		field += 3;
	while (*field == ' ' || *field == '\t')
		field++;
	end = field + strlen(field);
	while (end > field && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*start = field;
	*len = (size_t)(end - field);
}

static int
wanted(const char *const *names, const char *s, size_t len)
{
	for (int i = 0; names[i]; i++)
		if (strlen(names[i]) == len && strncasecmp(names[i], s, len) == 0)
			return i;
	return -1;
}

static void
expected_list(const char *const *names, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

static void
unknown_column(const struct csv_row *h, size_t i, const char *const *names, struct diags *d,
	       const char *path)
{
	const char *s;
	size_t len;
	char list[400];

	header_name(h->field[i], &s, &len);
	if (len == 0) {
		diag_add(d, path, h->line, "column %zu has no name", i + 1);
		return;
	}
	expected_list(names, list, sizeof(list));
	diag_add(d, path, h->line, "unknown column '%.*s' (the columns are: %s)", (int)len, s, list);
}

int
csv_columns(const struct csv_row *header, const char *const *names, int *index,
	    const bool *required, struct diags *d, const char *path)
{
	size_t before = d->n;
	const char *s;
	size_t len;

	for (int i = 0; names[i]; i++)
		index[i] = -1;
	for (size_t i = 0; i < header->n; i++) {
		int w;

		header_name(header->field[i], &s, &len);
		if ((w = wanted(names, s, len)) < 0)
			unknown_column(header, i, names, d, path);
		else if (index[w] >= 0)
			diag_add(d, path, header->line, "column %s appears twice (columns %d and %zu)",
				names[w], index[w] + 1, i + 1);
		else
			index[w] = (int)i;
	}
	for (int i = 0; names[i]; i++)
		if (index[i] < 0 && (!required || required[i]))
			diag_add(d, path, header->line, "missing column '%s'", names[i]);
	return d->n == before ? QREL_OK : QREL_PARSE;
}
