/* cmd_risk.c: `qrel risk`: risk ratios and flags for every subgroup table in a CSV file, streamed a table at a time. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/csv.h"
#include "qrel/diag.h"
#include "qrel/privilege.h"
#include "qrel/risk.h"
#include "qrel/settings.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

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
	const struct csv_opts *csv;	/* how the files are read (--delimiter, --encoding) */
};

struct risk_opts {
	struct risk_options ro;
	bool min_cell, min_n, threshold;	/* given on the command line */
	int fmt;		/* RISK_FORMAT_CSV, RISK_FORMAT_JSON or FORMAT_TABLE */
	const char *state;
	struct csv_opts csv;
};

#define FORMAT_TABLE 2
#define OUTPUT_BUFFER (1 << 20)

static void
help(void)
{
	printf("usage: qrel risk [--min-cell N] [--min-n N] [--threshold T] [--favourable]\n"
	       "                 [--reference GROUP] [--state FILE] [--format csv|json|table]\n"
	       "                 [--delimiter D] [--encoding NAME] FILE.csv\n\n"
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
	       "  --delimiter D     , ; tab or | (default: the most frequent on the header line)\n"
	       "  --encoding NAME   the files' encoding for iconv (cp1252, latin1...); UTF-8 by default\n"
	       "The whole file is checked first; any problem is reported with its line and\n"
	       "nothing is printed. Then each table is printed as its rows end: with each\n"
	       "table's rows together, memory follows the largest table, not the file (rows\n"
	       "of a table apart: the file is read whole). Common options: --config FILE,\n"
	       "--bom (CSV output for Excel).\n",
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
strtab_append(struct strtab *t, const char *s, size_t *off)
{
	return text_append(&t->text, &t->tlen, &t->tcap, s, off);
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
	if (strtab_append(t, s, &off) != QREL_OK)
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

/* The entry holding key, or UINT32_MAX. */
static uint32_t
index_find(const struct index *ix, uint32_t h, same_fn *same, const void *ctx, const void *key)
{
	uint32_t *slot;

	if (!ix->slot)
		return UINT32_MAX;
	slot = index_probe(ix, h, same, ctx, key);
	return *slot ? *slot - 1 : UINT32_MAX;
}

/* The table number of key, or UINT32_MAX when there is no such table. */
static uint32_t
tuple_find(const struct tuples *tt, const uint32_t *key)
{
	return index_find(&tt->ix, tuple_hash(key), same_tuple, tt, key);
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
describe_key(const char *const *key, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < NTABLE && used < size; c++)
		if (*key[c])
			used += (size_t)snprintf(buf + used, size - used, "%s%s %.40s", used ? ", " : "",
						 columns[c], key[c]);
	if (!buf[0])
		snprintf(buf, size, "the file's one table");
}

static void
table_strings(const struct dataset *ds, uint32_t t, const char **key)
{
	for (int c = 0; c < NTABLE; c++)
		key[c] = str_of(ds->st, ds->tables.key[t][c]);
}

/* A group named twice in one table: one message, the same for both readers. */
static void
repeat_problem(struct diags *d, const char *path, bool state, const char *const *key, int line,
	       const char *group, int first)
{
	char where[256];

	describe_key(key, where, sizeof(where));
	diag_add(d, path, line, "column group: '%.60s' appears twice in %s(%s) (first on line %d)", group,
		 state ? "the State table " : "the table ", where, first);
}

/* A group named twice in a table; first[] remembers where each name was first seen. */
static void
check_repeats(struct dataset *ds, uint32_t *seen, uint32_t *first)
{
	const char *key[NTABLE];

	for (uint32_t t = 0; t < ds->tables.ix.n; t++)
		for (uint32_t i = ds->start[t]; i < ds->start[t + 1]; i++) {
			const struct row *r = &ds->r[ds->order[i]];
			uint32_t g = r->key[C_GROUP];

			if (seen[g] == t + 1) {
				table_strings(ds, t, key);
				repeat_problem(ds->d, ds->path, ds->state, key, r->line, str_of(ds->st, g),
					       ds->r[first[g]].line);
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

/* Reads, checks and groups one whole file; problems go to ds->d. */
static int
load(struct dataset *ds, const char *file)
{
	int rc = csv_each_opts(file, ds->csv, on_row, ds, ds->d);

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

/* What the output of the tables needs. */
struct output {
	const struct dataset *state;
	const char *path;	/* the main file, as messages show it */
	struct risk_options ro;
	int fmt;
	struct risk_group *g, *sg;
	struct risk_row *rows;
	size_t cap;		/* room in g and rows */
	size_t printed;		/* rows so far: JSON puts a comma before all but the first */
	size_t tables;		/* tables so far: the table format puts a blank line between */
};

/* Room for a table of n groups. */
static int
output_room(struct output *out, size_t n)
{
	size_t cap = out->cap ? out->cap : 64;
	struct risk_group *g;
	struct risk_row *rows;

	if (n <= out->cap)
		return QREL_OK;
	while (cap < n)
		cap *= 2;
	if (!(g = realloc(out->g, cap * sizeof(*g))))
		return error(QREL_NOMEM, "out of memory");
	out->g = g;
	if (!(rows = realloc(out->rows, cap * sizeof(*rows))))
		return error(QREL_NOMEM, "out of memory");
	out->rows = rows;
	out->cap = cap;
	return QREL_OK;
}

/* The id of s in t, or UINT32_MAX when t does not hold it. */
static uint32_t
str_find(const struct strtab *t, const char *s)
{
	return index_find(&t->ix, str_hash(s), same_str, t, s);
}

/* Points the options at the State rows for the table key (same year, metric, dimension). */
static void
pick_state(struct output *out, const char *const *key)
{
	uint32_t k[NTABLE] = { 0 }, st;

	out->ro.state = NULL;
	out->ro.nstate = 0;
	if (!out->state)
		return;
	for (int c = C_YEAR; c < NTABLE; c++)
		if ((k[c] = str_find(out->state->st, key[c])) == UINT32_MAX)
			return;
	if ((st = tuple_find(&out->state->tables, k)) == UINT32_MAX)
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
table_heading(const char *const *key, int width, int first)
{
	char where[512];

	describe_key(key, where, sizeof(where));
	fputs(first ? "" : "\n", stdout);
	text_print(stdout, where);
	printf("\n%-*s  %8s  %7s  %7s  %9s  %4s  %7s  %4s  %9s  %8s  %9s  %9s  %9s\n",
	       width, "group", "enrolled", "count", "risk", "comp_risk", "kind",
	       "ratio", "flag", "ref_ratio", "wrr", "out_share", "enr_share", "expected");
}

/* The human-readable block for one table: names padded in screen columns. */
static void
print_table_block(const struct output *out, const char *const *key, size_t n)
{
	int width = 5;

	for (size_t i = 0; i < n; i++)
		if (text_width(out->g[i].name) > width)
			width = text_width(out->g[i].name);
	table_heading(key, width, out->tables == 0);
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
print_rows(struct output *out, const char *const *key, size_t n)
{
	for (size_t i = 0; i < n; i++, out->printed++) {
		if (out->fmt == RISK_FORMAT_JSON)	/* one array of objects, an object a line */
			fputs(out->printed ? ", " : "  ", stdout);
		risk_print_row(stdout, (enum risk_format)out->fmt, key[C_SITE], key[C_YEAR], key[C_METRIC],
			       key[C_DIMENSION], &out->g[i], &out->rows[i]);
	}
}

/* Computes and prints one table, whose n groups are in out->g. */
static int
print_table(struct output *out, const char *const *key, size_t n)
{
	char where[256];

	pick_state(out, key);
	if (risk_compute(out->g, n, &out->ro, out->rows) < 0) {
		describe_key(key, where, sizeof(where));
		return error(QREL_PARSE, "%s: %s cannot be computed (totals too large?)", out->path, where);
	}
	if (out->fmt == FORMAT_TABLE)
		print_table_block(out, key, n);
	else
		print_rows(out, key, n);
	out->tables++;
	return QREL_OK;
}

static int
output_begin(struct output *out, const struct dataset *state, const struct risk_opts *o, const char *path)
{
	out->state = state;
	out->path = path;
	out->ro = o->ro;
	out->fmt = o->fmt;
	out->sg = malloc((state ? largest_table(state) + 1 : 1) * sizeof(*out->sg));
	if (!out->sg || output_room(out, 64) != QREL_OK)
		return error(QREL_NOMEM, "out of memory");
	setvbuf(stdout, NULL, _IOFBF, OUTPUT_BUFFER);	/* output is most of the time */
	if (o->fmt != FORMAT_TABLE)
		risk_print_header(stdout, (enum risk_format)o->fmt);
	if (o->fmt == RISK_FORMAT_JSON)
		fputs("[\n", stdout);
	return QREL_OK;
}

static int
output_end(struct output *out, int rc)
{
	if (rc == QREL_OK && out->fmt == RISK_FORMAT_JSON)
		fputs("]\n", stdout);
	free(out->g);
	free(out->sg);
	free(out->rows);
	if (rc == QREL_OK && (fflush(stdout) != 0 || ferror(stdout)))
		rc = error(QREL_IO, "writing the output: %s", strerror(errno));
	return rc;
}

/* The output of a file read whole: tables in the order they first appear. */
static int
print_all(const struct dataset *main_ds, const struct dataset *state, const struct risk_opts *o)
{
	struct output out = { 0 };
	const char *key[NTABLE];
	int rc = output_begin(&out, state, o, main_ds->path);

	for (uint32_t t = 0; rc == QREL_OK && t < main_ds->tables.ix.n; t++) {
		rc = output_room(&out, main_ds->start[t + 1] - main_ds->start[t]);
		if (rc != QREL_OK)
			break;
		table_strings(main_ds, t, key);
		rc = print_table(&out, key, fill_groups(main_ds, t, out.g));
	}
	return output_end(&out, rc);
}

/*
 * The streaming reader. A file whose tables each have their rows together
 * (as exports and sorted files do) is read once, holding one table at a
 * time: every row is checked and written compactly to a temporary file (the
 * spool); when nothing was wrong, the spool is replayed and each table is
 * computed and printed once its last row has gone past. Memory follows the
 * largest table, not the file. The first reading keeps a 64-bit hash of each table's key; a table
 * whose rows turn out to be apart sends the file to the whole-file reader
 * above, which gives the same output.
 */

/* A group of the table being read; its name is in the run's text. */
struct srow {
	size_t name;
	int line;
	long enrolled, count;
};

/* A name and its row, sorted to find a group named twice. */
struct named {
	const char *name;
	size_t i;
};

struct run {
	size_t key[NTABLE];	/* offsets of the key's strings in text */
	struct srow *r;
	size_t n, cap;
	char *text;
	size_t tlen, tcap;
	struct named *sorted;
	size_t *first;		/* per row: the row its group first appeared on, or SIZE_MAX */
	size_t scap;
};

/* Hashes of the tables' keys: in memory up to KEYS_CHUNK, then in a temporary file. */
#define KEYS_CHUNK ((size_t)1 << 20)

struct keyset {
	uint64_t *h;
	size_t n;
	FILE *spill;
	size_t spilled;
};

struct stream {
	struct dataset *ds;	/* path, columns and the problems found */
	struct run run;
	struct diags repeats;	/* first reading: go after the rows' problems, as with load() */
	struct keyset keys;	/* first reading */
	FILE *spool;		/* first reading: the rows checked, for the second */
	struct output *out;	/* second reading, else NULL */
};

static int
run_text(struct run *run, const char *s, size_t *off)
{
	return text_append(&run->text, &run->tlen, &run->tcap, s, off);
}

static bool
run_same(const struct run *run, const char *const *key)
{
	for (int c = 0; c < NTABLE; c++)
		if (strcmp(run->text + run->key[c], key[c]) != 0)
			return false;
	return true;
}

static int
run_start(struct run *run, const char *const *key)
{
	run->n = 0;
	run->tlen = 0;
	for (int c = 0; c < NTABLE; c++)
		if (run_text(run, key[c], &run->key[c]) != QREL_OK)
			return QREL_NOMEM;
	return QREL_OK;
}

static int
run_add(struct run *run, const char *group, const struct row *r)
{
	struct srow *s;

	if (run->n == run->cap) {
		size_t cap = run->cap ? run->cap * 2 : 64;

		if (!(s = realloc(run->r, cap * sizeof(*s))))
			return QREL_NOMEM;
		run->r = s;
		run->cap = cap;
	}
	s = &run->r[run->n];
	s->line = r->line;
	s->enrolled = r->enrolled;
	s->count = r->count;
	if (run_text(run, group, &s->name) != QREL_OK)
		return QREL_NOMEM;
	run->n++;
	return QREL_OK;
}

static void
run_keys(const struct run *run, const char **key)
{
	for (int c = 0; c < NTABLE; c++)
		key[c] = run->text + run->key[c];
}

static void
run_free(struct run *run)
{
	free(run->r);
	free(run->text);
	free(run->sorted);
	free(run->first);
}

static int
by_name_then_row(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->i < y->i ? -1 : 1;
}

/* Groups named twice in the run, in file order: a sort, not a scan per row,
 * so a file that is one big table stays fast. */
static int
run_repeats(struct stream *s)
{
	struct run *run = &s->run;
	const char *key[NTABLE];

	if (run->n > run->scap) {
		free(run->sorted);
		free(run->first);
		run->sorted = malloc(run->cap * sizeof(*run->sorted));
		run->first = malloc(run->cap * sizeof(*run->first));
		if (!run->sorted || !run->first)
			return error(QREL_NOMEM, "out of memory");
		run->scap = run->cap;
	}
	for (size_t i = 0; i < run->n; i++) {
		run->sorted[i] = (struct named){ run->text + run->r[i].name, i };
		run->first[i] = SIZE_MAX;
	}
	qsort(run->sorted, run->n, sizeof(*run->sorted), by_name_then_row);
	for (size_t k = 1, head = 0; k < run->n; k++)
		if (strcmp(run->sorted[k].name, run->sorted[head].name) == 0)
			run->first[run->sorted[k].i] = run->sorted[head].i;
		else
			head = k;
	run_keys(run, key);
	for (size_t i = 0; i < run->n; i++)
		if (run->first[i] != SIZE_MAX)
			repeat_problem(&s->repeats, s->ds->path, false, key, run->r[i].line,
				       run->text + run->r[i].name, run->r[run->first[i]].line);
	return QREL_OK;
}

/* FNV-1a over the key's strings, each with its NUL. */
static uint64_t
key_hash(const char *const *key)
{
	uint64_t h = 14695981039346656037ull;

	for (int c = 0; c < NTABLE; c++) {
		const char *p = key[c];

		do
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		while (*p++);
	}
	return h;
}

static int
keys_add(struct keyset *ks, uint64_t h)
{
	if (!ks->h && !(ks->h = malloc(KEYS_CHUNK * sizeof(*ks->h))))
		return error(QREL_NOMEM, "out of memory");
	if (ks->n == KEYS_CHUNK) {
		if (!ks->spill && !(ks->spill = tmpfile()))
			return error(QREL_IO, "a temporary file: %s", strerror(errno));
		if (fwrite(ks->h, sizeof(*ks->h), ks->n, ks->spill) != ks->n)
			return error(QREL_IO, "writing a temporary file: %s", strerror(errno));
		ks->spilled += ks->n;
		ks->n = 0;
	}
	ks->h[ks->n++] = h;
	return QREL_OK;
}

static int
by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool
sorted_repeats(uint64_t *h, size_t n)
{
	if (n < 2)
		return false;	/* and h may be NULL, which qsort must not see */
	qsort(h, n, sizeof(*h), by_value);
	for (size_t i = 1; i < n; i++)
		if (h[i] == h[i - 1])
			return true;
	return false;
}

/* The spilled hashes whose top bits fall in part p of parts, into ks->h
 * (which may grow); false when memory runs out. */
static bool
keys_part(struct keyset *ks, size_t p, size_t parts, size_t *cap)
{
	uint64_t block[4096];
	size_t got;

	ks->n = 0;
	rewind(ks->spill);
	while ((got = fread(block, sizeof(*block), 4096, ks->spill)) > 0)
		for (size_t i = 0; i < got; i++) {
			if ((size_t)(((block[i] >> 32) * parts) >> 32) != p)
				continue;
			if (ks->n == *cap) {
				uint64_t *h = realloc(ks->h, *cap * 2 * sizeof(*h));

				if (!h)
					return false;
				ks->h = h;
				*cap *= 2;
			}
			ks->h[ks->n++] = block[i];
		}
	return true;
}

/* Whether a key's hash is there twice (a table whose rows are apart, or a
 * 64-bit collision: either way the whole-file reader decides). Past one
 * chunk the hashes are checked a slice of their range at a time. */
static int
keys_repeat(struct keyset *ks, bool *repeat)
{
	size_t parts, cap = KEYS_CHUNK;

	*repeat = false;
	if (!ks->spill) {
		*repeat = sorted_repeats(ks->h, ks->n);
		return QREL_OK;
	}
	if (fwrite(ks->h, sizeof(*ks->h), ks->n, ks->spill) != ks->n || fflush(ks->spill) != 0)
		return error(QREL_IO, "writing a temporary file: %s", strerror(errno));
	parts = (ks->spilled + ks->n) / (KEYS_CHUNK / 2) + 1;
	for (size_t p = 0; p < parts && !*repeat; p++) {
		if (!keys_part(ks, p, parts, &cap))
			return error(QREL_NOMEM, "out of memory");
		*repeat = sorted_repeats(ks->h, ks->n);
	}
	return ferror(ks->spill) ? error(QREL_IO, "reading a temporary file") : QREL_OK;
}

static void
keys_free(struct keyset *ks)
{
	free(ks->h);
	if (ks->spill)
		fclose(ks->spill);
}

/* The run is complete: checked on the first reading, printed on the second. */
static int
run_done(struct stream *s)
{
	struct run *run = &s->run;
	const char *key[NTABLE];
	int rc;

	if (run->n == 0)
		return QREL_OK;
	run_keys(run, key);
	if (!s->out) {
		rc = run_repeats(s);
		return rc == QREL_OK ? keys_add(&s->keys, key_hash(key)) : rc;
	}
	if ((rc = output_room(s->out, run->n)) != QREL_OK)
		return rc;
	for (size_t i = 0; i < run->n; i++)
		s->out->g[i] = (struct risk_group){ run->text + run->r[i].name, run->r[i].enrolled, run->r[i].count };
	return print_table(s->out, key, run->n);
}

/* Ends the run: the next row starts another. */
static int
end_run(struct stream *s)
{
	int rc = run_done(s);

	s->run.n = 0;
	return rc;
}

/* The spool the first reading writes and the second replays instead of parsing
 * the CSV again: "T" and a table's key (four NUL-ended strings) where a table
 * starts, "R", the line, enrolled, count and the group's name for each row. */
static void
spool_table(FILE *f, const char *const *key)
{
	putc('T', f);
	for (int c = 0; c < NTABLE; c++)
		fwrite(key[c], 1, strlen(key[c]) + 1, f);
}

static void
spool_row(FILE *f, const char *group, const struct row *r)
{
	putc('R', f);
	fwrite(&r->line, sizeof(r->line), 1, f);
	fwrite(&r->enrolled, sizeof(r->enrolled), 1, f);
	fwrite(&r->count, sizeof(r->count), 1, f);
	fwrite(group, 1, strlen(group) + 1, f);
}

static int
on_stream_row(void *ctx, const struct csv_row *row)
{
	struct stream *s = ctx;
	struct dataset *ds = s->ds;
	struct row r = { .line = row->line };
	const char *key[NTABLE];
	int rc;

	if (row->index == 0)
		return csv_columns(row, columns, ds->col, required, ds->d, ds->path) == QREL_OK ? 0 : QREL_PARSE;
	if (!check_row(ds, row, &r))
		return 0;
	for (int c = 0; c < NTABLE; c++)
		key[c] = ds->col[c] >= 0 ? str_trim(row->field[ds->col[c]]) : "";
	if (s->run.n > 0 && !run_same(&s->run, key) && (rc = end_run(s)) != QREL_OK)
		return rc;
	if (s->run.n == 0 && s->spool)
		spool_table(s->spool, key);
	if ((s->run.n == 0 && run_start(&s->run, key) != QREL_OK)
	    || run_add(&s->run, str_trim(row->field[ds->col[C_GROUP]]), &r) != QREL_OK)
		return error(QREL_NOMEM, "out of memory reading %s", ds->path);
	if (s->spool)
		spool_row(s->spool, s->run.text + s->run.r[s->run.n - 1].name, &r);
	return 0;
}

/* One reading of the file; the last table ends with it. */
static int
stream_read(struct stream *s, const char *file)
{
	int rc = csv_each_opts(file, s->ds->csv, on_stream_row, s, s->ds->d);

	if (rc == QREL_OK)
		rc = end_run(s);
	s->run.n = 0;	/* after a problem, too */
	return rc;
}

/* The first reading: every row checked, problems to ds->d as load() gives
 * them; *apart when some table's rows are not together; else *spool holds the
 * rows for the second reading. */
static int
stream_check(struct dataset *ds, const char *file, bool *apart, FILE **spool)
{
	struct stream s = { .ds = ds, .spool = tmpfile() };
	int rc = s.spool ? stream_read(&s, file) : error(QREL_IO, "a temporary file: %s", strerror(errno));

	*apart = false;
	if (rc == QREL_OK) {
		diag_move(ds->d, &s.repeats);
		rc = keys_repeat(&s.keys, apart);
	} else if (rc == QREL_PARSE && ds->d->n > 0) {
		rc = QREL_OK;	/* reported already; like load(), no repeat check after them */
	}
	if (rc == QREL_OK && (fflush(s.spool) != 0 || ferror(s.spool)))
		rc = error(QREL_IO, "writing a temporary file: %s", strerror(errno));
	if (rc == QREL_OK && !*apart && ds->d->n == 0)
		*spool = s.spool;
	else if (s.spool)
		fclose(s.spool);
	diag_free(&s.repeats);
	keys_free(&s.keys);
	run_free(&s.run);
	return rc;
}

/* A NUL-ended string from the spool into *buf; false at its end. */
static bool
spool_text(FILE *f, char **buf, size_t *cap)
{
	return getdelim(buf, cap, '\0', f) > 0;
}

/* One spooled row into the run; false when the spool is cut short. */
static bool
unspool_row(FILE *f, struct run *run, char **buf, size_t *cap)
{
	struct row r = { 0 };

	return fread(&r.line, sizeof(r.line), 1, f) == 1 && fread(&r.enrolled, sizeof(r.enrolled), 1, f) == 1 &&
	       fread(&r.count, sizeof(r.count), 1, f) == 1 && spool_text(f, buf, cap) &&
	       run_add(run, *buf, &r) == QREL_OK;
}

/* Replays the spool: each table printed as it ends. */
static int
unspool(struct stream *s, FILE *f)
{
	char *buf[NTABLE + 1] = { 0 };
	size_t cap[NTABLE + 1] = { 0 };
	int rc = QREL_OK, c;

	rewind(f);
	while (rc == QREL_OK && (c = getc(f)) != EOF) {
		bool ok = true;

		if (c == 'T') {
			rc = end_run(s);
			for (int k = 0; k < NTABLE && ok; k++)
				ok = spool_text(f, &buf[k], &cap[k]);
			ok = ok && rc == QREL_OK && run_start(&s->run, (const char *const *)buf) == QREL_OK;
		} else {
			ok = c == 'R' && unspool_row(f, &s->run, &buf[NTABLE], &cap[NTABLE]);
		}
		if (rc == QREL_OK && !ok)
			rc = error(QREL_IO, "reading a temporary file back");
	}
	if (rc == QREL_OK)
		rc = end_run(s);
	for (int k = 0; k <= NTABLE; k++)
		free(buf[k]);
	return rc;
}

/* The second reading, from the spool: each table printed as it ends. */
static int
stream_print(struct dataset *ds, FILE *spool, const struct dataset *state, const struct risk_opts *o)
{
	struct output out = { 0 };
	struct stream s = { .ds = ds, .out = &out };
	int rc = output_begin(&out, state, o, ds->path);

	if (rc == QREL_OK)
		rc = unspool(&s, spool);
	run_free(&s.run);
	return output_end(&out, rc);
}

static int
input_rewind(const char *file, off_t start)
{
	if (strcmp(file, "-") != 0)
		return QREL_OK;
	clearerr(stdin);
	if (fseeko(stdin, start, SEEK_SET) != 0)
		return error(QREL_IO, "<stdin>: cannot read it again: %s", strerror(errno));
	return QREL_OK;
}

/* Standard input is read twice: a file is sought back to where it started,
 * anything else (a pipe) is first copied to a temporary file put in its place. */
static int
input_rewindable(const char *file, off_t *start)
{
	struct stat sb;
	char buf[65536];
	size_t got;
	FILE *t;

	*start = 0;
	if (strcmp(file, "-") != 0)
		return QREL_OK;
	if (fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode) && (*start = ftello(stdin)) >= 0)
		return QREL_OK;
	*start = 0;
	privilege_end();	/* as csv_each does before it reads */
	if (!(t = tmpfile()))
		return error(QREL_IO, "a temporary file for standard input: %s", strerror(errno));
	while ((got = fread(buf, 1, sizeof(buf), stdin)) > 0 && fwrite(buf, 1, got, t) == got)
		;
	if (ferror(stdin) || fflush(t) != 0 || ferror(t) || dup2(fileno(t), STDIN_FILENO) < 0) {
		fclose(t);
		return error(QREL_IO, "copying standard input: %s", strerror(errno));
	}
	fclose(t);
	return input_rewind(file, 0);
}

static int
report_problems(struct diags *d)
{
	diag_print(d, stderr);
	cmd_error("%zu problem%s; nothing was computed", d->n, d->n == 1 ? "" : "s");
	diag_free(d);
	return EXIT_FAIL;
}

/* Reads the main file in a stream, or whole when its tables' rows are apart. */
static int
read_main(struct dataset *m, const char *file, off_t start, bool *apart, FILE **spool)
{
	int rc = stream_check(m, file, apart, spool);

	if (rc != QREL_OK || !*apart)
		return rc;
	diag_free(m->d);
	if ((rc = input_rewind(file, start)) != QREL_OK)
		return rc;
	return load(m, file);
}

static int
run(const struct risk_opts *o, const char *file)
{
	struct strtab st = { 0 };
	struct diags d = { 0 };
	struct dataset m = { .path = csv_source_name(file), .st = &st, .d = &d, .csv = &o->csv };
	struct dataset s = { .path = o->state ? csv_source_name(o->state) : "", .state = true, .st = &st, .d = &d,
			     .csv = &o->csv };
	const struct dataset *state = o->state ? &s : NULL;
	int rc = intern(&st, "") == 0 ? QREL_OK : error(QREL_NOMEM, "out of memory");
	bool apart = false;
	FILE *spool = NULL;
	off_t start = 0;

	if (rc == QREL_OK)
		rc = input_rewindable(file, &start);
	if (rc == QREL_OK)
		rc = read_main(&m, file, start, &apart, &spool);
	if (rc == QREL_OK && o->state)
		rc = load(&s, o->state);
	if (rc == QREL_OK && d.n == 0 && apart)
		rc = print_all(&m, state, o);
	else if (rc == QREL_OK && d.n == 0 && spool)
		rc = stream_print(&m, spool, state, o);
	if (spool)
		fclose(spool);
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
	case 'd':
		if (csv_delimiter_parse(arg, &o->csv.delimiter) != QREL_OK)
			rc = -1, cmd_error("%s", error_message());
		break;
	case 'e':
		if (csv_encoding_check(arg) != QREL_OK)
			rc = -1, cmd_error("%s", error_message());
		o->csv.encoding = arg;
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
		{ "delimiter", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
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
