/* report_md.c: the report as Markdown that GitHub, GitLab and Gitea render: pipe tables, user text escaped. */
#include "qrel/qrel.h"
#include "qrel/output.h"
#include "qrel/protocol.h"
#include "qrel/report.h"
#include "qrel/plan.h"
#include "qrel/settings.h"
#include "qrel/util.h"

/* ---- cover ---- */

static void
team(const struct report *r, FILE *f)
{
	static const char *const roles[][2] = {
		{ "lead", "Review lead" }, { "reviewer", "Reviewers" },
		{ "principal", "Principals (self-evaluation)" }, { "observer", "Observers" },
	};

	fputs("## Review team\n\n| Role | Members |\n|---|---|\n", f);
	for (size_t k = 0; k < ARRAY_SIZE(roles); k++) {
		bool first = true;

		for (int i = 0; i < r->nteam; i++) {
			if (strcmp(r->team[i].role, roles[k][0]) != 0)
				continue;
			fprintf(f, first ? "| %s | " : ", ", roles[k][1]);
			out_md_text(f, r->team[i].name);
			if (*r->team[i].site) {
				fputs(" (", f);
				out_md_text(f, r->team[i].site);
				fputs(")", f);
			}
			first = false;
		}
		if (!first)
			fputs(" |\n", f);
	}
	fputs("\n", f);
}

static void
cover(const struct report *r, FILE *f)
{
	int total = 0;

	fputs("# ", f);
	out_md_text(f, r->title);
	fprintf(f, " (%s)", report_status_text(r));
	fputs("\n\n*Quality Review through an Equity Lens*", f);
	if (*r->district) {
		fputs(" \xc2\xb7 ", f);
		out_md_text(f, r->district);
	}
	fprintf(f, "\n\nReview dates: %s to %s%s.\n\n", *r->starts ? r->starts : "not recorded",
		*r->ends ? r->ends : "not recorded", r->activity_dates ? "" : " (dates of the evidence notes)");
	if (r->opt.site && r->nsites) {
		fputs("This report covers one site: **", f);
		out_md_text(f, r->site[0].code);
		fputs("** ", f);
		out_md_text(f, r->site[0].name);
		fputs(".\n\n", f);
	}
	team(r, f);
	fputs("## Method\n\n| Activity | Count |\n|---|---:|\n", f);
	for (int i = 0; i < REPORT_SOURCES; i++) {
		fprintf(f, "| %s | %d |\n", report_source_label(i), r->activities[i]);
		total += r->activities[i];
	}
	fprintf(f, "| **All activities** | **%d** |\n\n", total);
	if (r->nrates)
		fputs("Survey response rates:\n\n", f);
	for (size_t i = 0; i < r->nrates; i++) {
		char line[512];

		report_rate_line(&r->rate[i], line, sizeof(line));
		fputs("- ", f);
		out_md_text(f, line);
		fputc('\n', f);
	}
	if (r->nrates)
		fputc('\n', f);
	if (r->documents[0] + r->documents[1] + r->documents[2])
		fprintf(f, "Documents: %d reviewed, %d received and waiting, %d requested and not yet received.\n\n",
			r->documents[2], r->documents[1], r->documents[0]);
	if (!r->frame.ngrp)
		return;
	fputs("| Stakeholder group | Activities |\n|---|---:|\n", f);
	for (int i = 0; i < r->frame.ngrp && i < 32; i++) {
		fputs("| ", f);
		out_md_text(f, r->frame.grp[i].title);
		fprintf(f, " | %d |\n", r->voice_activities[i]);
	}
	fprintf(f, "\nParticipants recorded in the activities: %ld.\n\n", r->voice_people);
}

static void
legend(const struct report *r, FILE *f)
{
	char text[200];

	fputs("## Reading the rubric grids\n\nLevels: ", f);
	for (int i = 1; i <= r->frame.levels; i++) {
		fprintf(f, "%s**%d** ", i > 1 ? ", " : "", i);
		out_md_text(f, r->frame.label[i - 1]);
	}
	fputs("; **NE** insufficient evidence; a blank cell: no consensus yet.\n\n"
	      "Each cell gives the team's consensus level for a cluster at a site, then the school's "
	      "self-evaluation and the team's median level before consensus. **!** marks a cluster where "
	      "team raters differed by two levels or more; **\xe2\x80\xa0** marks one whose evidence is not "
	      "triangulated (fewer than three source types).\n\n", f);
	report_quote_rule(r, text, sizeof(text));
	fprintf(f, "%s\n\n", text);
}

/* ---- per domain ---- */

static void
grid_cell(const struct dash_cell *c, FILE *f)
{
	char lv[8], self[8], team_m[8];

	report_level_text(c->consensus, lv, sizeof(lv));
	report_level_text(c->self, self, sizeof(self));
	report_median_text(dash_team_median(c), team_m, sizeof(team_m));
	fputs(" ", f);
	if (*lv)
		fprintf(f, "**%s**", lv);
	if (dash_team_spread(c) >= 2)
		fputs(" !", f);
	if (!dash_triangulated(c))
		fputs(" \xe2\x80\xa0", f);
	if (*self || *team_m)
		fprintf(f, "<br>self %s \xc2\xb7 team %s", *self ? self : "\xe2\x80\x93", *team_m ? team_m : "\xe2\x80\x93");
	fputs(" |", f);
}

static void
grid(const struct report *r, const struct dash_domain *d, FILE *f)
{
	fputs("| Site |", f);
	for (int c = d->first; c < d->first + d->n; c++) {
		fputs(" ", f);
		out_md_text(f, r->frame.cl[c].code);
		fputs(" |", f);
	}
	fputs("\n|---|", f);
	for (int c = 0; c < d->n; c++)
		fputs(":---:|", f);
	fputs("\n", f);
	for (int s = 0; s < r->nsites; s++) {
		fputs("| **", f);
		out_md_text(f, r->site[s].code);
		fputs("** ", f);
		out_md_text(f, r->site[s].name);
		fputs(" |", f);
		for (int c = d->first; c < d->first + d->n; c++)
			grid_cell(&r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c], f);
		fputs("\n", f);
	}
	fputs("\n", f);
}

/* ---- subgroup findings ---- */

/* Head and total rows leave an empty cell empty; a total's label and a flag are bold. */
static void
row(FILE *f, enum report_row kind, const enum report_cell *col, const char *const *cell, int n)
{
	fputc('|', f);
	for (int i = 0; i < n; i++) {
		bool bold = (kind == RR_TOTAL && col[i] == RC_LABEL) || (col[i] == RC_FLAG && *cell[i]);

		if (kind != RR_BODY && !*cell[i]) {
			fputs(" |", f);
			continue;
		}
		fputs(bold ? " **" : " ", f);
		if (kind == RR_HEAD || col[i] == RC_STUB || col[i] == RC_STAT)
			fputs(cell[i], f);
		else
			out_md_text(f, cell[i]);
		fputs(bold ? "** |" : " |", f);
	}
	fputc('\n', f);
	if (kind != RR_HEAD && kind != RR_HEAD_TEXT)
		return;
	fputc('|', f);
	for (int i = 0; i < n; i++)
		fputs(col[i] == RC_NUM || col[i] == RC_STAT ? "---:|" : "---|", f);
	fputc('\n', f);
}

/* Risk (and risk ratio) by group across the years. */
static void
key_trend(const struct report_key *k, FILE *f)
{
	const struct subgroup_table *last = report_key_latest(k);

	fputs("Risk by year (risk ratio in brackets):\n\n| Group |", f);
	for (int y = 0; y < k->nyears; y++)
		fprintf(f, " %s |", k->year[y].key.year);
	fputs("\n|---|", f);
	for (int y = 0; y < k->nyears; y++)
		fputs("---:|", f);
	fputs("\n", f);
	for (size_t i = 0; i < last->n; i++) {
		fputs("| ", f);
		out_md_text(f, last->row[i].name);
		fputs(" |", f);
		for (int y = 0; y < k->nyears; y++) {
			int j = subgroup_find(&k->year[y], last->row[i].name);
			const struct subgroup_entry *e = j >= 0 ? &k->year[y].row[j] : NULL;
			char risk[24], ratio[48];

			if (!e) {
				fputs(" |", f);
				continue;
			}
			report_rate_text(&e->stat.risk, e->hidden, risk, sizeof(risk));
			report_key_ratio_text(e, ratio, sizeof(ratio));
			fputs(" ", f);
			out_md_text(f, risk);
			if (!e->hidden) {
				fputs(" (", f);
				out_md_text(f, ratio);
				fputs(")", f);
			}
			fputs(e->flagged ? " **flagged** |" : " |", f);
		}
		fputs("\n", f);
	}
	fputs("\n", f);
}

/* ---- action plan: the plan module's model, in this writer's blocks ---- */

static void
plan_heading(FILE *f, int level, const char *text)
{
	fprintf(f, "%.*s ", level, "######");
	out_md_text(f, text);
	fputs("\n\n", f);
}

static void
plan_para(FILE *f, const char *label, const char *text)
{
	fputs("**", f);
	out_md_text(f, label);
	fputs("** ", f);
	out_md_text(f, text);
	fputs("\n\n", f);
}

static void
plan_table_open(FILE *f)
{
	(void)f;	/* a Markdown table starts with its heading row */
}

static void
plan_row(FILE *f, const char *const *cells, int n, bool head)
{
	fputc('|', f);
	for (int i = 0; i < n; i++) {
		fputc(' ', f);
		out_md_text(f, cells[i]);
		fputs(" |", f);
	}
	fputc('\n', f);
	if (head) {
		fputc('|', f);
		for (int i = 0; i < n; i++)
			fputs("---|", f);
		fputc('\n', f);
	}
}

static void
plan_table_close(FILE *f)
{
	fputc('\n', f);
}

static const struct report_plan_blocks plan_blocks = { plan_heading, plan_para, plan_table_open, plan_row,
							plan_table_close };

int
report_plan_md(const struct plan_doc *d, FILE *f)
{
	return report_plan_walk(d, &plan_blocks, f);
}

static void
plan(const struct report *r, FILE *f)
{
	if (!report_has_plan(r)) {
		fputs("## Action plan\n\nThis review's database holds no action plan yet.\n\n", f);
		return;
	}
	if (report_plan_section(r, &plan_blocks, f) != QREL_OK) {
		fputs("\nThe action plan could not be read: ", f);
		out_md_text(f, error_message());
		fputs("\n\n", f);
	}
	fputs("\n", f);
}

/* ---- the deliverable: status, executive summary, findings, recommendations ---- */

/* Markdown has no pages: the status heads the file and closes it. */
static void
status_line(const struct report *r, FILE *f)
{
	fprintf(f, "**%s** \xe2\x80\x94 %s\n\n", report_status_text(r),
		r->written.final ? "the final report, as the review lead signed it off"
				 : "a draft: findings and recommendations may still change");
}

static void
heat_map(const struct report *r, FILE *f)
{
	fputs("| Site |", f);
	for (int c = 0; c < r->frame.ncl; c++) {
		fputc(' ', f);
		out_md_text(f, r->frame.cl[c].code);
		fputs(" |", f);
	}
	fputs("\n|---|", f);
	for (int c = 0; c < r->frame.ncl; c++)
		fputs(":-:|", f);
	fputc('\n', f);
	for (int s = 0; s < r->nsites; s++) {
		fputs("| ", f);
		out_md_text(f, r->site[s].name);
		fputs(" |", f);
		for (int c = 0; c < r->frame.ncl; c++) {
			char text[8];

			report_level_text(r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c].consensus, text,
					  sizeof(text));
			fprintf(f, " %s |", text);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void
ranked(const struct report *r, const struct report_rank *k, int n, const char *title, FILE *f)
{
	fprintf(f, "**%s:**", title);
	if (!n)
		fputs(" no consensus levels yet.", f);
	for (int i = 0; i < n; i++) {
		fputs(i ? "; " : " ", f);
		out_md_text(f, r->frame.cl[k[i].cluster].title);
		fprintf(f, " (mean level %.1f over %d site%s)", k[i].mean, k[i].sites, k[i].sites == 1 ? "" : "s");
	}
	fputs(".\n\n", f);
}

#define SUMMARY_FLAGS 8

static void
flagged(const struct report *r, FILE *f)
{
	char text[SUMMARY_FLAGS][SUBGROUP_FINDING];
	int total = report_flagged(r, text, SUMMARY_FLAGS);

	fputs("### Flagged disproportionality\n\n", f);
	for (int i = 0; i < total && i < SUMMARY_FLAGS; i++) {
		fputs("- ", f);
		out_md_text(f, text[i]);
		fputc('\n', f);
	}
	if (total > SUMMARY_FLAGS)
		fprintf(f, "- and %d more in the subgroup findings.\n", total - SUMMARY_FLAGS);
	fputs(total ? "\n" : "No group is flagged.\n\n", f);
}

/* ---- what this writer gives the walk (report_walk.c) ---- */

/* The summary's picture: the heat map, the strongest and weakest clusters, the flagged groups. */
static void
glance(const struct report *r, FILE *f)
{
	heat_map(r, f);
	ranked(r, r->strongest, r->nstrongest, "Strongest clusters", f);
	ranked(r, r->weakest, r->nweakest, "Clusters most in need of growth", f);
	flagged(r, f);
}

static void
front(const struct report *r, FILE *f)
{
	cover(r, f);
	status_line(r, f);
}

static void
back(const struct report *r, FILE *f)
{
	char now[21];

	clock_now(now);
	fprintf(f, "---\n\n*Produced by qrel on %.10s.* ", now);
	status_line(r, f);
}

/* Markdown has no blocks that group others, nor links: their marks are left out. */
static const struct report_mark_text marks[RM_MARKS] = {
	[RM_H2] = { "## ", NULL, "\n\n" },
	[RM_H2_ANCHOR] = { "## ", NULL, "\n\n" },
	[RM_H3] = { "### ", NULL, "\n\n" },
	[RM_H4] = { "#### ", NULL, "\n\n" },
	[RM_P] = { NULL, NULL, "\n\n" },
	[RM_NOTE] = { NULL, NULL, "\n\n" },
	[RM_NOTE_EM] = { "*", NULL, "*\n\n" },
	[RM_HOOK] = { "*", NULL, "*\n\n" },
	[RM_PRIORITY] = { "*", NULL, "*\n\n" },
	[RM_PRIORITY_ASIDE] = { " (", NULL, ")" },
	[RM_UL] = { NULL, NULL, "\n" },
	[RM_UL_CONSENSUS] = { NULL, NULL, "\n" },
	[RM_OL] = { NULL, NULL, "\n" },
	[RM_LI] = { "- ", NULL, "\n" },
	[RM_LI_NUMBER] = { NULL, ". ", "\n" },
	[RM_STRONG] = { "**", NULL, "**" },
	[RM_KIND] = { "**", NULL, "**" },
	[RM_QUOTE] = { "> ", NULL, NULL },
	[RM_QUOTE_BY] = { "\n>\n> \xe2\x80\x94 ", NULL, "\n\n" },
	[RM_CITE_DATE] = { ", ", NULL, NULL },
	[RM_DATA] = { "- ", NULL, "\n" },
	[RM_ANSWERED] = { "\n*", NULL, "*\n" },
	[RM_QUOTES_TITLE] = { "**", NULL, "\n\n" },
	[RM_QUOTES_COUNT] = { "** ", NULL, NULL },	/* the bold title ends at the count */
	[RM_FINDING_STRENGTH] = { NULL, NULL, "\n" },
	[RM_FINDING_GROWTH] = { NULL, NULL, "\n" },
	[RM_TABLE] = { NULL, NULL, "\n" },
};

static const struct report_markup markup = {
	.text = out_md_text, .mark = marks, .row = row, .proto = PROTO_MD, .front = front, .glance = glance,
	.legend = legend, .grid = grid, .key_trend = key_trend, .plan = plan, .back = back,
};

int
report_write_md(const struct report *r, FILE *f)
{
	return report_walk(r, &markup, f);
}
