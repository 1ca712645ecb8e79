/* report_json.c: the report as one JSON document whose shape doc/report-json.md describes. */
#include "qrel/qrel.h"
#include "qrel/output.h"
#include "qrel/report.h"
#include "qrel/plan.h"
#include "qrel/settings.h"

/* "key": "value" with a leading comma unless first. */
static void
kv(FILE *f, const char *key, const char *value, bool first)
{
	fprintf(f, "%s\"%s\": ", first ? "" : ", ", key);
	out_json_string(f, value);
}

/* A level cell: 2, "NE" or null. */
static void
level(FILE *f, const char *key, int v)
{
	if (v == DASH_NE)
		fprintf(f, ", \"%s\": \"NE\"", key);
	else if (v > 0)
		fprintf(f, ", \"%s\": %d", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
}

/* A rate or ratio: a number, "*" when withheld, null when undefined. */
static void
number(FILE *f, const char *key, const struct risk_value *v, bool hidden)
{
	if (hidden)
		fprintf(f, ", \"%s\": \"*\"", key);
	else if (v->defined)
		fprintf(f, ", \"%s\": %.6f", key, v->value);
	else
		fprintf(f, ", \"%s\": null", key);
}

/* ---- the parts ---- */

static void
review(const struct report *r, FILE *f)
{
	fputs("\"review\": {", f);
	kv(f, "title", r->title, true);
	kv(f, "district", r->district, false);
	kv(f, "starts", r->starts, false);
	kv(f, "ends", r->ends, false);
	fprintf(f, ", \"dates_from\": \"%s\"", r->activity_dates ? "activities" : "notes");
	fputs(", \"site\": ", f);
	if (r->opt.site && r->nsites)
		out_json_string(f, r->site[0].code);
	else
		fputs("null", f);
	fputs(", \"scale\": [", f);
	for (int i = 1; i <= r->frame.levels; i++) {
		fprintf(f, "%s{\"level\": %d", i > 1 ? ", " : "", i);
		kv(f, "label", r->frame.label[i - 1], false);
		fputs("}", f);
	}
	fprintf(f, "], \"quotes_per_cluster\": %d, \"min_display\": %ld},\n", r->opt.quotes, r->min_display);
}

static void
team_method(const struct report *r, FILE *f)
{
	fputs("\"team\": [", f);
	for (int i = 0; i < r->nteam; i++) {
		fputs(i ? ",\n  {" : "\n  {", f);
		kv(f, "name", r->team[i].name, true);
		kv(f, "role", r->team[i].role, false);
		fputs(", \"site\": ", f);
		if (*r->team[i].site)
			out_json_string(f, r->team[i].site);
		else
			fputs("null", f);
		fputs("}", f);
	}
	fputs("],\n\"method\": [", f);
	for (int i = 0; i < REPORT_SOURCES; i++)
		fprintf(f, "%s\n  {\"source\": \"%s\", \"label\": \"%s\", \"count\": %d}", i ? "," : "",
			report_source_name(i), report_source_label(i), r->activities[i]);
	fputs("],\n\"response_rates\": [", f);
	for (size_t i = 0; i < r->nrates; i++) {
		fputs(i ? ",\n  {" : "\n  {", f);
		kv(f, "site", r->rate[i].site_code, true);
		kv(f, "instrument", r->rate[i].instrument, false);
		kv(f, "group", r->rate[i].group, false);
		fprintf(f, ", \"invited\": %ld, \"responded\": %ld}", r->rate[i].invited, r->rate[i].responded);
	}
	fputs("],\n", f);
}

static void
sites(const struct report *r, FILE *f)
{
	fputs("\"sites\": [", f);
	for (int s = 0; s < r->nsites; s++) {
		fputs(s ? ",\n  {" : "\n  {", f);
		kv(f, "code", r->site[s].code, true);
		kv(f, "name", r->site[s].name, false);
		fprintf(f, ", \"kind\": \"%s\"}", r->site[s].district ? "district" : "school");
	}
	fputs("],\n", f);
}

static void
cell(const struct report *r, int s, int c, FILE *f)
{
	const struct dash_cell *x = &r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c];
	char median[8];

	report_median_text(dash_team_median(x), median, sizeof(median));
	fputs("{", f);
	kv(f, "site", r->site[s].code, true);
	level(f, "consensus", x->consensus);
	level(f, "self", x->self);
	fprintf(f, ", \"team_median\": %s, \"team_raters\": %d", *median ? median : "null", dash_team_n(x));
	if (dash_team_spread(x) >= 0)
		fprintf(f, ", \"team_spread\": %d", dash_team_spread(x));
	else
		fputs(", \"team_spread\": null", f);
	fprintf(f, ", \"notes\": %d, \"source_types\": %d, \"triangulated\": %s, \"stakeholder_groups\": [", x->notes,
		dash_source_count(x), dash_triangulated(x) ? "true" : "false");
	for (int i = 0, n = 0; i < r->frame.ngrp && i < 32; i++)
		if (x->groups & (1u << i)) {
			fputs(n++ ? ", " : "", f);
			out_json_string(f, r->frame.grp[i].code);
		}
	fputs("]}", f);
}

static void
quote_list(const struct report_quote *q, int n, FILE *f)
{
	fputs("[", f);
	for (int i = 0; i < n; i++) {
		fputs(i ? ", {" : "{", f);
		kv(f, "text", q[i].text, true);
		kv(f, "source", q[i].source, false);
		kv(f, "site", q[i].site, false);
		kv(f, "date", q[i].date, false);
		fputs("}", f);
	}
	fputs("]", f);
}

static void
cluster(const struct report *r, int c, FILE *f)
{
	const struct report_quotes *q = &r->quotes[c];

	fputs("\n    {", f);
	kv(f, "code", r->frame.cl[c].code, true);
	kv(f, "title", r->frame.cl[c].title, false);
	fputs(",\n     \"cells\": [", f);
	for (int s = 0; s < r->nsites; s++) {
		fputs(s ? ",\n       " : "\n       ", f);
		cell(r, s, c, f);
	}
	fprintf(f, "],\n     \"strengths\": {\"total\": %d, \"quoted\": ", q->total_strength);
	quote_list(q->strength, q->nstrength, f);
	fprintf(f, "},\n     \"growth\": {\"total\": %d, \"quoted\": ", q->total_growth);
	quote_list(q->growth, q->ngrowth, f);
	fputs("}}", f);
}

static void
agreement(const struct agree_result *a, FILE *f)
{
	char text[32];

	fprintf(f, "{\"units\": %d, \"raters\": %d", a->units, a->raters);
	for (int i = 0; i < REPORT_AGREE_STATS; i++) {
		const struct agree_value *v = report_agree_value(a, i);

		report_stat_text(v, text, sizeof(text));
		fprintf(f, ", \"%s\": %s", report_agree_name(i), v->defined ? text : "null");
	}
	fputs(", \"undefined\": {", f);
	for (int i = 0, first = 1; i < REPORT_AGREE_STATS; i++) {
		const struct agree_value *v = report_agree_value(a, i);

		if (v->defined)
			continue;
		kv(f, report_agree_name(i), v->why ? v->why : "undefined", first);
		first = 0;
	}
	fputs("}}", f);
}

static void
domains(const struct report *r, FILE *f)
{
	fputs("\"domains\": [", f);
	for (int d = 0; d < r->frame.ndom; d++) {
		const struct dash_domain *dom = &r->frame.dom[d];

		fputs(d ? ",\n  {" : "\n  {", f);
		kv(f, "code", dom->code, true);
		kv(f, "title", dom->title, false);
		fputs(",\n   \"agreement\": ", f);
		agreement(&r->agree_domain[d], f);
		fputs(",\n   \"clusters\": [", f);
		for (int c = dom->first; c < dom->first + dom->n; c++) {
			cluster(r, c, f);
			fputs(c + 1 < dom->first + dom->n ? "," : "", f);
		}
		fputs("]}", f);
	}
	fputs("],\n\"agreement\": ", f);
	agreement(&r->agree_all, f);
	fputs(",\n", f);
}

static void
group(const struct subgroup_table *t, size_t i, FILE *f)
{
	const struct subgroup_entry *e = &t->row[i];
	char text[SUBGROUP_FINDING];

	fputs(i ? ",\n     {" : "\n     {", f);
	kv(f, "group", e->name, true);
	fprintf(f, ", \"enrolled\": %ld", e->enrolled);
	if (e->hidden)
		fputs(", \"count\": \"*\"", f);
	else
		fprintf(f, ", \"count\": %ld", e->count);
	number(f, "rate", &e->stat.risk, e->hidden);
	number(f, "others_rate", &e->stat.comparison_risk, e->hidden);
	number(f, "risk_ratio", &e->stat.ratio, e->hidden);
	number(f, "weighted_risk_ratio", &e->stat.weighted_ratio, e->hidden || t->weighted_withheld);
	number(f, "expected_count", &e->stat.expected_count, e->hidden);
	fprintf(f, ", \"ratio_kind\": \"%s\", \"suppressed\": %s, \"flagged\": %s",
		risk_kind_name(e->stat.kind), e->hidden ? "true" : "false", e->flagged ? "true" : "false");
	fputs(", \"finding\": ", f);
	if (subgroup_finding(t, i, text, sizeof(text)) == QREL_OK)
		out_json_string(f, text);
	else
		fputs("null", f);
	fputs("}", f);
}

static void
finding(const struct subgroup_table *t, bool first, FILE *f)
{
	fputs(first ? "\n  {" : ",\n  {", f);
	kv(f, "site", t->site_code, true);
	kv(f, "site_name", t->site_name, false);
	kv(f, "year", t->key.year, false);
	kv(f, "metric", t->metric.code, false);
	kv(f, "metric_name", t->metric.name, false);
	fprintf(f, ", \"direction\": \"%s\"", t->metric.favourable ? "favourable" : "adverse");
	kv(f, "dimension", t->key.dimension, false);
	fprintf(f, ", \"total\": {\"enrolled\": %ld, \"count\": ", t->enrolled);
	if (t->count < 0)
		fputs("\"*\"}", f);
	else
		fprintf(f, "%ld}", t->count);
	fprintf(f, ", \"suppressed\": %d,\n   \"groups\": [", t->nhidden);
	for (size_t i = 0; i < t->n; i++)
		group(t, i, f);
	fputs("]}", f);
}

static int
finding_out(void *ctx, const struct subgroup_table *t)
{
	struct report_out *o = ctx;

	finding(t, o->first, o->f);
	o->first = false;
	return QREL_OK;
}

static int
findings(const struct report *r, FILE *f)
{
	int rc = QREL_OK;

	fprintf(f, "\"subgroup_findings\": {\"threshold\": %.4f, \"years\": \"%s\", \"tables\": [",
		r->opt.settings->threshold, r->opt.all_years ? "all" : "latest");
	rc = report_each_finding(r, finding_out, &(struct report_out){ r, f, true });
	fputs("]},\n", f);
	return rc;
}

/* The key measures, always there: each year of each (metric, dimension). */
static void
key_measures(const struct report *r, FILE *f)
{
	fputs("\"key_measures\": [", f);
	for (int i = 0; i < r->nkey; i++) {
		const struct report_key *k = &r->key[i];

		fprintf(f, "%s\n  {", i ? "," : "");
		kv(f, "metric", k->year[0].metric.code, true);
		kv(f, "dimension", k->year[0].key.dimension, false);
		fputs(", \"years\": [", f);
		for (int y = 0; y < k->nyears; y++)
			finding(&k->year[y], y == 0, f);
		fputs("]}", f);
	}
	fputs("],\n", f);
}

static void
plan_step(const struct plan_step *s, bool first, FILE *f)
{
	fputs(first ? "{" : ", {", f);
	kv(f, "description", s->description, true);
	kv(f, "lead", s->lead, false);
	kv(f, "starts", s->starts, false);
	kv(f, "due", s->due, false);
	kv(f, "status", plan_status_name(s->status), false);
	fprintf(f, ", \"overdue\": %s}", s->overdue ? "true" : "false");
}

static void
plan(const struct report *r, FILE *f)
{
	struct plan_doc d;

	if (!report_has_plan(r) || plan_load(r->db, r->review, r->min_display, &d) != QREL_OK) {
		fputs("\"action_plan\": null\n", f);
		return;
	}
	fputs("\"action_plan\": {\"objectives\": [", f);
	for (int o = 0; o < d.n; o++) {
		const struct plan_objective *ob = &d.obj[o];

		fprintf(f, "%s\n  {\"position\": %d", o ? "," : "", ob->position);
		kv(f, "scope", ob->scope, false);
		kv(f, "title", ob->title, false);
		kv(f, "if", ob->theory_if, false);
		kv(f, "then", ob->theory_then, false);
		fputs(", \"steps\": [", f);
		for (int s = 0; s < ob->nsteps; s++)
			plan_step(&ob->step[s], s == 0, f);
		fputs("]}", f);
	}
	fputs("]}\n", f);
	plan_doc_free(&d);
}

/* ---- the deliverable: status, summary, written findings, recommendations ---- */

static void
written_finding(const struct finding *w, bool first, FILE *f)
{
	fprintf(f, "%s\n  {\"id\": %lld", first ? "" : ",", (long long)w->id);
	kv(f, "uuid", w->uuid, false);
	kv(f, "kind", finding_kind_name(w->kind), false);
	kv(f, "domain", w->domain_code, false);
	kv(f, "domain_title", w->domain_title, false);
	kv(f, "cluster", w->cluster_code, false);
	kv(f, "cluster_title", w->cluster_title, false);
	kv(f, "site", w->site_code, false);
	kv(f, "text", w->text, false);
	fputs(", \"key_evidence\": [", f);
	for (int i = 0; i < w->ncites; i++) {
		char who[200];

		findings_attribution(&w->cite[i], who, sizeof(who));
		fputs(i ? ", {" : "{", f);
		kv(f, "attribution", who, true);
		kv(f, "date", w->cite[i].date, false);
		kv(f, "text", w->cite[i].text, false);
		fputs("}", f);
	}
	fputs("], \"subgroups\": [", f);
	for (int i = 0; i < w->nsubgroups; i++) {
		fputs(i ? ", " : "", f);
		out_json_string(f, w->subgroup[i]);
	}
	fputs("]}", f);
}

static void
written_rec(const struct recommendation *k, bool first, FILE *f)
{
	fprintf(f, "%s\n  {\"number\": %d", first ? "" : ",", k->number);
	kv(f, "priority", rec_priority_name(k->priority), false);
	kv(f, "title", k->title, false);
	kv(f, "text", k->text, false);
	kv(f, "stakeholders", k->stakeholders, false);
	fputs(", \"answers\": [", f);
	for (int i = 0; i < k->nfindings; i++)
		fprintf(f, "%s%lld", i ? ", " : "", (long long)k->finding[i]);
	if (k->objective)
		fprintf(f, "], \"objective\": %d}", k->objective_position);
	else
		fputs("], \"objective\": null}", f);
}

static void
deliverable(const struct report *r, FILE *f)
{
	fprintf(f, "\"status\": \"%s\",\n", r->written.final ? "final" : "draft");
	fputs("\"summary\": ", f);
	out_json_string(f, r->written.summary);
	fputs(",\n\"strongest_clusters\": [", f);
	for (int i = 0; i < r->nstrongest; i++) {
		fputs(i ? ", " : "", f);
		out_json_string(f, r->frame.cl[r->strongest[i].cluster].code);
	}
	fputs("], \"weakest_clusters\": [", f);
	for (int i = 0; i < r->nweakest; i++) {
		fputs(i ? ", " : "", f);
		out_json_string(f, r->frame.cl[r->weakest[i].cluster].code);
	}
	fputs("],\n\"findings\": [", f);
	for (int i = 0; i < r->written.nf; i++)
		written_finding(&r->written.f[i], i == 0, f);
	fputs("],\n\"recommendations\": [", f);
	for (int i = 0; i < r->written.nrec; i++)
		written_rec(&r->written.rec[i], i == 0, f);
	fputs("],\n", f);
}

int
report_write_json(const struct report *r, FILE *f)
{
	int rc;

	fputs("{\"format\": \"qrel-report\", \"version\": 1,\n", f);
	review(r, f);
	deliverable(r, f);
	team_method(r, f);
	sites(r, f);
	domains(r, f);
	if ((rc = findings(r, f)) != QREL_OK)
		return rc;
	key_measures(r, f);
	plan(r, f);
	fputs("}\n", f);
	return ferror(f) ? error(QREL_IO, "writing the report: %s", strerror(errno)) : QREL_OK;
}
