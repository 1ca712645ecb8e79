/* report_plan.c: the action plan as a section of the report, walked once for
 * every format: the HTML and Markdown writers give the blocks (heading,
 * paragraph, table rows) and escape the text with their format's one escaper. */
#include "qrel/qrel.h"
#include "qrel/plan.h"
#include "qrel/report.h"

static void
causes(const struct report_plan_blocks *b, FILE *f, const struct plan_objective *o)
{
	static const char *const head[] = { "Root cause", "Rests on" };

	if (!o->ncauses)
		return;
	b->table_open(f);
	b->row(f, head, 2, true);
	for (int c = 0; c < o->ncauses; c++) {
		const char *cells[2] = { o->cause[c].text, o->cause[c].nlinks ? "" : "(no evidence linked yet)" };

		if (o->cause[c].nlinks)
			cells[1] = o->cause[c].link[0].label;
		b->row(f, cells, 2, false);
		for (int l = 1; l < o->cause[c].nlinks; l++) {
			const char *more[2] = { "", o->cause[c].link[l].label };

			b->row(f, more, 2, false);
		}
	}
	b->table_close(f);
}

static void
metrics(const struct report_plan_blocks *b, FILE *f, const struct plan_objective *o)
{
	static const char *const head[] = { "Metric of impact", "Baseline", "Target", "Latest" };

	if (!o->nmetrics)
		return;
	b->table_open(f);
	b->row(f, head, 4, true);
	for (int i = 0; i < o->nmetrics; i++) {
		char base[64], target[64], latest[64];
		const char *cells[4] = { o->metric[i].label, base, target, latest };

		plan_metric_cells(&o->metric[i], base, target, latest, sizeof(base));
		b->row(f, cells, 4, false);
	}
	b->table_close(f);
}

static void
steps(const struct report_plan_blocks *b, FILE *f, const struct plan_objective *o)
{
	static const char *const head[] = { "Action step", "Lead", "Resources", "Start", "Due", "Status" };

	if (!o->nsteps)
		return;
	b->table_open(f);
	b->row(f, head, 6, true);
	for (int i = 0; i < o->nsteps; i++) {
		const struct plan_step *s = &o->step[i];
		char status[32];
		const char *cells[6] = { s->description, s->lead, s->resources, s->starts, s->due, status };

		snprintf(status, sizeof(status), "%s%s", plan_status_label(s->status), s->overdue ? " (overdue)" : "");
		b->row(f, cells, 6, false);
	}
	b->table_close(f);
}

static void
objective(const struct report_plan_blocks *b, FILE *f, const struct plan_objective *o)
{
	char title[600], progress[64];

	snprintf(title, sizeof(title), "%d. %s (%s)", o->position, o->title, o->scope);
	b->heading(f, 3, title);
	if (*o->theory_if || *o->theory_then) {
		char toa[1200];

		snprintf(toa, sizeof(toa), "If %s, then %s.", *o->theory_if ? o->theory_if : "...",
			 *o->theory_then ? o->theory_then : "...");
		b->para(f, "Theory of action:", toa);
	}
	if (*o->stakeholders)
		b->para(f, "Stakeholders:", o->stakeholders);
	causes(b, f, o);
	metrics(b, f, o);
	snprintf(progress, sizeof(progress), "%d of %d steps done%s", o->steps_done, o->steps_live,
		 o->overdue ? ", some overdue" : "");
	b->para(f, "Progress:", progress);
	steps(b, f, o);
}

int
report_plan_walk(const struct plan_doc *d, const struct report_plan_blocks *b, FILE *f)
{
	b->heading(f, 2, "Action plan");
	if (!d->n)
		b->para(f, "No objectives yet.", "Objectives will be drawn from the recommendations and findings.");
	for (int i = 0; i < d->n; i++)
		objective(b, f, &d->obj[i]);
	if (fflush(f) != 0 || ferror(f))
		return error(QREL_IO, "writing the action plan: %s", strerror(errno));
	return QREL_OK;
}

int
report_plan_section(const struct report *r, const struct report_plan_blocks *b, FILE *f)
{
	struct plan_doc d;
	int rc;

	if ((rc = plan_load(r->db, r->review, r->min_display, &d)) != QREL_OK)
		return rc;
	rc = report_plan_walk(&d, b, f);
	plan_doc_free(&d);
	return rc;
}
