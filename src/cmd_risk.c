/* cmd_risk.c: `qrel risk`: risk ratios and flags for every subgroup table in a CSV file. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/csv.h"
#include "qrel/diag.h"
#include "qrel/risk.h"
#include "qrel/settings.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <getopt.h>

enum col { C_SITE, C_YEAR, C_METRIC, C_DIMENSION, C_GROUP, C_ENROLLED, C_COUNT, NCOLS };

/* The text columns a row keeps as interned ids; the first four name its table. */
#define NKEYS 5
#define NTABLE 4

static const char *const columns[] = {
	"site", "year", "metric", "dimension", "group", "enrolled", "count", NULL
};
static const bool required[] = { false, false, false, false, true, true, true };

/* Open addressing over entries numbered from 0; each caller keeps its own
 * per-entry data and says how to compare a key with an entry. */
struct index {
	uint32_t *hash;		/* per entry */
	uint32_t n, cap;
	uint32_t *slot;		/* entry + 1, 0 for empty */
	uint32_t mask;
};

typedef bool same_fn(const void *ctx, uint32_t entry, const void *key);

/* Interned strings; id 0 is "", what an absent column reads as. */
struct strtab {
	struct index ix;
	size_t *off;
	char *text;
	size_t tlen, tcap;
};

/* Distinct (site, year, metric, dimension) tuples, numbered in order of appearance. */
struct tuples {
	struct index ix;
	uint32_t (*key)[NTABLE];
};

struct row {
	uint32_t key[NKEYS];	/* site, year, metric, dimension, group */
	uint32_t table;
	int line;
	long enrolled, count;
};

/* One file's rows, grouped by table once read. */
struct dataset {
	const char *path;	/* as messages show it */
	bool state;		/* the state file: its tables ignore site */
	struct strtab *st;
	struct diags *d;
	int col[NCOLS];
	struct row *r;
	size_t n, cap;
	struct tuples tables;
	uint32_t *start;	/* tables.ix.n + 1 offsets into order */
	uint32_t *order;	/* row numbers, table by table, file order within */
};

struct risk_opts {
	struct risk_options ro;
	bool min_cell, min_n, threshold;	/* given on the command line */
	int fmt;		/* RISK_FORMAT_CSV, RISK_FORMAT_JSON or FORMAT_TABLE */
	const char *state;
};

#define FORMAT_TABLE 2
#define OUTPUT_BUFFER (1 << 20)

static void
help(void)
{
	printf("usage: qrel risk [--min-cell N] [--min-n N] [--threshold T] [--favourable]\n"
	       "                 [--reference GROUP] [--state FILE] [--format csv|json|table] FILE.csv\n\n"
	       "Risk, risk ratio (or alternate ratio against the State), reference and weighted\n"
	       "ratios, shares and expected counts for each group of each table, and a flag where\n"
	       "the ratio passes the threshold. FILE.csv has the columns\n"
	       "site,year,metric,dimension,group,enrolled,count; a table is one (site, year,\n"
	       "metric, dimension), and those four columns may be left out. \"-\" reads stdin.\n\n"
	       "  --min-cell N      smallest outcome count for a ratio ([subgroups] min_cell, %d)\n"
	       "  --min-n N         smallest enrolment for a ratio ([subgroups] min_n, %d)\n"
	       "  --threshold T     flag a ratio above T ([subgroups] threshold, %.1f)\n"
	       "  --favourable      the outcome is good: flag a ratio below 1/T instead\n"
	       "  --reference G     also give each group's ratio against group G\n"
	       "  --state FILE      State data, same columns; rows with the table's year, metric\n"
	       "                    and dimension (any site) give the alternate ratio and the\n"
	       "                    weights of the weighted risk ratio\n"
	       "The whole file is checked first; any problem is reported with its line and\n"
	       "nothing is printed. Common options: --config FILE, --bom (CSV output for Excel).\n",
	       RISK_DEFAULT_MIN_CELL, RISK_DEFAULT_MIN_N, RISK_DEFAULT_THRESHOLD);
	exit(EXIT_OK);
}

/* FNV-1a, 32 bits. */
static uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static uint32_t
tuple_hash(const uint32_t *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < NTABLE; i++)
		h = (h ^ k[i]) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32);
}

static uint32_t *
index_probe(const struct index *ix, uint32_t h, same_fn *same, const void *ctx, const void *key)
{
	uint32_t i = h & ix->mask;

	while (ix->slot[i] && !(ix->hash[ix->slot[i] - 1] == h && same(ctx, ix->slot[i] - 1, key)))
		i = (i + 1) & ix->mask;
	return &ix->slot[i];
}

/* Rebuilds the slots at twice the size. */
static int
index_rehash(struct index *ix)
{
	uint32_t size = ix->slot ? (ix->mask + 1) * 2 : 1024;
	uint32_t *slot = calloc(size, sizeof(*slot));

	if (!slot)
		return QREL_NOMEM;
	for (uint32_t e = 0; e < ix->n; e++) {
		uint32_t i = ix->hash[e] & (size - 1);

		while (slot[i])
			i = (i + 1) & (size - 1);
		slot[i] = e + 1;
	}
	free(ix->slot);
	ix->slot = slot;
	ix->mask = size - 1;
	return QREL_OK;
}

/* Room for one more entry; *grown tells the caller to resize its arrays to ix->cap. */
static int
index_reserve(struct index *ix, bool *grown)
{
	uint32_t *hash;

	*grown = false;
	if (!ix->slot && index_rehash(ix) != QREL_OK)
		return QREL_NOMEM;
	if (ix->n < ix->cap)
		return QREL_OK;
	if (ix->cap >= UINT32_MAX / 4)
		return QREL_NOMEM;
	if (!(hash = realloc(ix->hash, (ix->cap ? ix->cap * 2 : 256) * sizeof(*hash))))
		return QREL_NOMEM;
	ix->hash = hash;
	ix->cap = ix->cap ? ix->cap * 2 : 256;
	*grown = true;
	return QREL_OK;
}

/* Enters a new entry with hash h in slot (from index_probe); returns its
 * number, or UINT32_MAX when the slots are too full and cannot grow. */
static uint32_t
index_add(struct index *ix, uint32_t *slot, uint32_t h)
{
	uint32_t e = ix->n++;

	ix->hash[e] = h;
	*slot = e + 1;
	if ((uint64_t)ix->n * 2 > (uint64_t)ix->mask + 1 && index_rehash(ix) != QREL_OK)
		return UINT32_MAX;
	return e;
}

static void
index_free(struct index *ix)
{
	free(ix->hash);
	free(ix->slot);
}

static const char *
str_of(const struct strtab *t, uint32_t id)
{
	return t->text + t->off[id];
}

static bool
same_str(const void *ctx, uint32_t e, const void *key)
{
	return strcmp(str_of(ctx, e), key) == 0;
}

static int
text_append(struct strtab *t, const char *s, size_t *off)
{
	size_t len = strlen(s) + 1;

	if (t->tlen + len > t->tcap) {
		size_t cap = t->tcap ? t->tcap * 2 : 65536;
		char *text;

		while (cap < t->tlen + len)
			cap *= 2;
		if (!(text = realloc(t->text, cap)))
			return QREL_NOMEM;
		t->text = text;
		t->tcap = cap;
	}
	memcpy(t->text + t->tlen, s, len);
	*off = t->tlen;
	t->tlen += len;
	return QREL_OK;
}

/* The id of s, adding it the first time; UINT32_MAX when memory runs out. */
static uint32_t
intern(struct strtab *t, const char *s)
{
	uint32_t h = str_hash(s), *slot;
	bool grown;
	size_t off;

	if (t->ix.slot && *(slot = index_probe(&t->ix, h, same_str, t, s)))
		return *slot - 1;
	if (index_reserve(&t->ix, &grown) != QREL_OK)
		return UINT32_MAX;
	if (grown) {
		size_t *o = realloc(t->off, t->ix.cap * sizeof(*o));

		if (!o)
			return UINT32_MAX;
		t->off = o;
	}
	if (text_append(t, s, &off) != QREL_OK)
		return UINT32_MAX;
	slot = index_probe(&t->ix, h, same_str, t, s);
	t->off[t->ix.n] = off;
	return index_add(&t->ix, slot, h);
}

static void
strtab_free(struct strtab *t)
{
	index_free(&t->ix);
	free(t->off);
	free(t->text);
}

static bool
same_tuple(const void *ctx, uint32_t e, const void *key)
{
	const struct tuples *tt = ctx;

	return memcmp(tt->key[e], key, sizeof(tt->key[e])) == 0;
}

/* The table number of key, adding it the first time; UINT32_MAX on no memory. */
static uint32_t
tuple_intern(struct tuples *tt, const uint32_t *key)
{
	uint32_t h = tuple_hash(key), *slot;
	bool grown;

	if (tt->ix.slot && *(slot = index_probe(&tt->ix, h, same_tuple, tt, key)))
		return *slot - 1;
	if (index_reserve(&tt->ix, &grown) != QREL_OK)
		return UINT32_MAX;
	if (grown) {
		uint32_t (*k)[NTABLE] = realloc(tt->key, tt->ix.cap * sizeof(*k));

		if (!k)
			return UINT32_MAX;
		tt->key = k;
	}
	slot = index_probe(&tt->ix, h, same_tuple, tt, key);
	memcpy(tt->key[tt->ix.n], key, sizeof(tt->key[0]));
	return index_add(&tt->ix, slot, h);
}

/* The table number of key, or UINT32_MAX when there is no such table. */
static uint32_t
tuple_find(const struct tuples *tt, const uint32_t *key)
{
	uint32_t *slot;

	if (!tt->ix.slot)
		return UINT32_MAX;
	slot = index_probe(&tt->ix, tuple_hash(key), same_tuple, tt, key);
	return *slot ? *slot - 1 : UINT32_MAX;
}

/* A count column: a whole number >= 0, else a message and false. */
static bool
parse_count(struct dataset *ds, int line, enum col c, char *s, long *out)
{
	s = str_trim(s);
	if (!str_to_long(s, out)) {
		diag_add(ds->d, ds->path, line, "column %s: '%.40s' is not a whole number", columns[c], s);
		return false;
	}
	if (*out < 0) {
		diag_add(ds->d, ds->path, line, "column %s: %ld is negative", columns[c], *out);
		return false;
	}
	return true;
}

/* Checks the numbers and the group name of one record. */
static bool
check_row(struct dataset *ds, const struct csv_row *row, struct row *r)
{
	bool ok = parse_count(ds, row->line, C_ENROLLED, row->field[ds->col[C_ENROLLED]], &r->enrolled);

	ok = parse_count(ds, row->line, C_COUNT, row->field[ds->col[C_COUNT]], &r->count) && ok;
	if (ok && r->count > r->enrolled) {
		diag_add(ds->d, ds->path, row->line, "column count: %ld is more than enrolled (%ld)",
			r->count, r->enrolled);
		ok = false;
	}
	if (!*str_trim(row->field[ds->col[C_GROUP]])) {
		diag_add(ds->d, ds->path, row->line, "column group: empty");
		ok = false;
	}
	return ok;
}

/* Interns the text columns and the row's table; false when memory runs out. */
static bool
key_row(struct dataset *ds, const struct csv_row *row, struct row *r)
{
	uint32_t tkey[NTABLE];

	for (int c = 0; c < NKEYS; c++) {
		const char *s = ds->col[c] >= 0 ? str_trim(row->field[ds->col[c]]) : "";

		if ((r->key[c] = intern(ds->st, s)) == UINT32_MAX)
			return false;
	}
	memcpy(tkey, r->key, sizeof(tkey));
	if (ds->state)
		tkey[C_SITE] = 0;
	return (r->table = tuple_intern(&ds->tables, tkey)) != UINT32_MAX;
}

static bool
row_add(struct dataset *ds, const struct row *r)
{
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 4096;
		struct row *grown = realloc(ds->r, cap * sizeof(*grown));

		if (!grown)
			return false;
		ds->r = grown;
		ds->cap = cap;
	}
	ds->r[ds->n++] = *r;
	return true;
}

static int
on_row(void *ctx, const struct csv_row *row)
{
	struct dataset *ds = ctx;
	struct row r = { .line = row->line };

	if (row->index == 0)
		return csv_columns(row, columns, ds->col, required, ds->d, ds->path) == QREL_OK ? 0 : QREL_PARSE;
	if (!check_row(ds, row, &r))
		return 0;
	if (!key_row(ds, row, &r) || !row_add(ds, &r))
		return error(QREL_NOMEM, "out of memory reading %s", ds->path);
	return 0;
}

/* Counting sort of the rows by table, keeping file order within each. */
static int
group_rows(struct dataset *ds)
{
	uint32_t nt = ds->tables.ix.n;
	uint32_t *next;

	ds->start = calloc((size_t)nt + 2, sizeof(*ds->start));
	ds->order = malloc((ds->n + 1) * sizeof(*ds->order));
	if (!ds->start || !ds->order)
		return error(QREL_NOMEM, "out of memory");
	for (size_t i = 0; i < ds->n; i++)
		ds->start[ds->r[i].table + 2]++;
	for (uint32_t t = 2; t < nt + 2; t++)
		ds->start[t] += ds->start[t - 1];
	next = ds->start + 1;
	for (size_t i = 0; i < ds->n; i++)
		ds->order[next[ds->r[i].table]++] = (uint32_t)i;
	return QREL_OK;
}

/* "site DO, year 2023-24, ..." naming the columns a table key has. */
static void
describe_table(const struct dataset *ds, uint32_t t, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < NTABLE && used < size; c++) {
		const char *s = str_of(ds->st, ds->tables.key[t][c]);

		if (*s)
			used += (size_t)snprintf(buf + used, size - used, "%s%s %.40s", used ? ", " : "",
						 columns[c], s);
	}
	if (!buf[0])
		snprintf(buf, size, "the file's one table");
}

/* A group named twice in a table; first[] remembers where each name was last seen. */
static void
check_repeats(struct dataset *ds, uint32_t *seen, uint32_t *first)
{
	char where[256];

	for (uint32_t t = 0; t < ds->tables.ix.n; t++)
		for (uint32_t i = ds->start[t]; i < ds->start[t + 1]; i++) {
			const struct row *r = &ds->r[ds->order[i]];
			uint32_t g = r->key[C_GROUP];

			if (seen[g] == t + 1) {
				describe_table(ds, t, where, sizeof(where));
				diag_add(ds->d, ds->path, r->line, "column group: '%.60s' appears twice in %s(%s) "
					 "(first on line %d)", str_of(ds->st, g), ds->state ? "the State table " : "the table ",
					 where, ds->r[first[g]].line);
				continue;
			}
			seen[g] = t + 1;
			first[g] = ds->order[i];
		}
}

static int
find_repeats(struct dataset *ds)
{
	uint32_t *seen = calloc((size_t)ds->st->ix.n + 1, sizeof(*seen));
	uint32_t *first = malloc(((size_t)ds->st->ix.n + 1) * sizeof(*first));

	if (!seen || !first) {
		free(seen);
		free(first);
		return error(QREL_NOMEM, "out of memory");
	}
	check_repeats(ds, seen, first);
	free(seen);
	free(first);
	return QREL_OK;
}

/* Reads, checks and groups one file; problems go to ds->d. */
static int
load(struct dataset *ds, const char *file)
{
	int rc = csv_each(file, on_row, ds, ds->d);

	if (rc == QREL_PARSE && ds->d->n > 0)
		return QREL_OK;	/* the header: reported already */
	if (rc == QREL_OK)
		rc = group_rows(ds);
	if (rc == QREL_OK)
		rc = find_repeats(ds);
	return rc;
}

static void
dataset_free(struct dataset *ds)
{
	index_free(&ds->tables.ix);
	free(ds->tables.key);
	free(ds->r);
	free(ds->start);
	free(ds->order);
}

/* Table t's rows as groups for risk_compute; g has room for them. */
static size_t
fill_groups(const struct dataset *ds, uint32_t t, struct risk_group *g)
{
	size_t n = 0;

	for (uint32_t i = ds->start[t]; i < ds->start[t + 1]; i++, n++) {
		const struct row *r = &ds->r[ds->order[i]];

		g[n].name = str_of(ds->st, r->key[C_GROUP]);
		g[n].enrolled = r->enrolled;
		g[n].count = r->count;
	}
	return n;
}

static uint32_t
largest_table(const struct dataset *ds)
{
	uint32_t most = 0;

	for (uint32_t t = 0; t < ds->tables.ix.n; t++)
		if (ds->start[t + 1] - ds->start[t] > most)
			most = ds->start[t + 1] - ds->start[t];
	return most;
}

/* What one table's output needs. */
struct output {
	const struct dataset *main, *state;
	struct risk_options ro;
	int fmt;
	struct risk_group *g, *sg;
	struct risk_row *rows;
	size_t printed;		/* rows so far: JSON puts a comma before all but the first */
};

/* Points the options at the State rows for table t (same year, metric, dimension). */
static void
pick_state(struct output *out, uint32_t t)
{
	uint32_t key[NTABLE], st;

	out->ro.state = NULL;
	out->ro.nstate = 0;
	if (!out->state)
		return;
	memcpy(key, out->main->tables.key[t], sizeof(key));
	key[C_SITE] = 0;
	if ((st = tuple_find(&out->state->tables, key)) == UINT32_MAX)
		return;
	out->ro.nstate = fill_groups(out->state, st, out->sg);
	out->ro.state = out->sg;
}

static void
put_value(struct risk_value v, int width)
{
	if (v.defined)
		printf("  %*.4f", width, v.value);
	else
		printf("  %*s", width, "NA");
}

static const char *
kind_short(enum risk_kind k)
{
	return k == RISK_RATIO ? "RR" : k == RISK_ALTERNATE_RATIO ? "ARR" : "-";
}

static void
table_heading(const struct output *out, uint32_t t, int width, int first)
{
	char where[512];

	describe_table(out->main, t, where, sizeof(where));
	fputs(first ? "" : "\n", stdout);
	text_print(stdout, where);
	printf("\n%-*s  %8s  %7s  %7s  %9s  %4s  %7s  %4s  %9s  %8s  %9s  %9s  %9s\n",
	       width, "group", "enrolled", "count", "risk", "comp_risk", "kind",
	       "ratio", "flag", "ref_ratio", "wrr", "out_share", "enr_share", "expected");
}

/* The human-readable block for one table: names padded in screen columns. */
static void
print_table_block(const struct output *out, uint32_t t, size_t n, int first)
{
	int width = 5;

	for (size_t i = 0; i < n; i++)
		if (text_width(out->g[i].name) > width)
			width = text_width(out->g[i].name);
	table_heading(out, t, width, first);
	for (size_t i = 0; i < n; i++) {
		const struct risk_row *r = &out->rows[i];

		text_print(stdout, out->g[i].name);
		printf("%*s  %8ld  %7ld", width - text_width(out->g[i].name), "", out->g[i].enrolled, out->g[i].count);
		put_value(r->risk, 7);
		put_value(r->comparison_risk, 9);
		printf("  %4s", kind_short(r->kind));
		put_value(r->ratio, 7);
		printf("  %4s", r->flagged ? "FLAG" : "");
		put_value(r->reference_ratio, 9);
		put_value(r->weighted_ratio, 8);
		put_value(r->outcome_share, 9);
		put_value(r->enrolled_share, 9);
		put_value(r->expected_count, 9);
		putchar('\n');
	}
}

static void
print_rows(struct output *out, uint32_t t, size_t n)
{
	const uint32_t *k = out->main->tables.key[t];
	const struct strtab *st = out->main->st;

	for (size_t i = 0; i < n; i++, out->printed++) {
		if (out->fmt == RISK_FORMAT_JSON)	/* one array of objects, an object a line */
			fputs(out->printed ? ", " : "  ", stdout);
		risk_print_row(stdout, (enum risk_format)out->fmt, str_of(st, k[C_SITE]), str_of(st, k[C_YEAR]),
			       str_of(st, k[C_METRIC]), str_of(st, k[C_DIMENSION]), &out->g[i], &out->rows[i]);
	}
}

static int
print_one(struct output *out, uint32_t t)
{
	size_t n = fill_groups(out->main, t, out->g);
	char where[256];

	pick_state(out, t);
	if (risk_compute(out->g, n, &out->ro, out->rows) < 0) {
		describe_table(out->main, t, where, sizeof(where));
		return error(QREL_PARSE, "%s: %s cannot be computed (totals too large?)", out->main->path, where);
	}
	if (out->fmt == FORMAT_TABLE)
		print_table_block(out, t, n, t == 0);
	else
		print_rows(out, t, n);
	return QREL_OK;
}

static int
print_all(const struct dataset *main_ds, const struct dataset *state, const struct risk_opts *o)
{
	size_t most = largest_table(main_ds) + 1, smost = state ? largest_table(state) + 1 : 1;
	struct output out = { main_ds, state, o->ro, o->fmt, NULL, NULL, NULL, 0 };
	int rc = QREL_OK;

	out.g = malloc(most * sizeof(*out.g));
	out.sg = malloc(smost * sizeof(*out.sg));
	out.rows = malloc(most * sizeof(*out.rows));
	if (!out.g || !out.sg || !out.rows)
		rc = error(QREL_NOMEM, "out of memory");
	setvbuf(stdout, NULL, _IOFBF, OUTPUT_BUFFER);	/* output is most of the time */
	if (rc == QREL_OK && o->fmt != FORMAT_TABLE)
		risk_print_header(stdout, (enum risk_format)o->fmt);
	if (rc == QREL_OK && o->fmt == RISK_FORMAT_JSON)
		fputs("[\n", stdout);
	for (uint32_t t = 0; rc == QREL_OK && t < main_ds->tables.ix.n; t++)
		rc = print_one(&out, t);
	if (rc == QREL_OK && o->fmt == RISK_FORMAT_JSON)
		fputs("]\n", stdout);
	free(out.g);
	free(out.sg);
	free(out.rows);
	if (rc == QREL_OK && (fflush(stdout) != 0 || ferror(stdout)))
		rc = error(QREL_IO, "writing the output: %s", strerror(errno));
	return rc;
}

static int
report_problems(struct diags *d)
{
	diag_print(d, stderr);
	cmd_error("%zu problem%s; nothing was computed", d->n, d->n == 1 ? "" : "s");
	diag_free(d);
	return EXIT_FAIL;
}

static int
run(const struct risk_opts *o, const char *file)
{
	struct strtab st = { 0 };
	struct diags d = { 0 };
	struct dataset m = { .path = csv_source_name(file), .st = &st, .d = &d };
	struct dataset s = { .path = o->state ? csv_source_name(o->state) : "", .state = true, .st = &st, .d = &d };
	int rc = intern(&st, "") == 0 ? QREL_OK : error(QREL_NOMEM, "out of memory");

	if (rc == QREL_OK)
		rc = load(&m, file);
	if (rc == QREL_OK && o->state)
		rc = load(&s, o->state);
	if (rc == QREL_OK && d.n == 0)
		rc = print_all(&m, o->state ? &s : NULL, o);
	dataset_free(&m);
	dataset_free(&s);
	strtab_free(&st);
	if (d.n > 0)
		return report_problems(&d);
	diag_print_warnings(&d, stderr);
	diag_free(&d);
	return cmd_fail(rc);
}

static int
parse_format(const char *s, int *fmt)
{
	if (strcmp(s, "csv") == 0)
		*fmt = RISK_FORMAT_CSV;
	else if (strcmp(s, "json") == 0)
		*fmt = RISK_FORMAT_JSON;
	else if (strcmp(s, "table") == 0)
		*fmt = FORMAT_TABLE;
	else
		return -1;
	return 0;
}

static int
parse_min(const char *s, long *out)
{
	return str_to_long(s, out) && *out >= 0 ? 0 : -1;
}

static int
parse_threshold(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out > 0.0 && *out < 1e300 ? 0 : -1;
}

/* One option; -1 for a bad one, after a message. */
static int
risk_option(struct risk_opts *o, int opt, const char *arg)
{
	int rc = 0;

	switch (opt) {
	case 'c':
		if ((rc = parse_min(arg, &o->ro.min_cell)) < 0)
			cmd_error("--min-cell takes a whole number >= 0");
		o->min_cell = true;
		break;
	case 'n':
		if ((rc = parse_min(arg, &o->ro.min_n)) < 0)
			cmd_error("--min-n takes a whole number >= 0");
		o->min_n = true;
		break;
	case 't':
		if ((rc = parse_threshold(arg, &o->ro.threshold)) < 0)
			cmd_error("--threshold takes a number > 0");
		o->threshold = true;
		break;
	case 'F': o->ro.favourable = 1; break;
	case 'r': o->ro.reference = arg; break;
	case 's': o->state = arg; break;
	case 'f':
		if ((rc = parse_format(arg, &o->fmt)) < 0)
			cmd_error("--format is csv, json or table");
		break;
	default: rc = -1;
	}
	return rc;
}

/* The minimums and threshold the screens use, from the configuration,
 * unless given on the command line. Problems in the file are warnings. */
static void
config_defaults(const struct cmd_common *c, struct risk_opts *o)
{
	char *path = c->config ? xstrdup(c->config) : settings_config_path();
	struct diags d = { 0 };
	struct settings s;

	settings_default(&s);
	settings_load(&s, path, c->config != NULL, &d);
	for (size_t i = 0; i < d.n; i++)
		cmd_error("warning: %s", d.msg[i]);
	if (!o->min_cell)
		o->ro.min_cell = s.min_cell;
	if (!o->min_n)
		o->ro.min_n = s.min_n;
	if (!o->threshold)
		o->ro.threshold = s.threshold;
	settings_free(&s);
	diag_free(&d);
	free(path);
}

int
cmd_risk(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "min-cell", required_argument, NULL, 'c' },
		{ "min-n", required_argument, NULL, 'n' },
		{ "threshold", required_argument, NULL, 't' },
		{ "favourable", no_argument, NULL, 'F' },
		{ "favorable", no_argument, NULL, 'F' },
		{ "reference", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct cmd_common c = { 0 };
	struct risk_opts o = { .fmt = RISK_FORMAT_CSV };
	int opt;

	risk_options_default(&o.ro);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'h')
			help();
		if (cmd_common_option(&c, opt, optarg, "risk"))
			continue;
		if (risk_option(&o, opt, optarg) < 0)
			return cmd_usage("risk");
	}
	if (argc - optind != 1)
		return cmd_usage("risk");
	config_defaults(&c, &o);
	return run(&o, argv[optind]);
}
