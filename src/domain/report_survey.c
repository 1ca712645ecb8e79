/* report_survey.c: what the report takes from the surveys and the document
 * register: response rates and documents reviewed for the method section, and
 * the survey items each finding cites. */
#include "qrel/qrel.h"
#include "qrel/document.h"
#include "qrel/report.h"
#include "qrel/survey.h"

/* Appends finding f's cited survey items to its data lines. */
static int
append_cites(const struct report *r, struct finding *f)
{
	char (*lines)[320], (*all)[320];
	int n, rc = survey_cited(r->db, f->id, r->min_display, &lines, &n);

	if (rc != QREL_OK || n == 0) {
		free(lines);
		return rc;
	}
	if (!(all = realloc(f->subgroup, (size_t)(f->nsubgroups + n) * sizeof(*all)))) {
		free(lines);
		return error(QREL_NOMEM, "out of memory");
	}
	memcpy(all[f->nsubgroups], lines, (size_t)n * sizeof(*lines));
	f->subgroup = all;
	f->nsubgroups += n;
	free(lines);
	return QREL_OK;
}

/* The register's documents by status (at the report's site, or all). */
static int
count_documents(struct report *r)
{
	static const char *const status[] = { "requested", "received", "reviewed" };
	struct document_row *rows;
	size_t n;
	int rc = document_list(r->db, r->review, &r->viewer, false, &rows, &n);

	memset(r->documents, 0, sizeof(r->documents));
	for (size_t i = 0; rc == QREL_OK && i < n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(status); k++)
			if ((!r->opt.site || rows[i].site == r->opt.site) && strcmp(rows[i].status, status[k]) == 0)
				r->documents[k]++;
	free(rows);
	return rc;
}

int
report_read_surveys(struct report *r)
{
	int rc = survey_rates(r->db, r->review, &r->viewer, r->opt.site, &r->rate, &r->nrates);

	if (rc == QREL_OK)
		rc = count_documents(r);

	for (int i = 0; rc == QREL_OK && i < r->written.nf; i++)
		rc = append_cites(r, &r->written.f[i]);
	return rc;
}

void
report_rate_line(const struct survey_rate *s, char *buf, size_t size)
{
	if (s->invited)
		snprintf(buf, size, "%s, %s (%s): %ld of %ld invited responded (%.0f%%)", s->instrument, s->group,
			 s->site_code, s->responded, s->invited, 100.0 * (double)s->responded / (double)s->invited);
	else
		snprintf(buf, size, "%s, %s (%s): %ld responded", s->instrument, s->group, s->site_code,
			 s->responded);
}
