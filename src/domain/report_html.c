/* report_html.c: the report as one self-contained HTML file: inline CSS and SVG, no scripts, every user text escaped. */
#include "qrel/qrel.h"
#include "qrel/output.h"
#include "qrel/protocol.h"
#include "qrel/report.h"
#include "qrel/plan.h"
#include "qrel/settings.h"
#include "qrel/util.h"

/* Print first: A4 and Letter both fit a 180 mm column; colours print as shown. */
static const char css[] =
	"@page{size:auto;margin:16mm 14mm}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}"
	"body{font:10.5pt/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
	"color:#1a1a1a;max-width:190mm;margin:0 auto;padding:8mm 4mm}"
	"h1{font-size:22pt;margin:.2em 0}h2{font-size:15pt;margin:1.4em 0 .4em;border-bottom:2px solid #333;"
	"break-after:avoid}h3{font-size:12pt;margin:1.1em 0 .3em;break-after:avoid}"
	"h4{font-size:10.5pt;margin:.6em 0 .2em}"
	".kicker{text-transform:uppercase;letter-spacing:.08em;color:#555;margin:0}"
	".cover{border-bottom:4px solid #333;padding-bottom:6mm;margin-bottom:6mm}"
	"table{border-collapse:collapse;margin:.4em 0 .8em;break-inside:avoid;font-size:9.5pt}"
	"table.grid{break-inside:auto;width:100%}"
	"th,td{border:1px solid #999;padding:2px 5px;vertical-align:top;text-align:left}"
	"thead{display:table-header-group}tr{break-inside:avoid}"
	"th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".grid td{text-align:center;min-width:11mm}.grid .lv{font-weight:700;font-size:11pt}"
	".grid .st{display:block;font-size:7.5pt;color:#333;white-space:nowrap}"
	".mk{font-weight:700;color:#8b0000}.ne{background:#e4e4e4}"
	".site-name{display:block;font-weight:400;font-size:8pt;color:#444}"
	".legend span.sw{display:inline-block;border:1px solid #999;padding:0 6px;margin-right:4px}"
	".ev{display:flex;gap:6mm}.ev>div{flex:1}"
	"blockquote{margin:.3em 0 .5em;padding:.2em .6em;border-left:3px solid #999;break-inside:avoid}"
	"blockquote.s{border-color:#2e7d32}blockquote.g{border-color:#c62828}"
	"blockquote p{margin:0}blockquote footer{font-size:8.5pt;color:#555}"
	".finding{break-inside:avoid;margin:0 0 6mm}.note,.counts,small{color:#555;font-size:8.5pt}"
	".flag{color:#b00020;font-weight:700}.hook{border:1px dashed #999;padding:3mm}"
	"svg text{font-family:inherit;font-size:9px}"
	"@media print{body{max-width:none;padding:0}a{color:inherit;text-decoration:none}}";

/* <tag>text</tag>, the text escaped. */
static void
el(FILE *f, const char *tag, const char *text)
{
	fprintf(f, "<%s>", tag);
	out_html_text(f, text);
	fprintf(f, "</%s>\n", tag);
}

/* Level colours from red (1) to green (K), light enough for black text. */
static void
level_css(const struct report *r, FILE *f)
{
	int k = r->frame.levels > 1 ? r->frame.levels : 2;

	for (int i = 1; i <= k; i++)
		fprintf(f, ".l%d{background:hsl(%d,70%%,82%%)}", i, 5 + 125 * (i - 1) / (k - 1));
}

static void
head(const struct report *r, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
	out_html_text(f, r->title);
	fputs(" \xe2\x80\x94 Quality Review report</title>\n<style>", f);
	fputs(css, f);
	level_css(r, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

/* ---- cover ---- */

static void
cover_team(const struct report *r, FILE *f)
{
	static const char *const roles[][2] = {
		{ "lead", "Review lead" }, { "reviewer", "Reviewers" },
		{ "principal", "Principals (self-evaluation)" }, { "observer", "Observers" },
	};

	fputs("<h2>Review team</h2>\n<table>\n", f);
	for (size_t k = 0; k < ARRAY_SIZE(roles); k++) {
		bool first = true;

		for (int i = 0; i < r->nteam; i++) {
			if (strcmp(r->team[i].role, roles[k][0]) != 0)
				continue;
			fputs(first ? "<tr><th scope=\"row\">" : ", ", f);
			if (first)
				fprintf(f, "%s</th><td>", roles[k][1]);
			out_html_text(f, r->team[i].name);
			if (*r->team[i].site) {
				fputs(" (", f);
				out_html_text(f, r->team[i].site);
				fputs(")", f);
			}
			first = false;
		}
		if (!first)
			fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void
cover_method(const struct report *r, FILE *f)
{
	int total = 0;

	fputs("<h2>Method</h2>\n<p>The team gathered evidence from these activities; every judgement in "
	      "this report rests on evidence notes from them.</p>\n<table>\n<thead><tr><th>Activity</th>"
	      "<th>Count</th></tr></thead>\n<tbody>\n", f);
	for (int i = 0; i < REPORT_SOURCES; i++) {
		fprintf(f, "<tr><td>%s</td><td class=\"num\">%d</td></tr>\n", report_source_label(i),
			r->activities[i]);
		total += r->activities[i];
	}
	fprintf(f, "<tr><th>All activities</th><th class=\"num\">%d</th></tr>\n</tbody>\n</table>\n", total);
	if (r->nrates)
		fputs("<p>Survey response rates:</p>\n<ul>\n", f);
	for (size_t i = 0; i < r->nrates; i++) {
		char line[512];

		report_rate_line(&r->rate[i], line, sizeof(line));
		fputs("<li>", f);
		out_html_text(f, line);
		fputs("</li>\n", f);
	}
	if (r->nrates)
		fputs("</ul>\n", f);
	if (r->documents[0] + r->documents[1] + r->documents[2])
		fprintf(f, "<p>Documents: %d reviewed, %d received and waiting, %d requested and not yet "
			"received.</p>\n", r->documents[2], r->documents[1], r->documents[0]);
	if (!r->frame.ngrp)
		return;
	fputs("<table>\n<thead><tr><th>Stakeholder group</th><th>Activities</th></tr></thead>\n<tbody>\n", f);
	for (int i = 0; i < r->frame.ngrp && i < 32; i++) {
		fputs("<tr><td>", f);
		out_html_text(f, r->frame.grp[i].title);
		fprintf(f, "</td><td class=\"num\">%d</td></tr>\n", r->voice_activities[i]);
	}
	fprintf(f, "</tbody>\n</table>\n<p>Participants recorded in the activities: %ld.</p>\n", r->voice_people);
}

static void
cover(const struct report *r, FILE *f)
{
	fputs("<header class=\"cover\">\n<p class=\"kicker\">Quality Review through an Equity Lens</p>\n", f);
	el(f, "h1", r->title);
	if (*r->district)
		el(f, "p", r->district);
	fputs("<p>Review dates: ", f);
	out_html_text(f, *r->starts ? r->starts : "not recorded");
	fputs(" to ", f);
	out_html_text(f, *r->ends ? r->ends : "not recorded");
	fputs(r->activity_dates ? "" : " (dates of the evidence notes)", f);
	fputs("</p>\n", f);
	if (r->opt.site && r->nsites) {
		fputs("<p>This report covers one site: <strong>", f);
		out_html_text(f, r->site[0].code);
		fputs("</strong> ", f);
		out_html_text(f, r->site[0].name);
		fputs("</p>\n", f);
	}
	fputs("</header>\n", f);
	cover_team(r, f);
	cover_method(r, f);
}

/* ---- how to read the grids ---- */

static void
legend(const struct report *r, FILE *f)
{
	char text[200];

	fputs("<h2>Reading the rubric grids</h2>\n<p class=\"legend\">", f);
	for (int i = 1; i <= r->frame.levels; i++) {
		fprintf(f, "<span class=\"sw l%d\">%d</span>", i, i);
		out_html_text(f, r->frame.label[i - 1]);
		fputs(" &nbsp; ", f);
	}
	fputs("<span class=\"sw ne\">NE</span>insufficient evidence &nbsp; a blank cell: no consensus yet</p>\n", f);
	fputs("<p>Each cell gives the team's <strong>consensus</strong> level for a cluster at a site; "
	      "below it, the school's <strong>self</strong>-evaluation and the <strong>team</strong>'s "
	      "median level before consensus. <span class=\"mk\">!</span> marks a cluster where team "
	      "raters differed by two levels or more; <span class=\"mk\">\xe2\x80\xa0</span> marks one "
	      "whose evidence is not triangulated (fewer than three source types).</p>\n", f);
	report_quote_rule(r, text, sizeof(text));
	el(f, "p", text);
}

/* ---- per domain ---- */

/* A table of sites by clusters first .. first + n - 1: its head, the clusters' codes titled with their names. */
static void
cluster_head(const struct report *r, const char *cls, int first, int n, FILE *f)
{
	fprintf(f, "<table class=\"%s\">\n<thead><tr><th>Site</th>", cls);
	for (int c = first; c < first + n; c++) {
		fputs("<th title=\"", f);
		out_html_text(f, r->frame.cl[c].title);
		fputs("\">", f);
		out_html_text(f, r->frame.cl[c].code);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
}

/* A level's cell, coloured by the level. */
static void
level_td(const struct report *r, int level, FILE *f)
{
	if (level == DASH_NE)
		fputs("<td class=\"ne\">", f);
	else if (level > 0 && level <= r->frame.levels)
		fprintf(f, "<td class=\"l%d\">", level);
	else
		fputs("<td>", f);
}

static void
grid_cell(const struct report *r, const struct dash_cell *c, FILE *f)
{
	char lv[8], self[8], team[8];

	report_level_text(c->consensus, lv, sizeof(lv));
	report_level_text(c->self, self, sizeof(self));
	report_median_text(dash_team_median(c), team, sizeof(team));
	level_td(r, c->consensus, f);
	fprintf(f, "<span class=\"lv\">%s</span>", lv);
	if (dash_team_spread(c) >= 2)
		fputs("<span class=\"mk\" title=\"raters differed by two levels\">!</span>", f);
	if (!dash_triangulated(c))
		fputs("<span class=\"mk\" title=\"not triangulated\">\xe2\x80\xa0</span>", f);
	if (*self || *team)
		fprintf(f, "<span class=\"st\">self %s \xc2\xb7 team %s</span>", *self ? self : "\xe2\x80\x93",
			*team ? team : "\xe2\x80\x93");
	fputs("</td>", f);
}

static void
grid(const struct report *r, const struct dash_domain *d, FILE *f)
{
	cluster_head(r, "grid", d->first, d->n, f);
	for (int s = 0; s < r->nsites; s++) {
		fputs("<tr><th scope=\"row\">", f);
		out_html_text(f, r->site[s].code);
		fputs("<span class=\"site-name\">", f);
		out_html_text(f, r->site[s].name);
		fputs("</span></th>", f);
		for (int c = d->first; c < d->first + d->n; c++)
			grid_cell(r, &r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c], f);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

/* ---- subgroup findings ---- */

/* Headings in th; figures right-aligned: every body cell of a figure column, a total row's where it holds one. */
static void
row(FILE *f, enum report_row kind, const enum report_cell *col, const char *const *cell, int n)
{
	bool head = kind == RR_HEAD || kind == RR_HEAD_TEXT;

	fputs(head ? "<thead><tr>" : "<tr>", f);
	for (int i = 0; i < n; i++) {
		const char *tag = kind == RR_BODY && col[i] != RC_STUB ? "td" : "th";
		bool figure = col[i] == RC_NUM || col[i] == RC_STAT;
		bool num = figure && (kind == RR_BODY || (kind == RR_TOTAL && *cell[i]));
		bool flag = col[i] == RC_FLAG && *cell[i] && !head;

		fprintf(f, num ? "<%s class=\"num\">" : "<%s>", tag);
		fputs(flag ? "<span class=\"flag\">" : "", f);
		if (kind == RR_HEAD || col[i] == RC_STUB || col[i] == RC_STAT)
			fputs(cell[i], f);
		else
			out_html_text(f, cell[i]);
		fputs(flag ? "</span>" : "", f);
		fprintf(f, "</%s>", tag);
	}
	fputs(head ? "</tr></thead>\n<tbody>\n" : "</tr>\n", f);
}

/* A horizontal bar per group, its rate on a common scale; withheld groups get no bar. */
static void
finding_chart(const struct subgroup_table *t, FILE *f)
{
	double top = 0.0;
	int h = 16 * (int)t->n + 8;

	for (size_t i = 0; i < t->n; i++)
		if (!t->row[i].hidden && t->row[i].stat.risk.defined && t->row[i].stat.risk.value > top)
			top = t->row[i].stat.risk.value;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"%d\" viewBox=\"0 0 560 %d\" "
		"role=\"img\" aria-label=\"Rate by group\">\n", h, h);
	for (size_t i = 0; i < t->n; i++) {
		const struct subgroup_entry *e = &t->row[i];
		int y = 4 + 16 * (int)i, w;
		char rate[16];

		fprintf(f, "<text x=\"206\" y=\"%d\" text-anchor=\"end\">", y + 11);
		out_html_text(f, e->name);
		fputs("</text>", f);
		report_rate_text(&e->stat.risk, e->hidden, rate, sizeof(rate));
		w = top > 0 && e->stat.risk.defined && !e->hidden ? (int)(300.0 * e->stat.risk.value / top + 0.5) : 0;
		fprintf(f, "<rect x=\"212\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>\n", y, w, e->flagged ? "#b00020" : "#7a8fa6",
			216 + w, y + 11, *rate ? rate : "no rate");
	}
	fputs("</svg>\n", f);
}

/* ---- key measures: always shown, with charts ---- */

static const char *const palette[] = {
	"#1f5f99", "#e6a100", "#2e7d32", "#8e44ad", "#d35400", "#00838f", "#5d4037", "#7a8fa6",
};

/* The ratio's line on a chart 300 units wide scaled to top. */
static int
ratio_x(double v, double top)
{
	return 212 + (int)(300.0 * (v > top ? top : v) / top + 0.5);
}

/* A bar per group: its risk ratio against all other students, with parity
 * (1) and the threshold marked; withheld and uncalculated groups say so. */
static void
ratio_chart(const struct subgroup_table *t, FILE *f)
{
	double thr = t->metric.favourable ? 1.0 / t->threshold : t->threshold, top = thr > 1.0 ? thr : 1.0;
	int h = 16 * (int)t->n + 24;

	for (size_t i = 0; i < t->n; i++)
		if (!t->row[i].hidden && t->row[i].stat.ratio.defined && t->row[i].stat.ratio.value > top)
			top = t->row[i].stat.ratio.value;
	top *= 1.1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"%d\" viewBox=\"0 0 600 %d\" "
		"role=\"img\" aria-label=\"Risk ratio by group\">\n", h, h);
	for (size_t i = 0; i < t->n; i++) {
		const struct subgroup_entry *e = &t->row[i];
		int y = 4 + 16 * (int)i, w = 0;
		char text[48];

		fprintf(f, "<text x=\"206\" y=\"%d\" text-anchor=\"end\">", y + 11);
		out_html_text(f, e->name);
		fputs("</text>", f);
		if (!e->hidden && e->stat.ratio.defined)
			w = ratio_x(e->stat.ratio.value, top) - 212;
		report_key_ratio_text(e, text, sizeof(text));
		fprintf(f, "<rect x=\"212\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">",
			y, w, e->flagged ? "#b00020" : "#7a8fa6", 216 + w, y + 11);
		out_html_text(f, e->hidden ? "withheld" : text);
		if (e->flagged)
			fputs(" \xe2\x80\x94 flagged", f);
		fputs("</text>\n", f);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#333\" stroke-dasharray=\"2,2\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"10\">1 = parity</text>\n", ratio_x(1.0, top), ratio_x(1.0, top),
		h - 12, ratio_x(1.0, top) + 2, h - 2);
	/* The threshold's label on the side away from parity, so the two never overlap. */
	fprintf(f, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#b00020\" stroke-dasharray=\"4,2\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#b00020\" text-anchor=\"%s\">threshold %.2f</text>\n",
		ratio_x(thr, top), ratio_x(thr, top), h - 12, ratio_x(thr, top) + (thr < 1.0 ? -2 : 2), h - 2,
		thr < 1.0 ? "end" : "start", thr);
	fputs("</svg>\n", f);
}

static double
trend_top(const struct report_key *k)
{
	double top = 0.0;

	for (int y = 0; y < k->nyears; y++)
		for (size_t i = 0; i < k->year[y].n; i++)
			if (!k->year[y].row[i].hidden && k->year[y].row[i].stat.risk.defined &&
			    k->year[y].row[i].stat.risk.value > top)
				top = k->year[y].row[i].stat.risk.value;
	return top > 0.0 ? top * 1.1 : 1.0;
}

/* Where group is on the trend chart in year y; false when withheld or missing. */
static bool
trend_point(const struct report_key *k, int y, const char *group, double top, int *x, int *py, bool *flagged)
{
	int i = subgroup_find(&k->year[y], group);
	const struct subgroup_entry *e = i >= 0 ? &k->year[y].row[i] : NULL;

	*x = 60 + 460 * y / (k->nyears - 1);
	if (!e || e->hidden || !e->stat.risk.defined)
		return false;
	*py = 150 - (int)(140.0 * e->stat.risk.value / top + 0.5);
	*flagged = e->flagged;
	return true;
}

/* One group's line across the years, a dot a year (ringed in red when
 * flagged); a year it is withheld or missing breaks the line. */
static void
trend_line(const struct report_key *k, const char *group, const char *colour, double top, FILE *f)
{
	bool open = false, flagged;
	int x, py;

	for (int y = 0; y < k->nyears; y++) {
		if (!trend_point(k, y, group, top, &x, &py, &flagged)) {
			if (open)
				fputs("\"/>\n", f);
			open = false;
			continue;
		}
		if (!open)
			fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
		fprintf(f, "%d,%d ", x, py);
		open = true;
	}
	if (open)
		fputs("\"/>\n", f);
	for (int y = 0; y < k->nyears; y++)
		if (trend_point(k, y, group, top, &x, &py, &flagged))
			fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"%d\" fill=\"%s\"%s/>\n", x, py, flagged ? 5 : 3,
				colour, flagged ? " stroke=\"#b00020\" stroke-width=\"2\"" : "");
}

/* Each group's risk over the years, on one scale, with a legend under it. */
static void
trend_chart(const struct report_key *k, FILE *f)
{
	const struct subgroup_table *last = report_key_latest(k);
	double top = trend_top(k);
	int h = 176 + 14 * (int)last->n;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"%d\" viewBox=\"0 0 600 %d\" "
		"role=\"img\" aria-label=\"Risk by group and year\">\n"
		"<line x1=\"56\" y1=\"150\" x2=\"524\" y2=\"150\" stroke=\"#333\"/>"
		"<text x=\"52\" y=\"14\" text-anchor=\"end\" font-size=\"10\">%.1f%%</text>"
		"<text x=\"52\" y=\"150\" text-anchor=\"end\" font-size=\"10\">0%%</text>\n", h, h, 100.0 * top);
	for (int y = 0; y < k->nyears; y++) {
		fprintf(f, "<text x=\"%d\" y=\"166\" text-anchor=\"middle\" font-size=\"10\">", 60 + 460 * y / (k->nyears - 1));
		out_html_text(f, k->year[y].key.year);
		fputs("</text>\n", f);
	}
	for (size_t i = 0; i < last->n; i++) {
		const char *colour = palette[i % ARRAY_SIZE(palette)];

		trend_line(k, last->row[i].name, colour, top, f);
		fprintf(f, "<rect x=\"60\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"76\" y=\"%d\">",
			172 + 14 * (int)i, colour, 181 + 14 * (int)i);
		out_html_text(f, last->row[i].name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

static void
key_trend(const struct report_key *k, FILE *f)
{
	fputs("<p class=\"note\">Risk by group, ", f);
	out_html_text(f, k->year[0].key.year);
	fputs(" to ", f);
	out_html_text(f, report_key_latest(k)->key.year);
	fputs(" (a red ring: flagged that year; a gap: withheld that year, or no figure).</p>\n", f);
	trend_chart(k, f);
}

/* ---- action plan: the plan module's model, in this writer's blocks ---- */

static void
plan_heading(FILE *f, int level, const char *text)
{
	fprintf(f, "<h%d>", level);
	out_html_text(f, text);
	fprintf(f, "</h%d>\n", level);
}

static void
plan_para(FILE *f, const char *label, const char *text)
{
	fputs("<p><strong>", f);
	out_html_text(f, label);
	fputs("</strong> ", f);
	out_html_text(f, text);
	fputs("</p>\n", f);
}

static void
plan_table_open(FILE *f)
{
	fputs("<table>\n", f);
}

static void
plan_row(FILE *f, const char *const *cells, int n, bool head)
{
	fputs("<tr>", f);
	for (int i = 0; i < n; i++) {
		fputs(head ? "<th>" : "<td>", f);
		out_html_text(f, cells[i]);
		fputs(head ? "</th>" : "</td>", f);
	}
	fputs("</tr>\n", f);
}

static void
plan_table_close(FILE *f)
{
	fputs("</table>\n", f);
}

static const struct report_plan_blocks plan_blocks = { plan_heading, plan_para, plan_table_open, plan_row,
							plan_table_close };

int
report_plan_html(const struct plan_doc *d, FILE *f)
{
	return report_plan_walk(d, &plan_blocks, f);
}

static void
plan(const struct report *r, FILE *f)
{
	fputs("<section class=\"plan\">\n", f);
	if (!report_has_plan(r)) {
		fputs("<h2>Action plan</h2>\n<p class=\"hook\">This review's database holds no action plan "
		      "yet.</p>\n</section>\n", f);
		return;
	}
	if (report_plan_section(r, &plan_blocks, f) != QREL_OK) {
		fputs("<p class=\"hook\">The action plan could not be read: ", f);
		out_html_text(f, error_message());
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- the deliverable: status, contents, executive summary, findings, recommendations ---- */

/* Repeated on every printed page: a fixed element prints on each page in
 * Chromium and WeasyPrint alike. */
static const char status_css[] =
	".status{position:fixed;top:0;right:0;font:700 9pt/1 system-ui,sans-serif;letter-spacing:.12em;"
	"padding:2mm 3mm;border:2px solid #8b0000;color:#8b0000;background:#fff}"
	".status.final{border-color:#1b5e20;color:#1b5e20}"
	".toc ol{margin:.2em 0 .6em 1.2em;padding:0}.toc a{color:inherit}"
	".heat td{min-width:7mm;text-align:center;font-size:8.5pt;padding:1px 2px}.heat th{font-size:8pt}"
	".glance{display:flex;gap:6mm;flex-wrap:wrap}.glance>div{flex:1;min-width:60mm}"
	".wf{margin:.2em 0 .8em;padding-left:3mm;border-left:4px solid #7a8fa6;break-inside:avoid}"
	".wf.strength{border-color:#2e7d32}.wf.growth{border-color:#c62828}"
	".wf .kind{font-weight:700}.consensus{margin:.2em 0 .4em}.consensus li{margin:.1em 0}"
	".rec{break-inside:avoid;margin:0 0 4mm}.prio{font-size:8.5pt;text-transform:uppercase;"
	"letter-spacing:.06em;color:#555}"
	".summary{padding-top:4mm}.summary p{margin:.3em 0}"
	"@page{@bottom-center{content:counter(page)}}";

static void
status_mark(const struct report *r, FILE *f)
{
	fprintf(f, "<style>%s</style>\n<div class=\"status %s\" role=\"note\">%s</div>\n", status_css,
		r->written.final ? "final" : "draft", report_status_text(r));
}

static void
contents(const struct report *r, FILE *f)
{
	fputs("<div class=\"toc\" role=\"navigation\">\n<h2>Contents</h2>\n<ol>\n"
	      "<li><a href=\"#summary\">Executive summary</a></li>\n"
	      "<li><a href=\"#findings\">Findings by domain</a><ol>\n", f);
	for (int d = 0; d < r->frame.ndom; d++) {
		fprintf(f, "<li><a href=\"#domain-%d\">", d + 1);
		out_html_text(f, r->frame.dom[d].title);
		fputs("</a></li>\n", f);
	}
	fputs("</ol></li>\n<li><a href=\"#recommendations\">Recommendations</a></li>\n"
	      "<li><a href=\"#next-steps\">Next steps</a></li>\n"
	      "<li><a href=\"#method\">Appendix A: Rubric grids and the evidence quoted</a></li>\n"
	      "<li><a href=\"#disproportionality\">Appendix B: Subgroup findings</a></li>\n"
	      "<li><a href=\"#agreement\">Appendix C: Rater agreement</a></li>\n"
	      "<li><a href=\"#rubric\">Appendix D: The rubric</a></li>\n</ol>\n</div>\n", f);
}

/* Sites by every cluster, consensus levels coloured: the one-page picture. */
static void
heat_map(const struct report *r, FILE *f)
{
	cluster_head(r, "heat", 0, r->frame.ncl, f);
	for (int s = 0; s < r->nsites; s++) {
		fputs("<tr><th scope=\"row\">", f);
		out_html_text(f, r->site[s].name);
		fputs("</th>", f);
		for (int c = 0; c < r->frame.ncl; c++) {
			int lv = r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c].consensus;
			char text[8];

			report_level_text(lv, text, sizeof(text));
			level_td(r, lv, f);
			fprintf(f, "%s</td>", text);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void
ranked(const struct report *r, const struct report_rank *k, int n, const char *title, FILE *f)
{
	fprintf(f, "<div>\n<h3>%s</h3>\n", title);
	if (!n)
		fputs("<p class=\"note\">No consensus levels yet.</p>\n", f);
	else
		fputs("<ol>\n", f);
	for (int i = 0; i < n; i++) {
		fputs("<li>", f);
		out_html_text(f, r->frame.cl[k[i].cluster].title);
		fprintf(f, " <small>(mean level %.1f over %d site%s)</small></li>\n", k[i].mean, k[i].sites,
			k[i].sites == 1 ? "" : "s");
	}
	fputs(n ? "</ol>\n</div>\n" : "</div>\n", f);
}

#define SUMMARY_FLAGS 8

static void
flagged(const struct report *r, FILE *f)
{
	char text[SUMMARY_FLAGS][SUBGROUP_FINDING];
	int total = report_flagged(r, text, SUMMARY_FLAGS);

	fputs("<h3>Flagged disproportionality</h3>\n", f);
	if (!total)
		fputs("<p>No group is flagged.</p>\n", f);
	else
		fputs("<ul>\n", f);
	for (int i = 0; i < total && i < SUMMARY_FLAGS; i++)
		el(f, "li", text[i]);
	if (total)
		fputs("</ul>\n", f);
	if (total > SUMMARY_FLAGS)
		fprintf(f, "<p class=\"note\">and %d more in <a href=\"#disproportionality\">the subgroup "
			"findings</a>.</p>\n", total - SUMMARY_FLAGS);
}

/* ---- what this writer gives the walk (report_walk.c) ---- */

/* The summary's picture: the heat map, the strongest and weakest clusters, the flagged groups. */
static void
glance(const struct report *r, FILE *f)
{
	heat_map(r, f);
	fputs("<div class=\"glance\">\n", f);
	ranked(r, r->strongest, r->nstrongest, "Strongest clusters", f);
	ranked(r, r->weakest, r->nweakest, "Clusters most in need of growth", f);
	fputs("</div>\n", f);
	flagged(r, f);
}

static void
front(const struct report *r, FILE *f)
{
	head(r, f);
	status_mark(r, f);
	cover(r, f);
	contents(r, f);
}

static void
back(const struct report *r, FILE *f)
{
	char now[21];

	(void)r;
	clock_now(now);
	fprintf(f, "<footer><p class=\"note\">Produced by qrel on %.10s.</p></footer>\n</body>\n</html>\n", now);
}

static const struct report_mark_text marks[RM_MARKS] = {
	[RM_H2] = { "<h2>", NULL, "</h2>\n" },
	[RM_H2_ANCHOR] = { "<h2 id=\"", "\">", "</h2>\n" },
	[RM_H3] = { "<h3>", NULL, "</h3>\n" },
	[RM_H4] = { "<h4>", NULL, "</h4>\n" },
	[RM_P] = { "<p>", NULL, "</p>\n" },
	[RM_NOTE] = { "<p class=\"note\">", NULL, "</p>\n" },
	[RM_NOTE_EM] = { "<p class=\"note\">", NULL, "</p>\n" },
	[RM_HOOK] = { "<p class=\"hook\">", NULL, "</p>\n" },
	[RM_PRIORITY] = { "<p class=\"prio\">", NULL, "</p>\n" },
	[RM_PRIORITY_ASIDE] = { " <span class=\"prio\">", NULL, "</span>" },
	[RM_UL] = { "<ul>\n", NULL, "</ul>\n" },
	[RM_UL_CONSENSUS] = { "<ul class=\"consensus\">\n", NULL, "</ul>\n" },
	[RM_OL] = { "<ol>\n", NULL, "</ol>\n" },
	[RM_LI] = { "<li>", NULL, "</li>\n" },
	[RM_LI_NUMBER] = { "<li value=\"", "\">", "</li>\n" },
	[RM_STRONG] = { "<strong>", NULL, "</strong>" },
	[RM_KIND] = { "<span class=\"kind\">", NULL, "</span>" },
	[RM_LINK] = { "<a href=\"#", "\">", "</a>" },
	[RM_QUOTE] = { "<blockquote class=\"", "\"><p>", "</p>" },
	[RM_QUOTE_BY] = { "<footer>", NULL, "</footer></blockquote>\n" },
	[RM_CITE_DATE] = { " \xc2\xb7 ", NULL, NULL },
	[RM_DATA] = { "<p class=\"note\">", NULL, "</p>\n" },
	[RM_ANSWERED] = { "<p class=\"note\">", NULL, "</p>\n" },
	[RM_QUOTES] = { "<div>\n", NULL, "</div>\n" },
	[RM_QUOTES_TITLE] = { "<h4>", NULL, "</h4>\n" },
	[RM_QUOTES_COUNT] = { " <small>", NULL, "</small>" },
	[RM_SECTION] = { "<section id=\"", "\">\n", "</section>\n" },
	[RM_SUMMARY] = { "<section id=\"summary\" class=\"summary\">\n", NULL, "</section>\n" },
	[RM_DOMAIN] = { "<section class=\"domain\">\n", NULL, "</section>\n" },
	[RM_EVIDENCE] = { "<div class=\"ev\">\n", NULL, "</div>\n" },
	[RM_FINDING] = { "<div class=\"finding\">\n", NULL, "</div>\n" },
	[RM_FINDING_STRENGTH] = { "<div class=\"wf strength\" id=\"", "\">\n", "</div>\n" },
	[RM_FINDING_GROWTH] = { "<div class=\"wf growth\" id=\"", "\">\n", "</div>\n" },
	[RM_REC] = { "<div class=\"rec\" id=\"", "\">\n", "</div>\n" },
	[RM_TABLE] = { "<table>\n", NULL, "</tbody>\n</table>\n" },
};

static const struct report_markup markup = {
	.text = out_html_text, .mark = marks, .row = row, .proto = PROTO_HTML, .front = front, .glance = glance,
	.legend = legend, .grid = grid, .key_chart = ratio_chart, .key_trend = key_trend,
	.finding_chart = finding_chart, .plan = plan, .back = back,
};

int
report_write_html(const struct report *r, FILE *f)
{
	return report_walk(r, &markup, f);
}
