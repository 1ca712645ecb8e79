/* csv.c: streams a CSV file through libcsv, one record at a time, with line numbers and UTF-8 checks. */
#include "qrel/qrel.h"
#include "qrel/csv.h"
#include "qrel/text.h"
#include "qrel/diag.h"
#include "qrel/ini.h"
#include "qrel/privilege.h"
#include "qrel/util.h"

#include <csv.h>
#include <iconv.h>
#include <strings.h>

/* libcsv's parser state between records; the struct is public but the state
 * names are not. We read it before each line to learn where a record starts. */
#define LIBCSV_ROW_NOT_BEGUN 0

#define BOM "\xef\xbb\xbf"

/* Reads a file in another encoding as UTF-8, through iconv, keeping the line
 * it has got to so a byte it cannot convert is reported where it is. */
struct decoder {
	FILE *in;
	iconv_t cd;
	const char *encoding;
	char raw[8192];
	size_t rawlen;
	bool eof, failed;
	int line;		/* the line the converted text has got to, from 1 */
	char tail[1024];	/* that line's text so far (its start, when longer) */
	size_t ntail;
	unsigned char bad;	/* the byte refused */
};

struct reader {
	struct csv_parser p;
	const char *name;	/* the path as messages show it */
	char delim;		/* 0 until the header line shows it */
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
		problem(rd, rd->row.line, "column %s: not valid UTF-8 (a file saved as Windows-1252 or "
			"Latin-1 needs --encoding cp1252)", column_name(rd, i, num, sizeof(num)));
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

/* Spreadsheets save rows that only look empty as ",,,,": no record. */
static bool
all_empty(const struct csv_row *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->field[i][strspn(r->field[i], " \t")])
			return false;
	return true;
}

static void
on_record(int c, void *data)
{
	struct reader *rd = data;

	UNUSED(c);
	if (rd->halted)
		return;
	if (rd->row.index > 0 && !rd->bad && all_empty(&rd->row)) {
		rd->row.n = 0;
		return;
	}
	if (rd->row.index == 0) {
		keep_header(rd);
	} else if (rd->row.n != rd->nnames && !rd->bad) {
		char num[24];

		problem(rd, rd->row.line, "column %s: %zu fields where the header has %zu "
			"(a field holding the delimiter must be quoted)",
			column_name(rd, rd->row.n < rd->nnames ? rd->row.n : rd->nnames, num, sizeof(num)), rd->row.n,
			rd->nnames);
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
	char num[24];

	if (rd->p.pstate == LIBCSV_ROW_NOT_BEGUN)
		rd->row.line = rd->line;
	if (csv_parse(&rd->p, s, len, on_field, on_record, rd) == len)
		return true;
	rd->halted = true;
	if (csv_error(&rd->p) == CSV_EPARSE)
		problem(rd, rd->line, "column %s: malformed CSV: a stray '\"' (a field holding a quote "
			"must be quoted, with the quote doubled); reading stopped here",
			column_name(rd, rd->row.n, num, sizeof(num)));
	else
		rd->status = QREL_NOMEM;
	return false;
}

/* Tab is a delimiter, not a space to skip, when it separates the fields. */
static int
space_only(unsigned char c)
{
	return c == ' ';
}

static void
use_delimiter(struct reader *rd, char c)
{
	rd->delim = c;
	csv_set_delim(&rd->p, (unsigned char)c);
	if (c == '\t')
		csv_set_space_func(&rd->p, space_only);
}

/* The most frequent of , ; and tab outside quotes on the header line; ',' on a tie. */
static char
guess_delimiter(const char *s, size_t n)
{
	static const char cand[] = ",;\t";
	size_t count[3] = { 0 }, best = 0;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		const char *c = s[i] ? strchr(cand, s[i]) : NULL;

		if (s[i] == '"')
			quoted = !quoted;
		else if (c && !quoted)
			count[c - cand]++;
	}
	for (size_t i = 1; i < 3; i++)
		if (count[i] > count[best])
			best = i;
	return cand[best];
}

/* Line 1: a BOM is dropped; Excel's "sep=X" line sets the delimiter and is skipped. */
static bool
first_line(struct reader *rd, const char **s, ssize_t *n)
{
	if (*n >= 3 && memcmp(*s, BOM, 3) == 0) {
		*s += 3;
		*n -= 3;
	}
	if (*n >= 5 && strncasecmp(*s, "sep=", 4) == 0 && (*n == 5 || strchr("\r\n", (*s)[5]))) {
		use_delimiter(rd, (*s)[4]);
		return false;
	}
	if (!rd->delim)
		use_delimiter(rd, guess_delimiter(*s, (size_t)*n));
	return true;
}

/* The CSV column the end of a line's text is in (quotes respected). */
static int
tail_column(const char *s, size_t n, char delim)
{
	bool quoted = false;
	int column = 1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == delim && !quoted)
			column++;
	}
	return column;
}

static void
read_failed(struct reader *rd, const struct decoder *dc)
{
	char delim = rd->delim;

	if (dc && dc->failed && !delim)
		delim = guess_delimiter(dc->tail, dc->ntail);
	if (dc && dc->failed)
		diag_add(rd->d, rd->name, dc->line, "column %d: not valid %s text (byte 0x%02x); "
			 "is --encoding right?", tail_column(dc->tail, dc->ntail, delim), dc->encoding, dc->bad);
	else
		diag_add(rd->d, rd->name, rd->line, "read error: %s", strerror(errno));
	rd->status = dc && dc->failed ? QREL_PARSE : QREL_IO;
	rd->halted = true;
}

static void
read_lines(struct reader *rd, FILE *f, const struct decoder *dc)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	while (!rd->halted && (n = getline(&buf, &cap, f)) >= 0) {
		const char *s = buf;

		if (++rd->line == 1 && !first_line(rd, &s, &n))
			continue;
		if (!feed(rd, s, (size_t)n))
			break;
	}
	if (ferror(f))
		read_failed(rd, dc);
	free(buf);
}

static void
finish(struct reader *rd)
{
	char num[24];

	if (rd->halted)
		return;
	if (csv_fini(&rd->p, on_field, on_record, rd) != 0)
		problem(rd, rd->row.line, "column %s: malformed CSV: a quoted field that starts in this "
			"record is never closed", column_name(rd, rd->row.n, num, sizeof(num)));
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

/* ---- other encodings ---- */

static bool
is_utf8(const char *encoding)
{
	return !encoding || strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0;
}

int
csv_encoding_check(const char *name)
{
	iconv_t cd;

	if (is_utf8(name))
		return QREL_OK;
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return error(QREL_USAGE, "--encoding: iconv does not know '%s' (try cp1252, latin1, "
			     "UTF-16; `iconv -l` lists them)", name);
	iconv_close(cd);
	return QREL_OK;
}

/* Follows the converted text's lines, so an error can say where it is. */
static void
decoder_track(struct decoder *dc, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			dc->line++;
			dc->ntail = 0;
		} else if (dc->ntail < sizeof(dc->tail)) {
			dc->tail[dc->ntail++] = s[i];
		}
	}
}

/* Tops the raw buffer up; false at the end of the file. */
static bool
decoder_fill(struct decoder *dc)
{
	size_t n;

	if (dc->eof || dc->rawlen == sizeof(dc->raw))
		return dc->rawlen > 0;
	n = fread(dc->raw + dc->rawlen, 1, sizeof(dc->raw) - dc->rawlen, dc->in);
	dc->rawlen += n;
	dc->eof = n == 0;
	return dc->rawlen > 0;
}

/* fopencookie's read: converts what it can into buf; -1 on a byte it cannot. */
static ssize_t
decoder_read(void *cookie, char *buf, size_t size)
{
	struct decoder *dc = cookie;
	char *out = buf;
	size_t left = size;

	while (!dc->failed && left == size) {
		char *in = dc->raw;
		size_t inleft;
		int err;

		if (!decoder_fill(dc))
			break;
		inleft = dc->rawlen;
		err = iconv(dc->cd, &in, &inleft, &out, &left) == (size_t)-1 ? errno : 0;
		/* EILSEQ: a byte the encoding lacks; EINVAL: a sequence cut short,
		 * wrong at the end of the file or when a full buffer holds no more */
		if (err == EILSEQ || (err == EINVAL && (dc->eof || inleft == sizeof(dc->raw)))) {
			dc->failed = true;
			dc->bad = (unsigned char)*in;
		}
		memmove(dc->raw, in, inleft);
		dc->rawlen = inleft;
	}
	decoder_track(dc, buf, size - left);
	if (size == left && dc->failed) {
		errno = EILSEQ;
		return -1;
	}
	return (ssize_t)(size - left);
}

static int
decoder_close(void *cookie)
{
	UNUSED(cookie);
	return 0;
}

/* *out: f through a decoder, or f itself for UTF-8. */
static int
decoded(FILE *f, struct decoder *dc, const char *encoding, FILE **out)
{
	static const cookie_io_functions_t io = { .read = decoder_read, .close = decoder_close };
	int rc;

	*out = f;
	if (is_utf8(encoding))
		return QREL_OK;
	if ((rc = csv_encoding_check(encoding)) != QREL_OK)
		return rc;
	*dc = (struct decoder){ .in = f, .encoding = encoding, .line = 1 };
	dc->cd = iconv_open("UTF-8", encoding);
	if (!(*out = fopencookie(dc, "r", io))) {
		iconv_close(dc->cd);
		return error(QREL_NOMEM, "out of memory");
	}
	return QREL_OK;
}

int
csv_delimiter_parse(const char *s, char *out)
{
	static const struct { const char *name; char c; } names[] = {
		{ ",", ',' }, { "comma", ',' }, { ";", ';' }, { "semicolon", ';' },
		{ "tab", '\t' }, { "\t", '\t' }, { "\\t", '\t' }, { "|", '|' }, { "pipe", '|' },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].c;
			return QREL_OK;
		}
	return error(QREL_USAGE, "--delimiter: ',', ';', tab or '|', not '%s'", s);
}

/* ---- the reading ---- */

/* Excel's "Unicode text" is UTF-16 with a byte order mark: read as such
 * without --encoding, when the file can be looked at twice. */
static const char *
sniffed(FILE *f, const char *encoding)
{
	unsigned char b[2];
	bool utf16;

	if (encoding || fseek(f, 0, SEEK_CUR) != 0)
		return encoding;
	utf16 = fread(b, 1, 2, f) == 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff));
	if (fseek(f, 0, SEEK_SET) != 0)
		return encoding;
	return utf16 ? "UTF-16" : NULL;
}

static int
read_file(struct reader *rd, FILE *f, const struct csv_opts *o)
{
	struct decoder dc;
	FILE *in;
	int rc;

	if ((rc = decoded(f, &dc, sniffed(f, o->encoding), &in)) != QREL_OK)
		return rc;
	if (csv_init(&rd->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		if (in != f)
			fclose(in);
		return error(QREL_NOMEM, "out of memory");
	}
	csv_set_blk_size(&rd->p, 4096);
	if (o->delimiter)
		use_delimiter(rd, o->delimiter);
	read_lines(rd, in, in != f ? &dc : NULL);
	finish(rd);
	if (in != f) {
		fclose(in);
		iconv_close(dc.cd);
	}
	return QREL_OK;
}

static int csv_read(const char *path, const struct csv_opts *o, csv_row_fn *fn, void *ctx,
		    struct diags *d);
static int each_shaped(const char *path, const struct csv_opts *o, csv_row_fn *fn, void *ctx,
		       struct diags *d);

int
csv_each(const char *path, csv_row_fn *fn, void *ctx, struct diags *d)
{
	return csv_each_opts(path, NULL, fn, ctx, d);
}

int
csv_each_opts(const char *path, const struct csv_opts *o, csv_row_fn *fn, void *ctx, struct diags *d)
{
	static const struct csv_opts plain;

	o = o ? o : &plain;
	if (o->map || o->wide)
		return each_shaped(path, o, fn, ctx, d);
	return csv_read(path, o, fn, ctx, d);
}

static int
csv_read(const char *path, const struct csv_opts *o, csv_row_fn *fn, void *ctx, struct diags *d)
{
	struct reader rd = { .name = csv_source_name(path), .d = d, .fn = fn, .ctx = ctx };
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f;
	int rc;

	privilege_end(); /* a setgid qrel parses no user's file with its group in reach */
	f = is_stdin ? stdin : fopen(path, "r");

	if (!f) {
		diag_add(d, rd.name, 0, "cannot open: %s", strerror(errno));
		return error(QREL_IO, "%s: %s", path, strerror(errno));
	}
	rc = read_file(&rd, f, o);
	if (!is_stdin)
		fclose(f);
	if (rc != QREL_OK)
		return rc;
	reader_free(&rd);
	if (rd.status == QREL_NOMEM)
		return error(QREL_NOMEM, "%s: out of memory", rd.name);
	if (rd.stop)
		return rd.stop;
	if (rd.status != QREL_OK)
		return error(rd.status, "%s: the file has problems", rd.name);
	return QREL_OK;
}

void
csv_header_name(const char *field, const char **start, size_t *len)
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

bool
csv_header_is(const char *field, const char *name)
{
	const char *s;
	size_t len;

	csv_header_name(field, &s, &len);
	return strlen(name) == len && strncasecmp(name, s, len) == 0;
}

static int
wanted(const char *const *names, const char *field)
{
	for (int i = 0; names[i]; i++)
		if (csv_header_is(field, names[i]))
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

/* Adds column i of the header to the list of those ignored. */
static void
ignored_add(const struct csv_row *h, size_t i, char *buf, size_t size, size_t *used)
{
	const char *s;
	size_t len;

	if (*used >= size)
		return;
	csv_header_name(h->field[i], &s, &len);
	if (len)
		*used += (size_t)snprintf(buf + *used, size - *used, "%s'%.*s'", *used ? ", " : "",
					  (int)(len > 60 ? 60 : len), s);
	else
		*used += (size_t)snprintf(buf + *used, size - *used, "%scolumn %zu (no name)",
					  *used ? ", " : "", i + 1);
}

static void
ignored_warn(const char *const *names, const char *ignored, size_t n, struct diags *d,
	     const char *path, int line)
{
	char list[400];

	expected_list(names, list, sizeof(list));
	diag_warn(d, path, line, "ignored %zu column%s not read here: %s (the columns are: %s)", n,
		  n == 1 ? "" : "s", ignored, list);
}

int
csv_columns(const struct csv_row *header, const char *const *names, int *index,
	    const bool *required, struct diags *d, const char *path)
{
	size_t before = d->n, used = 0, nignored = 0;
	char ignored[600] = "";

	for (int i = 0; names[i]; i++)
		index[i] = -1;
	for (size_t i = 0; i < header->n; i++) {
		int w = wanted(names, header->field[i]);

		if (w < 0) {
			ignored_add(header, i, ignored, sizeof(ignored), &used);
			nignored++;
		} else if (index[w] >= 0) {
			diag_add(d, path, header->line, "column %zu: column %s appears twice (columns %d and %zu)",
				 i + 1, names[w], index[w] + 1, i + 1);
		} else {
			index[w] = (int)i;
		}
	}
	for (int i = 0; names[i]; i++)
		if (index[i] < 0 && (!required || required[i]))
			diag_add(d, path, header->line, "missing column '%s'", names[i]);
	if (nignored)
		ignored_warn(names, ignored, nignored, d, path, header->line);
	return d->n == before ? QREL_OK : QREL_PARSE;
}

/* ---- shapes: mapping files and wide layouts ---- */

struct map_entry {
	char *col;		/* our column */
	char *from;		/* the export's column, or NULL */
	char *value;		/* a fixed value, or NULL */
	int line;		/* in the mapping file */
};

struct csv_map {
	char *path;
	struct map_entry *e;
	size_t n;
};

void
csv_map_free(struct csv_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].col);
		free(m->e[i].from);
		free(m->e[i].value);
	}
	free(m->e);
	free(m->path);
	free(m);
}

static struct map_entry *
map_entry_for(struct csv_map *m, const char *col)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].col, col) == 0)
			return &m->e[i];
	return NULL;
}

/* One key of [columns] or [values]; false (with a message) when it is not ours. */
static bool
map_key(struct csv_map *m, const struct ini *ini, const struct ini_entry *k, const char *const *cols,
	struct diags *d)
{
	bool from = strcmp(k->section, "columns") == 0;
	const char *v = ini_get(ini, k->section, k->key);
	struct map_entry *e;
	char list[400];

	if (!from && strcmp(k->section, "values") != 0) {
		diag_add(d, m->path, k->line, "unknown section [%s] (the sections are [columns] and [values])",
			 k->section);
		return false;
	}
	if (wanted(cols, k->key) < 0) {
		expected_list(cols, list, sizeof(list));
		diag_add(d, m->path, k->line, "unknown column '%s' (the columns are: %s)", k->key, list);
		return false;
	}
	if (!(e = map_entry_for(m, k->key))) {
		e = &m->e[m->n++];
		*e = (struct map_entry){ .col = xstrdup(k->key), .line = k->line };
	}
	if (from)
		e->from = xstrdup(v ? v : "");
	else
		e->value = xstrdup(v ? v : "");
	return true;
}

struct csv_map *
csv_map_load(const char *path, const char *const *cols, struct diags *d)
{
	size_t before = d->n, n = 0;
	const struct ini_entry *k;
	struct csv_map *m;
	struct ini *ini;

	privilege_end(); /* as for the CSV file: no group in reach while parsing */
	if (!(ini = ini_load(path, d)))
		return NULL;
	k = ini_entries(ini, &n);
	m = calloc(1, sizeof(*m));
	if (!m || !(m->e = calloc(n + 1, sizeof(*m->e)))) {
		free(m);
		ini_free(ini);
		error(QREL_NOMEM, "out of memory");
		return NULL;
	}
	m->path = xstrdup(path);
	for (size_t i = 0; i < n; i++)
		if (*k[i].key)
			map_key(m, ini, &k[i], cols, d);
	ini_free(ini);
	if (d->n == before && m->n == 0)
		diag_add(d, path, 0, "maps no column: it needs a [columns] section (our column = their column)");
	if (d->n != before) {
		csv_map_free(m);
		return NULL;
	}
	return m;
}

/* What a stage hands its records on to. */
struct stage {
	csv_row_fn *fn;
	void *ctx;
	const char *path;	/* as messages show it */
	struct diags *d;
	struct csv_row out;
	char **own;		/* copies handed on, freed after each record */
	size_t nown, cap;
};

static bool
stage_room(struct stage *sg, size_t n)
{
	char **field, **own;

	if (n <= sg->cap)
		return true;
	if (!(field = realloc(sg->out.field, n * sizeof(*field))))
		return false;
	sg->out.field = field;
	if (!(own = realloc(sg->own, n * sizeof(*own))))
		return false;
	sg->own = own;
	sg->cap = n;
	return true;
}

/* Field k of the record handed on: a copy, so the receiver may edit it. */
static void
stage_set(struct stage *sg, size_t k, const char *v)
{
	sg->out.field[k] = sg->own[sg->nown++] = xstrdup(v);
}

static int
stage_pass(struct stage *sg, const struct csv_row *r, size_t n)
{
	int rc;

	sg->out.line = r->line;
	sg->out.index = r->index;
	sg->out.n = n;
	rc = sg->fn(sg->ctx, &sg->out);
	for (size_t i = 0; i < sg->nown; i++)
		free(sg->own[i]);
	sg->nown = 0;
	return rc;
}

static void
stage_free(struct stage *sg)
{
	for (size_t i = 0; i < sg->nown; i++)	/* a record that was never handed on */
		free(sg->own[i]);
	free(sg->out.field);
	free(sg->own);
}

struct map_run {
	struct stage sg;
	const struct csv_map *m;
	int *src;		/* per header column: the mapping entry it feeds, or -1 */
	char **origin;		/* per record column: where the mapping took it from, or NULL */
	size_t nin, norigin;
};

/* Where column k of the records comes from, for messages (csv_row.origin). */
static void
map_origin(struct map_run *mr, size_t k, const struct map_entry *me)
{
	char text[600];

	if (me->from)
		snprintf(text, sizeof(text), "their column '%s'%s, %s:%d", me->from, me->value ? " or its default" : "",
			 mr->m->path, me->line);
	else
		snprintf(text, sizeof(text), "the value %s:%d gives", mr->m->path, me->line);
	mr->origin[k] = xstrdup(text);
}

/* The header renamed through the mapping, then the columns only [values] gives. */
static int
map_header(struct map_run *mr, const struct csv_row *h)
{
	size_t before = mr->sg.d->n, k;

	if (!(mr->src = malloc((h->n + 1) * sizeof(*mr->src))) || !stage_room(&mr->sg, h->n + mr->m->n) ||
	    !(mr->origin = calloc(h->n + mr->m->n + 1, sizeof(*mr->origin))))
		return error(QREL_NOMEM, "out of memory");
	mr->nin = h->n;
	mr->norigin = h->n + mr->m->n;
	for (size_t i = 0; i < h->n; i++) {
		mr->src[i] = -1;
		for (size_t e = 0; e < mr->m->n; e++)
			if (mr->m->e[e].from && csv_header_is(h->field[i], mr->m->e[e].from))
				mr->src[i] = (int)e;
		if (mr->src[i] >= 0)
			map_origin(mr, i, &mr->m->e[mr->src[i]]);
		stage_set(&mr->sg, i, mr->src[i] >= 0 ? mr->m->e[mr->src[i]].col : h->field[i]);
	}
	k = h->n;
	for (size_t e = 0; e < mr->m->n; e++) {
		const struct map_entry *me = &mr->m->e[e];
		bool found = false;

		for (size_t i = 0; i < h->n; i++)
			found = found || mr->src[i] == (int)e;
		if (me->from && !found)
			diag_add(mr->sg.d, mr->sg.path, h->line, "no column '%s' (%s:%d maps %s to it)",
				 me->from, mr->m->path, me->line, me->col);
		else if (!me->from) {
			map_origin(mr, k, me);
			stage_set(&mr->sg, k++, me->col);
		}
	}
	mr->sg.out.origin = (const char *const *)mr->origin;
	if (mr->sg.d->n != before)
		return QREL_PARSE;
	return stage_pass(&mr->sg, h, k);
}

static int
map_row(void *ctx, const struct csv_row *r)
{
	struct map_run *mr = ctx;
	size_t k = r->n;

	if (r->index == 0)
		return map_header(mr, r);
	for (size_t i = 0; i < r->n; i++) {
		const struct map_entry *me = mr->src[i] >= 0 ? &mr->m->e[mr->src[i]] : NULL;
		const char *v = r->field[i];

		if (me && me->value && !*str_trim(r->field[i]))
			v = me->value;
		stage_set(&mr->sg, i, v);
	}
	for (size_t e = 0; e < mr->m->n; e++)
		if (!mr->m->e[e].from)
			stage_set(&mr->sg, k++, mr->m->e[e].value);
	return stage_pass(&mr->sg, r, k);
}

struct wide_run {
	struct stage sg;
	const struct csv_wide *w;
	bool *key;		/* per header column */
	char **name;		/* per header column: its header, trimmed */
	size_t nin, nkeys;
	bool row_key;		/* the first column (or none) is the row's name */
	bool numbered;		/* no key column: "line N" is the row's name */
};

/* Keys first, then the name and value columns; an unnamed first column holds
 * the row names (R's write.csv) when the layout has a row key. */
static int
wide_header(struct wide_run *wr, const struct csv_row *h)
{
	size_t k = 0, values = 0;

	if (!(wr->key = calloc(h->n + 1, sizeof(*wr->key))) || !(wr->name = calloc(h->n + 1, sizeof(*wr->name))) ||
	    !stage_room(&wr->sg, h->n + 3))
		return error(QREL_NOMEM, "out of memory");
	wr->nin = h->n;
	for (size_t i = 0; i < h->n; i++) {
		const char *s;
		size_t len;

		csv_header_name(h->field[i], &s, &len);
		wr->name[i] = strndup(s, len);
		wr->key[i] = wanted(wr->w->keys, h->field[i]) >= 0 || (i == 0 && len == 0 && wr->w->row_key);
		if (wr->key[i]) {
			stage_set(&wr->sg, k++, len ? wr->name[i] : wr->w->row_key);
			wr->nkeys++;
		} else if (len) {
			values++;
		}
	}
	if (!values) {
		diag_add(wr->sg.d, wr->sg.path, h->line, "no %s columns: a wide file has one column per %s",
			 wr->w->name, wr->w->name);
		return QREL_PARSE;
	}
	if ((wr->numbered = wr->nkeys == 0 && wr->w->row_key))
		stage_set(&wr->sg, k++, wr->w->row_key);
	stage_set(&wr->sg, k++, wr->w->name);
	stage_set(&wr->sg, k++, wr->w->value);
	return stage_pass(&wr->sg, h, k);
}

/* One record per named, non-key column with a value. */
static int
wide_row(void *ctx, const struct csv_row *r)
{
	struct wide_run *wr = ctx;
	int rc = 0;

	if (r->index == 0)
		return wide_header(wr, r);
	for (size_t j = 0; j < r->n && rc == 0; j++) {
		const char *v = str_trim(r->field[j]);
		char line[32];
		size_t k = 0;

		if (wr->key[j] || !*wr->name[j] || !*v || strcmp(v, "NA") == 0)
			continue;
		for (size_t i = 0; i < r->n; i++)
			if (wr->key[i])
				stage_set(&wr->sg, k++, r->field[i]);
		if (wr->numbered) {
			snprintf(line, sizeof(line), "line %d", r->line);
			stage_set(&wr->sg, k++, line);
		}
		stage_set(&wr->sg, k++, wr->name[j]);
		stage_set(&wr->sg, k++, v);
		wr->sg.out.cell_column = wr->name[j];
		rc = stage_pass(&wr->sg, r, k);
	}
	return rc;
}

static int
each_shaped(const char *path, const struct csv_opts *o, csv_row_fn *fn, void *ctx, struct diags *d)
{
	struct wide_run wr = { .sg = { .fn = fn, .ctx = ctx, .path = csv_source_name(path), .d = d }, .w = o->wide };
	struct map_run mr = { .m = o->map };
	struct csv_opts plain = *o;
	int rc;

	if (o->wide) {
		fn = wide_row;
		ctx = &wr;
	}
	mr.sg = (struct stage){ .fn = fn, .ctx = ctx, .path = csv_source_name(path), .d = d };
	if (o->map) {
		fn = map_row;
		ctx = &mr;
	}
	plain.map = NULL;
	plain.wide = NULL;
	rc = csv_read(path, &plain, fn, ctx, d);
	stage_free(&mr.sg);
	free(mr.src);
	for (size_t i = 0; i < mr.norigin; i++)
		free(mr.origin[i]);
	free(mr.origin);
	stage_free(&wr.sg);
	for (size_t i = 0; i < wr.nin; i++)
		free(wr.name[i]);
	free(wr.name);
	free(wr.key);
	return rc;
}
