/* Disproportionality statistics: risk ratios (plain, alternate, reference, weighted), shares, flags, suppression, output rows. */
#include "qrel/risk.h"
#include "qrel/output.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct totals {
	long enrolled;
	long count;
};

static struct risk_value undefined(void)
{
	struct risk_value v = { 0.0, 0 };

	return v;
}

static struct risk_value defined(double x)
{
	struct risk_value v = { x, 1 };

	return v;
}

static struct risk_value fraction(long num, long den)
{
	if (den <= 0)
		return undefined();
	return defined((double)num / (double)den);
}

/* (c1/e1) / (c2/e2) as a single division of exact products, so a ratio that
 * is exactly the threshold compares equal to it instead of a hair below. */
static struct risk_value ratio_of(long c1, long e1, long c2, long e2)
{
	if (e1 <= 0 || e2 <= 0 || c2 <= 0)
		return undefined();
	return defined((double)c1 * (double)e2 / ((double)e1 * (double)c2));
}

static int valid_counts(const struct risk_group *g)
{
	return g->enrolled >= 0 && g->count >= 0 && g->count <= g->enrolled;
}

static int valid_table(const struct risk_group *g, size_t n)
{
	if (n > 0 && !g)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!g[i].name || !valid_counts(&g[i]))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(g[i].name, g[j].name) == 0)
				return 0;
	}
	return 1;
}

/* Returns 0 when a total would overflow a long. */
static int sum(const struct risk_group *g, size_t n, struct totals *t)
{
	t->enrolled = 0;
	t->count = 0;
	for (size_t i = 0; i < n; i++) {
		if (__builtin_add_overflow(t->enrolled, g[i].enrolled, &t->enrolled))
			return 0;
		t->count += g[i].count;	/* count <= enrolled: cannot overflow first */
	}
	return 1;
}

static int valid_options(const struct risk_options *o)
{
	struct totals t;

	if (o->min_cell < 0 || o->min_n < 0 || !(o->threshold > 0.0))
		return 0;
	return valid_table(o->state, o->nstate) && sum(o->state, o->nstate, &t);
}

static const struct risk_group *find(const struct risk_group *g, size_t n,
		const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].name, name) == 0)
			return &g[i];
	return NULL;
}

static int meets(long count, long enrolled, const struct risk_options *o)
{
	return count >= o->min_cell && enrolled >= o->min_n;
}

void risk_options_default(struct risk_options *o)
{
	o->min_cell = RISK_DEFAULT_MIN_CELL;
	o->min_n = RISK_DEFAULT_MIN_N;
	o->threshold = RISK_DEFAULT_THRESHOLD;
	o->favourable = 0;
	o->reference = NULL;
	o->state = NULL;
	o->nstate = 0;
}

int risk_exceeds(double ratio, double threshold, int favourable)
{
	if (!(threshold > 0.0))
		return 0;
	if (favourable)
		return ratio < 1.0 / threshold;
	return ratio > threshold;
}

/* 300.647(b)(5): the comparison group is too small, so compare with every
 * other group in the State instead. */
static void alternate_ratio(struct risk_row *r, const struct risk_group *gi,
		const struct risk_options *o)
{
	const struct risk_group *own = find(o->state, o->nstate, gi->name);
	struct totals others;

	if (!own)
		return;
	sum(o->state, o->nstate, &others);	/* overflow ruled out by validation */
	others.enrolled -= own->enrolled;
	others.count -= own->count;
	r->ratio = ratio_of(gi->count, gi->enrolled, others.count, others.enrolled);
	if (!r->ratio.defined)
		return;
	r->kind = RISK_ALTERNATE_RATIO;
	r->comparison_risk = fraction(others.count, others.enrolled);
}

static void compute_ratio(struct risk_row *r, const struct risk_group *gi,
		struct totals others, const struct risk_options *o)
{
	r->comparison_risk = fraction(others.count, others.enrolled);
	if (!meets(gi->count, gi->enrolled, o))
		return;
	if (meets(others.count, others.enrolled, o)) {
		r->ratio = ratio_of(gi->count, gi->enrolled, others.count,
				others.enrolled);
		if (r->ratio.defined)
			r->kind = RISK_RATIO;
	} else {
		alternate_ratio(r, gi, o);
	}
	if (r->ratio.defined)
		r->flagged = risk_exceeds(r->ratio.value, o->threshold,
				o->favourable);
}

static struct risk_value reference_ratio(const struct risk_group *g, size_t n,
		size_t i, const struct risk_options *o)
{
	const struct risk_group *ref;

	if (!o->reference || !meets(g[i].count, g[i].enrolled, o))
		return undefined();
	ref = find(g, n, o->reference);
	if (!ref || ref == &g[i] || !meets(ref->count, ref->enrolled, o))
		return undefined();
	return ratio_of(g[i].count, g[i].enrolled, ref->count, ref->enrolled);
}

/* Sums of p_j and p_j * R_j over the other rows with students. State
 * enrolments stand in for p_j: the common divisor (the State total) cancels
 * in the ratio. Returns 0 when such a row has no State weight. */
static int weighted_others(const struct risk_group *g, size_t n, size_t i,
		const struct risk_options *o, double *wsum, double *wrisk)
{
	*wsum = 0.0;
	*wrisk = 0.0;
	for (size_t j = 0; j < n; j++) {
		const struct risk_group *s;

		if (j == i || g[j].enrolled == 0)
			continue;
		s = find(o->state, o->nstate, g[j].name);
		if (!s)
			return 0;
		*wsum += (double)s->enrolled;
		*wrisk += (double)s->enrolled * (double)g[j].count
			/ (double)g[j].enrolled;
	}
	return 1;
}

static struct risk_value weighted_ratio(const struct risk_group *g, size_t n,
		size_t i, const struct risk_options *o)
{
	double wsum, wrisk;

	if (o->nstate == 0 || g[i].enrolled <= 0
			|| !meets(g[i].count, g[i].enrolled, o))
		return undefined();
	if (!weighted_others(g, n, i, o, &wsum, &wrisk) || !(wrisk > 0.0))
		return undefined();
	return defined(wsum * (double)g[i].count / (double)g[i].enrolled / wrisk);
}

/* Differences come from cross products of the integers, so a group whose
 * shares are equal gets exactly 0, not a rounding residue. */
static void compute_shares(struct risk_row *r, const struct risk_group *gi,
		struct totals all)
{
	double cross;

	r->outcome_share = fraction(gi->count, all.count);
	r->enrolled_share = fraction(gi->enrolled, all.enrolled);
	if (all.enrolled <= 0)
		return;
	r->expected_count = defined((double)gi->enrolled * (double)all.count
			/ (double)all.enrolled);
	if (all.count <= 0)
		return;
	cross = (double)gi->count * (double)all.enrolled
		- (double)gi->enrolled * (double)all.count;
	r->share_difference = defined(cross
			/ ((double)all.count * (double)all.enrolled));
	if (gi->enrolled > 0)
		r->relative_share_difference = defined(cross
				/ ((double)gi->enrolled * (double)all.count));
}

static struct risk_row compute_row(const struct risk_group *g, size_t n,
		size_t i, struct totals all, const struct risk_options *o)
{
	struct risk_row r = { .kind = RISK_NOT_CALCULATED };
	struct totals others = {
		all.enrolled - g[i].enrolled, all.count - g[i].count
	};

	r.risk = fraction(g[i].count, g[i].enrolled);
	compute_ratio(&r, &g[i], others, o);
	r.reference_ratio = reference_ratio(g, n, i, o);
	r.weighted_ratio = weighted_ratio(g, n, i, o);
	compute_shares(&r, &g[i], all);
	return r;
}

int risk_compute(const struct risk_group *g, size_t n,
		const struct risk_options *o, struct risk_row *out)
{
	struct totals all;

	if (!o || (n > 0 && !out) || !valid_table(g, n) || !valid_options(o))
		return -1;
	if (!sum(g, n, &all))
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = compute_row(g, n, i, all, o);
	return 0;
}

/* -1 for a repeated year, else 1 when year is present and flagged. */
static int flagged_in(const struct risk_year_flag *h, size_t n, long year)
{
	int seen = 0, flagged = 0;

	for (size_t i = 0; i < n; i++) {
		if (h[i].year != year)
			continue;
		if (seen++)
			return -1;
		flagged = h[i].flagged != 0;
	}
	return flagged;
}

static int repeats_year(const struct risk_year_flag *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (flagged_in(h, n, h[i].year) < 0)
			return 1;
	return 0;
}

int risk_flag_sustained(const struct risk_year_flag *h, size_t n, int year,
		int years)
{
	if ((n > 0 && !h) || years < 1 || repeats_year(h, n))
		return -1;
	if ((size_t)years > n)
		return 0;
	for (long k = 0; k < years; k++)
		if (flagged_in(h, n, (long)year - k) != 1)
			return 0;
	return 1;
}

static int primary_hidden(const struct risk_group *g, long min)
{
	return (g->count >= 1 && g->count < min) || g->enrolled < min;
}

/* Index of the shown row with the smallest count (then enrolment), or n. */
static size_t smallest_shown(const struct risk_group *g, size_t n,
		const int *hidden)
{
	size_t best = n;

	for (size_t i = 0; i < n; i++) {
		if (hidden[i])
			continue;
		if (best == n || g[i].count < g[best].count
				|| (g[i].count == g[best].count
				&& g[i].enrolled < g[best].enrolled))
			best = i;
	}
	return best;
}

static long hidden_sum(const struct risk_group *g, size_t n, const int *hidden)
{
	long sum = 0;

	for (size_t i = 0; i < n; i++)
		if (hidden[i])
			sum += g[i].count;
	return sum;
}

int risk_suppress(const struct risk_group *g, size_t n, long display_min,
		int total_shown, int *hidden)
{
	int nhidden = 0;
	size_t extra;

	if ((n > 0 && (!g || !hidden)) || display_min < 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		hidden[i] = primary_hidden(&g[i], display_min);
		nhidden += hidden[i];
	}
	if (!total_shown || nhidden == 0)
		return nhidden;
	/* Total minus the shown rows gives the hidden rows' sum: hide more rows
	 * until that sum covers at least two rows and display_min students with
	 * the outcome, so no single hidden count can be worked out (a sum of 0
	 * would say every hidden group had none). */
	while (nhidden < 2 || hidden_sum(g, n, hidden) < display_min) {
		extra = smallest_shown(g, n, hidden);
		if (extra >= n)
			break;
		hidden[extra] = 1;
		nhidden++;
	}
	return nhidden;
}

const char *risk_kind_name(enum risk_kind k)
{
	switch (k) {
	case RISK_NOT_CALCULATED:
		return "not_calculated";
	case RISK_RATIO:
		return "risk_ratio";
	case RISK_ALTERNATE_RATIO:
		return "alternate_risk_ratio";
	}
	return "unknown";
}

/* One list drives the CSV header and the JSON keys, so they cannot drift
 * from the order risk_print_row writes the values in. */
static const char *const columns[] = {
	"site", "year", "metric", "dimension", "group", "enrolled", "count",
	"risk", "comparison_risk", "ratio_kind", "ratio", "flagged",
	"reference_ratio", "weighted_risk_ratio", "outcome_share",
	"enrolled_share", "share_difference", "relative_share_difference",
	"expected_count"
};

#define NCOLUMNS (sizeof columns / sizeof columns[0])

/* One output line is built in buf and written with one fwrite: most of a
 * large run's time is output. Text that is not plain goes through the one
 * escaper of its format (output.c), after what is buffered so far. */
struct writer {
	FILE *fp;
	enum risk_format fmt;
	size_t col;
	size_t len;
	char buf[2048];
};

static void flush_line(struct writer *w)
{
	fwrite(w->buf, 1, w->len, w->fp);
	w->len = 0;
}

static void put_bytes(struct writer *w, const char *s, size_t n)
{
	if (w->len + n > sizeof w->buf) {
		flush_line(w);
		if (n > sizeof w->buf) {
			fwrite(s, 1, n, w->fp);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_char(struct writer *w, char c)
{
	put_bytes(w, &c, 1);
}

/* Text as a JSON string or a CSV text field. */
static void put_escaped(struct writer *w, const char *s)
{
	if (w->fmt == RISK_FORMAT_JSON && out_json_plain(s)) {
		put_char(w, '"');
		put_bytes(w, s, strlen(s));
		put_char(w, '"');
	} else if (w->fmt != RISK_FORMAT_JSON && out_csv_plain(s, true)) {
		put_bytes(w, s, strlen(s));
	} else {
		flush_line(w);
		if (w->fmt == RISK_FORMAT_JSON)
			out_json_string(w->fp, s);
		else
			out_csv_text(w->fp, s);
	}
}

/* Writes v's decimal digits at the end of p (which has room for 20) and
 * returns where they start. */
static char *digits(char *end, unsigned long long v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static void put_ulong(struct writer *w, unsigned long long v)
{
	char b[24], *start = digits(b + sizeof b, v);

	put_bytes(w, start, (size_t)(b + sizeof b - start));
}

/* "%.4f" without the locale and without printf: a value whose scaled form is
 * not near a rounding tie prints exactly as printf would (the
 * multiplication's error is far below the distance to the tie). Returns 0
 * for the rest, which take printf. */
static int fast_fixed4(struct writer *w, double x)
{
	double scaled = x * 10000.0, frac;
	long long r;
	char four[8];

	if (!(fabs(scaled) < 9e15))
		return 0;
	frac = fabs(scaled - trunc(scaled));
	if (fabs(frac - 0.5) < 1e-6)
		return 0;
	r = llround(scaled);
	if (r < 0)
		put_char(w, '-');
	put_ulong(w, (unsigned long long)llabs(r) / 10000);
	digits(four + 5, (unsigned long long)llabs(r) % 10000 + 10000);	/* "1dddd" */
	put_char(w, '.');
	put_bytes(w, four + 1, 4);
	return 1;
}

/* %.4f follows LC_NUMERIC, and a curses program runs under
 * setlocale(LC_ALL, ""): a decimal comma would split CSV columns and break
 * JSON, so the locale's point is put back to '.'. */
static void slow_fixed4(struct writer *w, double x)
{
	const char *point = localeconv()->decimal_point;
	size_t plen = strlen(point);
	char buf[512];	/* %.4f of the largest double is about 320 chars */
	char *p;

	snprintf(buf, sizeof buf, "%.4f", x);
	p = plen ? strstr(buf, point) : NULL;
	if (p && strcmp(point, ".") != 0) {
		*p = '.';
		memmove(p + 1, p + plen, strlen(p + plen) + 1);
	}
	if (strcmp(buf, "-0.0000") == 0)	/* a tiny negative, not a sign */
		memmove(buf, buf + 1, strlen(buf));
	put_bytes(w, buf, strlen(buf));
}

/* Separator and, for JSON, the key of the next column. */
static void begin_field(struct writer *w)
{
	if (w->col > 0)
		put_char(w, ',');
	if (w->fmt == RISK_FORMAT_JSON) {
		put_escaped(w, columns[w->col]);
		put_char(w, ':');
	}
	w->col++;
}

static void put_text(struct writer *w, const char *s)
{
	begin_field(w);
	put_escaped(w, s ? s : "");
}

/* A bare token: numbers, true/false, null, NA. */
static void put_token(struct writer *w, const char *token)
{
	begin_field(w);
	put_bytes(w, token, strlen(token));
}

static void put_long(struct writer *w, long v)
{
	begin_field(w);
	if (v < 0)
		put_char(w, '-');
	put_ulong(w, v < 0 ? -(unsigned long long)v : (unsigned long long)v);
}

static void put_value(struct writer *w, struct risk_value v)
{
	if (!v.defined) {
		put_token(w, w->fmt == RISK_FORMAT_JSON ? "null" : "NA");
		return;
	}
	begin_field(w);
	if (!fast_fixed4(w, v.value))
		slow_fixed4(w, v.value);
}

int risk_print_header(FILE *fp, enum risk_format fmt)
{
	if (!fp)
		return -1;
	if (fmt != RISK_FORMAT_CSV)
		return 0;
	out_csv_start(fp);
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(fp, "%s%s", i ? "," : "", columns[i]);
	fputc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

static void put_stats(struct writer *w, const struct risk_row *row)
{
	put_value(w, row->risk);
	put_value(w, row->comparison_risk);
	if (w->fmt == RISK_FORMAT_JSON)
		put_text(w, risk_kind_name(row->kind));
	else
		put_token(w, risk_kind_name(row->kind));
	put_value(w, row->ratio);
	put_token(w, row->flagged ? "true" : "false");
	put_value(w, row->reference_ratio);
	put_value(w, row->weighted_ratio);
	put_value(w, row->outcome_share);
	put_value(w, row->enrolled_share);
	put_value(w, row->share_difference);
	put_value(w, row->relative_share_difference);
	put_value(w, row->expected_count);
}

int risk_print_row(FILE *fp, enum risk_format fmt, const char *site,
		const char *year, const char *metric, const char *dimension,
		const struct risk_group *group, const struct risk_row *row)
{
	struct writer w;	/* no initializer: buf needs no clearing */

	if (!fp || !group || !row)
		return -1;
	w.fp = fp;
	w.fmt = fmt;
	w.col = 0;
	w.len = 0;
	if (fmt == RISK_FORMAT_JSON)
		put_char(&w, '{');
	put_text(&w, site);
	put_text(&w, year);
	put_text(&w, metric);
	put_text(&w, dimension);
	put_text(&w, group->name);
	put_long(&w, group->enrolled);
	put_long(&w, group->count);
	put_stats(&w, row);
	if (fmt == RISK_FORMAT_JSON)
		put_char(&w, '}');
	put_char(&w, '\n');
	flush_line(&w);
	return ferror(fp) ? -1 : 0;
}
