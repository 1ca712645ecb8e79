/* report_text.c: what the report's writers share: cell, number and sentence texts. */
#include "qrel/qrel.h"
#include "qrel/report.h"
#include "qrel/db.h"
#include "qrel/util.h"

void
report_level_text(int level, char *buf, size_t size)
{
	if (level == DASH_NE)
		snprintf(buf, size, "NE");
	else if (level > 0)
		snprintf(buf, size, "%d", level);
	else
		snprintf(buf, size, "%s", "");
}

/* Halves only: "2" or "2.5", never a locale's comma. */
void
report_median_text(double m, char *buf, size_t size)
{
	int halves = (int)(m * 2.0 + 0.5);

	if (halves <= 0)
		snprintf(buf, size, "%s", "");
	else if (halves % 2)
		snprintf(buf, size, "%d.5", halves / 2);
	else
		snprintf(buf, size, "%d", halves / 2);
}

/* Four decimals with a '.', whatever the locale (agreement can be negative). */
void
report_stat_text(const struct agree_value *v, char *buf, size_t size)
{
	long x;

	if (!v->defined) {
		snprintf(buf, size, "n/a");
		return;
	}
	x = v->value < 0 ? (long)(-v->value * 100.0 + 0.5) : (long)(v->value * 100.0 + 0.5);
	snprintf(buf, size, "%s%ld.%02ld", v->value < 0 && x ? "-" : "", x / 100, x % 100);
}

static const char *const agree_names[REPORT_AGREE_STATS] = {
	"exact_agreement", "adjacent_agreement", "cohen_kappa", "weighted_kappa_linear",
	"weighted_kappa_quadratic", "fleiss_kappa", "alpha_nominal", "alpha_ordinal", "alpha_interval",
};
static const char *const agree_labels[REPORT_AGREE_STATS] = {
	"Exact agreement", "Adjacent agreement", "Cohen's kappa", "Weighted kappa (linear)",
	"Weighted kappa (quadratic)", "Fleiss' kappa", "Krippendorff's alpha (nominal)",
	"Krippendorff's alpha (ordinal)", "Krippendorff's alpha (interval)",
};

const char *
report_agree_name(int i)
{
	return i >= 0 && i < REPORT_AGREE_STATS ? agree_names[i] : "";
}

const char *
report_agree_label(int i)
{
	return i >= 0 && i < REPORT_AGREE_STATS ? agree_labels[i] : "";
}

const struct agree_value *
report_agree_value(const struct agree_result *r, int i)
{
	const struct agree_value *v[REPORT_AGREE_STATS] = {
		&r->exact, &r->adjacent, &r->cohen, &r->kappa_linear, &r->kappa_quadratic,
		&r->fleiss, &r->alpha_nominal, &r->alpha_ordinal, &r->alpha_interval,
	};

	return i >= 0 && i < REPORT_AGREE_STATS ? v[i] : &r->exact;
}

/* One decimal of a percentage, '.' whatever the locale. */
void
report_rate_text(const struct risk_value *v, bool hidden, char *buf, size_t size)
{
	long x;

	if (hidden) {
		snprintf(buf, size, "*");
		return;
	}
	if (!v->defined) {
		snprintf(buf, size, "%s", "");
		return;
	}
	x = (long)(v->value * 1000.0 + 0.5);
	snprintf(buf, size, "%ld.%ld%%", x / 10, x % 10);
}

void
report_quote_rule(const struct report *r, char *buf, size_t size)
{
	snprintf(buf, size, "Each cluster quotes at most the %d most recent strengths and the %d most "
		 "recent areas for growth%s; the counts say how many notes there are in all.",
		 r->opt.quotes, r->opt.quotes, r->opt.site ? " at this site" : " across the sites");
}

bool
report_has_plan(const struct report *r)
{
	return r->plan_visible &&
	       db_int(r->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'objective'") > 0;
}

bool
report_agree_defined(const struct report *r, int i)
{
	if (report_agree_value(&r->agree_all, i)->defined)
		return true;
	for (int d = 0; d < r->frame.ndom; d++)
		if (report_agree_value(&r->agree_domain[d], i)->defined)
			return true;
	return false;
}

void
report_agree_omitted(const struct report *r, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < REPORT_AGREE_STATS && used < size; i++) {
		const struct agree_value *v = report_agree_value(&r->agree_all, i);

		if (!report_agree_defined(r, i))
			used += (size_t)snprintf(buf + used, size - used, "%s%s (%s)", used ? "; " : "",
						 report_agree_label(i), v->why ? v->why : "the data cannot give it");
	}
}

struct flagged {
	char (*out)[SUBGROUP_FINDING];
	int n, max;
};

/* A table's findings into the list; non-zero (stop) once it is full. */
static int
flagged_add(void *ctx, const struct subgroup_table *t)
{
	struct flagged *l = ctx;
	char text[SUBGROUP_FINDING];

	for (size_t i = 0; i < t->n && l->n < l->max; i++)
		if (subgroup_finding(t, i, text, sizeof(text)) == QREL_OK)
			memcpy(l->out[l->n++], text, sizeof(text));
	return l->n >= l->max;
}

int
report_flagged(const struct report *r, char (*out)[SUBGROUP_FINDING], int max)
{
	/* The first max from the spool; the total was counted as it was made. */
	if (max > 0)
		report_each_finding(r, flagged_add, &(struct flagged){ out, 0, max });
	return (int)r->nflagged;
}

char *
report_paragraph(const char **p)
{
	while (*p && **p) {
		const char *end = strstr(*p, "\n\n");
		size_t n = end ? (size_t)(end - *p) : strlen(*p);
		char *block = strndup(*p, n), *t;

		*p = end ? end + 2 : NULL;
		if (block && *(t = str_trim(block))) {
			memmove(block, t, strlen(t) + 1);
			return block;
		}
		free(block);
	}
	return NULL;
}

int
report_answered_by(const struct report *r, int64_t finding, int from)
{
	for (int i = from < 0 ? 0 : from; i < r->written.nrec; i++)
		for (int k = 0; k < r->written.rec[i].nfindings; k++)
			if (r->written.rec[i].finding[k] == finding)
				return i;
	return -1;
}

bool
report_consensus_text(const struct report *r, int s, int c, char *buf, size_t size)
{
	const struct dash_cell *cell = &r->cell[(size_t)s * (size_t)r->frame.ncl + (size_t)c];
	int lv = cell->consensus;
	const char *why = report_rationale(r, s, c);
	char voice[VOICE_LIST_MAX + 64];

	if (lv == DASH_NE)
		snprintf(buf, size, "not enough evidence to judge");
	else if (lv > 0 && lv <= r->frame.levels)
		snprintf(buf, size, "%s (level %d)", r->frame.label[lv - 1], lv);
	else
		return false;
	if (why)
		snprintf(buf + strlen(buf), size - strlen(buf), " \xe2\x80\x94 %s", why);
	dash_voice_text(&r->frame, cell, voice, sizeof(voice));
	snprintf(buf + strlen(buf), size - strlen(buf), " (evidence: %s)", voice);
	return true;
}
