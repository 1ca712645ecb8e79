/* report_xlsx.c: the report's data as a workbook for district data teams (libxlsxwriter): every
 * subgroup table on the Tables sheet and (the first TABLE_SHEETS) on a sheet each, text people wrote
 * always a string cell (never a formula), written to a temporary file beside the target and renamed
 * over it.
 *
 * Memory: the sheets that grow with the review (Scores, Findings, Recommendations, Subgroups,
 * Tables) are written in libxlsxwriter's constant_memory mode: each row goes to the sheet's
 * temporary file when the next one starts, its strings inline, so every sheet is written strictly
 * row by row, top to bottom (a write to an earlier row fails with
 * LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE, kept as the workbook's error: never silently lost). Those
 * files are libxlsxwriter's tmpfileplus: created O_EXCL 0600 in $TMPDIR, else /tmp (where the
 * report's spool is), and unlinked at once. The sheets of one subgroup table each stay in memory:
 * in constant_memory mode every sheet keeps a file open until the workbook closes (a review has
 * more tables than a process may open files) and a row of 16,384 cell pointers (128 KB a sheet). */
#include "qrel/qrel.h"
#include "qrel/backup.h"
#include "qrel/output.h"
#include "qrel/report.h"
#include "qrel/util.h"

#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define CELL_MAX 32767		/* the longest string a cell holds */
#define SHEET_NAME 31		/* Excel's longest sheet name, in characters */
#ifndef SHEET_ROWS
#define SHEET_ROWS LXW_ROW_MAX	/* a sheet's rows (tests/unit/test_xlsx builds with fewer) */
#endif
#ifndef TABLE_SHEETS
/* The most tables that get a sheet each: every one is on the Tables sheets (a
 * row at a time, flat in memory), but a sheet of its own stays in memory
 * (about 13 KB) and a district of 2,000 schools has 300,000 tables, more than
 * a spreadsheet opens. */
#define TABLE_SHEETS 1000
#endif

struct book {
	lxw_workbook *wb;
	lxw_format *head, *pct, *num2;
	lxw_worksheet *ws;
	lxw_row_t row;
	lxw_col_t col;
	lxw_error err;
	lxw_worksheet *about;	/* About, and the row after its last, for a line written at the end */
	lxw_row_t about_row;
};

/* ---- cells: each call fills the next cell of the current row (none when the sheet could not be
 * added: its error is kept) ---- */

static void
keep_error(struct book *b, lxw_error e)
{
	if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
		b->err = e;
}

/* A keyword or code of ours, written as it is. */
static void
token(struct book *b, const char *s)
{
	if (s && *s && b->ws)
		keep_error(b, worksheet_write_string(b->ws, b->row, b->col, s, NULL));
	b->col++;
}

/* Text people wrote: the one formula guard (out_cell_text), cut to what a cell holds. */
static void
text(struct book *b, const char *s)
{
	char *cell = out_cell_text(s);
	size_t n = strlen(cell);

	if (n > CELL_MAX) {
		n = CELL_MAX;
		while (n > 0 && ((unsigned char)cell[n] & 0xc0) == 0x80)
			n--; /* never half a character */
		cell[n] = '\0';
	}
	if (*cell && b->ws)
		keep_error(b, worksheet_write_string(b->ws, b->row, b->col, cell, NULL));
	free(cell);
	b->col++;
}

static void
number(struct book *b, double v, lxw_format *fmt)
{
	if (b->ws)
		keep_error(b, worksheet_write_number(b->ws, b->row, b->col, v, fmt));
	b->col++;
}

static void
blank(struct book *b)
{
	b->col++;
}

static void
next_row(struct book *b)
{
	b->row++;
	b->col = 0;
}

/* A new sheet with its bold heading row, frozen, and its column widths. */
static void
sheet(struct book *b, const char *name, const char *const *heads, const int *widths)
{
	b->ws = workbook_add_worksheet(b->wb, name);
	b->row = 0;
	b->col = 0;
	if (!b->ws) {
		keep_error(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	for (lxw_col_t i = 0; heads[i]; i++) {
		keep_error(b, worksheet_write_string(b->ws, 0, i, heads[i], b->head));
		worksheet_set_column(b->ws, i, i, widths[i], NULL);
	}
	worksheet_freeze_panes(b->ws, 1, 0);
	next_row(b);
}

/* A number or, when undefined, an empty cell; "*" when withheld. */
static void
value(struct book *b, const struct risk_value *v, bool hidden, lxw_format *fmt)
{
	if (hidden)
		token(b, "*");
	else if (v->defined)
		number(b, v->value, fmt);
	else
		blank(b);
}

/* ---- sheets ---- */

static void
about_sheet(struct book *b, const struct report *r)
{
	static const char *const heads[] = { "Item", "Value", NULL };
	static const int widths[] = { 22, 90 };
	char line[200];

	sheet(b, "About", heads, widths);
	token(b, "Report");
	text(b, r->title);
	next_row(b);
	token(b, "District");
	text(b, r->district);
	next_row(b);
	token(b, "Status");
	token(b, report_status_text(r));
	next_row(b);
	token(b, "Dates");
	snprintf(line, sizeof(line), "%s to %s", r->starts, r->ends);
	token(b, line);
	next_row(b);
	token(b, "Sites");
	token(b, r->opt.site && r->nsites ? r->site[0].code : "all");
	next_row(b);
	token(b, "Withheld");
	snprintf(line, sizeof(line), "Counts, rates and ratios of groups under %ld students are shown as *; "
		 "so is any figure that would give one back.", r->min_display);
	token(b, line);
	next_row(b);
	b->about = b->ws;
	b->about_row = b->row;
}

static void
scores_sheet(struct book *b, const struct report *r)
{
	static const char *const heads[] = { "Site", "Site name", "Domain", "Cluster", "Cluster title",
					     "Consensus level", "Level name", "Rationale", NULL };
	static const int widths[] = { 10, 28, 8, 9, 40, 10, 18, 60 };

	sheet(b, "Scores", heads, widths);
	for (int s = 0; s < r->nsites; s++)
		for (int c = 0; c < r->frame.ncl; c++) {
			const struct dash_cluster *cl = &r->frame.cl[c];
			int lv = r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c].consensus;

			token(b, r->site[s].code);
			text(b, r->site[s].name);
			token(b, r->frame.dom[cl->domain].code);
			token(b, cl->code);
			text(b, cl->title);
			if (lv == DASH_NE) {
				token(b, "NE");
				token(b, "Not enough evidence");
			} else if (lv > 0 && lv <= r->frame.levels) {
				number(b, lv, NULL);
				text(b, r->frame.label[lv - 1]);
			} else {
				blank(b);
				blank(b);
			}
			/* The rationale goes with a consensus the reader may see, never without one. */
			if (lv != 0)
				text(b, report_rationale(r, s, c));
			next_row(b);
		}
}

static void
evidence_cell(struct book *b, const struct finding *w)
{
	char *all = NULL, who[200];
	size_t len = 0;
	FILE *m = open_memstream(&all, &len);

	if (!m) {
		keep_error(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	for (int c = 0; c < w->ncites; c++) {
		findings_attribution(&w->cite[c], who, sizeof(who));
		fprintf(m, "%s%s: \"%s\"", c ? "\n" : "", who, w->cite[c].text);
	}
	for (int g = 0; g < w->nsubgroups; g++)
		fprintf(m, "%s%s", w->ncites || g ? "\n" : "", w->subgroup[g]);
	fclose(m);
	text(b, all);
	free(all);
}

/* Appends ", n" (or "n" first) to list, while it fits. */
static void
list_add(char *list, size_t size, long long n)
{
	size_t used = strlen(list);

	if (used + 24 < size)
		snprintf(list + used, size - used, "%s%lld", used ? ", " : "", n);
}

static void
findings_sheet(struct book *b, const struct report *r)
{
	static const char *const heads[] = { "Finding", "Site", "Domain", "Cluster", "Kind", "Text",
					     "Key evidence", "Recommendations", NULL };
	static const int widths[] = { 8, 10, 8, 9, 16, 70, 70, 16 };
	char nums[128];

	sheet(b, "Findings", heads, widths);
	for (int i = 0; i < r->written.nf; i++) {
		const struct finding *w = &r->written.f[i];

		nums[0] = '\0';
		for (int k = report_answered_by(r, w->id, 0); k >= 0; k = report_answered_by(r, w->id, k + 1))
			list_add(nums, sizeof(nums), r->written.rec[k].number);
		number(b, (double)w->id, NULL);
		token(b, *w->site_code ? w->site_code : "all");
		token(b, w->domain_code);
		token(b, w->cluster_code);
		token(b, finding_kind_label(w->kind));
		text(b, w->text);
		evidence_cell(b, w);
		token(b, nums);
		next_row(b);
	}
}

static void
recommendations_sheet(struct book *b, const struct report *r)
{
	static const char *const heads[] = { "Number", "Priority", "Title", "Text", "Stakeholders",
					     "Answers findings", "Plan objective", NULL };
	static const int widths[] = { 8, 10, 50, 70, 30, 16, 10 };
	char ids[256];

	sheet(b, "Recommendations", heads, widths);
	for (int i = 0; i < r->written.nrec; i++) {
		const struct recommendation *k = &r->written.rec[i];

		ids[0] = '\0';
		for (int f = 0; f < k->nfindings; f++)
			list_add(ids, sizeof(ids), k->finding[f]);
		number(b, k->number, NULL);
		token(b, rec_priority_name(k->priority));
		text(b, k->title);
		text(b, k->text);
		text(b, k->stakeholders);
		token(b, ids);
		if (k->objective)
			number(b, k->objective_position, NULL);
		next_row(b);
	}
}

/* One group's row: the subgroup module's values after suppression, "*" where withheld. */
static void
group_row(struct book *b, const struct subgroup_table *t, const struct subgroup_entry *e)
{
	token(b, t->site_code);
	token(b, t->key.year);
	token(b, t->metric.code);
	text(b, t->metric.name);
	text(b, report_dimension_label(t->key.dimension));
	text(b, e->name);
	number(b, (double)e->enrolled, NULL);
	if (e->hidden)
		token(b, "*");
	else
		number(b, (double)e->count, NULL);
	value(b, &e->stat.risk, e->hidden, b->pct);
	value(b, &e->stat.comparison_risk, e->hidden, b->pct);
	value(b, &e->stat.ratio, e->hidden, b->num2);
	token(b, e->flagged ? "yes" : "");
	next_row(b);
}

static const char *const table_heads[] = { "Site", "Year", "Metric", "Measure", "Dimension", "Group", "Enrolled",
					    "Count", "Rate", "Others' rate", "Risk ratio", "Flagged", NULL };
static const int table_widths[] = { 10, 9, 12, 36, 22, 36, 10, 8, 8, 12, 10, 8 };

/* A table's groups, then all students. */
static void
table_rows(struct book *b, const struct subgroup_table *t)
{
	struct subgroup_entry all = { .enrolled = t->enrolled, .count = t->count, .hidden = t->count < 0 };

	for (size_t g = 0; g < t->n; g++)
		group_row(b, t, &t->row[g]);
	str_copy(all.name, sizeof(all.name), "All students");
	group_row(b, t, &all);
}

/*
 * A sheet of tables one after another (Subgroups, Tables), in constant_memory
 * mode, that goes on as "NAME 2", "NAME 3" ... when the next table would pass
 * a sheet's last row (1,048,576 in Excel). Other sheets may be written
 * between two tables: each keeps its own next row.
 */
struct long_sheet {
	struct book *b;
	const char *name;
	int parts;
	lxw_worksheet *ws;
	lxw_row_t row;
};

static void
long_sheet_part(struct long_sheet *ls)
{
	struct book *b = ls->b;
	char name[SHEET_NAME + 1];
	uint8_t was = b->wb->options.constant_memory;

	if (++ls->parts == 1)
		snprintf(name, sizeof(name), "%s", ls->name);
	else
		snprintf(name, sizeof(name), "%s %d", ls->name, ls->parts);
	/* libxlsxwriter reads the option as each sheet is added */
	b->wb->options.constant_memory = LXW_TRUE;
	sheet(b, name, table_heads, table_widths);
	b->wb->options.constant_memory = was;
	ls->ws = b->ws;
	ls->row = b->row;
}

static void
long_sheet_table(struct long_sheet *ls, const struct subgroup_table *t)
{
	struct book *b = ls->b;

	if ((lxw_row_t)(t->n + 1) < SHEET_ROWS - 1 && ls->row + t->n + 1 > SHEET_ROWS)
		long_sheet_part(ls);
	b->ws = ls->ws;
	b->row = ls->row;
	b->col = 0;
	table_rows(b, t);
	ls->row = b->row;
}

static int
finding_rows(void *ctx, const struct subgroup_table *t)
{
	long_sheet_table(ctx, t);
	return QREL_OK;
}

static int
subgroups_sheet(struct book *b, const struct report *r)
{
	struct long_sheet ls = { .b = b, .name = "Subgroups" };

	long_sheet_part(&ls);
	return report_each_finding(r, finding_rows, &ls);
}

/* ---- every subgroup table: all on one sheet, and a sheet each ---- */

struct names {
	struct book *b;
	char (*name)[SHEET_NAME + 1];
	size_t n, cap;
	struct long_sheet all;	/* the Tables sheets */
	long tables;
};

/* Is name base, or one of its parts ("Tables 2")? */
static bool
long_sheet_name(const char *name, const char *base)
{
	size_t n = strlen(base);

	if (strncasecmp(name, base, n) != 0)
		return false;
	if (!name[n])
		return true;
	if (name[n] != ' ' || !name[n + 1])
		return false;
	return strspn(name + n + 1, "0123456789") == strlen(name + n + 1);
}

static bool
name_taken(const struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcasecmp(ns->name[i], name) == 0)	/* Excel compares names without case */
			return true;
	/* reserved, and the long sheets with their parts */
	return strcasecmp(name, "History") == 0 || long_sheet_name(name, "Tables") ||
	       long_sheet_name(name, "Subgroups");
}

/* "SITE YEAR METRIC DIMENSION" cut to 31 bytes (never half a character),
 * with none of []:*?/\ and no apostrophe at either end. */
static void
name_base(const struct subgroup_table *t, char *buf, size_t len)
{
	char full[sizeof(t->site_code) + SUBGROUP_YEAR + sizeof(t->metric.code) + SUBGROUP_TEXT + 4];
	size_t n;

	snprintf(full, sizeof(full), "%s %s %s %s", t->site_code, t->key.year, t->metric.code, t->key.dimension);
	for (char *p = full; *p; p++)
		if (strchr("[]:*?/\\", *p))
			*p = '_';
	n = strlen(full) < len ? strlen(full) : len;
	while (n > 0 && ((unsigned char)full[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, full, n);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\'')
		buf[--n] = '\0';
	if (buf[0] == '\'')
		buf[0] = '_';
	if (!*buf)
		snprintf(buf, SHEET_NAME + 1, "Table");
}

/* A unique name for t's sheet: its base, else the base cut shorter with "~2", "~3" ... */
static int
name_for(struct names *ns, const struct subgroup_table *t, char *out)
{
	char (*grown)[SHEET_NAME + 1];

	name_base(t, out, SHEET_NAME);
	for (int k = 2; name_taken(ns, out); k++) {
		char suffix[16];
		int w = snprintf(suffix, sizeof(suffix), "~%d", k);

		name_base(t, out, SHEET_NAME - (size_t)w);
		strcat(out, suffix);
	}
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 64;
		if (!(grown = realloc(ns->name, ns->cap * sizeof(*grown))))
			return error(QREL_NOMEM, "out of memory naming the workbook's sheets");
		ns->name = grown;
	}
	str_copy(ns->name[ns->n++], SHEET_NAME + 1, out);
	return QREL_OK;
}

/* t's rows on the Tables sheet, then on a sheet of its own while there are
 * not too many. */
static int
table_sheet(void *ctx, const struct subgroup_table *t)
{
	struct names *ns = ctx;
	char name[SHEET_NAME + 1];
	int rc = QREL_OK;

	long_sheet_table(&ns->all, t);
	if (++ns->tables <= TABLE_SHEETS && (rc = name_for(ns, t, name)) == QREL_OK) {
		sheet(ns->b, name, table_heads, table_widths);
		table_rows(ns->b, t);
	}
	if (rc != QREL_OK)
		return rc;
	return ns->b->err == LXW_NO_ERROR ? QREL_OK : QREL_IO;
}

/* Every subgroup table the report covers: the Tables sheet (added while the
 * workbook is in constant_memory mode), then a sheet each for the first
 * TABLE_SHEETS, which stay in memory; About says which. */
static int
table_sheets(struct book *b, const struct report *r)
{
	struct names ns = { .b = b, .all = { .b = b, .name = "Tables" } };
	char line[256], where[64];
	int rc;

	long_sheet_part(&ns.all);
	/* The tables' own sheets keep their rows (and share their strings) in
	 * memory, with no file each. */
	b->wb->options.constant_memory = LXW_FALSE;
	rc = report_each_table(r, table_sheet, &ns);
	free(ns.name);
	if (ns.all.parts > 1)
		snprintf(where, sizeof(where), "the Tables sheets (Tables to Tables %d)", ns.all.parts);
	else
		snprintf(where, sizeof(where), "the Tables sheet");
	if (ns.tables > TABLE_SHEETS)
		snprintf(line, sizeof(line), "%ld subgroup tables, all on %s; the first %d "
			 "(in its order) also have a sheet each.", ns.tables, where, TABLE_SHEETS);
	else
		snprintf(line, sizeof(line), "%ld subgroup tables, all on %s and each on a "
			 "sheet of its own.", ns.tables, where);
	b->ws = b->about;
	b->row = b->about_row;
	b->col = 0;
	token(b, "Tables");
	token(b, line);
	return rc;
}

static void
agreement_row(struct book *b, const struct report *r, const char *scope, const char *title,
	      const struct agree_result *a)
{
	token(b, scope);
	text(b, title);
	number(b, a->units, NULL);
	number(b, a->raters, NULL);
	for (int i = 0; i < REPORT_AGREE_STATS; i++) {
		const struct agree_value *v = report_agree_value(a, i);

		if (!report_agree_defined(r, i))
			continue;
		if (v->defined)
			number(b, v->value, b->num2);
		else
			blank(b);
	}
	next_row(b);
}

static void
agreement_sheet(struct book *b, const struct report *r)
{
	const char *heads[REPORT_AGREE_STATS + 5] = { "Domain", "Title", "Units", "Raters" };
	int widths[REPORT_AGREE_STATS + 5] = { 8, 40, 8, 8 }, n = 4;
	char omitted[512];

	for (int i = 0; i < REPORT_AGREE_STATS; i++)
		if (report_agree_defined(r, i)) {
			widths[n] = 14;
			heads[n++] = report_agree_label(i);
		}
	sheet(b, "Agreement", heads, widths);
	agreement_row(b, r, "all", "All domains", &r->agree_all);
	for (int d = 0; d < r->frame.ndom; d++)
		agreement_row(b, r, r->frame.dom[d].code, r->frame.dom[d].title, &r->agree_domain[d]);
	report_agree_omitted(r, omitted, sizeof(omitted));
	if (*omitted) {
		next_row(b);
		token(b, "Omitted");
		token(b, omitted);
	}
}

/* ---- the file ---- */

static int
write_book(const struct report *r, const char *tmp)
{
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE };
	struct book b = { .wb = workbook_new_opt(tmp, &opt) };
	lxw_error closed;
	int rc = QREL_OK, spooled;

	if (!b.wb)
		return error(QREL_NOMEM, "cannot start the workbook");
	b.head = workbook_add_format(b.wb);
	format_set_bold(b.head);
	b.pct = workbook_add_format(b.wb);
	format_set_num_format(b.pct, "0.0%");
	b.num2 = workbook_add_format(b.wb);
	format_set_num_format(b.num2, "0.00");
	about_sheet(&b, r);
	scores_sheet(&b, r);
	findings_sheet(&b, r);
	recommendations_sheet(&b, r);
	if ((spooled = subgroups_sheet(&b, r)) == QREL_OK) {
		agreement_sheet(&b, r);
		rc = table_sheets(&b, r);
	}
	closed = workbook_close(b.wb); /* writes the file and frees the workbook */
	keep_error(&b, closed);
	if (spooled != QREL_OK)
		return spooled;
	if (rc != QREL_OK && rc != QREL_IO)
		return rc;
	if (b.err != LXW_NO_ERROR)
		return error(QREL_IO, "writing the workbook: %s", lxw_strerror(b.err));
	return QREL_OK;
}

int
report_save_xlsx(const struct report *r, const char *path)
{
	char *tmp;
	int rc;

	if ((rc = backup_temp_file(path, &tmp)) != QREL_OK)
		return rc;
	rc = write_book(r, tmp);
	if (rc == QREL_OK)
		rc = backup_commit_file(tmp, path);
	else
		unlink(tmp);
	free(tmp);
	return rc;
}
