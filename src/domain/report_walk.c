/* report_walk.c: the report's structure, once: which sections in what order, what each says and
 * when a part is left out; the HTML and Markdown writers give only their marks and tables. */
#include "qrel/qrel.h"
#include "qrel/protocol.h"
#include "qrel/report.h"
#include "qrel/settings.h"
#include "qrel/util.h"

/* A mark's opening, with its argument (an id, a class, a number) where the format shows one. */
static void
open_mark(const struct report_markup *m, FILE *f, enum report_mark k, const char *arg)
{
	if (m->mark[k].open)
		fputs(m->mark[k].open, f);
	if (arg && m->mark[k].arg_end) {
		fputs(arg, f);
		fputs(m->mark[k].arg_end, f);
	}
}

static void
close_mark(const struct report_markup *m, FILE *f, enum report_mark k)
{
	if (m->mark[k].close)
		fputs(m->mark[k].close, f);
}

/* Our own words, between a mark's opening and closing. */
static void
said(const struct report_markup *m, FILE *f, enum report_mark k, const char *words)
{
	open_mark(m, f, k, NULL);
	fputs(words, f);
	close_mark(m, f, k);
}

/* Text from the review, escaped, between a mark's opening and closing. */
static void
quoted(const struct report_markup *m, FILE *f, enum report_mark k, const char *text)
{
	open_mark(m, f, k, NULL);
	m->text(f, text);
	close_mark(m, f, k);
}

/* The lead's text, a paragraph per blank-line-separated block. */
static void
paragraphs(const struct report_markup *m, const char *text, FILE *f)
{
	char *block;

	while ((block = report_paragraph(&text))) {
		quoted(m, f, RM_P, block);
		free(block);
	}
}

static const char *
source_label(const char *source)
{
	for (int i = 0; i < REPORT_SOURCES; i++)
		if (strcmp(source, report_source_name(i)) == 0)
			return report_source_label(i);
	return source;
}

/* ---- the executive summary ---- */

static void
summary(const struct report *r, const struct report_markup *m, FILE *f)
{
	const struct findings_doc *w = &r->written;

	open_mark(m, f, RM_SUMMARY, NULL);
	said(m, f, RM_H2, "Executive summary");
	if (w->summary && *w->summary)
		paragraphs(m, w->summary, f);
	else
		said(m, f, RM_HOOK, "The review lead has not written the summary yet.");
	said(m, f, RM_H3, "At a glance: consensus levels by site and cluster");
	m->glance(r, f);
	said(m, f, RM_H3, "Recommendations");
	if (!w->nrec)
		said(m, f, RM_NOTE, "None written yet.");
	else
		open_mark(m, f, RM_OL, NULL);
	for (int i = 0; i < w->nrec; i++) {
		char number[16], id[24];

		snprintf(number, sizeof(number), "%d", w->rec[i].number);
		snprintf(id, sizeof(id), "rec-%d", w->rec[i].number);
		open_mark(m, f, RM_LI_NUMBER, number);
		open_mark(m, f, RM_LINK, id);
		m->text(f, w->rec[i].title);
		close_mark(m, f, RM_LINK);
		open_mark(m, f, RM_PRIORITY_ASIDE, NULL);
		fprintf(f, "%s priority", rec_priority_name(w->rec[i].priority));
		close_mark(m, f, RM_PRIORITY_ASIDE);
		close_mark(m, f, RM_LI_NUMBER);
	}
	if (w->nrec)
		close_mark(m, f, RM_OL);
	close_mark(m, f, RM_SUMMARY);
}

/* ---- findings by domain ---- */

static void
consensus(const struct report *r, const struct report_markup *m, int c, FILE *f)
{
	char text[2048];
	bool any = false;

	for (int s = 0; s < r->nsites; s++) {
		if (!report_consensus_text(r, s, c, text, sizeof(text)))
			continue;
		if (!any)
			open_mark(m, f, RM_UL_CONSENSUS, NULL);
		any = true;
		open_mark(m, f, RM_LI, NULL);
		open_mark(m, f, RM_STRONG, NULL);
		m->text(f, r->site[s].name);
		fputs(":", f);
		close_mark(m, f, RM_STRONG);
		fputs(" ", f);
		m->text(f, text);
		close_mark(m, f, RM_LI);
	}
	if (any)
		close_mark(m, f, RM_UL_CONSENSUS);
	else
		said(m, f, RM_NOTE, "No consensus level agreed yet.");
}

static void
written_cite(const struct report_markup *m, const struct finding *w, const struct finding_cite *c, FILE *f)
{
	char who[200];

	findings_attribution(c, who, sizeof(who));
	open_mark(m, f, RM_QUOTE, w->kind == FINDING_GROWTH ? "g" : "s");
	m->text(f, c->text);
	close_mark(m, f, RM_QUOTE);
	open_mark(m, f, RM_QUOTE_BY, NULL);
	m->text(f, who);
	open_mark(m, f, RM_CITE_DATE, NULL);
	m->text(f, c->date);
	close_mark(m, f, RM_CITE_DATE);
	close_mark(m, f, RM_QUOTE_BY);
}

static void
written_finding(const struct report *r, const struct report_markup *m, const struct finding *w, FILE *f)
{
	enum report_mark block = w->kind == FINDING_GROWTH ? RM_FINDING_GROWTH : RM_FINDING_STRENGTH;
	char id[32];

	snprintf(id, sizeof(id), "finding-%lld", (long long)w->id);
	open_mark(m, f, block, id);
	open_mark(m, f, RM_P, NULL);
	open_mark(m, f, RM_KIND, NULL);
	fputs(finding_kind_label(w->kind), f);
	for (int s = 0; *w->site_code && s < r->nsites; s++)
		if (r->site[s].id == w->site) {
			fputs(" at ", f);
			m->text(f, r->site[s].name);
		}
	fputs(":", f);
	close_mark(m, f, RM_KIND);
	fputs(" ", f);
	m->text(f, w->text);
	close_mark(m, f, RM_P);
	for (int i = 0; i < w->ncites; i++)
		written_cite(m, w, &w->cite[i], f);
	for (int i = 0; i < w->nsubgroups; i++) {
		open_mark(m, f, RM_DATA, NULL);
		fputs("Data: ", f);
		m->text(f, w->subgroup[i]);
		close_mark(m, f, RM_DATA);
	}
	for (int i = 0; (i = report_answered_by(r, w->id, i)) >= 0; i++) {
		int n = r->written.rec[i].number;

		snprintf(id, sizeof(id), "rec-%d", n);
		open_mark(m, f, RM_ANSWERED, NULL);
		fputs("Answered by ", f);
		open_mark(m, f, RM_LINK, id);
		fprintf(f, "recommendation %d", n);
		close_mark(m, f, RM_LINK);
		fputs(".", f);
		close_mark(m, f, RM_ANSWERED);
	}
	close_mark(m, f, block);
}

static int
written_in(const struct report *r, const struct report_markup *m, int d, int c, FILE *f)
{
	int n = 0;

	for (int i = 0; i < r->written.nf; i++)
		if (report_finding_in(r, &r->written.f[i], d, c)) {
			written_finding(r, m, &r->written.f[i], f);
			n++;
		}
	return n;
}

static void
written_domain(const struct report *r, const struct report_markup *m, int d, FILE *f)
{
	const struct dash_domain *dom = &r->frame.dom[d];
	char id[24];

	snprintf(id, sizeof(id), "domain-%d", d + 1);
	open_mark(m, f, RM_SECTION, id);
	quoted(m, f, RM_H3, dom->title);
	written_in(r, m, d, -1, f);
	for (int c = dom->first; c < dom->first + dom->n; c++) {
		quoted(m, f, RM_H4, r->frame.cl[c].title);
		consensus(r, m, c, f);
		if (!written_in(r, m, d, c, f))
			said(m, f, RM_NOTE_EM, "No written finding for this cluster.");
	}
	close_mark(m, f, RM_SECTION);
}

static void
written(const struct report *r, const struct report_markup *m, FILE *f)
{
	open_mark(m, f, RM_SECTION, "findings");
	said(m, f, RM_H2, "Findings by domain");
	said(m, f, RM_P, "For each cluster: the team's consensus level at each site with its rationale, then the "
		"strengths and areas for growth the team wrote, each with the key evidence it rests on. Quotes are "
		"attributed to a stakeholder group or the kind of activity, never to a person.");
	for (int d = 0; d < r->frame.ndom; d++)
		written_domain(r, m, d, f);
	close_mark(m, f, RM_SECTION);
}

/* ---- recommendations ---- */

static void
recommendation(const struct report *r, const struct report_markup *m, const struct recommendation *k, FILE *f)
{
	char id[32];

	snprintf(id, sizeof(id), "rec-%d", k->number);
	open_mark(m, f, RM_REC, id);
	open_mark(m, f, RM_H3, NULL);
	fprintf(f, "%d. ", k->number);
	m->text(f, k->title);
	close_mark(m, f, RM_H3);
	open_mark(m, f, RM_PRIORITY, NULL);
	fprintf(f, "%s priority", rec_priority_name(k->priority));
	close_mark(m, f, RM_PRIORITY);
	if (*k->text)
		paragraphs(m, k->text, f);
	if (*k->stakeholders) {
		open_mark(m, f, RM_P, NULL);
		said(m, f, RM_STRONG, "Stakeholders:");
		fputs(" ", f);
		m->text(f, k->stakeholders);
		close_mark(m, f, RM_P);
	}
	if (k->nfindings) {
		open_mark(m, f, RM_P, NULL);
		said(m, f, RM_STRONG, "Answers:");
		close_mark(m, f, RM_P);
		open_mark(m, f, RM_UL, NULL);
	}
	for (int i = 0; i < k->nfindings; i++) {
		const struct finding *w = findings_by_id(&r->written, k->finding[i]);

		if (!w)
			continue;
		snprintf(id, sizeof(id), "finding-%lld", (long long)w->id);
		open_mark(m, f, RM_LI, NULL);
		open_mark(m, f, RM_LINK, id);
		m->text(f, w->cluster ? w->cluster_title : w->domain_title);
		close_mark(m, f, RM_LINK);
		fputs(": ", f);
		m->text(f, w->text);
		close_mark(m, f, RM_LI);
	}
	if (k->nfindings)
		close_mark(m, f, RM_UL);
	if (k->objective) {
		open_mark(m, f, RM_P, NULL);
		fprintf(f, "Taken into the action plan as objective %d (see ", k->objective_position);
		open_mark(m, f, RM_LINK, "next-steps");
		fputs("next steps", f);
		close_mark(m, f, RM_LINK);
		fputs(").", f);
		close_mark(m, f, RM_P);
	}
	close_mark(m, f, RM_REC);
}

static void
recommendations(const struct report *r, const struct report_markup *m, FILE *f)
{
	open_mark(m, f, RM_SECTION, "recommendations");
	said(m, f, RM_H2, "Recommendations");
	if (!r->written.nrec)
		said(m, f, RM_HOOK, "The team has not written recommendations yet.");
	else
		said(m, f, RM_P, "High-leverage recommendations first; each names the findings it answers.");
	for (int i = 0; i < r->written.nrec; i++)
		recommendation(r, m, &r->written.rec[i], f);
	close_mark(m, f, RM_SECTION);
}

/* ---- appendix A: rubric grids and the evidence quoted ---- */

static void
quote(const struct report_markup *m, const struct report_quote *q, const char *valence, FILE *f)
{
	open_mark(m, f, RM_QUOTE, valence);
	m->text(f, q->text);
	close_mark(m, f, RM_QUOTE);
	open_mark(m, f, RM_QUOTE_BY, NULL);
	fputs(source_label(q->source), f);
	fputs(" \xc2\xb7 ", f);
	m->text(f, q->site);
	fputs(" \xc2\xb7 ", f);
	m->text(f, q->date);
	close_mark(m, f, RM_QUOTE_BY);
}

static void
quotes(const struct report_markup *m, const struct report_quote *q, int n, int total, const char *title,
       const char *valence, FILE *f)
{
	open_mark(m, f, RM_QUOTES, NULL);
	open_mark(m, f, RM_QUOTES_TITLE, NULL);
	fputs(title, f);
	open_mark(m, f, RM_QUOTES_COUNT, NULL);
	fprintf(f, "(%d in the evidence%s)", total, total > n ? ", most recent shown" : "");
	close_mark(m, f, RM_QUOTES_COUNT);
	close_mark(m, f, RM_QUOTES_TITLE);
	if (!n)
		said(m, f, RM_NOTE, "None recorded.");
	for (int i = 0; i < n; i++)
		quote(m, &q[i], valence, f);
	close_mark(m, f, RM_QUOTES);
}

static void
domain(const struct report *r, const struct report_markup *m, int d, FILE *f)
{
	const struct dash_domain *dom = &r->frame.dom[d];

	open_mark(m, f, RM_DOMAIN, NULL);
	open_mark(m, f, RM_H2, NULL);
	fputs("Domain ", f);
	m->text(f, dom->code);
	fputs(": ", f);
	m->text(f, dom->title);
	close_mark(m, f, RM_H2);
	m->grid(r, dom, f);
	for (int c = dom->first; c < dom->first + dom->n; c++) {
		const struct report_quotes *q = &r->quotes[c];

		open_mark(m, f, RM_H3, NULL);
		m->text(f, r->frame.cl[c].code);
		fputs(" ", f);
		m->text(f, r->frame.cl[c].title);
		close_mark(m, f, RM_H3);
		open_mark(m, f, RM_EVIDENCE, NULL);
		quotes(m, q->strength, q->nstrength, q->total_strength, "Strengths", "s", f);
		quotes(m, q->growth, q->ngrowth, q->total_growth, "Areas for growth", "g", f);
		close_mark(m, f, RM_EVIDENCE);
	}
	close_mark(m, f, RM_DOMAIN);
}

/* ---- appendix B: subgroup findings ---- */

#define TABLE_COLS 8

/* The "All students" row: the enrolment, the count ("*" when withheld) and,
 * in column rate_col, its rate. */
static void
total_row(const struct report_markup *m, const struct subgroup_table *t, const enum report_cell *col, int n,
	  int rate_col, FILE *f)
{
	const char *cell[TABLE_COLS] = { "All students" };
	char enrolled[24], count[24], rate[24];

	for (int i = 1; i < n; i++)
		cell[i] = "";
	snprintf(enrolled, sizeof(enrolled), "%ld", t->enrolled);
	cell[1] = enrolled;
	cell[2] = "*";
	if (t->count >= 0) {
		snprintf(count, sizeof(count), "%ld", t->count);
		snprintf(rate, sizeof(rate), "%.1f%%", t->enrolled ? 100.0 * (double)t->count / (double)t->enrolled : 0.0);
		cell[2] = count;
		cell[rate_col] = rate;
	}
	m->row(f, RR_TOTAL, col, cell, n);
}

/* A key measure's latest year: count, expected count, risk, risk ratio and,
 * with state figures, the weighted risk ratio. */
static void
key_table(const struct report_markup *m, const struct subgroup_table *t, FILE *f)
{
	enum report_cell col[TABLE_COLS] = { RC_LABEL, RC_NUM, RC_NUM, RC_NUM, RC_NUM, RC_NUM, RC_NUM, RC_NUM };
	const char *head[TABLE_COLS] = { "Group", "Enrolled", "Count", "Expected", "Risk", "Risk ratio" };
	int n = 6;

	if (t->nstate)
		head[n++] = "Weighted risk ratio";
	col[n] = RC_FLAG;
	head[n++] = "";
	open_mark(m, f, RM_TABLE, NULL);
	m->row(f, RR_HEAD, col, head, n);
	for (size_t i = 0; i < t->n; i++) {
		const struct subgroup_entry *e = &t->row[i];
		char enrolled[24], count[24], expected[24], risk[24], ratio[48], weighted[24];
		const char *cell[TABLE_COLS] = { e->name, enrolled, count, expected, risk, ratio, weighted };

		snprintf(enrolled, sizeof(enrolled), "%ld", e->enrolled);
		report_key_count_text(e->count, NULL, e->hidden, count, sizeof(count));
		report_key_count_text(e->count, &e->stat.expected_count, e->hidden, expected, sizeof(expected));
		report_rate_text(&e->stat.risk, e->hidden, risk, sizeof(risk));
		report_key_ratio_text(e, ratio, sizeof(ratio));
		report_key_weighted_text(t, e, 2, weighted, sizeof(weighted));
		cell[n - 1] = report_key_flag_text(e);
		m->row(f, RR_BODY, col, cell, n);
	}
	total_row(m, t, col, n, 4, f);
	close_mark(m, f, RM_TABLE);
}

static void
key_measure(const struct report_markup *m, const struct report_key *k, FILE *f)
{
	const struct subgroup_table *t = report_key_latest(k);
	char title[SUBGROUP_FINDING];

	if (!t)
		return;
	report_table_title(t, false, title, sizeof(title));
	open_mark(m, f, RM_FINDING, NULL);
	quoted(m, f, RM_H4, title);
	key_table(m, t, f);
	if (m->key_chart)
		m->key_chart(t, f);
	if (k->nyears > 1)
		m->key_trend(k, f);
	close_mark(m, f, RM_FINDING);
}

static void
key_measures(const struct report *r, const struct report_markup *m, FILE *f)
{
	char intro[1024];

	if (!r->nkey)
		return;
	report_key_intro(r, intro, sizeof(intro));
	said(m, f, RM_H3, "Key measures");
	quoted(m, f, RM_P, intro);
	for (int i = 0; i < r->nkey; i++)
		key_measure(m, &r->key[i], f);
	said(m, f, RM_H3, "Flagged groups");
}

/* A flagged table: each group's count, rate, others' rate and risk ratio. */
static void
finding_table(const struct report_markup *m, const struct subgroup_table *t, FILE *f)
{
	static const enum report_cell col[] = { RC_LABEL, RC_NUM, RC_NUM, RC_NUM, RC_NUM, RC_NUM, RC_FLAG };
	static const char *const head[] = { "Group", "Enrolled", "Count", "Rate", "Others' rate", "Risk ratio", "" };
	int n = (int)ARRAY_SIZE(col);

	open_mark(m, f, RM_TABLE, NULL);
	m->row(f, RR_HEAD, col, head, n);
	for (size_t i = 0; i < t->n; i++) {
		const struct subgroup_entry *e = &t->row[i];
		char enrolled[24], count[24], risk[16], cmp[16], ratio[16] = "";
		const char *cell[] = { e->name, enrolled, count, risk, cmp, ratio, report_key_flag_text(e) };

		snprintf(enrolled, sizeof(enrolled), "%ld", e->enrolled);
		report_key_count_text(e->count, NULL, e->hidden, count, sizeof(count));
		report_rate_text(&e->stat.risk, e->hidden, risk, sizeof(risk));
		report_rate_text(&e->stat.comparison_risk, e->hidden, cmp, sizeof(cmp));
		if (e->hidden)
			snprintf(ratio, sizeof(ratio), "*");
		else if (e->stat.ratio.defined)
			snprintf(ratio, sizeof(ratio), "%.2f", e->stat.ratio.value);
		m->row(f, RR_BODY, col, cell, n);
	}
	total_row(m, t, col, n, 3, f);
	close_mark(m, f, RM_TABLE);
}

struct finding_walk {
	const struct report *r;
	const struct report_markup *m;
	FILE *f;
};

static int
finding(void *ctx, const struct subgroup_table *t)
{
	const struct finding_walk *w = ctx;
	const struct report_markup *m = w->m;
	char text[SUBGROUP_FINDING];

	report_table_title(t, true, text, sizeof(text));
	open_mark(m, w->f, RM_FINDING, NULL);
	quoted(m, w->f, RM_H3, text);
	open_mark(m, w->f, RM_UL, NULL);
	for (size_t i = 0; i < t->n; i++)
		if (subgroup_finding(t, i, text, sizeof(text)) == QREL_OK)
			quoted(m, w->f, RM_LI, text);
	close_mark(m, w->f, RM_UL);
	finding_table(m, t, w->f);
	if (m->finding_chart)
		m->finding_chart(t, w->f);
	if (t->nhidden > 0) {
		snprintf(text, sizeof(text), "* withheld to protect privacy: groups of fewer than %ld students, and as "
			 "many others as it takes so that no withheld figure can be worked out.", w->r->min_display);
		quoted(m, w->f, RM_NOTE, text);
	}
	close_mark(m, w->f, RM_FINDING);
	return QREL_OK;
}

static int
findings(const struct report *r, const struct report_markup *m, FILE *f)
{
	int rc;

	open_mark(m, f, RM_SECTION, "disproportionality");
	said(m, f, RM_H2, "Appendix B: Subgroup findings");
	open_mark(m, f, RM_P, NULL);
	fprintf(f, "Every group whose risk ratio against all other students passes the district's threshold of %.1f "
		"(below 1/%.1f where a higher rate is the aim), %s. Counts below %ld, and the counts of groups with "
		"fewer students enrolled, are withheld.", r->opt.settings->threshold, r->opt.settings->threshold,
		r->opt.all_years ? "in every school year" : "in each site's latest school year", r->min_display);
	close_mark(m, f, RM_P);
	key_measures(r, m, f);
	if (!r->nfindings)
		said(m, f, RM_P, "No group is flagged.");
	rc = report_each_finding(r, finding, &(struct finding_walk){ r, m, f });
	close_mark(m, f, RM_SECTION);
	return rc;
}

/* ---- appendix C: rater agreement ---- */

enum { AGREE_UNITS = -2, AGREE_RATERS = -1 };	/* the rows before the statistics */

/* Row k's figure in column i (1: all domains, 2 on: domain i - 2): the units,
 * the raters or statistic k, an en dash where it cannot be computed. */
static const char *
agree_figure(const struct report *r, int k, int i, char *buf, size_t size)
{
	const struct agree_result *a = i == 1 ? &r->agree_all : &r->agree_domain[i - 2];
	const struct agree_value *v;

	if (k < 0) {
		snprintf(buf, size, "%d", k == AGREE_UNITS ? a->units : a->raters);
		return buf;
	}
	v = report_agree_value(a, k);
	report_stat_text(v, buf, size);
	return v->defined ? buf : "\xe2\x80\x93";
}

/* Units, raters, then every statistic some can give, for the whole review and each domain. */
static int
agree_table(const struct report *r, const struct report_markup *m, FILE *f)
{
	int n = r->frame.ndom + 2;
	enum report_cell *col = calloc((size_t)n, sizeof(*col));
	const char **cell = calloc((size_t)n, sizeof(*cell));
	char (*text)[32] = calloc((size_t)n, sizeof(*text));

	if (!col || !cell || !text) {
		free(col), free(cell), free(text);
		return error(QREL_NOMEM, "out of memory for the agreement table");
	}
	for (int i = 0; i < n; i++) {
		col[i] = i ? RC_STAT : RC_STUB;
		cell[i] = i < 2 ? (i ? "All domains" : "") : r->frame.dom[i - 2].title;
	}
	open_mark(m, f, RM_TABLE, NULL);
	m->row(f, RR_HEAD_TEXT, col, cell, n);
	for (int k = AGREE_UNITS; k < REPORT_AGREE_STATS; k++) {
		if (k >= 0 && !report_agree_defined(r, k))
			continue;
		cell[0] = k == AGREE_UNITS ? "Units" : k == AGREE_RATERS ? "Raters" : report_agree_label(k);
		for (int i = 1; i < n; i++)
			cell[i] = agree_figure(r, k, i, text[i], sizeof(text[i]));
		m->row(f, RR_BODY, col, cell, n);
	}
	close_mark(m, f, RM_TABLE);
	free(col), free(cell), free(text);
	return QREL_OK;
}

static int
agreement(const struct report *r, const struct report_markup *m, FILE *f)
{
	char text[1024];
	int rc;

	open_mark(m, f, RM_SECTION, "agreement");
	said(m, f, RM_H2, "Appendix C: Rater agreement");
	said(m, f, RM_P, "How consistently team members scored the same cluster at the same site before consensus, "
		"rounded to two decimals. A unit is one cluster at one site; a dash means the figure cannot be "
		"computed for that domain.");
	if ((rc = agree_table(r, m, f)) != QREL_OK)
		return rc;
	report_agree_omitted(r, text, sizeof(text));
	if (*text) {
		open_mark(m, f, RM_NOTE, NULL);
		fputs("Not shown: ", f);
		m->text(f, text);
		fputs(".", f);
		close_mark(m, f, RM_NOTE);
	}
	close_mark(m, f, RM_SECTION);
	return QREL_OK;
}

int
report_walk(const struct report *r, const struct report_markup *m, FILE *f)
{
	int rc;

	m->front(r, f);
	summary(r, m, f);
	written(r, m, f);
	recommendations(r, m, f);
	open_mark(m, f, RM_SECTION, "next-steps");
	said(m, f, RM_H2, "Next steps");
	said(m, f, RM_P, "The action plan: objectives drawn from the recommendations, their root causes and the "
		"evidence they rest on, measures of impact and dated steps with a lead.");
	close_mark(m, f, RM_SECTION);
	m->plan(r, f);
	open_mark(m, f, RM_H2_ANCHOR, "method");
	fputs("Appendix A: Rubric grids and the evidence quoted", f);
	close_mark(m, f, RM_H2_ANCHOR);
	m->legend(r, f);
	for (int d = 0; d < r->frame.ndom; d++)
		domain(r, m, d, f);
	if ((rc = findings(r, m, f)) != QREL_OK)
		return rc;
	if ((rc = agreement(r, m, f)) != QREL_OK)
		return rc;
	open_mark(m, f, RM_SECTION, "rubric");
	said(m, f, RM_H2, "Appendix D: The rubric");
	said(m, f, RM_P, "Each cluster's descriptor at every level and the criteria the team looked for.");
	if ((rc = proto_rubric_reference(r->db, r->review, f, m->proto)) != QREL_OK)
		return rc;
	close_mark(m, f, RM_SECTION);
	m->back(r, f);
	return ferror(f) ? error(QREL_IO, "writing the report: %s", strerror(errno)) : QREL_OK;
}
