/* report_csv.c: the report's tables as one long-form RFC 4180 CSV file, safe to open in a spreadsheet. */
#include "qrel/qrel.h"
#include "qrel/output.h"
#include "qrel/report.h"
#include "qrel/plan.h"

/*
 * One row per fact, columns (doc/report-json.md describes the values):
 *   section,site,domain,cluster,year,metric,dimension,item,field,value
 * Lines end in CRLF; a field holding a comma, quote, CR or LF is quoted with
 * quotes doubled. Text that came from people and begins with = + - @ (or a
 * tab or CR) gets a leading ' so a spreadsheet shows it instead of running
 * it as a formula; numbers qrel computes are written as they are.
 */

struct row {
	const char *section, *site, *domain, *cluster, *year, *metric, *dimension, *item, *field;
};

static void
field(FILE *f, const char *s, bool text)
{
	if (text)
		out_csv_text(f, s ? s : "");
	else
		out_csv_token(f, s ? s : "");
}

/* value is user text when text is true, a number or a keyword of ours otherwise. */
static void
emit(FILE *f, const struct row *r, const char *value, bool text)
{
	const char *cols[] = { r->section, r->site, r->domain, r->cluster, r->year, r->metric,
			       r->dimension, r->item, r->field };

	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		field(f, cols[i], i != 0 && i != 8);
		putc(',', f);
	}
	field(f, value, text);
	fputs("\r\n", f);
}

static void
emit_int(FILE *f, const struct row *r, long v)
{
	char text[24];

	snprintf(text, sizeof(text), "%ld", v);
	emit(f, r, text, false);
}

/* ---- sections ---- */

static void
cover(const struct report *rep, FILE *f)
{
	struct row r = { .section = "cover" };
	const char *fields[][2] = {
		{ "title", rep->title }, { "district", rep->district },
		{ "starts", rep->starts }, { "ends", rep->ends },
		{ "site_filter", rep->opt.site && rep->nsites ? rep->site[0].code : "" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		r.field = fields[i][0];
		emit(f, &r, fields[i][1], true);
	}
	r.section = "team";
	r.field = "role";
	for (int i = 0; i < rep->nteam; i++) {
		r.site = rep->team[i].site;
		r.item = rep->team[i].name;
		emit(f, &r, rep->team[i].role, false);
	}
	r = (struct row){ .section = "method", .field = "count" };
	for (int i = 0; i < REPORT_SOURCES; i++) {
		r.item = report_source_name(i);
		emit_int(f, &r, rep->activities[i]);
	}
	for (size_t i = 0; i < rep->nrates; i++) {
		char item[300];

		snprintf(item, sizeof(item), "%s: %s", rep->rate[i].instrument, rep->rate[i].group);
		r = (struct row){ .section = "response_rate", .site = rep->rate[i].site_code, .item = item };
		r.field = "invited";
		emit_int(f, &r, (int)rep->rate[i].invited);
		r.field = "responded";
		emit_int(f, &r, (int)rep->rate[i].responded);
	}
}

static void
cell(FILE *f, struct row *r, const struct dash_frame *fr, const struct dash_cell *c)
{
	char text[16], groups[VOICE_LIST_MAX];

	r->field = "consensus";
	report_level_text(c->consensus, text, sizeof(text));
	emit(f, r, text, false);
	r->field = "self";
	report_level_text(c->self, text, sizeof(text));
	emit(f, r, text, false);
	r->field = "team_median";
	report_median_text(dash_team_median(c), text, sizeof(text));
	emit(f, r, text, false);
	r->field = "team_raters";
	emit_int(f, r, dash_team_n(c));
	r->field = "team_spread";
	snprintf(text, sizeof(text), "%d", dash_team_spread(c));
	emit(f, r, dash_team_spread(c) < 0 ? "" : text, false);
	r->field = "notes";
	emit_int(f, r, c->notes);
	r->field = "source_types";
	emit_int(f, r, dash_source_count(c));
	r->field = "triangulated";
	emit(f, r, dash_triangulated(c) ? "true" : "false", false);
	r->field = "stakeholder_groups";
	dash_group_codes(fr, c, groups, sizeof(groups));
	emit(f, r, groups, false);
}

static void
grid(const struct report *rep, FILE *f)
{
	for (int c = 0; c < rep->frame.ncl; c++) {
		struct row r = { .section = "grid", .domain = rep->frame.dom[rep->frame.cl[c].domain].code,
				 .cluster = rep->frame.cl[c].code };

		for (int s = 0; s < rep->nsites; s++) {
			r.site = rep->site[s].code;
			cell(f, &r, &rep->frame, &rep->cell[(size_t)s * (size_t)rep->frame.ncl + (size_t)c]);
		}
	}
}

static void
quotes(FILE *f, struct row r, const struct report_quote *q, int n, int total, const char *valence)
{
	char item[32];

	r.item = valence;
	r.field = "total";
	emit_int(f, &r, total);
	for (int i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s %d", valence, i + 1);
		r.item = item;
		r.site = q[i].site;
		r.field = "text";
		emit(f, &r, q[i].text, true);
		r.field = "source";
		emit(f, &r, q[i].source, false);
		r.field = "date";
		emit(f, &r, q[i].date, false);
	}
}

static void
evidence(const struct report *rep, FILE *f)
{
	for (int c = 0; c < rep->frame.ncl; c++) {
		struct row r = { .section = "evidence", .domain = rep->frame.dom[rep->frame.cl[c].domain].code,
				 .cluster = rep->frame.cl[c].code };
		const struct report_quotes *q = &rep->quotes[c];

		quotes(f, r, q->strength, q->nstrength, q->total_strength, "strength");
		quotes(f, r, q->growth, q->ngrowth, q->total_growth, "growth");
	}
}

static void
ratio_text(const struct subgroup_entry *e, char *buf, size_t size)
{
	if (e->hidden)
		snprintf(buf, size, "*");
	else if (e->stat.ratio.defined)
		snprintf(buf, size, "%.4f", e->stat.ratio.value);
	else
		snprintf(buf, size, "%s", "");
}

/* The key measures' own figures: the expected count, the kind of ratio and
 * the State-weighted ratio where the table has State figures. */
static void
key_fields(FILE *f, struct row *r, const struct subgroup_table *t, const struct subgroup_entry *e)
{
	char text[48];

	r->field = "expected_count";
	report_key_count_text(e->count, &e->stat.expected_count, e->hidden, text, sizeof(text));
	emit(f, r, text, false);
	r->field = "ratio_kind";
	emit(f, r, e->hidden ? "*" : risk_kind_name(e->stat.kind), false);
	if (!t->nstate)
		return;
	r->field = "weighted_risk_ratio";
	report_key_weighted_text(t, e, 4, text, sizeof(text));
	emit(f, r, text, false);
}

static void
group_rows(FILE *f, struct row *r, const struct subgroup_table *t, size_t i, bool key)
{
	const struct subgroup_entry *e = &t->row[i];
	char text[SUBGROUP_FINDING];

	r->item = e->name;
	r->field = "enrolled";
	emit_int(f, r, e->enrolled);
	r->field = "count";
	if (e->hidden)
		emit(f, r, "*", false);
	else
		emit_int(f, r, e->count);
	r->field = "rate";
	report_rate_text(&e->stat.risk, e->hidden, text, sizeof(text));
	emit(f, r, text, false);
	r->field = "others_rate";
	report_rate_text(&e->stat.comparison_risk, e->hidden, text, sizeof(text));
	emit(f, r, text, false);
	r->field = "risk_ratio";
	ratio_text(e, text, sizeof(text));
	emit(f, r, text, false);
	if (key)
		key_fields(f, r, t, e);
	r->field = "flagged";
	emit(f, r, e->flagged ? "true" : "false", false);
	if (subgroup_finding(t, i, text, sizeof(text)) == QREL_OK) {
		r->field = "finding";
		emit(f, r, text, true);
	}
}

/* One subgroup table under section: its groups, then all students. */
static void
table_rows(const struct report *rep, const struct subgroup_table *t, const char *section, bool key, FILE *f)
{
	int c = dash_cluster_index(&rep->frame, t->metric.cluster);
	struct row r = { .section = section, .site = t->site_code, .year = t->key.year,
			 .metric = t->metric.code, .dimension = t->key.dimension,
			 .cluster = c >= 0 ? rep->frame.cl[c].code : "" };

	for (size_t i = 0; i < t->n; i++)
		group_rows(f, &r, t, i, key);
	r.item = "All students";
	r.field = "enrolled";
	emit_int(f, &r, t->enrolled);
	r.field = "count";
	if (t->count < 0)
		emit(f, &r, "*", false);
	else
		emit_int(f, &r, t->count);
}

/* The key measures, flagged or not, each year of the trend a table of its own. */
static void
key_rows(const struct report *rep, FILE *f)
{
	for (int i = 0; i < rep->nkey; i++)
		for (int y = 0; y < rep->key[i].nyears; y++)
			table_rows(rep, &rep->key[i].year[y], "key_measure", true, f);
}

static void
agree_rows(FILE *f, const char *domain, const struct agree_result *a)
{
	struct row r = { .section = "agreement", .domain = domain };
	char text[32], name[64];

	r.field = "units";
	emit_int(f, &r, a->units);
	r.field = "raters";
	emit_int(f, &r, a->raters);
	for (int i = 0; i < REPORT_AGREE_STATS; i++) {
		const struct agree_value *v = report_agree_value(a, i);

		report_stat_text(v, text, sizeof(text));
		r.field = report_agree_name(i);
		emit(f, &r, v->defined ? text : "NA", false);
		if (v->defined)
			continue;
		snprintf(name, sizeof(name), "%s_reason", report_agree_name(i));
		r.field = name;
		emit(f, &r, v->why ? v->why : "undefined", false);
	}
}

/* The plan's objectives and steps, as the plan module reads them. */
static void
plan_rows(const struct report *rep, FILE *f)
{
	struct plan_doc d;
	char item[32];

	if (!report_has_plan(rep) || plan_load(rep->db, rep->review, rep->min_display, &d) != QREL_OK)
		return;
	for (int o = 0; o < d.n; o++) {
		const struct plan_objective *ob = &d.obj[o];
		struct row r = { .section = "plan", .site = ob->scope, .field = "objective" };

		snprintf(item, sizeof(item), "%d", ob->position);
		r.item = item;
		emit(f, &r, ob->title, true);
		for (int s = 0; s < ob->nsteps; s++) {
			r.field = "step";
			emit(f, &r, ob->step[s].description, true);
			r.field = "step_status";
			emit(f, &r, plan_status_name(ob->step[s].status), false);
			r.field = "step_due";
			emit(f, &r, ob->step[s].due, false);
		}
	}
	plan_doc_free(&d);
}

/* ---- the deliverable: status, summary, written findings, recommendations ---- */

static void
deliverable_rows(const struct report *rep, FILE *f)
{
	struct row r = { .section = "report", .field = "status" };
	char item[32];

	emit(f, &r, rep->written.final ? "final" : "draft", false);
	r.field = "summary";
	emit(f, &r, rep->written.summary, true);
	for (int i = 0; i < rep->written.nf; i++) {
		const struct finding *w = &rep->written.f[i];
		struct row fr = { .section = "finding", .site = w->site_code, .domain = w->domain_code,
				  .cluster = w->cluster_code, .item = item, .field = finding_kind_name(w->kind) };

		snprintf(item, sizeof(item), "%lld", (long long)w->id);
		emit(f, &fr, w->text, true);
		fr.field = "key_evidence";
		for (int c = 0; c < w->ncites; c++)
			emit(f, &fr, w->cite[c].text, true);
	}
	for (int i = 0; i < rep->written.nrec; i++) {
		const struct recommendation *k = &rep->written.rec[i];
		struct row rr = { .section = "recommendation", .item = item, .field = "title" };

		snprintf(item, sizeof(item), "%d", k->number);
		emit(f, &rr, k->title, true);
		rr.field = "priority";
		emit(f, &rr, rec_priority_name(k->priority), false);
		rr.field = "text";
		emit(f, &rr, k->text, true);
		rr.field = "stakeholders";
		emit(f, &rr, k->stakeholders, true);
	}
}

static int
finding_out(void *ctx, const struct subgroup_table *t)
{
	const struct report_out *o = ctx;

	table_rows(o->r, t, "subgroup", false, o->f);
	return QREL_OK;
}

int
report_write_csv(const struct report *rep, FILE *f)
{
	int rc;

	out_csv_start(f);
	fputs("section,site,domain,cluster,year,metric,dimension,item,field,value\r\n", f);
	cover(rep, f);
	deliverable_rows(rep, f);
	grid(rep, f);
	evidence(rep, f);
	key_rows(rep, f);
	if ((rc = report_each_finding(rep, finding_out, &(struct report_out){ rep, f, true })) != QREL_OK)
		return rc;
	agree_rows(f, "", &rep->agree_all);
	for (int d = 0; d < rep->frame.ndom; d++)
		agree_rows(f, rep->frame.dom[d].code, &rep->agree_domain[d]);
	plan_rows(rep, f);
	return ferror(f) ? error(QREL_IO, "writing the report: %s", strerror(errno)) : QREL_OK;
}
